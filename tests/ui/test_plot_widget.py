"""Charts and the world view are painted by Qt's own paintEvent (no Python override
holding the GIL for the whole frame), with the scene prepared before every paint."""

from __future__ import annotations

import functools

from pyqtgraph.widgets.GraphicsView import GraphicsView
from PySide6.QtWidgets import QWidget

from farm_gui.ui.plot_widget import PlotWidget


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
