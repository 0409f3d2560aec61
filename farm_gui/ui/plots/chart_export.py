"""What the window exports as pictures: one chart, all four charts as they sit in the
window, and the world view at the step it shows with its key (see ``chart_render``
for how a picture is made exact)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QRectF, QSizeF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter
from PySide6.QtWidgets import QWidget

from farm_gui.ui.plots.chart_render import PNG_SCALE, figure_mode, render_to_file, scene_painter

WORLD_KEY_GAP = 6.0  # pixels between the world's plot and its key


def _dpi(widget: QWidget) -> float:
    return float(widget.logicalDpiX())


def _background(widget: pg.PlotWidget) -> QColor:
    return QColor(widget.backgroundBrush().color())


@contextlib.contextmanager
def chart_prepared(chart) -> Iterator[QRectF]:
    """A LiveChart ready to be painted as a figure: yields its plot's scene rectangle."""
    plot = chart.getPlotItem()
    views = [plot.vb]
    curves = [[c.item for c in chart.curves if not c.right]]
    keep = [plot]
    if chart.right_view is not None:
        chart._sync_right_view()
        views.append(chart.right_view)
        curves.append([c.item for c in chart.curves if c.right])
        keep.append(chart.right_view)
    axes = [plot.getAxis(name) for name in ("left", "bottom", "right")]
    with figure_mode(chart.scene(), keep, views, curves, axes):
        yield plot.sceneBoundingRect()


def paint_chart(chart, painter: QPainter) -> QSizeF:
    with chart_prepared(chart) as rect:
        scene_painter(chart.scene(), rect)(painter)
    return rect.size()


def write_chart(chart, path: str | os.PathLike[str], fmt: str, scale: float = PNG_SCALE) -> None:
    """One live chart as it is on screen (shown and sized), to PNG, SVG or PDF."""
    rect = chart.getPlotItem().sceneBoundingRect()
    render_to_file(path, fmt, rect.size(), lambda p: paint_chart(chart, p), _dpi(chart), _background(chart),
                   scale=scale, title=chart.getPlotItem().titleLabel.text or "Farm GUI chart")


def write_plot(widget: pg.PlotWidget, path: str | os.PathLike[str], fmt: str,
               scale: float = PNG_SCALE) -> None:
    """Any other plot of the window (the analysis results') as it is on screen: its items
    drawn as they are (bars, points, images), at the screen's DPI."""
    plot = widget.getPlotItem()
    rect = plot.sceneBoundingRect()
    axes = [plot.getAxis(name) for name in ("left", "bottom", "right")]

    def draw(painter: QPainter) -> None:
        with figure_mode(widget.scene(), [plot], [], [], axes):
            scene_painter(widget.scene(), rect)(painter)

    render_to_file(path, fmt, rect.size(), draw, _dpi(widget), _background(widget), scale=scale,
                   title=plot.titleLabel.text or "Farm GUI plot")


def write_all_charts(panel, path: str | os.PathLike[str], fmt: str, scale: float = PNG_SCALE) -> None:
    """The visible charts of the panel in one picture, laid out as in the window."""
    charts = [c for c in panel.charts if c.isVisible()] or list(panel.charts)
    left = min(c.mapTo(panel, QPoint(0, 0)).x() for c in charts)
    top = min(c.mapTo(panel, QPoint(0, 0)).y() for c in charts)
    right = max(c.mapTo(panel, QPoint(0, 0)).x() + c.width() for c in charts)
    bottom = max(c.mapTo(panel, QPoint(0, 0)).y() + c.height() for c in charts)

    def draw(painter: QPainter) -> None:
        for chart in charts:
            at = chart.mapTo(panel, QPoint(0, 0))
            painter.save()
            rect = chart.getPlotItem().sceneBoundingRect()
            view_origin = chart.mapFromScene(rect.topLeft())
            painter.translate(at.x() - left + view_origin.x(), at.y() - top + view_origin.y())
            paint_chart(chart, painter)
            painter.restore()

    render_to_file(path, fmt, QSizeF(right - left, bottom - top), draw, _dpi(panel), _background(charts[0]),
                   scale=scale, title="Farm GUI charts")


