"""Resume and fork in the window (Run > Resume Run..., Run > Fork from Here..., and the
"Fork from Here" button beside the step slider).

Resume continues the selected stopped, interrupted or failed run from its last
checkpoint in the same run record; a finished run asks first for how many more steps.
Fork starts a new run from a checkpoint of the shown run: the dialog offers the run's
checkpoints with the one at or before the slider's step chosen (and moves the slider
there), and takes changed settings as ``key=value`` pairs. The new run is selected with
its parent, so the charts overlay them, aligned at the fork step.

``ContinueController`` does both for the window, on its Qt-free ``WindowState``
(``ui/state.py``) and the ``RunController`` (which lists and shows the runs). The
checkpoint work (runtime/continuation.py) and every store call are awaited off the
loop; the dialogs are window-modal and opened with open().
"""

from __future__ import annotations

import shlex
from collections.abc import Callable

from pydantic import BaseModel
from PySide6.QtCore import QObject
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QToolButton,
    QWidget,
)

from farm_gui.config import ConfigError
from farm_gui.runtime.aio import run_blocking, spawn
from farm_gui.runtime.continuation import apply_settings, parse_settings, prepare_fork, prepare_resume
from farm_gui.runtime.registry import ACTIVE_STATES, RunRegistry
from farm_gui.store import StoreError
from farm_gui.store.checkpoints import NO_CHECKPOINT_HINT
from farm_gui.store.side_tables import read_only_reason
from farm_gui.ui.actions import WindowActions
from farm_gui.ui.controllers.run_flows import RunController, model_of
from farm_gui.ui.state import RunRow, WindowState
from farm_gui.ui.widgets.run_table import RunTable
from farm_gui.ui.world.world_view import WorldView

RESUMABLE = ("stopped", "interrupted", "failed", "finished")
_OK_CANCEL = QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel


class ContinueDialog(QDialog):
    """How many more steps a finished run should go on for."""

    def __init__(self, parent: QWidget, name: str, steps_done: int):
        super().__init__(parent)
        self.setObjectName("continue_dialog")
        self.setWindowTitle("Continue run")
        self.steps = QSpinBox()
        self.steps.setObjectName("continue_steps")
        self.steps.setRange(1, 100_000_000)
        self.steps.setValue(max(1, steps_done))
        self.steps.setSuffix(" steps")
        buttons = QDialogButtonBox(_OK_CANCEL)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(QLabel(f"{name} finished after {steps_done:,} steps."))
        form.addRow("Continue for", self.steps)
        form.addRow(buttons)


# how a run is run, and the world's size (a checkpoint's world keeps its size): not examples
NOT_EXAMPLES = ("simulation_steps", "seed", "snapshot_every", "checkpoint_every", "width", "height")


def example_settings(config: BaseModel) -> str:
    """The fork dialog's example of changed settings, in the parent's model's parameters
    (a Schelling run's read "base_consumption_rate=0.3", a foraging ecology parameter): its
    last rate, halved (behaviour, such as Schelling's homophily, tends to be declared after
    the initial conditions)."""
    if hasattr(config, "base_consumption_rate") and hasattr(config, "max_population"):
        return "e.g. base_consumption_rate=0.3 max_population=500"  # the foraging ecology's
    rates = [(info.alias or name, value) for name, info in type(config).model_fields.items()
             if name not in NOT_EXAMPLES and isinstance(value := getattr(config, name), float)
             and 0 < value <= 1]
    if not rates:
        return "e.g. name=value (the run's parameters; see its configuration)"
    name, value = rates[-1]
    return f"e.g. {name}={value / 2:g}"


