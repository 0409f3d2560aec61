"""Exact chart exports: a plot as it is on screen, to PNG, SVG or PDF.

Rendering a pyqtgraph scene to another paint device went wrong in three ways, which
this module avoids:

* Fonts. Tick labels, titles and legends are sized in points and laid out for the
  screen's logical DPI; a device with another DPI (QSvgGenerator's default of 72,
  pyqtgraph's ImageExporter scaling its painter) drew them at another size than the
  layout made room for. Every device here gets the screen's DPI, and a PNG larger than
  the window is made by scaling the painter, so everything grows together.
* Curves. A curve lives in the view box's data coordinates, whose x and y scales
  differ by orders of magnitude, and is drawn with a cosmetic pen. In an SVG that is a
  group with a non-uniform matrix and ``vector-effect: non-scaling-stroke``, which
  librsvg and ImageMagick ignore (the stroke was smeared along the steep parts) and
  which Qt's own generator mis-scaled at 72 DPI (the plateau at 1,000 read ~550).
  During an export each view box gets an ``ExportCurves`` item that draws the same
  points mapped to the view box's own pixel coordinates with ordinary pens: the file
  holds plain polylines at the positions the axes give them.
* Overlays. Hover lines, markers and the step cursor are not part of a figure: every
  item in a view box other than the curves (and anything loose in the scene) is made
  transparent while the file is written.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import QColor, QImage, QPageSize, QPainter, QPdfWriter, QPen
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from farm_gui.config.file_mode import give_default_mode

FORMATS = ("png", "svg", "pdf")
FILTERS = {"png": "PNG image (*.png)", "svg": "SVG drawing (*.svg)", "pdf": "PDF document (*.pdf)"}
PNG_SCALE = 2.0  # a PNG has twice the window's pixels in each direction: sharp on paper and slides

Painter = Callable[[QPainter], None]


def with_suffix(path: str, fmt: str) -> str:
    """``path`` with ``.fmt`` added unless it already ends so (any case)."""
    return path if path.lower().endswith(f".{fmt}") else f"{path}.{fmt}"


class ExportCurves(pg.GraphicsObject):
    """The curves of one view box, drawn in the view box's pixel coordinates (see the
    module docstring) while an export is written."""

    def __init__(self, view: pg.ViewBox, curves: Sequence[pg.PlotCurveItem]):
        super().__init__(view)
        self.view = view
        self.curves = list(curves)
        # where the view's own curves are on screen: above its background, below the legend
        # (whose backing fades what passes under it) and the view's border
        self.setZValue(-0.5)

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt API)
        return self.view.boundingRect()

    def paint(self, painter: QPainter, *args) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for item in self.curves:
            x, y = item.getData()
            if x is None or len(x) < 1:
                continue
            px, py = map_to_view_pixels(self.view, np.asarray(x, dtype=float), np.asarray(y, dtype=float))
            pen = QPen(item.opts["pen"])
            pen.setCosmetic(False)
            pen.setWidthF(pen.widthF() if pen.widthF() > 0 else 1.0)
            pen.setCapStyle(Qt.PenCapStyle.FlatCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(pg.arrayToQPath(px, py, connect="finite"))


def map_to_view_pixels(view: pg.ViewBox, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Data coordinates of ``view`` to its own item (pixel) coordinates."""
    t = view.childGroup.transform()
    return t.m11() * x + t.m21() * y + t.dx(), t.m12() * x + t.m22() * y + t.dy()


def _descendants(item: QGraphicsItem) -> Iterator[QGraphicsItem]:
    for child in item.childItems():
        yield child
        yield from _descendants(child)


@contextlib.contextmanager
def figure_mode(scene: QGraphicsScene, keep: Sequence[QGraphicsItem], views: Sequence[pg.ViewBox],
                curves: Sequence[Sequence[pg.PlotCurveItem]], cached_axes: Sequence = ()) -> Iterator[None]:
    """While inside: only ``keep`` (and what they contain) show, the curves of each view
    are drawn by an ExportCurves item, overlays inside the views are transparent and the
    axes are painted directly (a cached axis would go into an SVG as a bitmap)."""
    hidden: list[tuple[QGraphicsItem, float]] = []
    prepare = getattr(scene, "prepareForPaint", None)
    if prepare is not None:  # pyqtgraph brings the view boxes' transforms up to date
        prepare()
    for view in views:
        view.updateMatrix()

    def hide(item: QGraphicsItem) -> None:
        hidden.append((item, item.opacity()))
        item.setOpacity(0.0)

    kept = set(keep)
    for item in scene.items():
        if item.parentItem() is None and item not in kept:
            hide(item)
    drawn = [c for group in curves for c in group]
    for view in views:
        for child in _descendants(view.childGroup):
            if child not in drawn and child.parentItem() is view.childGroup:
                hide(child)
    for curve in drawn:
        hide(curve)
    # pyqtgraph's auto-range button ("A") shows while the mouse is over a plot, as it is
    # when the export was chosen from the chart's own menu: a pixmap, not part of a figure.
    for item in scene.items():
        if isinstance(item, pg.ButtonItem) and item.isVisible():
            hide(item)
    painters = [ExportCurves(view, group) for view, group in zip(views, curves, strict=True)]
    # The legend ignores transformations (it keeps its size when the view zooms): it
    # would not grow with a PNG's scaled painter. Its parents are not scaled on screen,
    # so without the flag it sits and measures the same at 1:1.
    ignoring = [item for item in scene.items()
                if item.flags() & QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations]
    for item in ignoring:
        item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, False)
    modes = [(axis, axis.cacheMode()) for axis in cached_axes]
    for axis, _mode in modes:
        axis.setCacheMode(QGraphicsItem.CacheMode.NoCache)
    try:
        yield
    finally:
        for axis, mode in modes:
            axis.setCacheMode(mode)
        for item in ignoring:
            item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        for item in painters:
            item.setParentItem(None)
            scene.removeItem(item)
        for item, opacity in hidden:
            item.setOpacity(opacity)


