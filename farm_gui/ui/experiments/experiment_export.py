"""The Experiments panel's Export button: the selected experiment's data as CSV or Parquet
into a folder the user picks, the two tables `farm-gui experiment export` writes (a row per
run and step with the factor columns, and a summary row per run). Files in the way are
replaced only after a window-modal "Replace?"; the tables are read and written off the GUI
thread; what was written is named in the status bar."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QPushButton, QWidget

from farm_gui.runtime.aio import run_blocking, spawn
from farm_gui.store import StoreError
from farm_gui.ui.widgets import save_folder
from farm_gui.ui.widgets.ask import ask_yes, replace_question
from farm_gui.ui.widgets.dialogs import show_warning

FORMATS = (("csv", "CSV..."), ("parquet", "Parquet..."))


class ExperimentExportButton(QPushButton):
    def __init__(self, panel: Any, parent: QWidget | None = None):
        super().__init__("Export", parent)
        self.setObjectName("experiment_export")
        self.setToolTip("The selected experiment's runs as a table of every step (with the factors) "
                        "and a summary row per run")
        self.panel = panel
        menu = QMenu(self)
        for fmt, label in FORMATS:
            action = QAction(label, self)
            action.setObjectName(f"action_export_experiment_{fmt}")
            action.triggered.connect(lambda _checked=False, f=fmt: self.choose_folder(f))
            menu.addAction(action)
        self.setMenu(menu)

    def choose_folder(self, fmt: str) -> None:
        experiment_id = self.panel.selected_id()
        if experiment_id is None or self.panel.window_.store is None:
            show_warning(self.window(), "Export experiment", "Select an experiment in the list first.")
            return
        title = f"Export experiment {experiment_id} as {fmt.upper()} to folder"
        directory = save_folder.existing_folder(self.window(), title)
        if directory:
            spawn(self.export(experiment_id, directory, fmt))

    async def export(self, experiment_id: int, directory: str, fmt: str) -> list[Path]:
        from farm_gui.experiments.export import export_experiment, export_paths

        window = self.panel.window_
        store = window.store
        paths = export_paths(experiment_id, directory, fmt)
        in_the_way = [p for p in paths if p.exists()]
        question = replace_question(in_the_way, directory)
        if in_the_way and not await ask_yes(window, "Replace files?", question):
            window.statusBar().showMessage("Export cancelled: nothing was replaced", 8000)
            return []
        try:
            written = await run_blocking(export_experiment, store, experiment_id, directory, fmt,
                                         bool(in_the_way))
        except StoreError as err:  # ExperimentExportError included: a sentence for the user
            show_warning(window, "Export failed", str(err))
            return []
        names = ", ".join(p.name for p in written)
        window.statusBar().showMessage(f"Exported experiment {experiment_id} to {directory}: {names}", 10000)
        return written