class ForkDialog(QDialog):
    """The checkpoint to fork from, changed settings and the new run's name. Settings that
    do not fit the parent's configuration are named in the dialog, which stays open with
    what was typed."""

    def __init__(self, parent: QWidget, name: str, steps: list[int], chosen: int, config: BaseModel):
        super().__init__(parent)
        self.setObjectName("fork_dialog")
        self.setWindowTitle("Fork run")
        self.run_name = name
        self.config = config
        self.step_box = QComboBox()
        self.step_box.setObjectName("fork_step")
        for s in steps:
            self.step_box.addItem(f"step {s:,}", s)
        self.step_box.setCurrentIndex(steps.index(chosen))
        self.step_box.currentIndexChanged.connect(self._name_placeholder)
        self.settings_edit = QLineEdit()
        self.settings_edit.setObjectName("fork_settings")
        example = example_settings(config)
        self.settings_edit.setPlaceholderText(example)
        # room for a few settings whatever the example's length
        metrics = self.settings_edit.fontMetrics()
        self.settings_edit.setMinimumWidth(max(metrics.horizontalAdvance("x" * 44),
                                               metrics.horizontalAdvance(example) + 24))
        self.settings_edit.setToolTip("Changed parameters as key=value pairs (dotted keys for nested ones, "
                                      "e.g. action_weights.move=0.5); the rest are the parent's")
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("fork_name")
        self._name_placeholder()
        self.problem = QLabel()
        self.problem.setObjectName("fork_problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #c0392b;")
        self.problem.hide()
        buttons = QDialogButtonBox(_OK_CANCEL)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(QLabel(f"Start a new run from a checkpoint of {name}."))
        form.addRow("Checkpoint", self.step_box)
        form.addRow("Changed settings", self.settings_edit)
        form.addRow("Name", self.name_edit)
        form.addRow(self.problem)
        form.addRow(buttons)
        self.settings_edit.setFocus()  # what a fork is for: typing starts there

    def _name_placeholder(self) -> None:
        self.name_edit.setPlaceholderText(f"{self.run_name} fork@{self.step()}")  # the store's default

    def step(self) -> int:
        return int(self.step_box.currentData())

    def settings(self) -> dict:
        try:
            items = shlex.split(self.settings_edit.text())
        except ValueError as err:
            raise ConfigError("changed settings", [("", str(err))]) from None
        return parse_settings(items)

    def accept(self) -> None:
        try:
            config = apply_settings(self.config, self.settings(), "changed settings")
        except ConfigError as err:
            self._refuse(str(err))
            return
        steps = int(getattr(config, "simulation_steps", 0) or 0)
        if steps and steps <= self.step():
            self._refuse(f"The run is set to {steps:,} steps: a fork from step {self.step():,} would have "
                         f"nothing to run. Add simulation_steps=N with N above {self.step():,}.")
            return
        super().accept()

    def _refuse(self, message: str) -> None:
        self.problem.setText(message)
        self.problem.show()
        self.settings_edit.setFocus()


def _nearest_at_or_before(steps: list[int], step: int) -> int:
    before = [s for s in steps if s <= step]
    return before[-1] if before else steps[0]


