"""Peak pyramids: the chart decimation that keeps frame cost flat."""

from __future__ import annotations

import numpy as np
import pytest

from farm_gui.display.envelope import EnvelopeTrace, PeakPyramid, bin_size


def brute_envelope(y, xs):
    """min/max of y over each bin starting at xs[::2] (bins end at the next start)."""
    starts = xs[::2].astype(int)
    ends = np.append(starts[1:], len(y))
    return np.column_stack([[y[a:b].min() for a, b in zip(starts, ends, strict=True)],
                            [y[a:b].max() for a, b in zip(starts, ends, strict=True)]]).ravel()


@pytest.mark.parametrize("n", [10, 5_000, 123_457])
def test_window_matches_brute_force(n):
    rng = np.random.default_rng(n)
    y = rng.normal(size=n).cumsum()
    pyramid = PeakPyramid()
    for cut in np.linspace(0, n, 7).astype(int):  # fed incrementally, like a live run
        pyramid.update(y[:cut])
    pyramid.update(y)
    for start, stop in ((0, n), (n // 3, n // 2), (max(0, n - 17), n)):
        xs, ys = pyramid.window(y, start, stop, max_points=400)
        assert len(xs) == len(ys) <= 2 * 400 + 4
        if stop - start <= 400:
            np.testing.assert_array_equal(ys, y[start:stop])
        else:
            np.testing.assert_allclose(ys, brute_envelope(y[: stop], xs)[: len(ys)])
            assert ys.max() == y[int(xs[0]):stop].max() or ys.max() == y[start:stop].max()


def test_nan_values_are_skipped_in_envelopes():
    y = np.arange(1000, dtype=float)
    y[::7] = np.nan
    pyramid = PeakPyramid()
    pyramid.update(y)
    _xs, ys = pyramid.window(y, 0, 1000, 100)
    assert np.isfinite(ys).all()


def test_output_size_stays_flat_as_points_pile_up():
    pyramid = PeakPyramid()
    sizes = []
    y = np.random.default_rng(1).random(2_000_000)
    for n in (10_000, 100_000, 2_000_000):
        pyramid.update(y[:n])
        sizes.append(len(pyramid.window(y[:n], 0, n, 1600)[0]))
    assert max(sizes) <= 3300 and min(sizes) >= 800


def test_a_young_live_series_drawn_frame_by_frame_matches_brute_force():
    """Bins of 2-8 points (cached from the start and extended with new points) give the
    same envelope as computing them afresh, frame after frame while the series grows."""
    y = np.random.default_rng(7).normal(size=6_000).cumsum()
    pyramid = PeakPyramid()
    bin_sizes = set()
    for n in range(300, 6_000, 233):
        live = y[:n]
        pyramid.update(live)
        xs, ys = pyramid.window(live, 0, n, max_points=500)
        if n <= 500:
            np.testing.assert_array_equal(ys, live)
        else:
            np.testing.assert_array_equal(ys, brute_envelope(live, xs))
            bin_sizes.add(int(xs[2] - xs[0]))
    assert {2, 4, 8} <= bin_sizes


@pytest.mark.parametrize(("start", "max_points"), [(0, 500), (0, 60), (1_234, 300)])
def test_a_trace_extended_frame_by_frame_equals_a_fresh_window(start, max_points):
    """The points a live curve draws, kept and extended with new points only, are the
    ones a fresh window computes, frame after frame, through raw points, small bins,
    stored levels and bins coarser than any stored level; so are their bounds."""
    rng = np.random.default_rng(11)
    y = rng.normal(size=200_000).cumsum()
    y[rng.integers(0, len(y), 50)] = np.nan
    y[5_000:5_100] = np.nan  # whole bins of NaN at the small bin sizes
    trace = EnvelopeTrace()
    n, sizes, extended = start + 50, set(), 0
    while n < len(y):
        live = y[:n]
        unchanged = trace.update(live, start, n, max_points, x0=7.0)
        extended += unchanged > 0
        fresh = PeakPyramid()
        fresh.update(live)
        xs, ys = fresh.window(live, start, n, max_points)
        np.testing.assert_array_equal(trace.x, xs + 7.0)
        np.testing.assert_array_equal(trace.y, ys)
        finite = ys[np.isfinite(ys)]
        assert trace.bounds == (finite.min(), finite.max())
        assert trace.all_finite == bool(np.isfinite(ys).all())
        sizes.add(bin_size(n - start, max_points))
        n += int(rng.integers(1, 40)) + n // 50
    assert extended > 0.8 * len(sizes) and {1, 2, 16, 256} <= sizes


def test_a_trace_reports_the_points_that_did_not_change():
    y = np.arange(10_000, dtype=float)
    trace = EnvelopeTrace()
    assert trace.update(y[:1000], 0, 1000, 400) == 0  # first frame: everything is new
    before = trace.y.copy()
    unchanged = trace.update(y[:1003], 0, 1003, 400)
    assert 0 < unchanged < trace.count
    np.testing.assert_array_equal(trace.y[:unchanged], before[:unchanged])
    assert trace.update(y[:1003], 0, 1003, 400) == trace.count  # nothing new
    trace.invalidate()
    assert trace.update(y[:1003], 0, 1003, 400) == 0
