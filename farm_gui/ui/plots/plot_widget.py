"""A pyqtgraph PlotWidget that Qt paints without holding the GIL throughout.

pyqtgraph's GraphicsView overrides paintEvent in Python (to prepare the view boxes, then
call Qt's). PySide keeps the GIL for the whole of a C++ call made from Python, so the
entire scene was painted with the GIL held: 1-3 ms a frame in which a simulation thread
that finished its step could not take it back. Without a Python override Qt paints with
the GIL released and takes it only for each Python item's paint; the preparation moves
to an event filter on the viewport.
"""

from __future__ import annotations

from collections import OrderedDict

import pyqtgraph as pg
from pyqtgraph.graphicsItems.LegendItem import ItemSample
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem, QGraphicsView, QGraphicsWidget

# Events by which the user points at a chart (it becomes the File menu's current chart).
_POINTING = (QEvent.Type.MouseButtonPress, QEvent.Type.ContextMenu, QEvent.Type.Enter)


class _PrepareBeforePaint(QObject):
    """What pyqtgraph's paintEvent did first: bring the view boxes' transforms up to date.
    Also announces the user pointing at the chart (one event filter per viewport: each
    is a call into Python for every event, paints included)."""

    def __init__(self, view: QGraphicsView):
        super().__init__(view)
        self._view = view

    def eventFilter(self, _watched, event) -> bool:  # noqa: N802 (Qt API)
        if event.type() == QEvent.Type.Paint:
            scene = self._view.scene()
            if scene is not None:
                scene.prepareForPaint()
        elif event.type() in _POINTING:
            self._view.pointed_at.emit(self._view)
        return False


class RangeCachedAxis(pg.AxisItem):
    """An axis that keeps the pictures of the last few ranges it showed, and shows one
    again without working out its ticks and labels anew when its range comes back.

    A window that starts run after run of a model whose runs end quickly (a large
    Schelling world: ~25 steps) moves each chart's step axis through the same few ranges
    every run (the follow range's ladder, then the settled end); laying out an axis is
    pyqtgraph Python (generateDrawSpecs: ~3-8 ms a time on the GUI thread). Anything else
    that makes the axis draw itself anew (its pens, fonts, labels, ticks, log mode, size)
    forgets the kept pictures."""

    KEPT = 8

    def __init__(self, *args, **kwargs) -> None:
        self._pictures: OrderedDict[tuple, object] = OrderedDict()
        self._keep_pictures = False
        super().__init__(*args, **kwargs)
        # pyqtgraph rescales an axis without units whose values stay within 0..1: a Gini
        # coefficient of 0.45-0.75 read "450-750" with "(x0.001)" beside the title
        self.enableAutoSIPrefix(False)

    @property
    def picture(self):
        return self.__dict__.get("_picture")

    @picture.setter
    def picture(self, value) -> None:
        pictures = self.__dict__.get("_pictures")
        if pictures is not None:
            if value is not None:
                key = self._picture_key()
                pictures[key] = value
                pictures.move_to_end(key)
                while len(pictures) > self.KEPT:
                    pictures.popitem(last=False)
            elif not self.__dict__.get("_keep_pictures"):
                pictures.clear()  # drawn differently from now on: a kept picture would be stale
        self.__dict__["_picture"] = value

    def _picture_key(self) -> tuple:
        size = self.size()
        grid = getattr(self, "grid", False)  # (set up after the first range)
        key = (tuple(self.range), size.width(), size.height(), getattr(self, "logMode", None),
               getattr(self, "scale", None), getattr(self, "autoSIPrefixScale", None), grid)
        view = self.linkedView() if grid is not False else None
        if view is not None:  # grid lines reach across the view
            bounds = view.boundingRect()
            key += (bounds.width(), bounds.height())
        return key

    def setRange(self, mn, mx) -> None:  # noqa: N802 (pyqtgraph API)
        self._keep_pictures = True
        try:
            super().setRange(mn, mx)
        finally:
            self._keep_pictures = False
        kept = self._pictures.get(self._picture_key())
        if kept is not None:
            self.__dict__["_picture"] = kept  # update() was called: painted from it

    def paint(self, *args) -> None:
        # Working out the ticks resets the picture on the way (pyqtgraph sizes the axis to
        # its labels each time); the size is in the key, so that keeps the others.
        self._keep_pictures = True
        try:
            super().paint(*args)
        finally:
            self._keep_pictures = False


