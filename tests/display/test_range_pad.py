"""The room the charts leave above and below their data."""

import pytest

from farm_gui.display.log_scale import MIN_PAD_DECADES, range_pad


def test_a_share_gets_room_in_its_own_scale():
    assert range_pad(0.6, 1.0, log=False) == pytest.approx(0.02)  # not half a unit: an axis to 1.5


def test_counts_and_flat_data():
    assert range_pad(0, 1000, log=False) == pytest.approx(50)
    assert range_pad(300, 300, log=False) == pytest.approx(6)  # a fiftieth of a flat value
    assert range_pad(0, 0, log=False) == 0.5  # flat at zero: still a range
    assert range_pad(-2, -2, log=False) == pytest.approx(0.04)


def test_log_ranges_keep_a_twentieth_of_a_decade():
    assert range_pad(1, 1, log=True) == MIN_PAD_DECADES
    assert range_pad(0, 4, log=True) == pytest.approx(0.2)
