"""The run table's context menu: rename a run, edit its notes, load its configuration
back into the form ("Re-run with this configuration") and delete runs (after a
confirmation that offers to delete their analyses too).

``RunMenu`` is given the window's Qt-free state, the ``RunController`` and the widgets it
uses; it knows nothing of the window. Every store call is awaited off the GUI loop;
dialogs are window-modal and opened with ``open()``. Object names: actions
``action_rename_run`` (F2), ``action_run_notes``, ``action_rerun_config``,
``action_delete_run`` (Delete); dialogs ``rename_run_dialog``, ``run_notes_dialog``,
``delete_runs_box``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMenu, QStatusBar, QWidget

from farm_gui.runtime.aio import run_blocking, spawn
from farm_gui.runtime.registry import RunRegistry
from farm_gui.store import StoreError
from farm_gui.store.side_tables import refuse_continuation
from farm_gui.ui.controllers.run_flows import RunController, run_parameters
from farm_gui.ui.state import WindowState
from farm_gui.ui.widgets.config_form import ConfigForm
from farm_gui.ui.widgets.confirm import ask, ask_text
from farm_gui.ui.widgets.run_table import RunTable


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


class RunMenu(QObject):
    """``analysis_panel`` (None: none) is asked which runs its analyses use and told which
    analyses were deleted with their runs."""

    def __init__(self, state: WindowState, registry: RunRegistry, runs: RunController, *,
                 run_table: RunTable, config_form: ConfigForm, parameters_dock: QDockWidget,
                 status_bar: QStatusBar, analysis_panel: Any, parent: QWidget,
                 show_error: Callable[[str, str], None]):
        super().__init__(parent)
        self.state = state
        self.registry = registry
        self.runs = runs
        self.run_table = table = run_table
        self.config_form = config_form
        self.parameters_dock = parameters_dock
        self.status_bar = status_bar
        self.analysis_panel = analysis_panel
        self.dialog_parent = parent
        self.show_error = show_error
        self.rename_action = self._action("action_rename_run", "&Rename...", self.rename, "F2")
        self.notes_action = self._action("action_run_notes", "&Notes...", self.edit_notes)
        self.rerun_action = self._action("action_rerun_config", "Re-run with this &Configuration",
                                         self.rerun)
        self.delete_action = self._action("action_delete_run", "&Delete...", self.delete,
                                          QKeySequence.StandardKey.Delete)
        for action in self.actions():
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            table.addAction(action)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self.popup)
        table.selection_changed.connect(lambda _ids: self.update_enabled())
        self.menu: QMenu | None = None
        self.update_enabled()

    def _action(self, name: str, text: str, slot, shortcut=None) -> QAction:
        action = QAction(text, self.dialog_parent)
        action.setObjectName(name)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def actions(self) -> list[QAction]:
        return [self.rename_action, self.notes_action, self.rerun_action, self.delete_action]

    # ----- the menu -------------------------------------------------------------------------
    def update_enabled(self) -> None:
        ids = self.run_table.selected_ids()
        for action in (self.rename_action, self.notes_action, self.rerun_action):
            action.setEnabled(len(ids) == 1)
        self.delete_action.setEnabled(bool(ids))
        self.delete_action.setText("&Delete..." if len(ids) <= 1 else f"&Delete {len(ids)} Runs...")

    def popup(self, pos: QPoint) -> QMenu | None:
        table = self.run_table
        index = table.indexAt(pos)
        if index.isValid():
            run_id = table.table_model.rows[index.row()].run_id
            if run_id not in table.selected_ids():
                table.select_ids([run_id])
        if not table.selected_ids():
            return None
        self.update_enabled()
        self.menu = QMenu(table)
        self.menu.setObjectName("run_context_menu")
        for action in (self.rename_action, self.notes_action, self.rerun_action):
            self.menu.addAction(action)
        self.menu.addSeparator()
        self.menu.addAction(self.delete_action)
        self.menu.popup(table.viewport().mapToGlobal(pos))
        return self.menu

    def _one(self) -> int | None:
        ids = self.run_table.selected_ids()
        if len(ids) != 1:
            self.status_bar.showMessage("Select one run first.", 5000)
            return None
        return ids[0]

    def _store(self) -> Any:
        return self.state.store

    # ----- rename and notes -----------------------------------------------------------------
    def rename(self) -> None:
        run_id = self._one()
        if run_id is None or self._store() is None:
            return
        row = self.run_table.table_model.row_of(run_id)
        current = self.run_table.table_model.rows[row].name if row is not None else ""
        ask_text(self.dialog_parent, "Rename Run", f"New name of run {run_id}:", current,
                 lambda name: spawn(self._edit(run_id, "rename_run", name),
                                    self._report("Cannot rename the run")),
                 object_name="rename_run_dialog")

    def edit_notes(self) -> None:
        run_id = self._one()
        if run_id is not None and self._store() is not None:
            spawn(self._notes_async(run_id), self._report("Cannot read the run's notes"))

    async def _notes_async(self, run_id: int) -> None:
        store = self._store()
        try:
            info = await run_blocking(store.get_run, run_id)
        except StoreError as err:
            self.show_error("Cannot read the run's notes", str(err))
            return
        ask_text(self.dialog_parent, "Run Notes",
                 f"Notes on run {run_id} ({info.name}), kept in the workspace and in exports:",
                 info.notes or "",
                 lambda text: spawn(self._edit(run_id, "set_run_notes", text),
                                    self._report("Cannot save the notes")),
                 object_name="run_notes_dialog", multiline=True)

    async def _edit(self, run_id: int, method: str, value: str) -> None:
        store = self._store()
        if store is None:
            return
        try:
            await run_blocking(getattr(store, method), run_id, value)
        except StoreError as err:
            self.show_error("Cannot change the run", str(err))
            return
        await self.runs.refresh_runs_async()
        self.status_bar.showMessage(
            f"Run {run_id} renamed." if method == "rename_run" else f"Notes of run {run_id} saved.", 5000)

    # ----- re-run ---------------------------------------------------------------------------
    def rerun(self) -> None:
        run_id = self._one()
        if run_id is not None and self._store() is not None:
            spawn(self._rerun_async(run_id), self._report("Cannot load the configuration"))

    async def _rerun_async(self, run_id: int) -> None:
        store = self._store()
        try:
            info = await run_blocking(store.get_run, run_id)
            spec = self.runs.model_of_run(run_id)
            if spec is None:
                return
            config = await run_blocking(run_parameters, store, run_id, spec)
        except StoreError as err:
            self.show_error("Cannot load the configuration", str(err))
            return
        try:  # an imported AgentFarm run is read-only
            refuse_continuation(info, "re-run (Run > Run Side by Side starts a Farm GUI run from its "
                                "configuration and seed)")
        except StoreError as err:
            self.show_error("Read-only run", str(err))
            return
        self.config_form.set_model(spec.name, config)  # the run's model, its parameters
        row = self.run_table.table_model.row_of(run_id)
        name = self.run_table.table_model.rows[row].name if row is not None else f"Run {run_id}"
        self.config_form.name_edit.setText(f"{name} (again)")
        self.parameters_dock.show()
        self.parameters_dock.raise_()
        self.status_bar.showMessage(
            f"The form holds the configuration of run {run_id}; Start runs it again.", 10000)

    # ----- delete ---------------------------------------------------------------------------
    def delete(self) -> None:
        ids = self.run_table.selected_ids()
        if not ids or self._store() is None:
            return
        live = [i for i in ids if self.registry.state(i) in ("pending", "running", "paused")
                or self.state.stored_status(i) in ("running", "paused")]
        if live:
            self.show_error("Cannot delete a running run",
                              f"Run{'s' if len(live) > 1 else ''} {', '.join(map(str, live))} "
                              f"{'are' if len(live) > 1 else 'is'} still running or paused. Stop "
                              f"{'them' if len(live) > 1 else 'it'} first, then delete.")
            return
        panel = self.analysis_panel
        busy = panel.runs_in_use() & set(ids) if panel is not None else set()
        if busy:
            self.show_error("Cannot delete a run being analysed",
                              f"An analysis of run {', '.join(map(str, sorted(busy)))} is queued or running. "
                              "Stop it in the Analysis panel first.")
            return
        spawn(self._confirm_delete(ids), self._report("Cannot delete the run"))

    async def _confirm_delete(self, ids: list[int]) -> None:
        store = self._store()
        try:
            used = {a.id for run_id in ids for a in await run_blocking(store.analyses_of_run, run_id)}
        except StoreError as err:
            self.show_error("Cannot delete the run", str(err))
            return
        model = self.run_table.table_model
        names = [model.rows[r].name for i in ids if (r := model.row_of(i)) is not None]
        what = (f"run {ids[0]} ({names[0] if names else ''})" if len(ids) == 1
                else _plural(len(ids), "run"))
        checkbox = (f"Also delete the {_plural(len(used), 'analysis', 'analyses')} that used "
                    f"{'it' if len(ids) == 1 else 'them'}" if used else None)
        ask(self.dialog_parent, "Delete Runs" if len(ids) > 1 else "Delete Run",
            f"Delete {what} and all {'its' if len(ids) == 1 else 'their'} data?",
            lambda with_analyses: spawn(self._delete_async(ids, with_analyses),
                                        self._report("Cannot delete the run")),
            object_name="delete_runs_box", checkbox=checkbox, checked=True,
            detail="This cannot be undone. Kept analyses stay readable and are marked as using a "
                   "deleted run.")

    async def _delete_async(self, ids: list[int], with_analyses: bool) -> list[int]:
        state = self.state
        store = self._store()
        deleted, removed_analyses = [], []
        for run_id in ids:
            try:
                removed = await run_blocking(store.delete_run, run_id, with_analyses)
            except StoreError as err:
                self.show_error("Cannot delete the run", str(err))
                break
            deleted.append(run_id)
            removed_analyses += [a.id for a in removed]
            state.stored_series.pop(run_id, None)
            forget = getattr(self.registry, "forget", None)
            if forget is not None:
                forget(run_id)
        if self.analysis_panel is not None:
            self.analysis_panel.forget_analyses(removed_analyses)
        remaining = [i for i in state.shown_ids if i not in deleted]
        keep = [i for i in self.run_table.selected_ids() if i not in deleted]
        await self.runs.refresh_runs_async(select=keep)
        if remaining != state.shown_ids:
            state.wanted_ids = remaining
            await self.runs.show_runs_async(remaining)
        if deleted:
            count = _plural(len(removed_analyses), "analysis", "analyses")
            tail = f" and {count}" if removed_analyses else ""
            self.status_bar.showMessage(f"Deleted {_plural(len(deleted), 'run')}{tail}.", 8000)
        return deleted

    def _report(self, title: str):
        return lambda err: self.show_error(title, str(err))
