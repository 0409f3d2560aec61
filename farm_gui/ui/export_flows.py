"""Export flows: run data (CSV / Parquet / JSON through the store's exporter),
charts (pyqtgraph ImageExporter / SVGExporter) and configs (YAML)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pyqtgraph.exporters as exporters
from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QFileDialog

from farm_gui.config import save_yaml
from farm_gui.runtime.aio import run_blocking, spawn
from farm_gui.store import StoreError
from farm_gui.store.export import export_runs

if TYPE_CHECKING:
    from farm_gui.ui.main_window import MainWindow

EXPORT_ERRORS = (OSError, StoreError, ValueError)


class ExportFlows:
    def export_run_data(self: MainWindow, fmt: str) -> None:
        ids = self.run_table.selected_ids()
        if not ids or self.store is None:
            self.show_error("Nothing to export", "Select one or more runs in the run table first.")
            return
        directory = QFileDialog.getExistingDirectory(self, f"Export run data as {fmt.upper()} to folder")
        if directory:
            spawn(self.export_run_data_async(ids, directory, fmt), self._report("Export failed"))

    async def export_run_data_async(self: MainWindow, ids: list[int], directory: str, fmt: str) -> list[Path]:
        written: list[Path] = []
        async with self._export_lock:
            try:
                written = await run_blocking(export_runs, self.store, ids, directory, fmt)
            except EXPORT_ERRORS as err:
                self.show_error("Export failed", _describe(err, directory))
                return written
        self.statusBar().showMessage(f"Exported {len(written)} file(s) to {directory}", 8000)
        return written

    def export_chart(self: MainWindow, fmt: str) -> None:
        default = f"population.{fmt}"
        kind = "PNG image (*.png)" if fmt == "png" else "SVG drawing (*.svg)"
        path, _ = QFileDialog.getSaveFileName(self, f"Export chart as {fmt.upper()}", default, kind)
        if not path:
            return
        if not path.lower().endswith(f".{fmt}"):
            path += f".{fmt}"
        try:
            self.write_chart(path, fmt)
        except EXPORT_ERRORS as err:
            self.show_error("Export failed", _describe(err, path))
            return
        self.statusBar().showMessage(f"Chart saved to {path}", 8000)

    def write_chart(self: MainWindow, path: str, fmt: str) -> None:
        """Render the population chart (must have been shown and sized) to a file."""
        parent = Path(path).parent
        if not parent.is_dir():
            raise FileNotFoundError(2, "No such folder", str(parent))
        chart = self.charts.population
        plot = chart.getPlotItem()
        with chart.axes_painted_directly():
            if fmt == "png":
                exporter = exporters.ImageExporter(plot)
                exporter.parameters()["width"] = max(800, int(plot.sceneBoundingRect().width()) * 2)
                exporter.export(path)
            else:
                # pyqtgraph's SVGExporter (0.13, 0.14) fails on the path data Qt 6.11's SVG
                # generator writes, and the QBuffer/QSvgGenerator pair it leaves behind can
                # crash the garbage collector later; render through QSvgGenerator directly.
                _render_svg(chart, path)
        if not Path(path).is_file():
            raise OSError(f"the chart could not be written to {path}")

    def export_config(self: MainWindow) -> None:
        ids = self.run_table.selected_ids()
        path, _ = QFileDialog.getSaveFileName(self, "Export configuration", "config.yaml",
                                              "YAML (*.yaml *.yml)")
        if path:
            spawn(self.export_config_async(ids[0] if ids else None, path), self._report("Export failed"))

    async def export_config_async(self: MainWindow, run_id: int | None, path: str) -> None:
        async with self._export_lock:
            if run_id is not None and self.store is not None:
                config = await run_blocking(self.store.run_config, run_id)
            else:
                config = self.config_form.config()
            if config is None:
                self.show_error("Export failed", "The form has invalid fields; fix them first.")
                return
            try:
                await run_blocking(save_yaml, config, path)
            except EXPORT_ERRORS as err:
                self.show_error("Export failed", _describe(err, path))
                return
        self.statusBar().showMessage(f"Configuration saved to {path}", 8000)


def _render_svg(widget, path: str) -> None:
    scene = widget.scene()
    rect = widget.getPlotItem().sceneBoundingRect()
    generator = QSvgGenerator()
    generator.setFileName(path)
    generator.setSize(QSize(int(rect.width()), int(rect.height())))
    generator.setViewBox(QRectF(0, 0, rect.width(), rect.height()))
    generator.setTitle("Farm GUI chart")
    painter = QPainter(generator)
    try:
        scene.render(painter, QRectF(0, 0, rect.width(), rect.height()), rect)
    finally:
        painter.end()


def _describe(err: BaseException, target: str) -> str:
    if isinstance(err, OSError):
        reason = err.strerror or str(err)
        return f"Could not write to {err.filename or target}: {reason}."
    return str(err)
