"""The world: agents as points coloured by type, resource nodes sized by amount,
and a slider that scrubs the stored steps of a paused or finished run.

Points are stamped into one image by ``WorldRaster``: pyqtgraph's ScatterPlotItem
spends ~50 ms per frame on 10k agents and 7k nodes, and even one QPainter.drawPoints
call per colour took 10-17 ms while a run was going.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from numba import njit
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from farm_gui.config import AGENT_TYPES
from farm_gui.ui.plot_widget import PlotWidget
from farm_gui.ui.series import TYPE_COLORS

NODE_COLOR = "#c9a227"
NODE_SIZES = (2.0, 3.0, 4.0, 5.0, 6.0)  # pixels, by fifth of the node capacity


class PointLayer:
    """Points of one colour and size (agents of one type, or nodes of one size class)."""

    def __init__(self, color: str, size: float):
        self.argb = np.uint32(QColor(color).rgba())  # opaque: premultiplied == straight
        self.size = size
        self.x = np.empty(0)
        self.y = np.empty(0)

    def setData(self, x: np.ndarray, y: np.ndarray) -> None:  # noqa: N802 (pyqtgraph style)
        self.x, self.y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    def getData(self) -> tuple[np.ndarray, np.ndarray]:  # noqa: N802
        return self.x, self.y

    def set_size(self, size: float) -> None:
        self.size = size


class WorldRaster(pg.GraphicsObject):
    """Draws point layers as square dots into one image of the view's pixels, with
    NumPy, and puts it on screen with a single drawImage. Qt's drawPoints of 10k agents
    and 7k nodes took 10-17 ms a frame while a run competed for the CPU; this takes a
    few. Layers are drawn in order, later ones on top."""

    def __init__(self, layers: list[PointLayer]):
        super().__init__()
        self.layers = layers
        self._bounds = QRectF(0, 0, 1, 1)
        self._pixels = np.zeros(0, dtype=np.uint32)

    def set_bounds(self, rect: QRectF) -> None:
        self.prepareGeometryChange()
        self._bounds = rect

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self._bounds

    def paint(self, painter, *args) -> None:
        device = painter.device()
        w, h = int(device.width()), int(device.height())
        if w <= 0 or h <= 0 or not any(len(layer.x) for layer in self.layers):
            return
        if self._pixels.size != w * h:
            self._pixels = np.zeros(w * h, dtype=np.uint32)
        pixels = self._pixels
        pixels.fill(0)
        t = painter.transform()
        for layer in self.layers:
            if len(layer.x):
                stamp_squares(pixels, w, h, layer.x, layer.y, t.m11(), t.m21(), t.dx(), t.m12(), t.m22(),
                              t.dy(), max(1, int(round(layer.size))), layer.argb)
        image = QImage(pixels.data, w, h, 4 * w, QImage.Format.Format_ARGB32_Premultiplied)
        painter.save()
        painter.resetTransform()
        painter.drawImage(0, 0, image)
        painter.restore()


@njit(cache=True, nogil=True)
def stamp_squares(pixels, w, h, x, y, m11, m21, dx, m12, m22, dy, size, argb):
    """Paint a size x size square of colour argb into the w x h image `pixels` (flat,
    row-major) for each point, whose pixel is (m11 x + m21 y + dx, m12 x + m22 y + dy);
    squares not wholly inside the image are left out. Without the GIL: with NumPy the
    16-36 fancy-index assignments per layer held it for ~2 ms a frame."""
    half = (size - 1) / 2
    for i in range(x.size):
        px = int(np.rint(m11 * x[i] + m21 * y[i] + dx - half))
        py = int(np.rint(m12 * x[i] + m22 * y[i] + dy - half))
        if 0 <= px <= w - size and 0 <= py <= h - size:
            corner = py * w + px
            for row in range(size):
                for col in range(size):
                    pixels[corner + row * w + col] = argb


class WorldView(QWidget):
    """Live world picture plus the step slider (objectName ``step_slider``)."""

    scrub_requested = Signal(int)  # a step the user picked with the slider

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("world_view")
        self.plot = PlotWidget()
        self.plot.setObjectName("world_plot")
        self.plot.setAspectLocked(True)
        self.plot.setMinimumSize(240, 240)
        plot_item = self.plot.getPlotItem()
        plot_item.hideButtons()
        plot_item.setLabel("bottom", "x")
        plot_item.setLabel("left", "y")
        plot_item.getAxis("left").setWidth(44)  # fixed: no re-layout when tick labels change
        self.node_items = [PointLayer(NODE_COLOR, size) for size in NODE_SIZES]
        self.agent_items = {t: PointLayer(TYPE_COLORS[t], 4.0) for t in AGENT_TYPES}
        self.raster = WorldRaster([*self.node_items, *self.agent_items.values()])
        plot_item.addItem(self.raster)
        # The key sits under the plot, where it never hides any agents.
        swatches = [f'<span style="color:{TYPE_COLORS[t]}">&#9632;</span>&nbsp;{t}' for t in AGENT_TYPES]
        swatches.append(f'<span style="color:{NODE_COLOR}">&#9632;</span>&nbsp;resource node (size = amount)')
        self.key_label = QLabel("&nbsp;&nbsp;".join(swatches))
        self.key_label.setObjectName("world_key")
        self.key_label.setWordWrap(True)

        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("step_slider")
        self.slider.setEnabled(False)
        self.slider.setToolTip("Scrub the stored steps of a paused or finished run")
        self.slider.valueChanged.connect(self._on_slider)
        self.step_label = QLabel("no run")
        self.step_label.setObjectName("world_step_label")
        self.step_label.setMinimumWidth(150)
        row = QHBoxLayout()
        row.addWidget(self.slider, 1)
        row.addWidget(self.step_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.key_label)
        layout.addLayout(row)

        self.state: dict[str, np.ndarray] | None = None
        self.displayed_step: int | None = None
        self.node_capacity = 30.0
        self._world = (100.0, 100.0)

    # ---- world geometry ----------------------------------------------------------
    def set_world(self, width: float, height: float, node_capacity: float) -> None:
        self.node_capacity = float(node_capacity)
        if (width, height) != self._world or self.state is None:
            self._world = (width, height)
            rect = QRectF(0, 0, width, height)
            self.raster.set_bounds(rect)
            self.plot.getPlotItem().vb.setRange(rect, padding=0.02)

    # ---- drawing ------------------------------------------------------------------
    def show_state(self, state: dict[str, np.ndarray] | None) -> None:
        """Draw a world snapshot (keys of SNAPSHOT_AGENT_KEYS + SNAPSHOT_NODE_KEYS)."""
        self.state = state
        if state is None:
            for item in (*self.node_items, *self.agent_items.values()):
                item.setData(np.empty(0), np.empty(0))
            self.raster.update()
            self.displayed_step = None
            self.step_label.setText("no world state")
            return
        x, y = state["agent_x"], state["agent_y"]
        types = state["agent_type"]
        alive = state.get("agent_alive")
        if alive is not None and len(alive) == len(x):
            x, y, types = x[alive], y[alive], types[alive]
        # Crowded worlds get smaller points: big square points cost the most to paint,
        # and at that density they would cover each other anyway.
        scale = 1.0 if len(x) + len(state["node_x"]) < 4000 else 0.5
        for item in self.agent_items.values():
            item.set_size(4.0 * scale)
        for item, size in zip(self.node_items, NODE_SIZES, strict=True):
            item.set_size(size * scale)
        for i, agent_type in enumerate(AGENT_TYPES):
            mask = types == i
            self.agent_items[agent_type].setData(x[mask], y[mask])
        amounts = state["node_amount"]
        size_class = np.clip((amounts / max(self.node_capacity, 1e-9) * len(NODE_SIZES)).astype(int),
                             0, len(NODE_SIZES) - 1)
        for i, item in enumerate(self.node_items):
            mask = size_class == i
            item.setData(state["node_x"][mask], state["node_y"][mask])
        self.raster.update()
        step = state.get("step")
        self.displayed_step = int(step) if step is not None else None
        self.step_label.setText(f"step {self.displayed_step}, {len(x)} agents"
                                if self.displayed_step is not None else f"{len(x)} agents")

    # ---- slider -------------------------------------------------------------------
    def set_scrubbable(self, enabled: bool, last_step: int | None = None, first_step: int = 0) -> None:
        self.slider.blockSignals(True)
        if last_step is not None:
            self.slider.setRange(first_step, max(first_step, last_step))
        self.slider.setEnabled(enabled)
        self.slider.blockSignals(False)

    def follow_step(self, step: int) -> None:
        """Move the slider along with a running run without requesting a scrub."""
        self.slider.blockSignals(True)
        if step > self.slider.maximum():
            self.slider.setMaximum(step)
        self.slider.setValue(step)
        self.slider.blockSignals(False)

    def _on_slider(self, value: int) -> None:
        if self.slider.isEnabled():
            self.step_label.setText(f"loading step {value}...")
            self.scrub_requested.emit(value)
