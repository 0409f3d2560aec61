"""AgentFarm in the window: File > Open AgentFarm Database... (imports each simulation of
the file as a read-only run, off the GUI thread, with a progress dialog that can cancel),
Run > Run Side by Side (a Farm GUI run from an imported run's configuration and seed,
selected together with it so that the charts overlay them), and the message that lists
an AgentFarm configuration's keys without a counterpart (used by Load YAML... too).

The importer reports progress from its thread by storing (fraction, text) in an
attribute; a GUI-thread timer shows it, so no signal is emitted per step.
"""

from __future__ import annotations

import threading
import types
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QMessageBox, QProgressDialog, QStatusBar, QWidget

from farm_gui.agentfarm import MODEL, AgentFarmError, ConfigMapping, ImportCancelled, import_agentfarm
from farm_gui.config import config_from_dict, config_to_dict
from farm_gui.runtime.aio import run_blocking, spawn
from farm_gui.store import StoreError
from farm_gui.store.side_tables import refuse_continuation
from farm_gui.ui.controllers.run_flows import RunController
from farm_gui.ui.state import WindowState
from farm_gui.ui.widgets import save_folder
from farm_gui.ui.widgets.run_table import RunTable

PROGRESS_MS = 50
# A side-by-side run stores its world every step (like the import) up to this many steps.
SIDE_BY_SIDE_SNAPSHOT_STEPS = 5000


