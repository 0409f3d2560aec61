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
    # and the charts stop following: a frame later the zoom is still there
    qtbot.wait(200)
    assert all(x_range(c) == zoomed for c in charts)


def test_axis_ends_grow_along_a_ladder_that_changes_rarely():
    from farm_gui.ui.charts import ladder_ceiling

    assert ladder_ceiling(1.0) == 1.0
    assert ladder_ceiling(1.1) == 1.25
    assert ladder_ceiling(101) == 125.0
    assert ladder_ceiling(8001) == 10_000.0
    ends = {ladder_ceiling(float(v)) for v in range(100, 100_001)}
    assert len(ends) == 31  # ten per decade: ~30 re-layouts while a run grows 1000-fold
    for v in (3.3, 47.0, 999.0, 12_345.0):
        assert v <= ladder_ceiling(v) <= v * 1.34
