"""Exports of the main window (``ExportController``): run data (CSV / Parquet / JSON
through the store's exporter, with progress, cancel and "Replace?"), pictures of the
charts and the world view (PNG, SVG, PDF: see ``chart_export``), figures, the
clipboard, and configs (YAML).

The controller reads the open store from the window's ``WindowState`` and is given the
widgets it exports; it knows nothing of the window. Store calls and file writing of run
data are awaited off the GUI loop, one export at a time (``WindowState.export_lock``)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QApplication, QProgressDialog, QStatusBar, QWidget

from farm_gui.config.model_files import save_model_yaml
from farm_gui.runtime.aio import current_loop, run_blocking, spawn
from farm_gui.store import StoreError
from farm_gui.store.export import ExportCancelled, TableChoice, export_runs, files_in_the_way
from farm_gui.ui.controllers.run_flows import run_parameters
from farm_gui.ui.plots import chart_export
from farm_gui.ui.plots.chart_render import FILTERS, with_suffix
from farm_gui.ui.plots.charts import ChartsPanel
from farm_gui.ui.settings import WindowSettings
from farm_gui.ui.state import WindowState
from farm_gui.ui.widgets import save_folder
from farm_gui.ui.widgets.ask import ask_yes, replace_question
from farm_gui.ui.widgets.config_form import ConfigForm
from farm_gui.ui.widgets.run_table import RunTable
from farm_gui.ui.world.world_view import WorldView

EXPORT_ERRORS = (OSError, StoreError, ValueError)
PROGRESS_AFTER_MS = 400  # an export that takes longer shows a progress dialog


class ExportController(QObject):
    """Exports. ``model_of_run`` gives a stored run's model declaration (None, after
    saying why, when it is not installed). ``parent`` is the window: the dialogs' parent
    (the figure dialog also reads its charts, settings and status bar). ``chart_tracker``
    (set once the chart menus are installed) knows the current chart."""

    def __init__(self, state: WindowState, settings: WindowSettings, *, run_table: RunTable,
                 charts: ChartsPanel, world_view: WorldView, config_form: ConfigForm,
                 status_bar: QStatusBar, parent: QWidget, show_error: Callable[[str, str], None],
                 model_of_run: Callable[[int], object]):
        super().__init__(parent)
        self.state = state
        self.settings = settings
        self.run_table = run_table
        self.charts = charts
        self.world_view = world_view
        self.config_form = config_form
        self.status_bar = status_bar
        self.dialog_parent = parent
        self.show_error = show_error
        self.model_of_run = model_of_run
        self.chart_tracker = None
        self.progress_dialog: QProgressDialog | None = None  # while a run data export runs
        self.data_export_dialog = None  # the last File > Export > Run Data... dialog
        self.figure_dialog = None  # the last figure dialog

    def _report(self, title: str):
        return lambda err: self.show_error(title, str(err))

    # ---- run data --------------------------------------------------------------------
    def export_run_data(self, fmt: str) -> None:
        ids = self.run_table.selected_ids()
        if not ids or self.state.store is None:
            self.show_error("Nothing to export", "Select one or more runs in the run table first.")
            return
        title = f"Export run data as {fmt.upper()} to folder"
        directory = save_folder.existing_folder(self.dialog_parent, title)
        if directory:
            spawn(self.export_run_data_async(ids, directory, fmt), self._report("Export failed"))

    async def export_run_data_async(self, ids: list[int], directory: str, fmt: str,
                                    tables: TableChoice = None,
                                    steps: tuple[int | None, int | None] | None = None,
                                    skipped: list[int] | None = None) -> list[Path]:
        """Export runs `ids` (``tables``: the same for all, or each run's own); `skipped`
        runs (selected, but with none of the chosen tables) are named in the status bar."""
        written: list[Path] = []
        async with self.state.export_lock:
            store = self.state.store
            try:
                in_the_way = await run_blocking(files_in_the_way, store, ids, directory, fmt, tables)
                question = replace_question(in_the_way, directory)
                if in_the_way and not await ask_yes(self.dialog_parent, "Replace files?", question):
                    self.status_bar.showMessage("Export cancelled: nothing was replaced", 8000)
                    return written
                written = await self._export_with_progress(store, ids, directory, fmt, tables, steps,
                                                           overwrite=bool(in_the_way))
            except ExportCancelled:
                self.status_bar.showMessage("Export cancelled: no files were kept", 8000)
                return written
            except EXPORT_ERRORS as err:
                self.show_error("Export failed", _describe(err, directory))
                return written
        left_out = f"; not exported (none of the chosen tables): run(s) {', '.join(map(str, skipped))}" \
            if skipped else ""
        self.status_bar.showMessage(f"Exported {len(written)} file(s) to {directory}{left_out}", 8000)
        return written

    async def _export_with_progress(self, store, ids, directory, fmt, tables, steps,
                                    overwrite: bool) -> list[Path]:
        """export_runs off the loop, with a window-modal progress dialog (shown once the
        export has taken PROGRESS_AFTER_MS) whose Cancel stops it."""
        dialog = QProgressDialog(f"Exporting {len(ids)} run(s) as {fmt.upper()}...", "Cancel", 0, 0,
                                 self.dialog_parent)
        dialog.setObjectName("export_progress")
        dialog.setWindowTitle("Export")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(PROGRESS_AFTER_MS)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        cancelled = threading.Event()
        dialog.canceled.connect(cancelled.set)
        self.progress_dialog = dialog
        loop = current_loop()

        def show(done: int, total: int) -> None:
            if cancelled.is_set():  # queued before the export ended: the dialog is going
                return
            if dialog.maximum() != total:
                dialog.setMaximum(total)
            dialog.setValue(done)

        def progress(done: int, total: int) -> bool:  # in the export's thread
            if not cancelled.is_set():
                loop.call_soon_threadsafe(show, done, total)
            return not cancelled.is_set()

        dialog.setValue(0)
        try:
            return await run_blocking(export_runs, store, ids, directory, fmt, steps=steps,
                                      overwrite=overwrite, tables=tables, progress=progress)
        finally:
            cancelled.set()  # no more updates from a late call
            dialog.canceled.disconnect()
            dialog.close()
            dialog.deleteLater()
            self.progress_dialog = None

    def export_run_data_dialog(self) -> None:
        """File > Export > Run Data...: format, tables, step range and folder chosen in a dialog."""
        from farm_gui.ui.widgets.data_export_dialog import DataExportDialog, ExportRun

        ids = self.run_table.selected_ids()
        if not ids or self.state.store is None:
            self.show_error("Nothing to export", "Select one or more runs in the run table first.")
            return
        rows = {row.run_id: row for row in self.run_table.table_model.rows}
        runs = [ExportRun(i, rows[i].name, rows[i].model) for i in ids if i in rows]
        old = self.data_export_dialog
        if old is not None and not old.isVisible():
            old.deleteLater()  # the one of an earlier export (its choice has been taken)
        dialog = DataExportDialog(self.dialog_parent, runs, self.settings)

        def accepted() -> None:
            c = dialog.choice()
            job = self.export_run_data_async(c.run_ids, c.folder, c.fmt, c.per_run, c.steps,
                                             skipped=list(c.skipped))
            spawn(job, self._report("Export failed"))

        dialog.accepted.connect(accepted)
        self.data_export_dialog = dialog
        dialog.open()

    # ---- pictures --------------------------------------------------------------------
    def current_chart(self):
        tracker = self.chart_tracker
        return tracker.chart if tracker is not None else self.charts.charts[0]

    def _save_path(self, fmt: str, title: str, default: str) -> str | None:
        path, _ = save_folder.save_file_name(self.dialog_parent, title, default, FILTERS[fmt])
        return with_suffix(path, fmt) if path else None

    def write_picture(self, write, path: str, what: str) -> bool:
        """``write(path)``; the outcome said in the status bar, or in an error message."""
        try:
            write(path)
        except EXPORT_ERRORS as err:
            self.show_error("Export failed", _describe(err, path))
            return False
        self.status_bar.showMessage(f"{what} saved to {path}", 8000)
        return True

    def export_chart(self, fmt: str, chart=None) -> None:
        """A chart (the current one unless given) as PNG, SVG or PDF, exactly as on screen."""
        chart = chart or self.current_chart()
        title = chart.getPlotItem().titleLabel.text or "chart"
        path = self._save_path(fmt, f"Export chart '{title}' as {fmt.upper()}",
                               f"{chart.objectName().removesuffix('_chart')}.{fmt}")
        if path:
            self.write_picture(lambda p: chart_export.write_chart(chart, p, fmt), path, "Chart")

    def write_chart(self, path: str, fmt: str, chart=None) -> None:
        """Render a chart (the population chart unless given; shown and sized) to a file."""
        chart_export.write_chart(chart or self.charts.charts[0], path, fmt)

    def export_all_charts(self, fmt: str) -> None:
        path = self._save_path(fmt, f"Export all charts as {fmt.upper()}", f"charts.{fmt}")
        if path:
            charts = self.charts
            self.write_picture(lambda p: chart_export.write_all_charts(charts, p, fmt), path, "Charts")

    def export_world(self, fmt: str) -> None:
        step = self.world_view.displayed_step
        default = f"world_step{step}.{fmt}" if step is not None else f"world.{fmt}"
        path = self._save_path(fmt, f"Export world view as {fmt.upper()}", default)
        if path:
            world = self.world_view
            self.write_picture(lambda p: chart_export.write_world(world, p, fmt), path, "World view")

    def copy_chart(self, chart=None) -> None:
        """The chart (the current one unless given) to the clipboard as an image."""
        chart = chart or self.current_chart()
        QApplication.clipboard().setImage(chart_export.chart_image(chart))
        title = chart.getPlotItem().titleLabel.text or "Chart"
        self.status_bar.showMessage(f"{title}: copied to the clipboard as an image", 8000)

    def open_figure_dialog(self, charts=None) -> None:
        from farm_gui.ui.plots.figure_dialog import FigureDialog

        dialog = FigureDialog(self.dialog_parent, self.charts.charts, self.settings.qsettings,
                              self.status_bar, self.show_error, charts)
        self.figure_dialog = dialog
        dialog.open()

    # ---- configuration ------------------------------------------------------------------
    def export_config(self) -> None:
        ids = self.run_table.selected_ids()
        path, _ = save_folder.save_file_name(self.dialog_parent, "Export configuration", "config.yaml",
                                             "YAML (*.yaml *.yml)")
        if path:
            if not Path(path).suffix:
                path += ".yaml"
            spawn(self.export_config_async(ids[0] if ids else None, path), self._report("Export failed"))

    async def export_config_async(self, run_id: int | None, path: str) -> None:
        state = self.state
        async with state.export_lock:
            spec = self.config_form.spec
            if run_id is not None and state.store is not None:
                spec = self.model_of_run(run_id)
                if spec is None:
                    self.show_error("Export failed", f"The model of run {run_id} is not installed.")
                    return
                config = await run_blocking(run_parameters, state.store, run_id, spec)
            else:
                config = self.config_form.config()
            if config is None:
                self.show_error("Export failed", "The form has invalid fields; fix them first.")
                return
            try:  # with "model: <name>" first, as Save YAML in the form writes it
                await run_blocking(save_model_yaml, spec, config, path)
            except EXPORT_ERRORS as err:
                self.show_error("Export failed", _describe(err, path))
                return
        self.status_bar.showMessage(f"Configuration saved to {path}", 8000)


def _describe(err: BaseException, target: str) -> str:
    if isinstance(err, OSError):
        reason = err.strerror or str(err)
        return f"Could not write to {err.filename or target}: {reason}."
    return str(err)