class WorldSquares(pg.GraphicsObject):
    """The world's agents and nodes as squares, in the view box's pixel coordinates:
    vector shapes in an SVG or PDF instead of the screen's stamped bitmap."""

    def __init__(self, view: pg.ViewBox, world):
        super().__init__(view)
        self.view = view
        self.world = world

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt API)
        return self.view.boundingRect()

    def paint(self, painter: QPainter, *args) -> None:
        from farm_gui.ui.plots.chart_render import map_to_view_pixels

        painter.setPen(Qt.PenStyle.NoPen)
        layers = [*self.world.node_items, *self.world.agent_items.values()]
        for layer in layers:
            x, y = layer.getData()
            if not len(x):
                continue
            px, py = map_to_view_pixels(self.view, np.asarray(x, float), np.asarray(y, float))
            size = float(layer.pixel_size())
            half = size / 2
            painter.setBrush(QColor.fromRgba(int(layer.argb)))
            painter.drawRects([QRectF(float(a) - half, float(b) - half, size, size)
                               for a, b in zip(px, py, strict=True)])


def world_key(world) -> list[tuple[str, str]]:
    """(colour, text) of each entry of the world view's key."""
    from farm_gui.ui.world.world_view import NODE_COLOR

    entries = [(QColor.fromRgba(int(layer.argb)).name(), name) for name, layer in world.agent_items.items()]
    entries.append((NODE_COLOR, "resource node (size = amount)"))
    if world.displayed_step is not None:  # which step the picture shows, as the view says
        entries.append(("", world.step_label.text()))
    return entries


def _key_layout(world, width: float) -> tuple[QFont, list[tuple[float, float, str, str]], float]:
    """The key's font, entries placed in rows within ``width`` (x, y, colour, text) and height."""
    font = QFont(world.key_label.font())
    metrics = QFontMetricsF(font)
    line = metrics.height()
    swatch = metrics.ascent() * 0.8
    x, y, placed = 0.0, 0.0, []
    for color, text in world_key(world):
        entry_w = (swatch + 4 if color else 0) + metrics.horizontalAdvance(text) + 14
        if x > 0 and x + entry_w > width:
            x, y = 0.0, y + line
        placed.append((x, y, color, text))
        x += entry_w
    return font, placed, y + line


def write_world(world, path: str | os.PathLike[str], fmt: str, scale: float = PNG_SCALE) -> None:
    """The world view's plot at the step it shows, with its key underneath."""
    plot_widget = world.plot
    plot = plot_widget.getPlotItem()
    rect = plot.sceneBoundingRect()
    font, placed, key_h = _key_layout(world, rect.width())
    size = QSizeF(rect.width(), rect.height() + WORLD_KEY_GAP + key_h)
    background = _background(plot_widget)
    foreground = QColor(plot.getAxis("bottom").textPen().color())

    def draw(painter: QPainter) -> None:
        axes = [plot.getAxis(name) for name in ("left", "bottom")]
        with figure_mode(plot_widget.scene(), [plot], [plot.vb], [[]], axes):
            squares = WorldSquares(plot.vb, world)
            old = world.raster.opacity()
            world.raster.setOpacity(0.0)
            try:
                scene_painter(plot_widget.scene(), rect)(painter)
            finally:
                world.raster.setOpacity(old)
                squares.setParentItem(None)
                plot_widget.scene().removeItem(squares)
        painter.save()
        painter.translate(0, rect.height() + WORLD_KEY_GAP)
        painter.setFont(font)
        metrics = QFontMetricsF(font)
        swatch = metrics.ascent() * 0.8
        for x, y, color, text in placed:
            top = y + (metrics.height() - swatch) / 2
            if color:
                painter.fillRect(QRectF(x + 4, top, swatch, swatch), QColor(color))
            painter.setPen(foreground)
            left = x + 4 + (swatch + 4 if color else 0)
            painter.drawText(QRectF(left, y, rect.width(), metrics.height()),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        painter.restore()

    step = world.displayed_step
    render_to_file(path, fmt, size, draw, _dpi(world), background, scale=scale,
                   title=f"Farm GUI world at step {step}" if step is not None else "Farm GUI world")


def chart_image(chart, scale: float = PNG_SCALE) -> QImage:
    """The chart as an image (for the clipboard), as its PNG export would be."""
    rect = chart.getPlotItem().sceneBoundingRect()
    image = QImage(round(rect.width() * scale), round(rect.height() * scale), QImage.Format.Format_ARGB32)
    dpm = round(_dpi(chart) / 0.0254)
    image.setDotsPerMeterX(dpm)
    image.setDotsPerMeterY(dpm)
    image.fill(_background(chart))
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        painter.scale(scale, scale)
        paint_chart(chart, painter)
    finally:
        painter.end()
    return image
