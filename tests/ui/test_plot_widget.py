"""Charts and the world view are painted by Qt's own paintEvent (no Python override
holding the GIL for the whole frame), with the scene prepared before every paint."""

from __future__ import annotations

import functools

from pyqtgraph.widgets.GraphicsView import GraphicsView
from PySide6.QtWidgets import QWidget

from farm_gui.ui.plots.plot_widget import PlotWidget


def test_live_views_skip_pyqtgraphs_paint_event_and_are_prepared_before_painting(
        qtbot, make_window, monkeypatch):
    python_paints = []
    original = GraphicsView.paintEvent
    monkeypatch.setattr(GraphicsView, "paintEvent",
                        lambda view, event: (python_paints.append(view), original(view, event))[1])
    window = make_window()
    views = [window.findChild(QWidget, name) for name in
             ("population_chart", "resources_chart", "births_deaths_chart", "health_chart", "world_plot")]
    assert all(isinstance(view, PlotWidget) for view in views)
    prepared = []
    for view in views:
        view.scene().sigPrepareForPaint.connect(functools.partial(prepared.append, view))
    for view in views:
        view.getPlotItem().vb.setXRange(0, 50, padding=0)
        view.viewport().update()
    qtbot.waitUntil(lambda: set(map(id, prepared)) == set(map(id, views)), timeout=5000)
    assert python_paints == []


def _image(widget) -> bytes:
    image = widget.grab().toImage()
    return bytes(image.constBits())


def test_an_axis_shows_a_range_it_showed_before_without_laying_it_out_again(qtbot, monkeypatch):
    """Runs that end after a few dozen steps move the step axes through the same few
    ranges run after run: a range that comes back is drawn from the axis' kept picture,
    exactly as drawn before; a change of style draws it anew."""
    from farm_gui.ui.plots.plot_widget import RangeCachedAxis

    laid_out = []
    original = RangeCachedAxis.generateDrawSpecs
    monkeypatch.setattr(RangeCachedAxis, "generateDrawSpecs",
                        lambda axis, painter: (laid_out.append(axis.orientation), original(axis, painter))[1])
    plot = PlotWidget()
    qtbot.addWidget(plot)
    plot.resize(500, 300)
    plot.show()
    qtbot.waitExposed(plot)
    item = plot.getPlotItem()
    assert [name for name in ("left", "bottom", "right", "top") if item.getAxis(name).isVisible()] == [
        "left", "bottom"]
    view = item.vb
    view.setYRange(0, 1, padding=0)
    shown = {}
    for end in (20, 200, 23):
        view.setXRange(0, end, padding=0)
        shown[end] = _image(plot)
    assert laid_out.count("bottom") >= 3
    laid_out.clear()
    for end in (20, 200, 23):
        view.setXRange(0, end, padding=0)
        assert _image(plot) == shown[end]
    assert "bottom" not in laid_out

    item.getAxis("bottom").setTextPen("#ff0000")  # another look: drawn anew, in red
    view.setXRange(0, 20, padding=0)
    red = _image(plot)
    assert "bottom" in laid_out and red != shown[20]


def _python_calls_while(action) -> list[tuple[str, object]]:
    """(function, its self) of every Python function called (by Qt or by Python) while
    ``action()`` ran."""
    import sys

    calls: list[tuple[str, object]] = []

    def profile(frame, event, _arg) -> None:
        if event == "call":
            calls.append((frame.f_code.co_qualname, frame.f_locals.get("self")))

    sys.setprofile(profile)
    try:
        action()
    finally:
        sys.setprofile(None)
    return calls


def test_a_chart_paint_asks_python_only_for_what_draws(qtbot, make_window):
    """Every call Qt makes into Python during a paint waits for the GIL, which a running
    simulation holds between its steps: a chart's view boxes and legend samples are
    bounded and painted by Qt alone; its curves and axes still draw (and bound)
    themselves."""
    window = make_window()
    window.show()
    qtbot.waitExposed(window)
    chart = window.findChild(QWidget, "population_chart")
    chart.getPlotItem().vb.setXRange(0, 77, padding=0)
    qtbot.wait(50)

    def paint_whole_chart() -> None:
        chart.viewport().update()
        qtbot.wait(50)

    calls = _python_calls_while(paint_whole_chart)
    items = {id(item) for item in chart.scene().items()}
    names = {name for name, owner in calls if id(owner) in items}
    assert "AxisItem.boundingRect" in names  # painted, and the probe sees Qt's calls into Python
    assert not names & {"ViewBox.boundingRect", "ViewBox.paint", "GraphicsWidget.boundingRect",
                        "GraphicsWidget.shape", "ItemSample.boundingRect"}, sorted(names)
    assert any(name == "_PrepareBeforePaint.eventFilter" for name, _ in calls)
    assert not any(name == "_CurrentChart.eventFilter" for name, _ in calls)


def test_the_chart_clicked_last_is_the_current_one(qtbot, make_window):
    from PySide6.QtCore import QPoint, Qt

    window = make_window()
    first = window.findChild(QWidget, "population_chart")
    health = window.findChild(QWidget, "health_chart")
    assert window.exports.current_chart() is first
    qtbot.mouseClick(health.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(60, 60))
    assert window.exports.current_chart() is health
    qtbot.mouseClick(first.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(60, 60))
    assert window.exports.current_chart() is first


def test_a_curve_under_a_chart_legend_shows_only_faintly(qtbot, make_window):
    """The legend's backing (the theme's chart colour, mostly opaque) is painted although
    the legend box itself is marked as drawing nothing."""
    import numpy as np
    import pyqtgraph as pg

    window = make_window()
    chart = window.findChild(QWidget, "births_deaths_chart")
    plot = chart.getPlotItem()
    assert chart.legend.items  # the window's legend, with its entries
    plot.vb.setRange(xRange=(0, 99), yRange=(0, 20), padding=0)
    qtbot.waitExposed(chart)
    legend = chart.legend.sceneBoundingRect()
    y_line = plot.vb.mapSceneToView(legend.center()).y()  # a thick blue line through the legend
    plot.addItem(pg.PlotCurveItem(np.arange(100.0), np.full(100, y_line), pen=pg.mkPen("#0000ff", width=8)))
    qtbot.wait(100)
    image = chart.grab().toImage()

    def is_blue(x: int, y: int) -> bool:
        c = image.pixelColor(x, y)
        return c.blue() > 200 and c.red() < 90 and c.green() < 90

    beside = int(legend.right()) + 40
    rows = [y for y in range(image.height()) if is_blue(beside, y)]  # where the line is drawn
    assert rows and legend.top() < rows[0] and rows[-1] < legend.bottom()

    def strong_blue(x0: float, x1: float) -> int:
        return sum(is_blue(x, y) for x in range(int(x0), int(x1)) for y in rows)

    inside = strong_blue(legend.left() + 2, legend.right() - 2)
    outside = strong_blue(legend.right() + 20, legend.right() + 60)
    assert outside > 100  # the line at full strength beside the legend
    assert inside == 0