class ChartViewBox(pg.ViewBox):
    """A view box that Qt paints and bounds without calling into Python. pyqtgraph's
    paint draws only the border, which the box's border item (a Qt rectangle item) draws
    as well, and its bounds and shape are Qt's own widget rectangle (half a pixel larger,
    for that border). In a live chart's frame Qt asked each box for them ~6 times: every
    call into Python waits for the GIL, which a running simulation holds between its
    steps."""

    boundingRect = QGraphicsWidget.boundingRect  # noqa: N815 (Qt API): Qt's own
    shape = QGraphicsWidget.shape

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        mark_unpainted(self)


# A legend row as tall as its 8 pt name: pyqtgraph's rows (a 20 px sample, a name with 4 px
# of text margin, 9 px around the box) made a four-entry legend 102 px tall, near half of a
# chart's plot in a window of 1400 x 900, and it hid whichever corner it was put in.
SAMPLE_SIZE = (20, 14)  # px: the line's length, the row's height
SAMPLE_LINE_Y = 11  # where ItemSample.paint draws its line (it assumes a 20 px row)
LABEL_TEXT_MARGIN = 1  # px around a name's text (Qt's default 4)
LEGEND_PADDING = 3  # px between the legend's edge and its rows
LEGEND_SAMPLE_GAP = 6  # px between a sample and its name (pyqtgraph's 25)


class LegendSample(ItemSample):
    """pyqtgraph's legend sample (the line beside a name), SAMPLE_SIZE, with Qt's own
    bounds: the scene asked for them ~2 times per frame."""

    boundingRect = QGraphicsWidget.boundingRect  # noqa: N815 (Qt API): Qt's own

    def __init__(self, item) -> None:
        super().__init__(item)
        self.setFixedWidth(SAMPLE_SIZE[0])
        self.setFixedHeight(SAMPLE_SIZE[1])

    def paint(self, painter, *args) -> None:
        painter.translate(0, SAMPLE_SIZE[1] / 2 - SAMPLE_LINE_Y)  # the line through the row's middle
        super().paint(painter, *args)


class ChartLegend(pg.LegendItem):
    """A legend drawn by Qt alone: the box itself draws nothing (its names and samples do)
    and its backing, the theme's brush (``setBrush``), is a plain rectangle item behind
    them, so the curves under the legend show only faintly. LegendItem.paint would be a
    call into Python at every repaint of the strip the legend is on."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("horSpacing", LEGEND_SAMPLE_GAP)
        super().__init__(**kwargs)
        self.layout.setContentsMargins(*(LEGEND_PADDING,) * 4)
        self.backing = QGraphicsRectItem(self)
        self.backing.setPen(QPen(Qt.PenStyle.NoPen))
        self.backing.setZValue(-1)
        self.backing.setBrush(self.opts["brush"])
        self.geometryChanged.connect(self._fit_backing)
        self.moved_by_user = False  # dragged: the chart no longer picks its corner
        mark_unpainted(self)

    def addItem(self, item, name) -> None:  # noqa: N802 (pyqtgraph API)
        super().addItem(item, name)
        _sample, label = self.items[-1]
        label.item.document().setDocumentMargin(LABEL_TEXT_MARGIN)
        label.updateMin()  # the row's height from the name's text, now without Qt's margin
        self.updateSize()

    def setLabelTextColor(self, *args, **kwargs) -> None:  # noqa: N802 (pyqtgraph API)
        super().setLabelTextColor(*args, **kwargs)
        # pyqtgraph only notes the colour for the names to come: the ones shown stayed dark
        # on the dark theme's background until the next run was bound
        for _sample, label in self.items:
            label.setText(label.text)

    def mouseDragEvent(self, ev) -> None:  # noqa: N802 (Qt API)
        self.moved_by_user = True
        super().mouseDragEvent(ev)

    def setBrush(self, *args, **kwargs) -> None:  # noqa: N802 (pyqtgraph API)
        super().setBrush(*args, **kwargs)
        self.backing.setBrush(self.opts["brush"])

    def _fit_backing(self) -> None:
        self.backing.setRect(self.boundingRect())


class PlotWidget(pg.PlotWidget):
    paintEvent = QGraphicsView.paintEvent  # noqa: N815 (Qt API): Qt's own, see above
    pointed_at = Signal(object)  # this chart: clicked, right-clicked or entered by the mouse

    def __init__(self, *args, **kwargs) -> None:
        ours = "plotItem" not in kwargs and "axisItems" not in kwargs
        if ours:
            kwargs["axisItems"] = {name: RangeCachedAxis(name) for name in ("left", "bottom", "right", "top")}
            kwargs.setdefault("viewBox", ChartViewBox())
        super().__init__(*args, **kwargs)
        if ours:  # pyqtgraph shows every axis handed in; its own plot shows the left and bottom ones
            for name in ("right", "top"):
                self.getPlotItem().hideAxis(name)
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
