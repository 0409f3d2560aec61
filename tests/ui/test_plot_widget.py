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
