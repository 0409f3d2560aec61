"""The four charts keep the same steps in view: following a run, and after the user
zooms one of them with the mouse wheel."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QWidget

from .conftest import WAIT_MS, start_and_get_run, wait_final


def x_range(chart) -> tuple[float, float]:
    return tuple(chart.getPlotItem().vb.viewRange()[0])


def wheel_zoom_in(widget) -> None:
    viewport = widget.viewport()
    centre = QPointF(viewport.width() / 2, viewport.height() / 2)
    event = QWheelEvent(centre, QPointF(viewport.mapToGlobal(centre.toPoint())), QPoint(0, 0),
                        QPoint(0, 240), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(viewport, event)


def test_charts_show_the_same_steps_following_and_after_a_wheel_zoom(qtbot, make_window):
    window = make_window(steps=120)
    charts = [window.findChild(QWidget, name) for name in
              ("population_chart", "resources_chart", "births_deaths_chart", "health_chart")]
    run = start_and_get_run(qtbot, window)
    wait_final(qtbot, window, run)
    # Following the data: every chart ends up showing exactly the run's steps.
    qtbot.waitUntil(lambda: all(x_range(c) == (0.0, 119.0) for c in charts), timeout=WAIT_MS)

    wheel_zoom_in(charts[2])
    zoomed = x_range(charts[2])
    assert zoomed[1] - zoomed[0] < 119.0  # the wheel really zoomed in
    for chart in charts:
        assert x_range(chart) == zoomed
    # and the charts stop following: after every chart has been refreshed again (each frame
    # tick refreshes some of them), the zoom is still there
    ticked = window._tick
    qtbot.waitUntil(lambda: window._tick >= ticked + 20, timeout=WAIT_MS)
    assert all(x_range(c) == zoomed for c in charts)


def test_axis_ends_grow_along_a_ladder_that_changes_rarely():
    from farm_gui.ui.plots.charts import ladder_ceiling

    assert ladder_ceiling(1.0) == 1.0
    assert ladder_ceiling(1.1) == 1.25
    assert ladder_ceiling(101) == 125.0
    assert ladder_ceiling(8001) == 10_000.0
    ends = {ladder_ceiling(float(v)) for v in range(100, 100_001)}
    assert len(ends) == 31  # ten per decade: ~30 re-layouts while a run grows 1000-fold
    for v in (3.3, 47.0, 999.0, 12_345.0):
        assert v <= ladder_ceiling(v) <= v * 1.34


def _moves(follow, clock, monkeypatch, steps_per_s: float, seconds: float) -> list[float]:
    from farm_gui.ui.plots import charts

    monkeypatch.setattr(charts.time, "monotonic", lambda: clock[0])
    ends = []
    for frame in range(int(seconds * 30)):  # 30 frames a second
        clock[0] = frame / 30
        extent = 1 + steps_per_s * clock[0]
        end = follow.end(extent)
        assert end >= extent * 1.1 + 10  # the data always fits, with a tenth to spare
        if not ends or end != ends[-1]:
            ends.append(end)
    return ends


def test_a_fast_run_moves_the_axis_ends_every_couple_of_seconds(monkeypatch):
    from farm_gui.ui.plots.charts import FollowRange, ladder_ceiling

    ends = _moves(FollowRange(), [0.0], monkeypatch, steps_per_s=300, seconds=20)
    extent_only = {ladder_ceiling((1 + 300 * f / 30) * 1.1 + 10) for f in range(600)}
    assert len(ends) <= 10 < len(extent_only)
    assert all(ladder_ceiling(end) == end for end in ends)  # ladder values


def test_a_slow_run_moves_the_axis_ends_as_the_ladder_does(monkeypatch):
    from farm_gui.ui.plots.charts import FollowRange, ladder_ceiling

    ends = _moves(FollowRange(), [0.0], monkeypatch, steps_per_s=2, seconds=200)
    assert ends == sorted({ladder_ceiling((1 + 2 * f / 30) * 1.1 + 10) for f in range(6000)})


def test_a_tick_draws_one_chart_when_that_one_relaid_out_its_axes(qtbot, make_window, monkeypatch):
    window = make_window()
    window.frame_timer.stop()
    panel = window.charts
    refreshed = []

    def refresh_next() -> bool:
        chart = panel.charts[len(refreshed) % 4]
        refreshed.append(chart)
        panel.axes_moved = chart is panel.population  # only the population chart moves its axes
        return True

    monkeypatch.setattr(panel, "refresh_next", refresh_next)
    window._tick = 0
    ticks = []
    for _ in range(12):
        before = len(refreshed)
        window._on_frame()
        ticks.append(refreshed[before:])
    chart_ticks = [t for t in ticks if t]
    assert len(chart_ticks) == 8  # every third tick is the other job
    for tick in chart_ticks:
        # two charts a tick, but none after the one whose axes moved
        assert len(tick) == 2 or tick == [panel.population] or tick[-1] is panel.population
        assert panel.population not in tick[:-1]
    assert [panel.population] in chart_ticks
