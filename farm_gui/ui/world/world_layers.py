"""A model's world drawn from its declaration: raster layers as images (a category raster
through a lookup table of the declared colours, a value raster through the declared
colormap), drawn with nearest-neighbour sampling so that cells stay sharp at any zoom;
point layers as scatter plots coloured by category (one item per category, so that each
is drawn with one brush), sized by their ``size`` or ``value`` field when declared.
Layers are drawn in the declared order, later ones on top. The key names every layer."""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QPainter

from farm_gui.core.model import Category, ModelSpec, PointLayer, RasterLayer

POINT_PX = 6.0  # a point's size when the layer declares none
SIZE_PX = (3.0, 14.0)  # smallest and largest point when sized by a field
MANY_POINTS = 4000  # beyond this a layer's points are drawn smaller


def _rgba(color: str, alpha: int = 255) -> tuple[int, int, int, int]:
    c = QColor(color)
    return c.red(), c.green(), c.blue(), alpha


def category_lut(categories: tuple[Category, ...]) -> np.ndarray:
    """256 RGBA entries: code i has category i's colour, codes beyond them are transparent."""
    lut = np.zeros((256, 4), dtype=np.uint8)
    for i, category in enumerate(categories[:256]):
        lut[i] = _rgba(category.color)
    return lut


def colormap_lut(low: str, high: str) -> np.ndarray:
    a, b = np.array(_rgba(low), dtype=float), np.array(_rgba(high), dtype=float)
    t = np.linspace(0.0, 1.0, 256)[:, None]
    return np.round(a + (b - a) * t).astype(np.uint8)


class SharpImageItem(pg.ImageItem):
    """An image drawn with nearest-neighbour sampling: cells stay crisp squares when zoomed."""

    def paint(self, painter: QPainter, *args) -> None:
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        super().paint(painter, *args)


class RasterItem:
    def __init__(self, layer: RasterLayer):
        self.layer = layer
        self.image = SharpImageItem(axisOrder="row-major")
        if layer.mode == "category":
            self.lut = category_lut(layer.categories)
        else:
            self.lut = colormap_lut(*layer.colormap)
        self.values: np.ndarray | None = None

    @property
    def items(self) -> list[pg.GraphicsObject]:
        return [self.image]

    def set_extent(self, width: float, height: float) -> None:
        self._extent = QRectF(0, 0, width, height)
        self.image.setRect(self._extent)

    def set_data(self, data: dict[str, np.ndarray] | None) -> None:
        values = None if data is None else data.get("values")
        self.values = values
        if values is None or values.size == 0:
            self.image.clear()
            return
        if self.layer.mode == "category":
            levels: tuple[float, float] = (0, 255)
            image = np.ascontiguousarray(values, dtype=np.uint8)
        else:
            image = np.ascontiguousarray(values, dtype=np.float64)
            if self.layer.value_range is not None:
                levels = self.layer.value_range
            else:
                finite = image[np.isfinite(image)]
                lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
                levels = (lo, hi if hi > lo else lo + 1.0)
        self.image.setImage(image, levels=levels, lut=self.lut, autoLevels=False)
        self.image.setRect(self._extent)


