"""Plot Options > Log Y: the curves draw log10 of their values, the axes span the data's
decades (not 1e-227 to 1e273), values <= 0 leave gaps; back to linear restores all."""

from __future__ import annotations

import numpy as np
import pytest

from farm_gui.display.series import RunSeries, StoredSeries

from .conftest import WAIT_MS

N = 5000  # more points than pixels: the charts draw min/max envelopes


def metrics() -> dict[str, np.ndarray]:
    steps = np.arange(N, dtype=float)
    rng = np.random.default_rng(3)
    alive = np.round(30 * np.exp(steps / N * np.log(1000 / 30)) + rng.integers(0, 3, N))  # 30 .. ~1000
    return {"step": steps, "alive": alive, "alive_system": alive / 2, "alive_independent": alive / 4,
            "alive_control": alive / 4, "resources_in_nodes": 1e5 * np.exp(-steps / 500) + 1,
            "mean_agent_resources": 1 + steps / 100, "births": (steps % 7 == 0) * (steps / 10),
            "deaths": steps % 3, "mean_health": 0.5 + 0 * steps}


@pytest.fixture
def window(qtbot, make_window):
    window = make_window()
    window.charts.bind([RunSeries(1, "log", StoredSeries(metrics()))])
    chart = window.charts.population
    qtbot.waitUntil(lambda: chart.data("total") is not None and len(chart.data("total")[0]) > 0
                    and chart.getPlotItem().vb.viewRange()[0][1] == N - 1, timeout=WAIT_MS)
    return window


def settled_y(qtbot, chart, check):
    try:
        qtbot.waitUntil(lambda: check(*chart.getPlotItem().vb.viewRange()[1]), timeout=WAIT_MS // 4)
    except Exception:
        raise AssertionError(f"y range {chart.getPlotItem().vb.viewRange()[1]}, "
                             f"curves {[c.y_bounds for c in chart.curves]}") from None
    return chart.getPlotItem().vb.viewRange()[1]


def test_log_y_fits_the_decades_of_the_data(qtbot, window):
    chart = window.charts.population
    linear = chart.getPlotItem().vb.viewRange()[1]
    assert linear[1] > 900
    chart.getPlotItem().ctrl.logYCheck.setChecked(True)  # what the menu's check box does
    data = metrics()["alive"]
    low, high = np.log10(data.min() / 4), np.log10(data.max())  # the types' curves are a quarter
    lo, hi = settled_y(qtbot, chart, lambda lo, hi: low - 0.3 <= lo <= low and high <= hi <= high + 0.3)
    assert hi - lo < 3
    x, y = chart.data("total")
    assert np.isfinite(y).all()
    # the envelope of the log is the log of the envelope: every drawn point is a data value's log
    idx = x.astype(int)
    assert np.all(y >= np.log10(data.min()) - 1e-9) and np.all(y <= np.log10(data.max()) + 1e-9)
    assert np.any(np.isclose(y, np.log10(data[idx])))
    assert chart.getPlotItem().getAxis("left").logMode
    chart.getPlotItem().ctrl.logYCheck.setChecked(False)
    lo, hi = settled_y(qtbot, chart, lambda lo, hi: hi > 900)
    assert lo < 30 and np.allclose(chart.data("total")[1].max(), data.max())


def test_log_y_with_zeros_and_six_decades(qtbot, window):
    births = window.charts.births_deaths
    births.getPlotItem().ctrl.logYCheck.setChecked(True)
    # births are 0 or up to 500 and deaths 0..2: zeros have no place, the rest spans 0..2.7 decades
    # (which small positive values an envelope bin keeps depends on the bins: at least 0.7)
    def fits(lo, hi):
        low = min(c.y_bounds[0] for c in births.curves if c.y_bounds)
        return low >= np.log10(0.7) - 1e-9 and low - 0.3 <= lo <= low and np.log10(499.8) <= hi <= 3.0

    settled_y(qtbot, births, fits)
    x, y = births.data("births")
    assert np.isnan(y).any() and np.nanmax(y) == pytest.approx(np.log10(499.8), abs=0.01)
    resources = window.charts.resources
    resources.getPlotItem().ctrl.logYCheck.setChecked(True)
    # ~5.5 .. 1e5: four decades and a bit on the left axis
    low = np.log10(metrics()["resources_in_nodes"].min())
    settled_y(qtbot, resources, lambda lo, hi: low - 0.3 <= lo <= low and 5.0 <= hi <= 5.4)
    right_lo, right_hi = resources.right_view.viewRange()[1]
    assert -0.1 <= right_lo <= 0.0 + 0.01 and np.log10(50.99) <= right_hi <= 2.0  # 1 .. 51 on the right