class ContinueController(QObject):
    """Run > Resume Run... and Run > Fork from Here... (and the fork button it puts beside
    the world view's step slider)."""

    def __init__(self, state: WindowState, registry: RunRegistry, *, runs: RunController,
                 actions: WindowActions, run_table: RunTable, world_view: WorldView, parent: QWidget,
                 show_error: Callable[[str, str], None]):
        super().__init__(parent)
        self.state = state
        self.registry = registry
        self.runs = runs
        self.actions = actions
        self.run_table = run_table
        self.world_view = world_view
        self.dialog_parent = parent
        self.show_error = show_error
        actions.resume_run.triggered.connect(self.resume_stored_run)
        actions.fork_run.triggered.connect(self.fork_shown_run)
        self._action_tips = {a: a.toolTip() for a in (actions.resume_run, actions.fork_run)}
        self.fork_button = QToolButton()
        self.fork_button.setObjectName("fork_button")
        self.fork_button.setDefaultAction(actions.fork_run)
        world_view.slider_row.addWidget(self.fork_button)
        self.continue_dialog: QDialog | None = None

    def _report(self, title: str):
        return lambda err: self.show_error(title, str(err))

    def _stored_row(self) -> RunRow | None:
        row = self.runs.primary_row()
        if row is None or self.registry.state(row.run_id) in ACTIVE_STATES:
            return None
        return row

    def update_actions(self) -> None:
        row = self._stored_row()
        a = self.actions
        store = self.state.store
        # an imported run has no engine state to go on from: say so where the user looks
        read_only = read_only_reason(row.model) if row is not None and row.model else None
        a.resume_run.setEnabled(store is not None and row is not None and row.status in RESUMABLE
                                and read_only is None)
        a.fork_run.setEnabled(store is not None and row is not None and row.status != "pending"
                              and read_only is None)
        for action, tip in self._action_tips.items():
            action.setToolTip(tip if read_only is None else
                              f"{row.name} was {read_only}: it cannot be resumed or forked. Run > Run "
                              "Side by Side starts a Farm GUI run from its configuration.")

    # ---- resume ----------------------------------------------------------------------
    def resume_stored_run(self) -> None:
        row = self._stored_row()
        if row is None or row.status not in RESUMABLE:
            return
        if row.status != "finished":
            spawn(self.resume_run_async(row.run_id), self._report("Cannot resume the run"))
            return
        dialog = self.continue_dialog = ContinueDialog(self.dialog_parent, row.name, row.steps_done)
        run_id = row.run_id
        dialog.accepted.connect(lambda: spawn(self.resume_run_async(run_id, dialog.steps.value()),
                                              self._report("Cannot continue the run")))
        dialog.open()

    async def resume_run_async(self, run_id: int, more_steps: int | None = None) -> bool:
        """Continue `run_id` from its last checkpoint (`more_steps` from there); False if refused."""
        state = self.state
        async with state.store_lock:
            store = state.store
            if store is None or self.registry.state(run_id) in ACTIVE_STATES:
                return False
            try:
                cont = await run_blocking(prepare_resume, store, run_id, more_steps)
                history = await run_blocking(store.metrics, run_id)
                info = await run_blocking(store.get_run, run_id)
            except (StoreError, ConfigError) as err:
                self.show_error("Cannot resume the run", str(err))
                return False
            state.stored_series.pop(run_id, None)
            self.registry.start(store, run_id, info.name, cont.config, state.speed,
                                session_options={"model": cont.model, "fork": False}, history=history,
                                restore_from=(run_id, cont.step), model=model_of(cont.config))
        await self.runs.refresh_runs_async(select=[run_id])
        state.shown_ids = []  # the run is live again: bind its live buffer
        state.wanted_ids = self.run_table.selected_ids()
        await self.runs.show_runs_async(state.wanted_ids)
        return True

    # ---- fork ------------------------------------------------------------------------
    def fork_shown_run(self) -> None:
        row = self._stored_row()
        if row is None:
            return
        # the step the world view shows (the slider's, or the last one when a run is shown)
        shown = self.state.scrub_target if self.state.world_run == row.run_id else None
        step = shown if shown is not None else row.steps_done
        spawn(self._open_fork_dialog(row.run_id, row.name, step), self._report("Cannot fork the run"))

    async def _open_fork_dialog(self, run_id: int, name: str, step: int) -> None:
        store = self.state.store
        if store is None:
            return
        try:
            steps = await run_blocking(store.checkpoint_steps, run_id)
        except StoreError as err:
            self.show_error("Cannot fork the run", str(err))
            return
        if not steps:
            self.show_error("Cannot fork the run",
                            f"{name} has no checkpoint to start a fork from ({NO_CHECKPOINT_HINT}).")
            return
        try:
            config = await run_blocking(store.run_config, run_id)
        except (StoreError, ConfigError) as err:
            self.show_error("Cannot fork the run", str(err))
            return
        chosen = _nearest_at_or_before(steps, step)
        if self.state.world_run == run_id and self.world_view.slider.isEnabled():
            self.world_view.slider.setValue(chosen)  # snap to the checkpoint
        dialog = self.continue_dialog = ForkDialog(self.dialog_parent, name, steps, chosen, config)

        def accepted() -> None:
            try:
                settings = dialog.settings()
            except ConfigError as err:
                self.show_error("Cannot fork the run", str(err))
                return
            name = dialog.name_edit.text().strip() or None
            spawn(self.fork_run_async(run_id, dialog.step(), settings, name),
                  self._report("Cannot fork the run"))

        dialog.accepted.connect(accepted)
        dialog.open()

    async def fork_run_async(self, run_id: int, step: int, settings: dict | None = None,
                             name: str | None = None) -> int | None:
        """A new run from the checkpoint of `run_id` at `step`; its id, or None if refused."""
        state = self.state
        async with state.store_lock:
            store = state.store
            if store is None:
                return None
            try:
                cont = await run_blocking(prepare_fork, store, run_id, step, settings or {}, name)
                info = await run_blocking(store.get_run, cont.run_id)
            except (StoreError, ConfigError) as err:
                self.show_error("Cannot fork the run", str(err))
                return None
            self.registry.start(store, cont.run_id, info.name, cont.config, state.speed,
                                session_options={"model": cont.model, "fork": True},
                                restore_from=(run_id, cont.step), model=model_of(cont.config))
        await self.runs.refresh_runs_async(select=[cont.run_id, run_id])
        return cont.run_id