class PointsItem:
    def __init__(self, layer: PointLayer):
        self.layer = layer
        self.by_category = "category" in layer.fields and bool(layer.categories)
        groups = layer.categories if self.by_category else (Category(layer.name, layer.color),)
        self.scatters = [pg.ScatterPlotItem(pxMode=True, pen=pg.mkPen(QColor(c.color).darker(140), width=0.5),
                                            brush=pg.mkBrush(c.color), symbol="o", size=POINT_PX,
                                            name=c.title) for c in groups]
        self.data: dict[str, np.ndarray] | None = None

    @property
    def items(self) -> list[pg.GraphicsObject]:
        return list(self.scatters)

    def _sizes(self, data: dict[str, np.ndarray], n: int) -> np.ndarray | float:
        small = n > MANY_POINTS
        key = "size" if "size" in self.layer.fields else "value" if "value" in self.layer.fields else None
        if key is None or key not in data:
            return POINT_PX / (2 if small else 1)
        v = np.asarray(data[key], dtype=float)
        lo_px, hi_px = SIZE_PX if not small else (SIZE_PX[0] / 2, SIZE_PX[1] / 2)
        finite = v[np.isfinite(v)]
        if not finite.size:
            return lo_px
        lo, hi = float(finite.min()), float(finite.max())
        if hi <= lo:
            return (lo_px + hi_px) / 2
        return lo_px + (hi_px - lo_px) * np.sqrt(np.clip((v - lo) / (hi - lo), 0, 1))  # area ~ value

    def set_data(self, data: dict[str, np.ndarray] | None) -> None:
        self.data = data
        if data is None:
            for scatter in self.scatters:
                scatter.setData(x=[], y=[])
            return
        x, y = np.asarray(data["x"], dtype=float), np.asarray(data["y"], dtype=float)
        sizes = self._sizes(data, len(x))
        if not self.by_category:
            self.scatters[0].setData(x=x, y=y, size=sizes)
            return
        codes = np.asarray(data["category"])
        for code, scatter in enumerate(self.scatters):
            mask = codes == code
            size = sizes[mask] if isinstance(sizes, np.ndarray) else sizes
            scatter.setData(x=x[mask], y=y[mask], size=size)

    def points(self) -> tuple[np.ndarray, np.ndarray]:
        """Every point drawn (all categories), in the order drawn."""
        xs, ys = [], []
        for scatter in self.scatters:
            px, py = scatter.getData()
            xs.append(np.asarray(px, dtype=float))
            ys.append(np.asarray(py, dtype=float))
        return np.concatenate(xs) if xs else np.empty(0), np.concatenate(ys) if ys else np.empty(0)


class WorldLayers:
    """The drawn layers of one model, added to a plot item; ``show(layers)`` draws a
    state (``{layer: {field: array}}``) and returns the number of points of each point layer."""

    def __init__(self, spec: ModelSpec, plot_item: pg.PlotItem):
        self.spec = spec
        self.plot_item = plot_item
        self.layers: dict[str, RasterItem | PointsItem] = {}
        for z, layer in enumerate(spec.layers):
            drawn = RasterItem(layer) if isinstance(layer, RasterLayer) else PointsItem(layer)
            for item in drawn.items:
                item.setZValue(z)
                plot_item.addItem(item)
            self.layers[layer.name] = drawn
        self.hidden: set[str] = set()  # layers the user switched off

    def set_visible(self, name: str, visible: bool) -> None:
        """Show or hide one layer (the ones under it show where it was)."""
        for item in self.layers[name].items:
            item.setVisible(visible)
        if visible:
            self.hidden.discard(name)
        else:
            self.hidden.add(name)

    def set_extent(self, width: float, height: float) -> None:
        for drawn in self.layers.values():
            if isinstance(drawn, RasterItem):
                drawn.set_extent(width, height)

    def show(self, layers: dict[str, dict[str, np.ndarray]] | None) -> dict[str, int]:
        points: dict[str, int] = {}
        for name, drawn in self.layers.items():
            data = None if layers is None else layers.get(name)
            drawn.set_data(data)
            if isinstance(drawn, PointsItem) and data is not None:
                points[name] = len(data["x"])
        return points

    def remove(self) -> None:
        for drawn in self.layers.values():
            for item in drawn.items:
                self.plot_item.removeItem(item)
        self.layers = {}

    def key_html(self) -> str:
        """The legend under the plot: a swatch per category (or layer colour), a gradient
        note for value rasters, sizes when points are sized by a field; shown layers only."""
        parts = []
        for layer in self.spec.layers:
            if layer.name in self.hidden:
                continue
            name = html.escape(layer.label)
            if isinstance(layer, RasterLayer) and layer.mode == "value":
                low, high = layer.colormap
                parts.append(f'<b>{name}</b>: <span style="color:{low}">&#9632;</span> low &ndash; '
                             f'<span style="color:{high}">&#9632;</span> high')
                continue
            cats = layer.categories if (isinstance(layer, RasterLayer)
                                        or "category" in layer.fields) else ()
            symbol = "&#9632;" if isinstance(layer, RasterLayer) else "&#9679;"
            if cats:
                swatches = "&nbsp;&nbsp;".join(f'<span style="color:{c.color}">{symbol}</span>&nbsp;'
                                                f"{html.escape(c.title)}" for c in cats)
            else:
                swatches = f'<span style="color:{layer.color}">{symbol}</span>'
            sized = ""
            if isinstance(layer, PointLayer):
                field = "size" if "size" in layer.fields else "value" if "value" in layer.fields else None
                sized = f" (size = {layer.size_means or field})" if field else ""
            parts.append(f"<b>{name}</b>{sized}: {swatches}")
        return "<br>".join(parts)