def show_details(parent: QWidget | None, title: str, text: str, details: str = "",
                 object_name: str = "agentfarm_box") -> QMessageBox | None:
    """A non-blocking information box with the full list under "Show Details..."."""
    if not isinstance(QMessageBox.information, types.BuiltinFunctionType):  # a test's substitute
        QMessageBox.information(parent, title, text + ("\n" + details if details else ""))
        return None
    box = QMessageBox(QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName(object_name)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if details:
        box.setDetailedText(details)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.open()
    return box


def show_config_mapping(parent: QWidget | None, mapping: ConfigMapping) -> None:
    """Tell the user which AgentFarm keys were used and list every one that was not."""
    text = mapping.message(limit=12)
    show_details(parent, "AgentFarm configuration loaded", text,
                 mapping.message(limit=None) if len(mapping.unmapped) > 12 else "", "agentfarm_config_box")


class AgentFarmFlows(QObject):
    """Given the window's Qt-free state, the ``RunController`` (which lists and starts
    runs) and the widgets it uses; ``parent`` is the dialogs' parent."""

    def __init__(self, state: WindowState, runs: RunController, *, run_table: RunTable,
                 status_bar: QStatusBar, parent: QWidget, show_error: Callable[[str, str], None]):
        super().__init__(parent)
        self.state = state
        self.runs = runs
        self.run_table = run_table
        self.status_bar = status_bar
        self.dialog_parent = parent
        self.show_error = show_error
        self.importing = False
        self._progress: tuple[float, str] = (0.0, "")
        self._cancel = threading.Event()
        self._finished = threading.Event()  # set while no import is running
        self._finished.set()
        self.dialog: QProgressDialog | None = None
        self.last_report = None
        self.open_action = QAction("Open AgentFarm &Database...", parent)
        self.open_action.setObjectName("action_open_agentfarm")
        self.open_action.setStatusTip("Import the simulations of an AgentFarm database as read-only runs")
        self.open_action.triggered.connect(self.choose_file)
        self.side_action = QAction("Run Side by &Side", parent)
        self.side_action.setObjectName("action_agentfarm_side_by_side")
        self.side_action.setStatusTip("Start a Farm GUI run from the selected AgentFarm run's configuration "
                                      "and seed, and overlay the two")
        self.side_action.triggered.connect(self.side_by_side)
        self.timer = QTimer(self)
        self.timer.setInterval(PROGRESS_MS)
        self.timer.timeout.connect(self._show_progress)

    # ---- importing ----------------------------------------------------------------------
    def choose_file(self) -> None:
        path = save_folder.open_file_name(self.dialog_parent, "Open AgentFarm database",
                                          "AgentFarm databases (*.db *.sqlite *.sqlite3);;All files (*)")
        if path:
            spawn(self.import_file_async(path), self._report("Cannot open the AgentFarm database"))

    def _report(self, title: str):
        return lambda err: self.show_error(title, str(err))

    async def import_file_async(self, path: str) -> list[int]:
        if self.importing:
            self.show_error("Import in progress", "Wait for the current AgentFarm import to finish.")
            return []
        store = self.state.store
        if store is None:
            self.show_error("Cannot open the AgentFarm database", "Open a workspace first.")
            return []
        self.importing = True
        self._cancel.clear()
        self._progress = (0.0, "opening")
        self._open_dialog(path)
        self._finished.clear()
        try:
            report = await run_blocking(self._import, path, store)
        except ImportCancelled:
            self.status_bar.showMessage("AgentFarm import cancelled; nothing was kept", 8000)
            return []
        except (AgentFarmError, StoreError, OSError) as err:
            self.show_error("Cannot open the AgentFarm database", str(err))
            return []
        finally:
            self.importing = False
            self._close_dialog()
        self.last_report = report
        await self.runs.refresh_runs_async(select=report.run_ids)
        self.status_bar.showMessage(f"Imported {len(report.run_ids)} AgentFarm simulation(s) from {path}",
                                    8000)
        notes = [r.summary() for r in report.results] + [f"skipped: {s}" for s in report.skipped]
        if any(r.missing or r.notes or r.config_mapping for r in report.results) or report.skipped:
            unmapped = "\n\n".join(r.config_mapping.message(limit=None) for r in report.results
                                   if r.config_mapping is not None and r.config_mapping.unmapped)
            show_details(self.dialog_parent, "AgentFarm database imported",
                         f"{path}\n\n" + "\n".join(notes) + "\n\nThe file was opened read-only and is "
                         "unchanged. Run > Run Side by Side starts a Farm GUI run with the same "
                         "configuration and seed.", unmapped, "agentfarm_import_box")
        return report.run_ids

    def _import(self, path: str, store):  # on a worker thread
        try:
            return import_agentfarm(path, store, progress=self._on_progress, cancel=self._cancel)
        finally:
            self._finished.set()

    def shutdown(self, timeout: float) -> bool:
        """Cancel an import in progress and wait (bounded) until it has cleaned up; the
        window calls this before closing its workspace. True when none is left running."""
        if not self._finished.is_set():
            self._cancel.set()
        return self._finished.wait(timeout)

    def _on_progress(self, fraction: float, text: str) -> None:  # importer thread
        self._progress = (fraction, text)

    def _open_dialog(self, path: str) -> None:
        dialog = QProgressDialog(f"Importing {path}", "Cancel", 0, 1000, self.dialog_parent)
        dialog.setObjectName("agentfarm_progress")
        dialog.setWindowTitle("Open AgentFarm Database")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(300)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(self._cancel.set)
        dialog.setValue(0)
        self.dialog = dialog
        self.timer.start()

    def _show_progress(self) -> None:
        fraction, text = self._progress
        dialog = self.dialog
        if dialog is not None:
            dialog.setLabelText(f"Importing: {text}")
            # last: a modal progress dialog's setValue processes events, in which the import
            # may end and close the dialog
            dialog.setValue(int(1000 * min(1.0, max(0.0, fraction))))
        self.status_bar.showMessage(f"Importing AgentFarm database: {text} ({fraction:.0%})", 1000)

    def _close_dialog(self) -> None:
        self.timer.stop()
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.canceled.disconnect(self._cancel.set)
            dialog.reset()
            dialog.close()
            dialog.deleteLater()

    # ---- side by side --------------------------------------------------------------------
    def imported_selected(self) -> int | None:
        ids = self.run_table.selected_ids()
        rows = self.state.run_rows
        imported = [i for i in ids if i in rows and rows[i].model == MODEL]
        return imported[0] if imported else None

    def side_by_side(self) -> None:
        ids = self.run_table.selected_ids()
        if not ids:
            self.show_error("Run Side by Side", "Select an imported AgentFarm run first.")
            return
        spawn(self.side_by_side_async(ids[0]), self._report("Cannot start the run"))

    async def side_by_side_async(self, run_id: int) -> int | None:
        """Start a Farm GUI run from `run_id`'s configuration and seed; select both."""
        store = self.state.store
        if store is None:
            return None
        try:
            info = await run_blocking(store.get_run, run_id)
            config = await run_blocking(store.run_config, run_id)
        except StoreError as err:
            self.show_error("Cannot start the run", str(err))
            return None
        if info.model != MODEL:
            self.show_error("Run Side by Side", f"Run {run_id} ({info.name}) was not imported from "
                            "AgentFarm; select an imported AgentFarm run.")
            return None
        values = config_to_dict(config)
        values["snapshot_every"] = 1 if config.simulation_steps <= SIDE_BY_SIDE_SNAPSHOT_STEPS else 10
        name = info.name.removesuffix(" (AgentFarm)")
        new_id = await self.runs.start_run_async(config_from_dict(values), f"{name} (Farm GUI)")
        if new_id is not None:
            self.run_table.select_ids([run_id, new_id])
        return new_id

    def refuse_if_imported(self, run_ids: list[int], doing: str) -> bool:
        """Show why an imported run cannot be `doing`; True when one was refused."""
        for run_id in run_ids:
            row = self.state.run_rows.get(run_id)
            if row is not None and row.model == MODEL:
                try:
                    refuse_continuation(_Info(run_id, row.name, MODEL), doing)
                except StoreError as err:
                    self.show_error("Read-only run", str(err))
                    return True
        return False

    def update_actions(self) -> None:
        self.side_action.setEnabled(self.imported_selected() is not None and self.state.store is not None)
        self.open_action.setEnabled(not self.importing)


class _Info:
    def __init__(self, run_id: int, name: str, model: str):
        self.id, self.name, self.model = run_id, name, model


def install(flows: AgentFarmFlows, file_menu: QMenu, before: QAction, run_menu: QMenu) -> AgentFarmFlows:
    """Add the actions to the File menu (Open... ``before`` the given entry) and the Run
    menu, and keep them enabled as they apply."""
    file_menu.insertAction(before, flows.open_action)
    run_menu.addSeparator()
    run_menu.addAction(flows.side_action)
    flows.run_table.selection_changed.connect(lambda _ids: flows.update_actions())
    flows.update_actions()
    return flows
