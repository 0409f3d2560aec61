"""Run flows of the main window: workspace, start and controls, which runs are
shown, the live world view and slider scrubbing.

Every blocking call (database) is awaited off the GUI loop with
``run_blocking``; UI-side state (store, shown runs, world loads) is guarded by
the window's asyncio locks because these coroutines interleave on one loop.
"""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from farm_gui.core.registry import UnknownModelError, get_model
from farm_gui.runtime.aio import run_blocking, spawn
from farm_gui.runtime.memory import memory_warning
from farm_gui.runtime.registry import ACTIVE_STATES, FINAL_STATES
from farm_gui.store import StoreError, open_store
from farm_gui.ui import foraging_look
from farm_gui.ui.ask import ask
from farm_gui.ui.icons import app_icon
from farm_gui.ui.run_table import RunRow
from farm_gui.ui.series import RUN_COLORS, RunSeries, StoredSeries
from farm_gui.ui.workspace_flows import pick_workspace_to_open

if TYPE_CHECKING:
    from farm_gui.ui.main_window import MainWindow


class RunFlows:
    def _init_flows(self: MainWindow) -> None:
        self.closing = False
        self.shown_ids: list[int] = []
        self._display_generation = 0
        self._stored_series: dict[int, StoredSeries] = {}
        self._world_run: int | None = None
        self._world_version = -1
        self._scrub_target: int | None = None
        self._scrub_running = False
        self._rates: dict[int, tuple[float, int, float]] = {}  # run_id -> (time, steps, rate)
        self._run_rows: dict[int, RunRow] = {}

    def _report(self: MainWindow, title: str):
        return lambda err: self.show_error(title, str(err))

    # ---- workspace --------------------------------------------------------------------
    def set_store(self: MainWindow, store) -> None:
        self._forget_workspace()
        self.store = store
        shown = store.url if "://" in store.url else Path(store.url).name
        self.workspace_label.setText(f"Workspace: {shown}")
        self.workspace_label.setToolTip(store.url)
        self.update_actions()  # Start was disabled while no workspace was open
        spawn(self.refresh_runs_async(), self._report("Cannot list runs"))

    def _forget_workspace(self: MainWindow) -> None:
        """Drop everything known by run id: run ids belong to a workspace, and the next
        one has its own run 1, 2, 3 (the table, the charts and the world view showed the
        old workspace's run 3 for the new one's). Active runs block a workspace switch,
        so only runs that are over are forgotten."""
        self._display_generation += 1  # a show_runs_async under way shows nothing
        self.registry.forget_inactive()
        self._stored_series.clear()
        self._run_rows.clear()
        self._rates.clear()
        self.shown_ids = []
        self._world_run = None
        self._world_version = -1
        self._scrub_target = None
        self._world_config = None
        self.run_table.set_rows([], keep=[])
        self.charts.bind([])
        self.charts.set_cursor(None)
        self.world_view.show_state(None)
        self.world_view.set_scrubbable(False, 0)
        self.world_view.step_label.setText("no run")

    def choose_workspace(self: MainWindow) -> None:
        pick_workspace_to_open(self, self.open_or_create_workspace)

    def open_workspace(self: MainWindow, path: str) -> None:
        if self.registry.active_ids():
            self.show_error("Cannot open workspace",
                            "Stop the running simulations before opening another workspace.")
            return
        spawn(self.open_workspace_async(path), self._report("Cannot open workspace"))

    async def open_workspace_async(self: MainWindow, path: str) -> None:
        try:
            store = await run_blocking(open_store, path)
        except StoreError as err:
            self.show_error("Cannot open workspace", str(err))
            return
        async with self._state_lock:
            old, self.store = self.store, None
            if old is not None:
                await run_blocking(old.close)
            self.set_store(store)
        self.settings.add_recent(str(path))
        self.settings.set_last_workspace(str(path))
        self._rebuild_recent_menu()
        await self.show_runs_async([])

    def _rebuild_recent_menu(self: MainWindow) -> None:
        menu = self.actions.recent_menu
        menu.clear()
        recent = self.settings.recent_workspaces()
        for path in recent:
            act = menu.addAction(app_icon(), path)
            act.triggered.connect(partial(self.open_or_create_workspace, path))
        menu.setEnabled(bool(recent))

    # ---- the run list -------------------------------------------------------------------
    async def refresh_runs_async(self: MainWindow, select: list[int] | None = None,
                                 unless_selected_since: int | None = None) -> None:
        """Reload the run table. ``select``: ids to select instead of keeping the
        selection, unless the selection changed after ``unless_selected_since`` (a
        ``selection_serial``): a run started a moment ago must not take the selection
        from runs the user has picked since."""
        async with self._state_lock:
            store = self.store
            if store is None:
                return
            infos = await run_blocking(store.list_runs)
            if store is not self.store:
                return  # another workspace was opened meanwhile
        if unless_selected_since is not None and self.run_table.selection_serial != unless_selected_since:
            select = None
        self._run_rows = {info.id: RunRow.from_info(info) for info in infos}
        rows = [self._live_row(row) for row in self._run_rows.values()]
        self.run_table.set_rows(rows, keep=select)
        self.update_actions()
        self.refresh_status()

    def _live_row(self: MainWindow, row: RunRow) -> RunRow:
        run = self.registry.get(row.run_id)
        if run is None:
            return row
        snap = run.buffer.snapshot()
        alive = population(run.model, snap)
        now = time.monotonic()
        t, n, rate = self._rates.get(run.run_id, (run.started, 0, 0.0))
        if now - t >= 0.5 and run.active:
            rate = (snap.length - n) / (now - t)
            self._rates[run.run_id] = (now, snap.length, rate)
        elapsed = run.elapsed(now)
        if run.state == "paused":
            rate = 0.0
        if not run.active:
            rate = snap.length / elapsed if elapsed > 0 else rate
        steps = int(snap.last("step")) + 1 if snap.length else row.steps_done  # a fork starts late
        return RunRow(row.run_id, row.name, run.state if run.state != "pending" else row.status,
                      steps, row.total_steps, int(alive) if alive is not None else row.alive,
                      rate or None, row.started_at or run.started_at, elapsed,
                      row.error, model=row.model, parent=row.parent)

    def refresh_live_rows(self: MainWindow) -> None:
        for run in self.registry.runs():
            base = self._run_rows.get(run.run_id)
            if base is not None and (run.active or run.run_id in self._rates):
                self.run_table.table_model.update_row(self._live_row(base))
                if not run.active:
                    self._rates.pop(run.run_id, None)

    def primary_row(self: MainWindow) -> RunRow | None:
        ids = self.run_table.selected_ids()
        if not ids:
            return None
        row = self.run_table.table_model.row_of(ids[0])
        return None if row is None else self.run_table.table_model.rows[row]

    # ---- starting and controlling runs ---------------------------------------------------
    def new_run(self: MainWindow) -> None:
        self.docks["parameters"].show()
        self.docks["parameters"].raise_()
        self.config_form.name_edit.clear()
        self.config_form.name_edit.setFocus()

    def start_run(self: MainWindow) -> None:
        config = self.config_form.config()
        if config is None or self.store is None:
            return
        name = self.config_form.run_name()
        spec = self.config_form.spec

        def start() -> None:
            spawn(self.start_run_async(config, name, spec), self._report("Cannot start the run"))

        warning = memory_warning(config) if hasattr(config, "total_agents") else None
        if warning is None:
            start()
            return
        # Asked before anything starts: a run beyond the machine's memory got the whole
        # application killed by the system, without a message.
        ask(self, "Not enough memory?", warning + "\n\nStart it anyway?", start, "Start Anyway",
            "memory_warning")

    async def start_run_async(self: MainWindow, config, name: str | None = None, spec=None) -> int | None:
        """Create and start a run of ``spec`` (the model of ``config``'s class, the form's
        model, or the default one)."""
        spec = spec or model_of(config)
        selection_serial = self.run_table.selection_serial
        async with self._state_lock:
            store = self.store
            if store is None:
                return None
            try:
                if spec.name == get_model(None).name:
                    run_id = await run_blocking(store.create_run, config, name)
                else:
                    run_id = await run_blocking(store.create_run, config, name, spec.name)
                info = await run_blocking(store.get_run, run_id)
                if self.closing:  # the window closed while the run was being created
                    await run_blocking(store.set_status, run_id, "stopped")
                    return None
            except StoreError as err:
                self.show_error("Cannot start the run", str(err))
                return None
            self.registry.start(store, run_id, info.name, config, self.speed, model=spec)
        if isinstance(config, type(get_model(None).parameters())):
            self.settings.save_config(config)
        await self.refresh_runs_async(select=[run_id], unless_selected_since=selection_serial)
        return run_id

    def _selected_active(self: MainWindow) -> list[int]:
        """The runs the controls act on: the selected active runs, or with nothing
        selected the most recently started active run."""
        selected = self.run_table.selected_ids()
        if not selected:
            active = self.registry.active_ids()
            return active[-1:]
        return [i for i in selected if self.registry.state(i) in ACTIVE_STATES]

    def pause_run(self: MainWindow) -> None:
        for run_id in self._selected_active():
            self.registry.pause(run_id)

    def resume_run(self: MainWindow) -> None:
        if self.agentfarm.refuse_if_imported(self.run_table.selected_ids(), "resumed"):
            return
        for run_id in self._selected_active():
            self.registry.resume(run_id)

    def step_run(self: MainWindow) -> None:
        for run_id in self._selected_active():
            self.registry.step_once(run_id)

    def stop_run(self: MainWindow) -> None:
        for run_id in self._selected_active():
            self.registry.stop(run_id)

    def update_actions(self: MainWindow) -> None:
        a = self.actions
        ids = self.run_table.selected_ids() or self.registry.active_ids()[-1:]
        states = [self.registry.state(i) or self._stored_status(i) for i in ids]
        a.start.setEnabled(self.store is not None and self.config_form.is_valid)
        a.pause.setEnabled("running" in states or "pending" in states)
        a.resume.setEnabled("paused" in states)
        a.step.setEnabled("paused" in states)
        a.stop.setEnabled(any(s in ACTIVE_STATES and self.registry.state(i) is not None
                              for i, s in zip(ids, states, strict=True)))
        selected = self.run_table.selected_ids()
        for act in (a.export_csv, a.export_parquet, a.export_json):
            act.setEnabled(bool(selected) and self.store is not None)
        a.export_config.setEnabled(bool(selected) or self.config_form.is_valid)
        self.update_continue_actions()

    def _stored_status(self: MainWindow, run_id: int) -> str | None:
        row = self._run_rows.get(run_id)
        return row.status if row else None

    def on_run_state_changed(self: MainWindow, run_id: int, state: str) -> None:
        self.update_actions()
        base = self._run_rows.get(run_id)
        if base is not None:
            self.run_table.table_model.update_row(self._live_row(base))
        if state in FINAL_STATES:
            spawn(self.refresh_runs_async(), self._report("Cannot list runs"))
        if run_id == self._world_run:
            if state == "running":
                self._scrub_target = None  # resumed: the view follows the run again
            self._update_slider_for(run_id)

    # ---- what is shown -------------------------------------------------------------------
    def on_form_model_changed(self: MainWindow, name: str) -> None:
        """Another model picked in the form while no run is shown: its (empty) charts are
        built now rather than when its first run is shown. Building them (~100-300 ms of
        the GUI thread) fell in the event-loop turn that showed the run just started."""
        if self.shown_ids or self.run_table.selected_ids():
            return  # the charts show the runs selected; a run of the new model rebuilds them
        try:
            spec = get_model(name)
        except UnknownModelError:
            return
        if self.charts.set_model(spec):
            self.charts.bind([])

    def on_selection_changed(self: MainWindow, ids: list[int]) -> None:
        self.update_actions()
        self.refresh_status()
        if ids != self.shown_ids:
            spawn(self.show_runs_async(ids), self._report("Cannot show the run"))

    async def show_runs_async(self: MainWindow, ids: list[int]) -> None:
        self._display_generation += 1
        generation = self._display_generation
        async with self._display_lock:
            series = []
            for i, run_id in enumerate(ids[: len(RUN_COLORS)]):
                item = await self._series_for(run_id, RUN_COLORS[i])
                if generation != self._display_generation:
                    return  # the selection changed meanwhile; the newer call shows it
                if item is not None:
                    series.append(item)
            self.shown_ids = list(ids)
            self.charts.bind(series)
            if self._world_run != (ids[0] if ids else None):
                self._scrub_target = None  # a step picked in another run's world
            self._world_run = ids[0] if ids else None
            self._world_version = -1
        if not ids:
            self.world_view.show_state(None)
            self.world_view.set_scrubbable(False)
            return
        await self._show_world_of(ids[0])

    async def _series_for(self: MainWindow, run_id: int, color: str) -> RunSeries | None:
        run = self.registry.get(run_id)
        if run is not None:
            return RunSeries(run_id, run.name, run.buffer, RunSeries.types_of(run.config), color,
                             model=run.model)
        store = self.store
        if store is None:
            return None
        spec = self._model_of_run(run_id)
        if spec is None:
            return None
        series = self._stored_series.get(run_id)
        if series is None:
            series = StoredSeries(await run_blocking(store.metrics, run_id))
        config = await run_blocking(run_parameters, store, run_id, spec)
        if store is not self.store:
            return None  # the workspace changed while loading: its run ids mean other runs
        self._stored_series[run_id] = series
        row = self._run_rows.get(run_id)
        return RunSeries(run_id, row.name if row else f"run {run_id}", series,
                         RunSeries.types_of(config), color, model=spec)

    def _model_of_run(self: MainWindow, run_id: int):
        """The declaration of a stored run's model; None (and a message in the status bar)
        when that model is not installed (its plug-in missing or broken)."""
        from farm_gui.agentfarm.importer import MODEL as IMPORTED

        row = self._run_rows.get(run_id)
        name = row.model if row is not None else None
        if name == IMPORTED:  # a run read from an AgentFarm database: the default model's data
            name = None
        try:
            return get_model(name)
        except UnknownModelError as err:
            self.statusBar().showMessage(f"Run {run_id} cannot be shown: {err}", 10000)
            return None

    async def _show_world_of(self: MainWindow, run_id: int) -> None:
        run = self.registry.get(run_id)
        if run is not None:
            config, spec = run.config, run.model
        else:
            store = self.store
            spec = self._model_of_run(run_id)
            if store is None or spec is None:
                return
            config = await run_blocking(run_parameters, store, run_id, spec)
            if store is not self.store or run_id != self._world_run:
                return  # another workspace or run is shown by now
        if config is None:
            return
        self.world_view.set_model(spec, config)
        self._world_config = config
        if run is not None and run.active:
            self.world_view.show_state(run.world.take()[1])
        self._update_slider_for(run_id)
        if run is None or not run.active:
            last = self.world_view.slider.maximum()
            self.world_view.follow_step(last)  # the thumb where the step shown is
            self.scrub_to(last)

    def _steps_done(self: MainWindow, run_id: int) -> int:
        run = self.registry.get(run_id)
        if run is not None:
            snap = run.buffer.snapshot()
            return int(snap.last("step")) + 1 if snap.length else 0
        row = self._run_rows.get(run_id)
        return row.steps_done if row else 0

    def _update_slider_for(self: MainWindow, run_id: int) -> None:
        state = self.registry.state(run_id) or self._stored_status(run_id)
        config = getattr(self, "_world_config", None)
        stores_world = config is None or config.snapshot_every > 0
        scrubbable = state not in ("running", "pending") and stores_world
        self.world_view.set_scrubbable(scrubbable, self._steps_done(run_id))
        if not scrubbable:
            self.world_view.follow_step(self._steps_done(run_id))

    def refresh_live_world(self: MainWindow) -> None:
        run = self.registry.get(self._world_run) if self._world_run is not None else None
        if run is None or (not run.active and self._world_version >= 0 and self._scrub_target is not None):
            return
        if self.world_view.slider.isEnabled() and self._scrub_target is not None:
            return  # the user is looking at a stored step
        version, state = run.world.take(self._world_version)
        if state is None:
            return
        self._world_version = version
        self.world_view.show_state(state)
        self.world_view.follow_step(int(state.get("step", 0)))

    # ---- scrubbing ---------------------------------------------------------------------------
    def scrub_to(self: MainWindow, step: int) -> None:
        """Show the stored world at ``step`` (loaded off the loop; the latest request wins)."""
        if self._world_run is None or self.store is None:
            return
        self._scrub_target = int(step)
        self.charts.set_cursor(step)
        if not self._scrub_running:
            self._scrub_running = True
            spawn(self._scrub_async(), self._report("Cannot load the world state"))

    async def _scrub_async(self: MainWindow) -> None:
        try:
            async with self._world_lock:
                loaded = None
                while self._scrub_target is not None and self._scrub_target != loaded:
                    step, run_id, store = self._scrub_target, self._world_run, self.store
                    if run_id is None or store is None:
                        return
                    try:
                        state = await run_blocking(stored_world, store, run_id, step, self.world_view.model)
                    except StoreError as err:
                        self.world_view.show_state(None)
                        self.world_view.step_label.setText(str(err).split(": ")[-1][:80])
                        return
                    if run_id == self._world_run and store is self.store:
                        self.world_view.show_state(state)
                    loaded = step
        finally:
            self._scrub_running = False


