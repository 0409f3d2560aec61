"""Live charts: population, resources, births/deaths and health, fed from
run series on a UI timer with flat frame cost (see ``envelope``)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from farm_gui.ui.envelope import PeakPyramid
from farm_gui.ui.series import TYPE_COLORS, RunSeries

TOTAL_COLOR = "#7f7f7f"


@dataclass
class Curve:
    run: RunSeries
    metric: str
    label: str
    item: pg.PlotDataItem
    pyramid: PeakPyramid
    drawn: tuple = ()


class LiveChart(pg.PlotWidget):
    """One plot with a legend, axis labels, a step cursor and a hover line."""

    def __init__(self, object_name: str, title: str, y_label: str, right_label: str | None = None):
        super().__init__()
        self.setObjectName(object_name)
        self.setMinimumSize(260, 170)
        plot = self.getPlotItem()
        plot.setTitle(title)
        plot.setLabel("bottom", "step")
        plot.setLabel("left", y_label)
        plot.showGrid(x=True, y=True, alpha=0.15)
        plot.setMenuEnabled(True)
        self.legend = plot.addLegend(offset=(6, 6), labelTextSize="8pt")
        self.curves: list[Curve] = []
        self.cursor = pg.InfiniteLine(angle=90, movable=False,
                                      pen=pg.mkPen("#e69f00", width=1, style=Qt.PenStyle.DashLine))
        self.hover_line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#999999", width=1))
        for line in (self.cursor, self.hover_line):
            line.setVisible(False)
            plot.addItem(line, ignoreBounds=True)
        self.right_view: pg.ViewBox | None = None
        if right_label:
            self.right_view = pg.ViewBox()
            plot.showAxis("right")
            plot.scene().addItem(self.right_view)
            plot.getAxis("right").linkToView(self.right_view)
            plot.getAxis("right").setLabel(right_label)
            self.right_view.setXLink(plot)
            plot.vb.sigResized.connect(self._sync_right_view)

    def _sync_right_view(self) -> None:
        if self.right_view is not None:
            self.right_view.setGeometry(self.getPlotItem().vb.sceneBoundingRect())

    # ---- curves -----------------------------------------------------------------
    def clear_curves(self) -> None:
        for curve in self.curves:
            view = curve.item.getViewBox()
            if view is not None:
                view.removeItem(curve.item)
            self.legend.removeItem(curve.item)
        self.curves = []

    def add_curve(self, run: RunSeries, metric: str, label: str, color: str, right: bool = False,
                  style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> Curve:
        item = pg.PlotDataItem(pen=pg.mkPen(color, width=1, style=style), name=label,
                               skipFiniteCheck=True, antialias=False)
        item.setDownsampling(auto=False)  # the pyramid already decimates
        if right and self.right_view is not None:
            self.right_view.addItem(item)
            self.legend.addItem(item, label)
        else:
            self.getPlotItem().addItem(item)
        curve = Curve(run, metric, label, item, PeakPyramid())
        self.curves.append(curve)
        return curve

    # ---- drawing ----------------------------------------------------------------
    def _visible_index_range(self, x0: float, n: int) -> tuple[int, int]:
        view = self.getPlotItem().vb
        if view.state["autoRange"][0] is not False:
            return 0, n
        lo, hi = view.viewRange()[0]
        return max(0, int(np.floor(lo - x0)) - 1), min(n, int(np.ceil(hi - x0)) + 2)

    def refresh(self) -> bool:
        """Push new points to the curves; returns whether anything was redrawn."""
        width = max(200, int(self.getPlotItem().vb.width()))
        max_points = 4 * width
        changed = False
        snapshots: dict[int, object] = {}
        for curve in self.curves:
            snap = snapshots.get(curve.run.run_id)
            if snap is None:
                snap = snapshots[curve.run.run_id] = curve.run.source.snapshot()
            y = snap.get(curve.metric)
            n = snap.length
            if y is None or n == 0:
                continue
            x0 = float(snap["step"][0]) if "step" in snap.names else 0.0
            start, stop = self._visible_index_range(x0, n)
            key = (n, start, stop, max_points)
            if key == curve.drawn:
                continue
            curve.pyramid.update(y)
            xs, ys = curve.pyramid.window(y, start, stop, max_points)
            if np.isfinite(ys).all():
                curve.item.setData(xs + x0, ys, skipFiniteCheck=True)
            else:
                curve.item.setData(xs + x0, ys, connect="finite")
            curve.drawn = key
            changed = True
        if changed and self.right_view is not None:
            self.right_view.enableAutoRange(axis=pg.ViewBox.YAxis)
        return changed

    def data(self, label: str) -> tuple[np.ndarray, np.ndarray] | None:
        """The (x, y) arrays currently drawn for the curve named ``label``."""
        for curve in self.curves:
            if curve.label == label:
                return curve.item.getData()
        return None

    def set_cursor(self, step: float | None) -> None:
        self.cursor.setVisible(step is not None)
        if step is not None:
            self.cursor.setValue(step)


class ChartsPanel(QWidget):
    """The four live charts in a grid, with a shared hover read-out."""

    hovered = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("charts_panel")
        self.population = LiveChart("population_chart", "Agents alive", "agents")
        self.resources = LiveChart("resources_chart", "Resources", "in nodes", right_label="mean per agent")
        self.births_deaths = LiveChart("births_deaths_chart", "Births and deaths", "per step")
        self.health = LiveChart("health_chart", "Mean health", "health")
        self.charts = (self.population, self.resources, self.births_deaths, self.health)
        for chart in self.charts[1:]:
            chart.getPlotItem().setXLink(self.population.getPlotItem())
        self.readout = QLabel("Hover over a chart to read values.")
        self.readout.setObjectName("chart_readout")
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(4)
        for i, chart in enumerate(self.charts):
            grid.addWidget(chart, i // 2, i % 2)
            chart.scene().sigMouseMoved.connect(lambda pos, c=chart: self._on_mouse_moved(c, pos))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(grid, 1)
        layout.addWidget(self.readout)
        self.runs: list[RunSeries] = []
        self.frames = 0
        self.last_frame_s = 0.0

    # ---- binding ----------------------------------------------------------------
    def bind(self, runs: list[RunSeries]) -> None:
        """Show ``runs`` (one: detailed curves; several: one curve per run to compare)."""
        self.runs = list(runs)
        for chart in self.charts:
            chart.clear_curves()
            chart.getPlotItem().enableAutoRange()
        if len(runs) == 1:
            run = runs[0]
            self.population.add_curve(run, "alive", "total", TOTAL_COLOR)
            for agent_type in run.types:
                self.population.add_curve(run, f"alive_{agent_type}", agent_type, TYPE_COLORS[agent_type])
            self.resources.add_curve(run, "resources_in_nodes", "in nodes", "#2ca02c")
            self.resources.add_curve(run, "mean_agent_resources", "mean per agent", "#ff7f0e", right=True)
            self.births_deaths.add_curve(run, "births", "births", "#1f77b4")
            self.births_deaths.add_curve(run, "deaths", "deaths", "#d62728")
            self.health.add_curve(run, "mean_health", "mean health", "#9467bd")
        else:
            for run in runs:
                self.population.add_curve(run, "alive", run.name, run.color)
                self.resources.add_curve(run, "resources_in_nodes", run.name, run.color)
                self.births_deaths.add_curve(run, "births", f"{run.name} births", run.color)
                self.births_deaths.add_curve(run, "deaths", f"{run.name} deaths", run.color,
                                             style=Qt.PenStyle.DashLine)
                self.health.add_curve(run, "mean_health", run.name, run.color)
        self.refresh()

    def refresh(self) -> bool:
        t0 = time.perf_counter()
        changed = False
        for chart in self.charts:
            if chart.isVisible() or not self.isVisible():
                changed = chart.refresh() or changed
        if changed:
            self.frames += 1
            self.last_frame_s = time.perf_counter() - t0
        return changed

    def set_cursor(self, step: float | None) -> None:
        for chart in self.charts:
            chart.set_cursor(step)

    # ---- hover read-out ------------------------------------------------------------
    def _on_mouse_moved(self, chart: LiveChart, pos) -> None:
        plot = chart.getPlotItem()
        if not self.runs or not plot.sceneBoundingRect().contains(pos):
            return
        step = int(round(plot.vb.mapSceneToView(pos).x()))
        for c in self.charts:
            c.hover_line.setVisible(True)
            c.hover_line.setValue(step)
        self.readout.setText(self.readout_text(step))
        self.hovered.emit(step)

    def readout_text(self, step: int) -> str:
        parts = []
        for run in self.runs:
            snap = run.source.snapshot()
            if snap.length == 0:
                continue
            i = step - int(snap["step"][0])
            if not 0 <= i < snap.length:
                continue

            def value(name: str, s=snap, i=i) -> str:
                v = s[name][i]
                return "-" if not np.isfinite(v) else (f"{v:.0f}" if float(v).is_integer() else f"{v:.2f}")

            types = ", ".join(f"{t} {value('alive_' + t)}" for t in run.types)
            parts.append(f"<b>{run.name}</b> step {step}: alive {value('alive')} ({types}); "
                         f"resources {value('resources_in_nodes')} in nodes, "
                         f"{value('mean_agent_resources')} per agent; births {value('births')}, "
                         f"deaths {value('deaths')}; health {value('mean_health')}")
        return "<br>".join(parts) if parts else f"step {step}: no data"
