"""The Analysis panel's data side (mixed into ``AnalysisPanel``): following the window's
run list and workspace, reading the stored history, statistics and results off the GUI
thread, the history filters, and removing stored results (delete, clean up).

Nothing here reads the store on the GUI thread: every call goes through
``run_blocking``, and a reply for a workspace that has since been replaced is dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidgetItem

from farm_gui.analysis import AnalysisError, available_modules, load_result
from farm_gui.core.model import ModelSpec
from farm_gui.core.registry import UnknownModelError, get_model
from farm_gui.runtime.aio import run_blocking, spawn
from farm_gui.store import StoreError
from farm_gui.ui.analysis.analysis_cleanup import CleanupDialog, criteria, load_settings
from farm_gui.ui.widgets.confirm import ask

if TYPE_CHECKING:
    from farm_gui.ui.analysis.analysis_panel import AnalysisPanel


class PanelData:
    def _init_data(self: AnalysisPanel, run_model, refresh_runs, qsettings) -> None:
        self._run_model = run_model
        self._refresh_runs_cb = refresh_runs
        self._qsettings = qsettings
        self._present_runs: set[int] = set()
        self._run_models: dict[int, str] = {}  # run id -> model name (which modules apply)
        self._listed_ids: list[int] = []  # the runs in runs_list, in order
        self._runs_known = False
        self._ended: set[int] = set()  # jobs whose end has been counted in the statistics
        self._stats_running = False
        self._stats_dirty = False
        self._choices_dirty = True
        self.cleanup_dialog: CleanupDialog | None = None

    # ----- runs and workspace ------------------------------------------------------------------
    def _follow_run_model(self: AnalysisPanel) -> None:
        model = self._run_model
        if model is None:
            return
        # The window's run table says when its list was reloaded (rows_set), once for all
        # the rows it inserted, removed or changed; another model by its own signals.
        reloaded = getattr(model, "rows_set", None)
        if reloaded is not None:
            reloaded.connect(self._on_run_model_changed)
        else:
            for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved, model.layoutChanged):
                signal.connect(self._on_run_model_changed)
        model.dataChanged.connect(self._on_run_rows_changed)
        self._on_run_model_changed()

    def _on_run_rows_changed(self: AnalysisPanel, top_left, bottom_right, *_roles) -> None:
        """Rows of the window's run list changed (a live run's steps, a run's status): only
        those rows' texts are set, and the modules offered are judged again only when a
        run's model changed. Rebuilding the whole list did that many times a second while
        runs went."""
        rows = getattr(self._run_model, "rows", [])
        if self._listed_ids != [r.run_id for r in rows]:
            if getattr(self._run_model, "rows_set", None) is None:
                self._on_run_model_changed()
            return  # runs added or removed: rows_set follows
        models_changed = False
        for i in range(max(0, top_left.row()), min(bottom_right.row() + 1, len(rows))):
            row = rows[i]
            model = getattr(row, "model", None)
            if self._run_models.get(row.run_id) != model:
                self._run_models[row.run_id] = model
                models_changed = True
            self._set_run_text(self.runs_list.item(i), (row.run_id, row.name, row.status, row.steps_done))
        if models_changed:
            self.offer_modules()

    def _on_run_model_changed(self: AnalysisPanel, *_args) -> None:
        """The window's run list changed (it was reloaded off the GUI thread): follow its
        workspace and show its runs."""
        if self._store_provider is not None:
            store = self._store_provider()
            if store is not self.store:
                self.set_store(store)
        rows = getattr(self._run_model, "rows", [])
        self._run_models = {r.run_id: getattr(r, "model", None) for r in rows}
        self.fill_runs([(r.run_id, r.name, r.status, r.steps_done) for r in rows])

    def refresh_runs(self: AnalysisPanel) -> None:
        """Reload the run list: the window's (it reloads off the GUI thread and its model
        tells us), or, for a panel on its own, the store's read off the GUI thread."""
        if self._run_model is not None:
            if self._refresh_runs_cb is not None:
                self._refresh_runs_cb()
            else:
                self._on_run_model_changed()
            return
        if self.store is not None:
            spawn(self._list_runs_async(self.store), self._failed("Cannot list runs"))
        else:
            self.fill_runs([])

    def fill_runs(self: AnalysisPanel, runs: list[tuple[int, str, str, int]]) -> None:
        """Show these runs (id, name, status, steps done), keeping the ticks; when the
        runs are the same ones only changed texts are set, so live updates cost little."""
        same = self._listed_ids == [r[0] for r in runs] and self.runs_list.count() == len(runs)
        if same:
            for i, run in enumerate(runs):
                self._set_run_text(self.runs_list.item(i), run)
        else:
            checked = set(self.checked_runs()) | self._check_later
            self._check_later = self._check_later - {r[0] for r in runs}
            self.runs_list.clear()
            for run_id, name, status, steps in runs:
                text = self._run_text(run_id, name, status, steps)
                item = QListWidgetItem(text)
                item.setToolTip(text)
                item.setData(Qt.ItemDataRole.UserRole, run_id)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if run_id in checked else Qt.CheckState.Unchecked)
                self.runs_list.addItem(item)
        self._listed_ids = [r[0] for r in runs]
        self._set_present_runs({r[0] for r in runs})
        self.offer_modules()

    @staticmethod
    def _run_text(run_id: int, name: str | None, status: str, steps: int) -> str:
        return f"{run_id}  {name or ''}  ({status}, {steps} steps)"

    def _set_run_text(self: AnalysisPanel, item: QListWidgetItem, run: tuple[int, str, str, int]) -> None:
        text = self._run_text(*run)
        if item.text() != text:
            item.setText(text)
            item.setToolTip(text)

    async def _list_runs_async(self: AnalysisPanel, store: Any) -> None:
        infos = await run_blocking(store.list_runs)
        if store is self.store:
            self._run_models = {i.id: getattr(i, "model", None) for i in infos}
            self.fill_runs([(i.id, i.name, i.status, i.steps_done) for i in infos])

    def _set_present_runs(self: AnalysisPanel, present: set[int]) -> None:
        if present != self._present_runs or not self._runs_known:
            self._present_runs = present
            self._runs_known = True
            self._choices_dirty = True
            if self.manager is not None:
                for job in self.manager.jobs():
                    self._on_job_changed(job.id)
            self.apply_filters()

    def _runs_text(self: AnalysisPanel, job) -> str:
        known = self._runs_known
        return ", ".join(f"{r} (deleted)" if known and r not in self._present_runs else str(r)
                         for r in job.run_ids)

    def runs_in_use(self: AnalysisPanel) -> set[int]:
        """Runs that a queued or running analysis reads (they must not be deleted now)."""
        return self.manager.runs_in_use() if self.manager is not None else set()

    # ----- history, statistics, filters --------------------------------------------------------
    def _load_store(self: AnalysisPanel, store: Any) -> None:
        spawn(self._load_store_async(store), self._failed("Cannot read the stored analyses"))

    async def _load_store_async(self: AnalysisPanel, store: Any) -> None:
        settings = load_settings(self._qsettings)
        if self._qsettings is not None and settings["auto"] and not store.readonly:
            try:
                plan = await run_blocking(store.prune_analyses, **criteria(settings))
            except StoreError as err:
                self._say(f"Automatic clean-up failed (nothing removed): {err}", error=True)
            else:
                if plan.remove:
                    n = len(plan.remove)
                    self._say(f"Cleaned up {n} old analys{'is' if n == 1 else 'es'} (automatic clean-up "
                              "is on: Analysis > Clean Up...).")
        infos = await run_blocking(store.list_analyses)
        if store is not self.store or self.manager is None:
            return
        self.manager.add_history(infos)
        self.apply_filters()
        self._refresh_stats()
        self.history_loaded.emit()

    def _refresh_stats(self: AnalysisPanel) -> None:
        if self._stats_running:
            self._stats_dirty = True
            return
        if self.store is not None:
            self._stats_running = True
            spawn(self._stats_async(self.store), self._failed("Cannot read the statistics"))

    async def _stats_async(self: AnalysisPanel, store: Any) -> None:
        try:
            while True:
                self._stats_dirty = False
                stats = await run_blocking(store.analysis_stats)
                if store is not self.store:
                    return
                if not self._stats_dirty:
                    break
        finally:
            self._stats_running = False
        self.history.set_stats(stats)
        self.stats_shown.emit(stats)

    def apply_filters(self: AnalysisPanel) -> None:
        if self.manager is None:
            return
        jobs = {j.id: j for j in self.manager.jobs()}
        if self._choices_dirty:
            self._choices_dirty = False
            modules = {m.name for m in available_modules().values() if not m.name.startswith("_")}
            modules |= {j.module for j in jobs.values()}
            runs = self._present_runs | {r for j in jobs.values() for r in j.run_ids}
            self.history.set_choices(sorted(modules), sorted(runs))
        shown = 0
        for job_id, row in self._rows.items():
            visible = job_id in jobs and self.history.matches(jobs[job_id])
            self.jobs_table.setRowHidden(row, not visible)
            shown += visible
        self.history.shown_label.setText(f"Showing {shown} of {len(self._rows)} analyses"
                                         if self.history.active() else "")

    # ----- results ----------------------------------------------------------------------------------
    def show_result(self: AnalysisPanel, job_id: int) -> None:
        """Show a finished job's result; one recorded in the store is read off the GUI thread."""
        if self.manager is None:
            return
        job = self.manager.job(job_id)
        if job.result is not None:
            self._display(job_id, job.result)
        elif job.status == "finished" and job.analysis_id is not None:
            spawn(self._load_result_async(self.store, job_id, job.analysis_id),
                  self._failed("Cannot read the result"))

    async def _load_result_async(self: AnalysisPanel, store: Any, job_id: int, analysis_id: int) -> None:
        try:
            result = await run_blocking(load_result, store, analysis_id)
        except (AnalysisError, StoreError) as err:
            self._say(f"Analysis {analysis_id}: {err}", error=True)
            return
        if store is not self.store or self.manager is None or result is None:
            return
        try:
            job = self.manager.job(job_id)
        except KeyError:
            return
        job.result = result
        if job_id in self.selected_jobs() or job_id == self._follow_job or not self.selected_jobs():
            self._display(job_id, result)

    def _display(self: AnalysisPanel, job_id: int, result) -> None:
        if result is not self.results.result:
            self.results.set_result(result, self._model_of(result))
            self._shown_job = job_id
            self.result_shown.emit(job_id)
            if result is not None:
                self.make_room_for_results()

    def _model_of(self: AnalysisPanel, result) -> ModelSpec | None:
        """The model of a result's runs, when they are all of one known model."""
        names = {self._run_models.get(run_id) for run_id in (result.run_ids if result else [])}
        if len(names) != 1 or None in names:
            return None
        try:
            return get_model(names.pop())
        except UnknownModelError:
            return None

    # ----- removing stored results ------------------------------------------------------------------
    def forget_analyses(self: AnalysisPanel, analysis_ids: list[int]) -> None:
        """Drop the rows of stored analyses that were deleted (by a clean-up or with a run)."""
        if self.manager is None:
            return
        shown = getattr(self, "_shown_job", None)
        job_ids = self.manager.forget_stored(list(analysis_ids))
        rows = sorted((self._rows.pop(j) for j in job_ids if j in self._rows), reverse=True)
        for row in rows:
            self.jobs_table.removeRow(row)
        for job_id, row in list(self._rows.items()):
            self._rows[job_id] = row - sum(1 for r in rows if r < row)
        if shown in job_ids:
            self.results.set_result(None)
            self._shown_job = None
        self._choices_dirty = True
        self.apply_filters()
        self._refresh_stats()

    def delete_selected(self: AnalysisPanel) -> None:
        if self.manager is None or self.store is None:
            return
        jobs = [self.manager.job(j) for j in self.selected_jobs()]
        stored = [j.analysis_id for j in jobs if j.final and j.analysis_id is not None]
        if not stored:
            self._say("Select one or more ended analyses to delete their stored results.", error=True)
            return
        n = len(stored)
        ask(self.window(), "Delete Analyses", f"Delete {n} stored analysis result{'s' if n > 1 else ''} "
            f"({', '.join(map(str, sorted(stored)))})?",
            lambda _ticked: spawn(self._delete_async(self.store, stored), self._failed("Cannot delete")),
            object_name="delete_analyses_box", detail="This cannot be undone.")

    async def _delete_async(self: AnalysisPanel, store: Any, analysis_ids: list[int]) -> None:
        try:
            removed = await run_blocking(store.delete_analyses, analysis_ids)
        except StoreError as err:
            self._say(f"Nothing was deleted: {err}", error=True)
            return
        if store is self.store:
            self.forget_analyses([a.id for a in removed])
            self._say(f"Deleted {len(removed)} stored analys{'is' if len(removed) == 1 else 'es'}.")

    def open_cleanup(self: AnalysisPanel) -> CleanupDialog | None:
        """Analysis > Clean Up...: preview and remove old results."""
        if self.store is None:
            self._say("Open a workspace first.", error=True)
            return None
        dialog = CleanupDialog(self.store, self._qsettings, self.window())
        dialog.removed.connect(self.forget_analyses)
        self.cleanup_dialog = dialog
        dialog.open()
        return dialog

    def _failed(self: AnalysisPanel, what: str):
        return lambda err: self._say(f"{what}: {err}", error=True)
