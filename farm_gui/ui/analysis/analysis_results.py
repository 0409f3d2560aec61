"""Showing one analysis result: its summary, each table (a model over the
DataFrame, so long tables cost nothing until scrolled), and its plots
(pyqtgraph: curves with optional confidence bands, or a density image; colours and
axis labels from ``analysis_style``); and exporting the result as CSV/JSON and a
plot as PNG/SVG. A blank statistic shows "–" with the reason as its tooltip."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyqtgraph as pg
import pyqtgraph.exporters as exporters
from PySide6.QtCore import QAbstractTableModel, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QHeaderView,
    QLabel,
    QListWidgetItem,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from farm_gui.analysis import AnalysisResult, write_result_json, write_table_csv
from farm_gui.core.model import ModelSpec
from farm_gui.display.legend_place import (
    CORNERS,
    SAMPLES,
    corner_offset,
    hidden_points,
    in_fractions,
    legend_box,
)
from farm_gui.ui.analysis.analysis_style import (
    GENERIC_BLANK,
    axis_labels,
    blank_note,
    blank_reason,
    curve_styles,
)
from farm_gui.ui.plots.bands import add_band
from farm_gui.ui.plots.key_list import KeyList, swatch
from farm_gui.ui.plots.plot_widget import ChartLegend, LegendSample
from farm_gui.ui.widgets import save_folder
from farm_gui.ui.widgets.theme import LEGEND_ALPHA

BLANK = "–"


def _blank(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float | np.floating) and math.isnan(value)


def format_cell(value) -> str:
    if _blank(value):
        return BLANK
    if isinstance(value, float | np.floating):
        return f"{value:.6g}"
    return str(value)


class DataFrameModel(QAbstractTableModel):
    def __init__(self, frame: pd.DataFrame, parent=None, reason=None):
        super().__init__(parent)
        self.frame = frame
        self._columns = [frame[c].to_numpy() for c in frame.columns]
        self._reason = reason  # (column name, row) -> why the cell is blank

    def rowCount(self, parent=None) -> int:  # noqa: N802
        return 0 if parent is not None and parent.isValid() else len(self.frame)

    def columnCount(self, parent=None) -> int:  # noqa: N802
        return 0 if parent is not None and parent.isValid() else len(self.frame.columns)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return format_cell(self._columns[index.column()][index.row()])
        if role == Qt.ItemDataRole.ToolTipRole and _blank(self._columns[index.column()][index.row()]):
            column = str(self.frame.columns[index.column()])
            return self._reason(column, index.row()) if self._reason else GENERIC_BLANK
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        if orientation == Qt.Orientation.Horizontal:
            return str(self.frame.columns[section])
        return str(section + 1)


LEGEND_OFFSET = 10  # pixels between the plot's legend and its corner
# The legend stays inside the plot when, in its best corner, it hides at most this share of
# the curves' points and is no larger than this share of the plot (width, height).
LEGEND_MOST_HIDDEN = 0.01
LEGEND_MOST_BOX = (0.6, 0.5)


class ResultView(QWidget):
    """Summary, tables and plots of the result being shown. Export outcomes are
    reported through ``message`` (text, is_error), never a modal box."""

    message = Signal(str, bool)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("analysis_result_view")
        self.result: AnalysisResult | None = None
        self.model: ModelSpec | None = None  # the model of the result's runs: its colours and words
        self.tabs = QTabWidget()
        self.tabs.setObjectName("analysis_result_tabs")
        self.tabs.setElideMode(Qt.TextElideMode.ElideNone)  # table names in full; scroll buttons if many
        self.tabs.setUsesScrollButtons(True)
        self.note = QLabel()
        self.note.setObjectName("analysis_blank_note")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #b35c00;")
        self.note.hide()
        self.summary_table = QTableWidget(0, 2)
        self.summary_table.setObjectName("analysis_summary_table")
        self.summary_table.setHorizontalHeaderLabels(["Measure", "Value"])
        self.summary_table.verticalHeader().setVisible(False)
        self.summary_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.summary_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)  # names never cut
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table_views: dict[str, QTableView] = {}

        self.plots_tab = QWidget()
        self.plot_combo = QComboBox()
        self.plot_combo.setObjectName("analysis_plot_combo")
        self.plot = pg.PlotWidget()
        self.plot.setObjectName("analysis_plot")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        for axis in ("left", "bottom"):  # values as they are (a Lorenz curve's 0..1, not "x0.001")
            self.plot.getPlotItem().getAxis(axis).enableAutoSIPrefix(False)
        view = self.plot.getPlotItem().vb
        # The live charts' compact legend, with a backing the theme recolours: pyqtgraph's
        # own, added at the first plot, had rows of 20 px and no backing over the curves.
        legend = ChartLegend(offset=corner_offset("upper left", LEGEND_OFFSET), labelTextSize="8pt",
                             sampleType=LegendSample)
        legend.setBrush(QColor(255, 255, 255, LEGEND_ALPHA))
        legend.setParentItem(view)
        self.plot.getPlotItem().legend = legend
        view.sigRangeChanged.connect(self.place_legend)
        view.sigResized.connect(self.place_legend)
        self.legend_corner = "upper left"
        # the legend's entries listed under the plot instead, where inside it hid the curves
        self.key = KeyList()
        self.key.setObjectName("analysis_plot_key")
        self.key.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.key.set_wanted(False)
        plots_layout = QVBoxLayout(self.plots_tab)
        plots_layout.setContentsMargins(0, 0, 0, 0)
        plots_layout.addWidget(self.plot_combo)
        plots_layout.addWidget(self.plot, 1)
        plots_layout.addWidget(self.key)
        self.plot_combo.currentTextChanged.connect(self.draw_plot)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.note)
        layout.addWidget(self.tabs)
        self.set_result(None)

    # ----- showing ----------------------------------------------------------------------
    def set_result(self, result: AnalysisResult | None, model: ModelSpec | None = None) -> None:
        """Show ``result``; ``model`` (the model of its runs, if one) gives its plots the main
        charts' colours of its categories and the words of its population chart."""
        self.result, self.model = result, model
        while self.tabs.count():
            widget = self.tabs.widget(0)
            self.tabs.removeTab(0)
            if widget not in (self.summary_table, self.plots_tab):
                widget.deleteLater()
        self.table_views.clear()
        self.tabs.addTab(self.summary_table, "Summary")
        summary = result.summary if result else {}
        header = {"module": result.module, "run ids": ", ".join(map(str, result.run_ids))} if result else {}
        rows = list(header.items()) + list(summary.items())
        self.summary_table.setRowCount(len(rows))
        for i, (key, value) in enumerate(rows):
            name_item = QTableWidgetItem(str(key))
            name_item.setToolTip(str(key))
            value_item = QTableWidgetItem(format_cell(value))
            value_item.setToolTip(GENERIC_BLANK if _blank(value) else format_cell(value))
            self.summary_table.setItem(i, 0, name_item)
            self.summary_table.setItem(i, 1, value_item)
        note = blank_note(result)
        self.note.setText(note)
        self.note.setVisible(bool(note))
        for name, frame in (result.tables.items() if result else []):
            view = QTableView()
            view.setObjectName(f"analysis_table_{name}")
            view.setModel(DataFrameModel(frame, view, reason=lambda column, row, t=name, r=result:
                                         blank_reason(r, t, column, row)))
            view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
            view.resizeColumnsToContents()  # headers and values in full (sampled over the first rows)
            self.table_views[name] = view
            label = name.replace("_", " ")
            # a table named "summary" (population dynamics') beside the Summary tab: two "Summary"s
            self.tabs.addTab(view, f"{label} table" if label.lower() == "summary" else label)
        self.plot_combo.blockSignals(True)
        self.plot_combo.clear()
        self.plot_combo.addItems(list(result.plot_groups()) if result else [])
        self.plot_combo.blockSignals(False)
        if result and result.series:
            self.tabs.addTab(self.plots_tab, "Plots")
        self.draw_plot(self.plot_combo.currentText())

    def draw_plot(self, group: str) -> None:
        item = self.plot.getPlotItem()
        if item is None:  # the plot was closed with the window (the store goes away after it)
            return
        item.clear()  # a static result: redrawn only when another plot is picked
        self.key.clear()
        if item.legend is not None:
            item.legend.clear()
        else:
            item.addLegend(offset=corner_offset(self.legend_corner, LEGEND_OFFSET))
        if self.result is None or not group:
            return
        item.setTitle(group)
        model = self.model
        population = next((c for c in model.charts if c.name == "population"), None) if model else None
        counted = population.y_label if population is not None and population.y_label else "agents"
        bottom, left = axis_labels(group, counted)
        item.setLabel("bottom", bottom)
        item.setLabel("left", left)
        names = self.result.plot_groups().get(group, [])
        labels = [name.split("/", 1)[1] if "/" in name else name for name in names]
        colors = {c.name: c.color for c in model.categories} if model else None
        for name, label, (color, style) in zip(names, labels, curve_styles(labels, colors), strict=True):
            data = self.result.series[name]
            if "image" in data:
                self._draw_image(item, data)
                continue
            x, y = np.asarray(data["x"], dtype=float), np.asarray(data["y"], dtype=float)
            if "lo" in data and "hi" in data:
                add_band(item, x, data["lo"], data["hi"], color)
            item.plot(x, y, pen=pg.mkPen(color, width=1, style=style), name=label, connect="finite")
            self.key.addItem(QListWidgetItem(swatch(color, style), label))
        self.place_legend()

    def place_legend(self, *_args) -> None:
        """The legend in the plot's corner where it hides the least of the curves (at the
        top left it covered the start of a comparison's second group); listed under the
        plot instead where even there it would hide them (long labels in a narrow dock)."""
        item = self.plot.getPlotItem()
        legend = item.legend if item is not None else None
        if legend is None or not legend.items:
            self.key.set_wanted(False)
            return
        view = item.vb
        box = legend_box((legend.width(), legend.height()), (view.width(), view.height()), LEGEND_OFFSET)
        if box is None:
            return
        x_range, y_range = view.viewRange()
        lines = [f for curve in item.listDataItems() if curve.xData is not None
                 and (f := in_fractions(curve.xData, curve.yData, x_range, y_range)) is not None]
        hidden = hidden_points(lines, box)
        corner = min(CORNERS, key=hidden.__getitem__)
        points = sum(len(x) + SAMPLES for x, _y in lines)
        inside = box[0] <= LEGEND_MOST_BOX[0] and box[1] <= LEGEND_MOST_BOX[1] \
            and hidden[corner] <= LEGEND_MOST_HIDDEN * points
        legend.setVisible(inside)
        self.key.set_wanted(not inside)
        if corner != self.legend_corner:
            self.legend_corner = corner
            legend.setOffset(corner_offset(corner, LEGEND_OFFSET))

    @staticmethod
    def _draw_image(item: pg.PlotItem, data: dict[str, np.ndarray]) -> None:
        image = pg.ImageItem(np.asarray(data["image"], dtype=float))
        x, y = np.asarray(data["x"]), np.asarray(data["y"])
        image.setRect(QRectF(float(x[0]), float(y[0]), float(x[-1] - x[0]), float(y[-1] - y[0])))
        image.setColorMap(pg.colormap.get("viridis"))
        item.addItem(image)

    def current_table(self) -> str | None:
        widget = self.tabs.currentWidget()
        for name, view in self.table_views.items():
            if view is widget:
                return name
        return next(iter(self.table_views), None)

    # ----- exporting -----------------------------------------------------------------------
    def _ask_path(self, title: str, default: str, kind: str, suffix: str) -> str | None:
        path, _ = save_folder.save_file_name(self, title, default, kind)
        if not path:
            return None
        return path if path.lower().endswith(suffix) else path + suffix

    def _stem(self) -> str:
        runs = "-".join(map(str, self.result.run_ids)) if self.result else ""
        return f"{self.result.module}_run{runs}" if self.result else "analysis"

    def export_csv(self) -> Path | None:
        table = self.current_table()
        if self.result is None or table is None:
            return self._nothing("This result has no table to export.")
        path = self._ask_path("Export table as CSV", f"{self._stem()}_{table}.csv", "CSV (*.csv)", ".csv")
        return self._write(lambda: write_table_csv(self.result, table, path)) if path else None

    def export_json(self) -> Path | None:
        if self.result is None:
            return self._nothing("Select a finished analysis first.")
        path = self._ask_path("Export result as JSON", f"{self._stem()}.json", "JSON (*.json)", ".json")
        return self._write(lambda: write_result_json(self.result, path)) if path else None

    def export_plot(self, fmt: str) -> Path | None:
        if self.result is None or not self.result.series:
            return self._nothing("This result has no plot to export.")
        kind = "PNG image (*.png)" if fmt == "png" else "SVG drawing (*.svg)"
        group = self.plot_combo.currentText() or "plot"
        default = f"{self._stem()}_{group}.{fmt}".replace(" ", "_")
        path = self._ask_path(f"Export plot as {fmt.upper()}", default, kind, f".{fmt}")
        if not path:
            return None
        self.tabs.setCurrentWidget(self.plots_tab)  # exporters need a shown, sized plot
        QApplication.processEvents()
        legend = self.plot.getPlotItem().legend
        shown = legend is None or legend.isVisible()

        def write() -> Path:
            if legend is not None:  # a figure keeps its legend, listed under the plot or not
                legend.setVisible(True)
            try:
                if fmt == "png":
                    exporters.ImageExporter(self.plot.getPlotItem()).export(path)
                else:
                    self._write_svg(path)
            finally:
                if legend is not None:
                    legend.setVisible(shown)
            return Path(path)

        return self._write(write)

    def _write_svg(self, path: str) -> None:
        try:
            exporters.SVGExporter(self.plot.getPlotItem()).export(path)
        except (ValueError, IndexError):
            # pyqtgraph 0.14's SVG post-processing cannot parse the path syntax this Qt
            # writes; render the widget through QSvgGenerator instead (still vector).
            generator = QSvgGenerator()
            generator.setFileName(path)
            generator.setSize(self.plot.size())
            generator.setViewBox(QRect(0, 0, self.plot.width(), self.plot.height()))
            generator.setTitle(self.plot_combo.currentText())
            painter = QPainter(generator)
            try:
                self.plot.render(painter)
            finally:
                painter.end()
        if not Path(path).is_file():
            raise OSError(f"the plot could not be written to {path}")

    def _write(self, write) -> Path | None:
        try:
            path = write()
        except (OSError, ValueError, KeyError, RuntimeError) as err:
            self.message.emit(f"Export failed: {err}", True)
            return None
        self.message.emit(f"Saved {path}", False)
        return path

    def _nothing(self, text: str) -> None:
        self.message.emit(f"Nothing to export: {text}", True)
        return None
