"""File > Export > Figure... (and each chart's context menu): choose the charts (one,
several as panels, or all), the size in cm or inches, DPI, fonts and lines in points,
print style, title, legend, colour-blind palette and the data behind the figure; a
live preview shows what will be written. The choices are remembered."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QStatusBar,
    QVBoxLayout,
    QWidget,
)

from farm_gui.runtime.aio import run_blocking, spawn
from farm_gui.ui.plots.chart_render import FILTERS, FORMATS, with_suffix
from farm_gui.ui.plots.figure_export import (
    FigureOptions,
    FigureScene,
    panel_of,
    write_figure_data,
    write_picture,
)
from farm_gui.ui.widgets import save_folder

SETTINGS_KEY = "figure/options"
PREVIEW_WIDTH = 480


class FigureDialog(QDialog):
    """``all_charts``: the charts offered (``charts``: those ticked, all unless given);
    ``qsettings`` keeps the choices; the outcome is said in ``status_bar`` or by
    ``show_error``."""

    def __init__(self, parent: QWidget, all_charts: list, qsettings: QSettings, status_bar: QStatusBar,
                 show_error: Callable[[str, str], None], charts=None):
        super().__init__(parent)
        self.qsettings = qsettings
        self.status_bar = status_bar
        self.show_error = show_error
        self.setObjectName("figure_dialog")
        self.setWindowTitle("Export Figure")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.written: list = []
        options = FigureOptions.from_json(qsettings.value(SETTINGS_KEY, "", type=str))
        chosen = list(charts) if charts else list(all_charts)

        self.chart_boxes = {}
        charts_box = QGroupBox("Charts (several make panels of one figure)")
        charts_row = QVBoxLayout(charts_box)
        for chart in all_charts:
            box = QCheckBox(chart.getPlotItem().titleLabel.text or chart.objectName())
            box.setObjectName(f"figure_{chart.objectName()}")
            box.setChecked(chart in chosen)
            box.toggled.connect(self._changed)
            charts_row.addWidget(box)
            self.chart_boxes[chart] = box

        form = QFormLayout()
        self.width_box = self._number("figure_width", 1.0, 100.0, options.width, 1)
        self.height_box = self._number("figure_height", 1.0, 100.0, options.height, 1)
        self.unit_box = QComboBox()
        self.unit_box.setObjectName("figure_unit")
        self.unit_box.addItems(["cm", "in"])
        self.unit_box.setCurrentText(options.unit)
        self.unit_box.currentTextChanged.connect(self._unit_changed)
        size_row = QHBoxLayout()
        for widget in (self.width_box, QLabel("x"), self.height_box, self.unit_box):
            size_row.addWidget(widget)
        form.addRow("Size", size_row)
        self.dpi_box = QSpinBox()
        self.dpi_box.setObjectName("figure_dpi")
        self.dpi_box.setRange(50, 1200)
        self.dpi_box.setValue(options.dpi)
        self.dpi_box.setSuffix(" dpi")
        self.dpi_box.setToolTip("Resolution of a PNG (SVG and PDF are vector drawings)")
        self.dpi_box.valueChanged.connect(self._changed)
        form.addRow("PNG resolution", self.dpi_box)
        self.font_box = self._number("figure_font", 4.0, 30.0, options.font_pt, 1, " pt")
        form.addRow("Font size", self.font_box)
        self.line_box = self._number("figure_line", 0.25, 5.0, options.line_pt, 2, " pt")
        form.addRow("Line width", self.line_box)
        self.light_box = self._check("figure_light", "Light print style (whatever the window's theme)",
                                     options.light)
        self.title_box = self._check("figure_title", "Titles", options.title)
        self.legend_box = self._check("figure_legend", "Legends", options.legend)
        self.colorblind_box = self._check("figure_colorblind", "Colour-blind-safe palette (Okabe-Ito)",
                                          options.colorblind)
        self.data_box = self._check("figure_data", "Also the data drawn (CSV) and a matplotlib script",
                                    options.data)
        for box in (self.light_box, self.title_box, self.legend_box, self.colorblind_box, self.data_box):
            form.addRow("", box)

        self.preview = QLabel()
        self.preview.setObjectName("figure_preview")
        self.preview.setMinimumSize(PREVIEW_WIDTH, PREVIEW_WIDTH * 5 // 8)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("QLabel { background: #808080; }")

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.addButton("Save...", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("figure_save")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)

        left = QVBoxLayout()
        left.addWidget(charts_box)
        left.addLayout(form)
        left.addStretch(1)
        top = QHBoxLayout()
        top.addLayout(left)
        top.addWidget(self.preview, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(buttons)

        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(120)
        self._preview_timer.timeout.connect(self.update_preview)
        self.update_preview()

    # ---- widgets ---------------------------------------------------------------------
    def _number(self, name: str, lo: float, hi: float, value: float, decimals: int, suffix: str = ""):
        box = QDoubleSpinBox()
        box.setObjectName(name)
        box.setDecimals(decimals)
        box.setRange(lo, hi)
        box.setValue(value)
        box.setSuffix(suffix)
        box.valueChanged.connect(self._changed)
        return box

    def _check(self, name: str, text: str, value: bool) -> QCheckBox:
        box = QCheckBox(text)
        box.setObjectName(name)
        box.setChecked(value)
        box.toggled.connect(self._changed)
        return box

    def _unit_changed(self, unit: str) -> None:
        factor = 2.54 if unit == "cm" else 1 / 2.54
        for box in (self.width_box, self.height_box):
            box.blockSignals(True)
            box.setValue(box.value() * factor)
            box.blockSignals(False)
        self._changed()

    def _changed(self, *_args) -> None:
        self.save_button.setEnabled(bool(self.charts()))
        self._preview_timer.start()

    # ---- state -----------------------------------------------------------------------
    def options(self) -> FigureOptions:
        return FigureOptions(
            width=self.width_box.value(), height=self.height_box.value(), unit=self.unit_box.currentText(),
            dpi=self.dpi_box.value(), font_pt=self.font_box.value(), line_pt=self.line_box.value(),
            light=self.light_box.isChecked(), title=self.title_box.isChecked(),
            legend=self.legend_box.isChecked(), colorblind=self.colorblind_box.isChecked(),
            data=self.data_box.isChecked())

    def charts(self) -> list:
        return [chart for chart, box in self.chart_boxes.items() if box.isChecked()]

    def update_preview(self) -> None:
        charts = self.charts()
        if not charts:
            self.preview.setText("Choose at least one chart.")
            return
        figure = FigureScene([panel_of(c) for c in charts], self.options())
        try:
            self.preview.setPixmap(QPixmap.fromImage(figure.image(PREVIEW_WIDTH)))
        finally:
            figure.close()

    def save(self) -> None:
        charts = self.charts()
        if not charts:
            return
        options = self.options()
        self.qsettings.setValue(SETTINGS_KEY, options.to_json())
        filters = ";;".join(FILTERS[f] for f in FORMATS)
        path, chosen = save_folder.save_file_name(self, "Save figure", "figure.pdf", filters)
        if not path:
            return
        fmt = next((f for f in FORMATS if path.lower().endswith(f".{f}")), None)
        if fmt is None:
            fmt = next((f for f in FORMATS if FILTERS[f] == chosen), "pdf")
            path = with_suffix(path, fmt)
        panels = [panel_of(c) for c in charts]
        try:
            write_picture(panels, options, path, fmt)
        except (OSError, ValueError) as err:
            reason = getattr(err, "strerror", None) or str(err)
            self.show_error("Export failed", f"Could not write the figure to {path}: {reason}.")
            return
        self.status_bar.showMessage(f"Figure saved to {path}", 8000)
        if options.data:  # the raw data can be long: written off the event loop
            spawn(_write_data(self.status_bar, self.show_error, panels, options, path, fmt),
                  lambda err: self.show_error("Export failed", str(err)))
        self.accept()


async def _write_data(status_bar: QStatusBar, show_error: Callable[[str, str], None], panels,
                      options: FigureOptions, path: str, fmt: str) -> None:
    try:
        written = await run_blocking(write_figure_data, panels, options, path, fmt)
    except OSError as err:
        show_error("Export failed", f"Could not write the figure's data beside {path}: "
                                    f"{err.strerror or err}.")
        return
    status_bar.showMessage(f"Figure saved to {path}, its data to {written[0].name} and "
                           f"{written[1].name}", 8000)
