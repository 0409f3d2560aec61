"""The world: the model's declared layers (see ``world_layers``) or, for the foraging
ecology, agents as points coloured by type and resource nodes sized by amount; and a
slider that scrubs the stored steps of a paused or finished run.

Points are stamped into one image by ``WorldRaster``: pyqtgraph's ScatterPlotItem
spends ~50 ms per frame on 10k agents and 7k nodes, and even one QPainter.drawPoints
call per colour took 10-17 ms while a run was going.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from farm_gui.config import AGENT_TYPES
from farm_gui.core.model import ModelSpec, RunParameters
from farm_gui.core.registry import get_model
from farm_gui.display.raster import load_kernel, stamp_world, world_arrays
from farm_gui.display.series import TYPE_COLORS
from farm_gui.ui.plots.plot_widget import PlotWidget
from farm_gui.ui.world import foraging_look
from farm_gui.ui.world.world_layers import WorldLayers

NODE_COLOR = "#c9a227"
NODE_SIZES = (2.0, 3.0, 4.0, 5.0, 6.0)  # pixels, by fifth of the node capacity


class PointLayer:
    """Points of one colour and size (agents of one type, or nodes of one size class).

    The raster stamps straight from the world state; a layer's coordinates are picked
    out of it only when someone asks for them."""

    def __init__(self, color: str, size: float):
        self.argb = np.uint32(QColor(color).rgba())  # opaque: premultiplied == straight
        self.size = size
        self.x = np.empty(0)
        self.y = np.empty(0)
        self._pick: Callable[[], tuple[np.ndarray, np.ndarray]] | None = None

    def setData(self, x: np.ndarray, y: np.ndarray) -> None:  # noqa: N802 (pyqtgraph style)
        self.x, self.y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        self._pick = None

    def pick_from(self, pick: Callable[[], tuple[np.ndarray, np.ndarray]]) -> None:
        """Take the points from ``pick()`` when they are next asked for."""
        self._pick = pick

    def getData(self) -> tuple[np.ndarray, np.ndarray]:  # noqa: N802
        if self._pick is not None:
            self.setData(*self._pick())
        return self.x, self.y

    def set_size(self, size: float) -> None:
        self.size = size

    def pixel_size(self) -> int:
        return max(1, int(round(self.size)))


class WorldRaster(pg.GraphicsObject):
    """Draws the world (nodes by size class, then agents by type, later ones on top) as
    square dots into one image of the view's pixels with a single compiled, GIL-free
    pass over the state, and puts it on screen with one drawImage. Qt's drawPoints of
    10k agents and 7k nodes took 10-17 ms a frame while a run competed for the CPU;
    splitting the state into layers with NumPy first held the GIL for ~1 ms."""

    def __init__(self, node_layers: list[PointLayer], agent_layers: list[PointLayer]):
        super().__init__()
        self.node_layers = node_layers
        self.agent_layers = agent_layers
        self.state: dict[str, np.ndarray] | None = None
        self.node_capacity = 30.0
        self._bounds = QRectF(0, 0, 1, 1)
        self._pixels = np.zeros(0, dtype=np.uint32)

    def set_bounds(self, rect: QRectF) -> None:
        self.prepareGeometryChange()
        self._bounds = rect

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self._bounds

    def paint(self, painter, *args) -> None:
        state = self.state
        device = painter.device()
        w, h = int(device.width()), int(device.height())
        if w <= 0 or h <= 0 or state is None or not (len(state["agent_x"]) or len(state["node_x"])):
            return
        if self._pixels.size != w * h:
            self._pixels = np.zeros(w * h, dtype=np.uint32)
        pixels = self._pixels
        pixels.fill(0)
        t = painter.transform()
        stamp_world(pixels, w, h, t.m11(), t.m21(), t.dx(), t.m12(), t.m22(), t.dy(),
                    *world_arrays(state), float(self.node_capacity),
                    *layer_styles(self.node_layers), *layer_styles(self.agent_layers))
        image = QImage(pixels.data, w, h, 4 * w, QImage.Format.Format_ARGB32_Premultiplied)
        painter.save()
        painter.resetTransform()
        painter.drawImage(0, 0, image)
        painter.restore()


def layer_styles(layers: list[PointLayer]) -> tuple[np.ndarray, np.ndarray]:
    """Square sizes in pixels and colours of the layers, for stamp_world."""
    return (np.array([layer.pixel_size() for layer in layers], dtype=np.int64),
            np.array([layer.argb for layer in layers], dtype=np.uint32))


class StepLabel(QLabel):
    """A label whose text changes with every world state shown ("step 1234, ..."), at a
    fixed size that changes only when a text needs more room or much less.

    Each new text of a label that may change size lays out its parents again: the world
    view, its dock and the main window, up to ~17 ms of the GUI thread, ten times a second
    while a run went. A widget of fixed size asks for no layout when its text changes."""

    def __init__(self, text: str, min_width: int, parent: QWidget | None = None):
        super().__init__(parent)
        self._min_width = min_width
        self._measure = QLabel()  # the size a text wants (a fixed-size label's hint is its size)
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt API)
        super().setText(text)
        self._measure.setFont(self.font())
        self._measure.setText(text)
        hint = self._measure.sizeHint()
        width = max(self._min_width, hint.width())
        current = self.maximumWidth()
        if width > current or width < 0.6 * current or hint.height() != self.maximumHeight():
            self.setFixedSize(width, hint.height())


class WorldView(QWidget):
    """Live world picture plus the step slider (objectName ``step_slider``)."""

    scrub_requested = Signal(int)  # a step the user picked with the slider

    def __init__(self, parent: QWidget | None = None, *, kernels_now: bool = True):
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
        self.raster = WorldRaster(self.node_items, list(self.agent_items.values()))
        if kernels_now:
            load_kernel()
        plot_item.addItem(self.raster)
        # The key sits under the plot, where it never hides any agents.
        swatches = [f'<span style="color:{TYPE_COLORS[t]}">&#9632;</span>&nbsp;{t}' for t in AGENT_TYPES]
        swatches.append(f'<span style="color:{NODE_COLOR}">&#9632;</span>&nbsp;resource node (size = amount)')
        self.legacy_key = "&nbsp; ".join(swatches)  # breakable: the key wraps in a narrow dock
        self.key_label = QLabel(self.legacy_key)
        self.key_label.setObjectName("world_key")
        self.key_label.setWordWrap(True)

        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("step_slider")
        self.slider.setEnabled(False)
        self.slider.setToolTip("Scrub the stored steps of a paused or finished run")
        self.slider.valueChanged.connect(self._on_slider)
        self.step_label = StepLabel("no run", min_width=150)
        self.step_label.setObjectName("world_step_label")
        row = QHBoxLayout()
        row.addWidget(self.slider, 1)
        row.addWidget(self.step_label)
        self.slider_row = row  # other controls (Fork from here) are added beside the slider
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        # A model with several layers gets a switch for each (a raster on top hides the
        # ones under it: Schelling's groups cover its happy / unhappy cells).
        self.layer_row = QHBoxLayout()
        self.layer_row.setSpacing(10)
        self.layer_boxes: dict[str, QCheckBox] = {}
        layout.addWidget(self.plot, 1)
        layout.addLayout(self.layer_row)
        layout.addWidget(self.key_label)
        layout.addLayout(row)

        self.state: dict[str, np.ndarray] | None = None
        self.displayed_step: int | None = None
        self.node_capacity = 30.0
        self._world = (100.0, 100.0)
        self.model: ModelSpec = get_model(None)
        self.layers: WorldLayers | None = None  # a generic model's drawn layers

    # ---- the model ------------------------------------------------------------------
    def set_model(self, spec: ModelSpec, params: RunParameters) -> None:
        """Draw ``spec``'s layers over the world of ``params`` (its extent from
        ``spec.size(params)``): the declared layers, or the foraging ecology's raster."""
        legacy = foraging_look.applies(spec)
        if spec is not self.model or (self.layers is None) == (not legacy):
            if self.layers is not None:
                self.layers.remove()
                self.layers = None
            self.model = spec
            self.raster.setVisible(legacy)
            if legacy:
                self.key_label.setText(self.legacy_key)
            else:
                self.layers = WorldLayers(spec, self.plot.getPlotItem())
                self.key_label.setText(self.layers.key_html())
            self._make_layer_boxes()
            self.state = self.raster.state = None
        width, height = spec.size(params)
        if legacy:
            self.set_world(width, height, foraging_look.node_capacity(params))
            return
        self.layers.set_extent(width, height)
        if (width, height) != self._world or self.state is None:
            self._world = (width, height)
            self.raster.set_bounds(QRectF(0, 0, width, height))
            self.plot.getPlotItem().vb.setRange(QRectF(0, 0, width, height), padding=0.02)

    def _make_layer_boxes(self) -> None:
        """A check box per declared layer (objectName ``world_layer_<name>``), when there
        are several; none for one layer or the foraging ecology's own picture."""
        while self.layer_row.count():
            widget = self.layer_row.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        self.layer_boxes = {}
        if self.layers is None or len(self.model.layers) < 2:
            return
        self.layer_row.addWidget(QLabel("Layers:"))
        for layer in self.model.layers:
            box = QCheckBox(layer.label)
            box.setObjectName(f"world_layer_{layer.name}")
            box.setChecked(True)
            box.setToolTip(f"Show or hide the layer {layer.label!r}")
            box.toggled.connect(lambda on, name=layer.name: self.show_layer(name, on))
            self.layer_row.addWidget(box)
            self.layer_boxes[layer.name] = box
        self.layer_row.addStretch(1)

    def show_layer(self, name: str, visible: bool) -> None:
        """Show or hide a declared layer; the key lists the layers shown."""
        if self.layers is None or name not in self.layers.layers:
            return
        self.layers.set_visible(name, visible)
        self.key_label.setText(self.layers.key_html())
        box = self.layer_boxes.get(name)
        if box is not None and box.isChecked() != visible:
            box.setChecked(visible)

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
        """Draw a world snapshot: {"layers": {layer: {field: array}}, "step": k} of a model
        drawn from its declaration, or the foraging ecology's flat snapshot (keys of
        SNAPSHOT_AGENT_KEYS + SNAPSHOT_NODE_KEYS)."""
        self.step_label.setToolTip("")  # an explanation of the last label, if any, is stale
        step = None if state is None else state.get("step")
        if step is not None and int(step) > 0:
            self.step_label.setToolTip(
                f"The world after {int(step)} steps: the charts count it at step {int(step) - 1} "
                "(their steps are numbered from 0).")
        if self.layers is not None:
            self._show_layers(state)
            return
        self.state = self.raster.state = state
        self.raster.node_capacity = self.node_capacity
        self.raster.update()
        if state is None:
            for item in (*self.node_items, *self.agent_items.values()):
                item.setData(np.empty(0), np.empty(0))
            self.displayed_step = None
            self.step_label.setText("no world state")
            return
        alive = state.get("agent_alive")
        if alive is not None and len(alive) != len(state["agent_x"]):
            alive = None
        agents = int(np.count_nonzero(alive)) if alive is not None else len(state["agent_x"])
        # Crowded worlds get smaller points: big square points cost the most to paint,
        # and at that density they would cover each other anyway.
        scale = 1.0 if agents + len(state["node_x"]) < 4000 else 0.5
        for i, agent_type in enumerate(AGENT_TYPES):
            item = self.agent_items[agent_type]
            item.set_size(4.0 * scale)
            item.pick_from(lambda i=i: self._agents_of_type(i))
        for i, (item, size) in enumerate(zip(self.node_items, NODE_SIZES, strict=True)):
            item.set_size(size * scale)
            item.pick_from(lambda i=i: self._nodes_of_class(i))
        step = state.get("step")
        self.displayed_step = int(step) if step is not None else None
        self.step_label.setText(f"step {self.displayed_step}, {agents} agents"
                                if self.displayed_step is not None else f"{agents} agents")

    def _show_layers(self, state: dict | None) -> None:
        self.state = state
        points = self.layers.show(None if state is None else state.get("layers"))
        if state is None:
            self.displayed_step = None
            self.step_label.setText("no world state")
            return
        step = state.get("step")
        self.displayed_step = int(step) if step is not None else None
        # Counted in the layers' own words ("186 wolves and sheep"), not as "points".
        what = "".join(f", {points[layer.name]:,} {layer.label.lower()}" for layer in self.model.layers
                       if layer.name in points)
        self.step_label.setText(f"step {self.displayed_step}{what}" if self.displayed_step is not None
                                else what.lstrip(", "))

    def _agents_of_type(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        state = self.state
        mask = state["agent_type"] == index
        alive = state.get("agent_alive")
        if alive is not None and len(alive) == len(mask):
            mask &= alive.astype(bool)
        return state["agent_x"][mask], state["agent_y"][mask]

    def _nodes_of_class(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        state = self.state
        classes = len(NODE_SIZES)
        size_class = np.clip((state["node_amount"] / max(self.node_capacity, 1e-9) * classes).astype(int),
                             0, classes - 1)
        mask = size_class == index
        return state["node_x"][mask], state["node_y"][mask]

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
