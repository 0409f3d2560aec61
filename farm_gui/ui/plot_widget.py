"""A pyqtgraph PlotWidget that Qt paints without holding the GIL throughout.

pyqtgraph's GraphicsView overrides paintEvent in Python (to prepare the view boxes, then
call Qt's). PySide keeps the GIL for the whole of a C++ call made from Python, so the
entire scene was painted with the GIL held: 1-3 ms a frame in which a simulation thread
that finished its step could not take it back. Without a Python override Qt paints with
the GIL released and takes it only for each Python item's paint; the preparation moves
to an event filter on the viewport.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QGraphicsItem, QGraphicsView


class _PrepareBeforePaint(QObject):
    """What pyqtgraph's paintEvent did first: bring the view boxes' transforms up to date."""

    def __init__(self, view: QGraphicsView):
        super().__init__(view)
        self._view = view

    def eventFilter(self, _watched, event) -> bool:  # noqa: N802 (Qt API)
        if event.type() == QEvent.Type.Paint:
            scene = self._view.scene()
            if scene is not None:
                scene.prepareForPaint()
        return False


class PlotWidget(pg.PlotWidget):
    paintEvent = QGraphicsView.paintEvent  # noqa: N815 (Qt API): Qt's own, see above

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._prepare = _PrepareBeforePaint(self)
        self.viewport().installEventFilter(self._prepare)
        self.cache_axes(True)
        mark_unpainted(self.getPlotItem())

    def cache_axes(self, cached: bool) -> None:
        """An axis that is repainted whenever what it borders is (inward ticks reach into
        the plot; its paint replays the tick labels, ~1 ms holding the GIL) is blitted from
        a pixmap instead, and painted again only when its range or size changes."""
        mode = QGraphicsItem.CacheMode.DeviceCoordinateCache if cached else QGraphicsItem.CacheMode.NoCache
        for name in ("left", "bottom", "right"):
            self.getPlotItem().getAxis(name).setCacheMode(mode)


def mark_unpainted(*items: QGraphicsItem) -> None:
    """Tell the scene that these items draw nothing themselves (their text or children
    do): it then stops asking them for their bounding rectangles, a call into Python
    each, whenever a strip of the plot is repainted."""
    for item in items:
        item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)