def render_to_file(path: str | os.PathLike[str], fmt: str, size: QSizeF, draw: Painter, dpi: float,
                   background: QColor | None, scale: float = PNG_SCALE, png_dpi: float | None = None,
                   title: str = "Farm GUI chart") -> None:
    """Paint a picture of ``size`` (pixels at ``dpi``, the screen's logical DPI the scene
    was laid out for) with ``draw(painter)`` into a PNG (``scale`` times as many pixels;
    ``png_dpi`` recorded in the file), an SVG or a one-page PDF of the same physical
    size. Raises OSError when the file cannot be written."""
    path = str(path)
    parent = Path(path).parent
    if not parent.is_dir():
        raise FileNotFoundError(2, "No such folder", str(parent))
    w, h = size.width(), size.height()
    if fmt == "png":
        image = QImage(max(1, round(w * scale)), max(1, round(h * scale)), QImage.Format.Format_ARGB32)
        dpm = round(dpi / 0.0254)
        image.setDotsPerMeterX(dpm)  # fonts in points get the screen's size, then the scale
        image.setDotsPerMeterY(dpm)
        image.fill(background if background is not None else Qt.GlobalColor.transparent)
        painter = QPainter(image)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
            painter.scale(scale, scale)
            draw(painter)
        finally:
            painter.end()
        record = round((png_dpi if png_dpi is not None else dpi * scale) / 0.0254)
        image.setDotsPerMeterX(record)
        image.setDotsPerMeterY(record)
        if not image.save(path, "PNG"):
            raise OSError(f"the image could not be written to {path}")
    elif fmt == "svg":
        generator = QSvgGenerator()
        generator.setFileName(path)
        generator.setResolution(round(dpi))
        generator.setSize(QSizeF(w, h).toSize())
        generator.setViewBox(QRectF(0, 0, w, h))
        generator.setTitle(title)
        generator.setDescription("Exported by Farm GUI")
        painter = QPainter(generator)
        try:
            if background is not None:
                painter.fillRect(QRectF(0, 0, w, h), background)
            draw(painter)
        finally:
            painter.end()
    elif fmt == "pdf":
        writer = QPdfWriter(path)
        writer.setResolution(round(dpi))
        writer.setTitle(title)
        writer.setCreator("Farm GUI")
        writer.setPageSize(QPageSize(QSizeF(w / dpi * 72.0, h / dpi * 72.0), QPageSize.Unit.Point, "figure",
                                     QPageSize.SizeMatchPolicy.ExactMatch))
        writer.setPageMargins(QMarginsF(0, 0, 0, 0))
        painter = QPainter(writer)
        if not painter.isActive():
            raise OSError(f"the PDF could not be written to {path}")
        # Qt's PDF pages are whole points: stretch the figure by the rounding (< 1 pt) so
        # that it fills the page exactly instead of leaving a sliver or losing one.
        painter.scale(writer.width() / w, writer.height() / h)
        try:
            if background is not None:
                painter.fillRect(QRectF(0, 0, w, h), background)
            draw(painter)
        finally:
            painter.end()
    else:
        raise ValueError(f"unknown figure format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if not Path(path).is_file():
        raise OSError(f"the figure could not be written to {path}")
    apply_umask(path)


def apply_umask(path: str | os.PathLike[str]) -> None:
    """Give a written file the permissions the user's umask asks for (Qt and temporary
    files create them 0600 or 0644 regardless)."""
    give_default_mode(path)


def scene_painter(scene: QGraphicsScene, source: QRectF) -> Painter:
    """A ``draw`` for render_to_file that paints ``source`` of the scene at 1:1."""

    def draw(painter: QPainter) -> None:
        scene.render(painter, QRectF(0, 0, source.width(), source.height()), source,
                     Qt.AspectRatioMode.IgnoreAspectRatio)

    return draw
