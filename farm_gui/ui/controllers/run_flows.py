"""The runs of the main window (``RunController``): the run list, starting runs and
their controls (pause, resume, step, stop, speed), which runs the charts show, the
world view following a live run, and scrubbing through a stored run's world.

The controller works on the window's Qt-free ``WindowState`` (``ui/state.py``) and on
the widgets and services it is given when built; it knows nothing of the window. Every
blocking call (database) is awaited off the GUI loop with ``run_blocking``; the state's
asyncio locks order these coroutines, which interleave on one loop.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QDockWidget, QStatusBar, QWidget

from farm_gui.core.registry import UnknownModelError, get_model
from farm_gui.display.series import RUN_COLORS, RunSeries, StoredSeries
from farm_gui.runtime.aio import run_blocking, spawn
from farm_gui.runtime.memory import memory_warning
from farm_gui.runtime.registry import ACTIVE_STATES, FINAL_STATES, RunRegistry
from farm_gui.store import StoreError
from farm_gui.ui.actions import WindowActions
from farm_gui.ui.plots.charts import ChartsPanel
from farm_gui.ui.settings import WindowSettings
from farm_gui.ui.state import RunRow, WindowState
from farm_gui.ui.widgets.ask import ask
from farm_gui.ui.widgets.config_form import ConfigForm
from farm_gui.ui.widgets.run_table import RunTable
from farm_gui.ui.world import foraging_look
from farm_gui.ui.world.world_view import WorldView


class RunController(QObject):
    """Runs: listed, started, controlled, shown. ``update_actions`` (the window's: every
    controller's actions), ``refresh_status`` (the status bar) and ``refuse_imported``
    (True, after telling the user, when one of the runs is a read-only AgentFarm run that
    cannot be ``doing``) are the window's callbacks."""

    def __init__(self, state: WindowState, registry: RunRegistry, settings: WindowSettings, *,
                 actions: WindowActions, run_table: RunTable, charts: ChartsPanel, world_view: WorldView,
                 config_form: ConfigForm, parameters_dock: QDockWidget, status_bar: QStatusBar,
                 parent: QWidget, show_error: Callable[[str, str], None],
                 update_actions: Callable[[], None], refresh_status: Callable[[], None],
                 refuse_imported: Callable[[list[int], str], bool]):
        super().__init__(parent)
        self.state = state
        self.registry = registry
        self.settings = settings
        self.actions = actions
        self.run_table = run_table
        self.charts = charts
        self.world_view = world_view
        self.config_form = config_form
        self.parameters_dock = parameters_dock
        self.status_bar = status_bar
        self.dialog_parent = parent
        self.show_error = show_error
        self._update_window_actions = update_actions
        self._refresh_status = refresh_status
        self._refuse_imported = refuse_imported
        state.speed_changed.connect(self._apply_speed)

    def _report(self, title: str):
        return lambda err: self.show_error(title, str(err))

    # ---- workspace --------------------------------------------------------------------
    def forget_workspace(self) -> None:
        """Drop everything known by run id: run ids belong to a workspace, and the next
        one has its own run 1, 2, 3 (the table, the charts and the world view showed the
        old workspace's run 3 for the new one's). Active runs block a workspace switch,
        so only runs that are over are forgotten."""
        self.state.forget_workspace()  # a show_runs_async under way shows nothing
        self.registry.forget_inactive()
        self.run_table.set_rows([], keep=[])
        self.charts.bind([])
        self.charts.set_cursor(None)
        self.world_view.show_state(None)
        self.world_view.set_scrubbable(False, 0)
        self.world_view.step_label.setText("no run")

    # ---- the run list -------------------------------------------------------------------
    async def refresh_runs_async(self, select: list[int] | None = None,
                                 unless_selected_since: int | None = None,
                                 select_newest: bool = False) -> None:
        """Reload the run table. ``select``: ids to select instead of keeping the
        selection, unless the selection changed after ``unless_selected_since`` (a
        ``selection_serial``): a run started a moment ago must not take the selection
        from runs the user has picked since. ``select_newest``: select (and so show) the
        newest run, on the same condition (a workspace just opened)."""
        state = self.state
        async with state.store_lock:
            store = state.store
            if store is None:
                return
            infos = await run_blocking(store.list_runs)
            if store is not state.store:
                return  # another workspace was opened meanwhile
        if select_newest and infos:
            select = [max(info.id for info in infos)]
        if unless_selected_since is not None and self.run_table.selection_serial != unless_selected_since:
            select = None
        state.set_run_rows([RunRow.from_info(info) for info in infos])
        rows = [self._live_row(row) for row in state.run_rows.values()]
        self.run_table.set_rows(rows, keep=select)
        self._update_window_actions()
        self._refresh_status()

    def _live_row(self, row: RunRow) -> RunRow:
        run = self.registry.get(row.run_id)
        if run is None:
            return row
        snap = run.buffer.snapshot()
        alive = population(run.model, snap)
        now = time.monotonic()
        rate = self.state.step_rate(run.run_id, now, run.started, snap.length, run.active)
        elapsed = run.elapsed(now)
        if run.state == "paused":
            rate = 0.0
        if not run.active:
            if row.status in FINAL_STATES and row.duration_s is not None:
                # the store has the end: the figures shown when the workspace is opened again
                rate, elapsed = row.steps_per_s or 0.0, row.duration_s
            else:
                rate = snap.length / elapsed if elapsed > 0 else rate
        steps = int(snap.last("step")) + 1 if snap.length else row.steps_done  # a fork starts late
        return RunRow(row.run_id, row.name, run.state if run.state != "pending" else row.status,
                      steps, row.total_steps, int(alive) if alive is not None else row.alive,
                      rate or None, row.started_at or run.started_at, elapsed,
                      row.error, model=row.model, parent=row.parent)

    def refresh_live_rows(self) -> None:
        rows, rates = self.state.run_rows, self.state.rates
        for run in self.registry.runs():
            base = rows.get(run.run_id)
            if base is not None and (run.active or run.run_id in rates):
                self.run_table.table_model.update_row(self._live_row(base))
                if not run.active:
                    rates.pop(run.run_id, None)

    def primary_row(self) -> RunRow | None:
        ids = self.run_table.selected_ids()
        if not ids:
            return None
        row = self.run_table.table_model.row_of(ids[0])
        return None if row is None else self.run_table.table_model.rows[row]

    # ---- starting and controlling runs ---------------------------------------------------
    def new_run(self) -> None:
        self.parameters_dock.show()
        self.parameters_dock.raise_()
        self.config_form.name_edit.clear()
        self.config_form.name_edit.setFocus()

    def start_run(self) -> None:
        config = self.config_form.config()
        if config is None or self.state.store is None:
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
        ask(self.dialog_parent, "Not enough memory?", warning + "\n\nStart it anyway?", start,
            "Start Anyway", "memory_warning")

    async def start_run_async(self, config, name: str | None = None, spec=None) -> int | None:
        """Create and start a run of ``spec`` (the model of ``config``'s class, the form's
        model, or the default one)."""
        spec = spec or model_of(config)
        state = self.state
        selection_serial = self.run_table.selection_serial
        async with state.store_lock:
            store = state.store
            if store is None:
                return None
            try:
                if spec.name == get_model(None).name:
                    run_id = await run_blocking(store.create_run, config, name)
                else:
                    run_id = await run_blocking(store.create_run, config, name, spec.name)
                info = await run_blocking(store.get_run, run_id)
                if state.closing:  # the window closed while the run was being created
                    await run_blocking(store.set_status, run_id, "stopped")
                    return None
            except StoreError as err:
                self.show_error("Cannot start the run", str(err))
                return None
            self.registry.start(store, run_id, info.name, config, state.speed, model=spec)
        if isinstance(config, type(get_model(None).parameters())):
            self.settings.save_config(config)
        await self.refresh_runs_async(select=[run_id], unless_selected_since=selection_serial)
        return run_id

    def _selected_active(self) -> list[int]:
        """The runs the controls act on: the selected active runs, or with nothing
        selected the most recently started active run."""
        selected = self.run_table.selected_ids()
        if not selected:
            active = self.registry.active_ids()
            return active[-1:]
        return [i for i in selected if self.registry.state(i) in ACTIVE_STATES]

    def pause_run(self) -> None:
        for run_id in self._selected_active():
            self.registry.pause(run_id)

    def resume_run(self) -> None:
        if self._refuse_imported(self.run_table.selected_ids(), "resumed"):
            return
        for run_id in self._selected_active():
            self.registry.resume(run_id)

    def step_run(self) -> None:
        for run_id in self._selected_active():
            self.registry.step_once(run_id)

    def stop_run(self) -> None:
        for run_id in self._selected_active():
            self.registry.stop(run_id)

    def _apply_speed(self, steps_per_s: float | None) -> None:
        """The speed chosen applies to the selected runs (and to the runs started next)."""
        for run_id in self.run_table.selected_ids():
            self.registry.set_speed(run_id, steps_per_s)

    def update_actions(self) -> None:
        """Start, the run controls, run data export and configuration export."""
        a = self.actions
        store = self.state.store
        ids = self.run_table.selected_ids() or self.registry.active_ids()[-1:]
        states = [self.registry.state(i) or self.state.stored_status(i) for i in ids]
        a.start.setEnabled(store is not None and self.config_form.is_valid)
        a.pause.setEnabled("running" in states or "pending" in states)
        a.resume.setEnabled("paused" in states)
        a.step.setEnabled("paused" in states)
        a.stop.setEnabled(any(s in ACTIVE_STATES and self.registry.state(i) is not None
                              for i, s in zip(ids, states, strict=True)))
        selected = self.run_table.selected_ids()
        for act in (a.export_csv, a.export_parquet, a.export_json):
            act.setEnabled(bool(selected) and store is not None)
        a.export_config.setEnabled(bool(selected) or self.config_form.is_valid)

    def on_run_state_changed(self, run_id: int, state: str) -> None:
        self._update_window_actions()
        base = self.state.run_rows.get(run_id)
        if base is not None:
            self.run_table.table_model.update_row(self._live_row(base))
        if state in FINAL_STATES:
            spawn(self.refresh_runs_async(), self._report("Cannot list runs"))
        if run_id == self.state.world_run:
            if state == "running":
                self.state.scrub_target = None  # resumed: the view follows the run again
            self._update_slider_for(run_id)

    # ---- what is shown -------------------------------------------------------------------
    def on_form_model_changed(self, name: str) -> None:
        """Another model picked in the form while no run is shown: its (empty) charts are
        built now rather than when its first run is shown. Building them (~100-300 ms of
        the GUI thread) fell in the event-loop turn that showed the run just started."""
        if self.state.shown_ids or self.run_table.selected_ids():
            return  # the charts show the runs selected; a run of the new model rebuilds them
        try:
            spec = get_model(name)
        except UnknownModelError:
            return
        if self.charts.set_model(spec):
            self.charts.bind([])
        # the world view likewise: its layers and key (the foraging ecology's key stayed
        # under the charts of a wolf-sheep form), over the form's world (its defaults when
        # a field is not valid yet)
        params = self.config_form.config()
        self.world_view.set_model(spec, params if isinstance(params, spec.parameters) else spec.parameters())

    def on_selection_changed(self, ids: list[int]) -> None:
        self._update_window_actions()
        self._refresh_status()
        # Compared with the latest request, not with what is shown: a request still loading
        # (the selection cleared) would otherwise win over a newer one for the runs shown.
        if ids != self.state.wanted_ids:
            self.state.wanted_ids = list(ids)
            spawn(self.show_runs_async(ids), self._report("Cannot show the run"))

    async def show_runs_async(self, ids: list[int]) -> None:
        """Show ``ids`` (callers awaiting it set ``state.wanted_ids`` first)."""
        state = self.state
        generation = state.next_display()
        async with state.display_lock:
            series = []
            for i, run_id in enumerate(ids[: len(RUN_COLORS)]):
                item = await self._series_for(run_id, RUN_COLORS[i])
                if not state.display_is_current(generation):
                    return  # the selection changed meanwhile; the newer call shows it
                if item is not None:
                    series.append(item)
            state.show(ids)
            self.charts.bind(series)
        if not ids:
            self.world_view.show_state(None)
            self.world_view.set_scrubbable(False)
            return
        await self._show_world_of(ids[0])

    async def _series_for(self, run_id: int, color: str) -> RunSeries | None:
        run = self.registry.get(run_id)
        if run is not None:
            return RunSeries(run_id, run.name, run.buffer, RunSeries.types_of(run.config), color,
                             model=run.model)
        state = self.state
        store = state.store
        if store is None:
            return None
        spec = self.model_of_run(run_id)
        if spec is None:
            return None
        series = state.stored_series.get(run_id)
        if series is None:
            series = StoredSeries(await run_blocking(store.metrics, run_id))
        config = await run_blocking(run_parameters, store, run_id, spec)
        if store is not state.store:
            return None  # the workspace changed while loading: its run ids mean other runs
        state.stored_series[run_id] = series
        row = state.run_rows.get(run_id)
        return RunSeries(run_id, row.name if row else f"run {run_id}", series,
                         RunSeries.types_of(config), color, model=spec)

    def model_of_run(self, run_id: int):
        """The declaration of a stored run's model; None (and a message in the status bar)
        when that model is not installed (its plug-in missing or broken)."""
        from farm_gui.agentfarm.importer import MODEL as IMPORTED

        row = self.state.run_rows.get(run_id)
        name = row.model if row is not None else None
        if name == IMPORTED:  # a run read from an AgentFarm database: the default model's data
            name = None
        try:
            return get_model(name)
        except UnknownModelError as err:
            self.status_bar.showMessage(f"Run {run_id} cannot be shown: {err}", 10000)
            return None

    async def _show_world_of(self, run_id: int) -> None:
        state = self.state
        run = self.registry.get(run_id)
        if run is not None:
            config, spec = run.config, run.model
        else:
            store = state.store
            spec = self.model_of_run(run_id)
            if store is None or spec is None:
                return
            config = await run_blocking(run_parameters, store, run_id, spec)
            if store is not state.store or run_id != state.world_run:
                return  # another workspace or run is shown by now
        if config is None:
            return
        self.world_view.set_model(spec, config)
        state.world_config = config
        if run is not None and run.active:
            self.world_view.show_state(run.world.take()[1])
        self._update_slider_for(run_id)
        if run is None or not run.active:
            last = self.world_view.slider.maximum()
            self.world_view.follow_step(last)  # the thumb where the step shown is
            self.scrub_to(last)
        else:
            # a live run: no stored step picked (the charts kept the cursor of an ended run
            # shown before, at its last step, over the new run's curves)
            self.charts.set_cursor(None)

    def _steps_done(self, run_id: int) -> int:
        run = self.registry.get(run_id)
        if run is not None:
            snap = run.buffer.snapshot()
            return int(snap.last("step")) + 1 if snap.length else 0
        row = self.state.run_rows.get(run_id)
        return row.steps_done if row else 0

    def _update_slider_for(self, run_id: int) -> None:
        state = self.registry.state(run_id) or self.state.stored_status(run_id)
        config = self.state.world_config
        stores_world = config is None or config.snapshot_every > 0
        scrubbable = state not in ("running", "pending") and stores_world
        self.world_view.set_scrubbable(scrubbable, self._steps_done(run_id))
        if not scrubbable:
            self.world_view.follow_step(self._steps_done(run_id))

    def refresh_live_world(self) -> None:
        state = self.state
        run = self.registry.get(state.world_run) if state.world_run is not None else None
        if run is None or (not run.active and state.world_version >= 0 and state.scrub_target is not None):
            return
        if self.world_view.slider.isEnabled() and state.scrub_target is not None:
            return  # the user is looking at a stored step
        version, world = run.world.take(state.world_version)
        if world is None:
            return
        state.world_version = version
        self.world_view.show_state(world)
        self.world_view.follow_step(int(world.get("step", 0)))

    # ---- scrubbing ---------------------------------------------------------------------------
    def show_world_of_row(self, row: int) -> None:
        """A click on a chart at step ``row``: the world view scrubs to the world that row
        counts (after ``row + 1`` steps), when the run it shows is stored (not running)."""
        slider = self.world_view.slider
        if slider.isEnabled():
            slider.setValue(min(max(world_of_chart_row(row), slider.minimum()), slider.maximum()))

    def scrub_to(self, step: int) -> None:
        """Show the stored world at ``step`` (loaded off the loop; the latest request wins)."""
        if not self.state.scrub_to(step):
            return
        self.charts.set_cursor(chart_row_of_world(step))
        if not self.state.scrub_running:
            self.state.scrub_running = True
            spawn(self._scrub_async(), self._report("Cannot load the world state"))

    async def _scrub_async(self) -> None:
        state = self.state
        try:
            async with state.world_lock:
                loaded = None
                while state.scrub_target is not None and state.scrub_target != loaded:
                    step, run_id, store = state.scrub_target, state.world_run, state.store
                    if run_id is None or store is None:
                        return
                    try:
                        world = await run_blocking(stored_world, store, run_id, step, self.world_view.model)
                    except StoreError as err:
                        self.world_view.show_state(None)
                        if step >= self._steps_done(run_id):  # nothing stored at all
                            # an experiment's run (snapshots off by default) read "run 13 has no
                            # stored world layers at or before step 74" over an empty world
                            self.world_view.set_scrubbable(False, step)
                            self.world_view.step_label.setText("no world stored for this run")
                            self.world_view.step_label.setToolTip(
                                "The run kept metrics only: an experiment's runs keep world states "
                                "when its spec asks for them (snapshots: every N).")
                        else:
                            self.world_view.step_label.setText(str(err).split(": ")[-1][:80])
                        return
                    if run_id == state.world_run and store is state.store:
                        self.world_view.show_state(world)
                        shown = self.world_view.displayed_step  # the latest stored at or before `step`
                        if shown is not None:
                            self.charts.set_cursor(chart_row_of_world(shown))
                    loaded = step
        finally:
            state.scrub_running = False


def chart_row_of_world(step: int) -> int | None:
    """The charts' row that counts the world stored at ``step``: that world is the one
    after ``step`` steps, and rows are numbered by the step performed, from 0. None for
    the initial world, which no row counts."""
    return step - 1 if step > 0 else None


def world_of_chart_row(row: int) -> int:
    """The stored world's step that the charts' row ``row`` counts (the inverse)."""
    return row + 1


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
    counts = [c for c in counts if c is not None and math.isfinite(c)]
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