def model_of(config):
    """The model whose parameter class ``config`` is an instance of (the default model's
    when none is found)."""
    from farm_gui.core.registry import models

    for spec in models().values():
        if type(config) is spec.parameters:
            return spec
    return get_model(None)


def population(spec, snap) -> int | None:
    """The run table's "Alive": the sum of the latest counts of the model's categories
    (its metrics that count a category), None for a model without such counts."""
    spec = spec if spec is not None else get_model(None)
    counts = [snap.last(m.name) for m in spec.metrics if m.category is not None and m.name in snap.names]
    counts = [c for c in counts if c is not None]
    return int(sum(counts)) if counts else None


def run_parameters(store, run_id: int, spec):
    """A stored run's parameters (blocking: call off the loop)."""
    if foraging_look.applies(spec) or not hasattr(store, "run_parameters"):
        return store.run_config(run_id)
    return store.run_parameters(run_id)


def stored_world(store, run_id: int, step: int, spec):
    """A stored run's world at ``step`` as the world view draws it (blocking)."""
    if foraging_look.applies(spec):
        return store.world_state(run_id, step)
    if hasattr(store, "layer_snapshot"):  # the latest stored at or before `step`, and its step
        stored, layers = store.layer_snapshot(run_id, step)
        return {"layers": layers, "step": stored}
    return {"layers": store.layers(run_id, step), "step": step}
