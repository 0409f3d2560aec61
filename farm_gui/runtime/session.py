"""The one run loop: build the model, step it, hand every step to the store's RunWriter,
honour pause / single step / speed / stop. Qt-free (threading only): the CLI runs it on
the main thread, the GUI wraps it in a QRunnable."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from farm_gui.config import RunConfig
from farm_gui.core.jobs import JobControl
from farm_gui.core.model import EngineOutputError
from farm_gui.core.registry import UnknownModelError, get_model
from farm_gui.runtime.generic_run import EngineFailure, build_engine, run_generic
from farm_gui.runtime.gil_switching import fine_gil_switching
from farm_gui.sim import Model, build_model
from farm_gui.sim.protocol import Checkpointable, StepBlock
from farm_gui.store import Store, StoreError

log = logging.getLogger(__name__)
LEGACY = "foraging_v1"  # the foraging ecology's storage (and loop below)
# The foraging ecology steps in blocks of about this long (Model.step_block): one kernel call
# and one hand-over to the writer and the window per block instead of per step. A default
# preset step is ~7 us in the kernel and was ~35 us more of Python around it, all of it
# holding the GIL that the window's thread needs too. A block this long keeps pause, stop
# and the live charts as prompt as before.
BLOCK_SECONDS = 0.002
MAX_BLOCK_STEPS = 1000
# The store commits every this many steps, or every batch_seconds if that comes first: a
# small world makes ~40,000 steps a second, and 200-step batches (200 commits a second)
# held its recording to 34,000 (1,000: 41,000).
BATCH_STEPS = 1000


def find_spec(model: str):
    """The model's declaration, or None (an imported AgentFarm run, a missing plug-in)."""
    try:
        return get_model(model)
    except UnknownModelError:
        return None


class RunSession:
    """Runs one stored run to its end (or until stopped) and records it."""

    def __init__(self, store: Store, run_id: int, config: RunConfig, control: JobControl | None = None,
                 on_step: Callable[[dict[str, float], Model], None] | None = None,
                 on_state: Callable[[str], None] | None = None, *,
                 on_block: Callable[[StepBlock, Model], None] | None = None,
                 batch_steps: int = BATCH_STEPS, batch_seconds: float = 0.25,
                 model: Model | None = None, fork: bool = False):
        """``on_step`` gets every step's metrics (a dict) and the model after that step.
        ``on_block``, where given, gets instead each block of steps of a model that steps in
        blocks (the foraging ecology): one call per block, its metrics as a table, the model
        after the block; on_step alone makes that model step one step at a time.
        ``model``: a model restored from a checkpoint of this run (resume) or of its parent
        (``fork=True``), prepared by runtime/continuation.py; None starts at step 0."""
        self.store = store
        self.run_id = run_id
        self.config = config
        self.control = control or JobControl()
        self.on_step = on_step
        self.on_block = on_block
        self.on_state = on_state
        self.model: Model | None = model
        self._continued = model is not None
        self._fork = fork
        self.writer = None  # the RunWriter recording this run (once run() started)
        self.status: str = "pending"
        self._batch = (batch_steps, batch_seconds)

    def _state(self, status: str) -> None:
        self.status = status
        if self.on_state is not None:
            self.on_state(status)

    def run(self) -> str:
        """Blocks until the run ends; returns the final status
        (finished, stopped or failed)."""
        # The simulation thread needs the GIL briefly after every step, and the store's
        # writer thread holds it for stretches: with the default 5 ms switch interval the
        # simulation waited out whole intervals (store overhead, paired medians: 1.34 -> 1.30).
        with fine_gil_switching():
            return self._run()

    def _run(self) -> str:
        writer = self.store.writer(self.run_id, batch_steps=self._batch[0], batch_seconds=self._batch[1])
        self.writer = writer
        status, error = "failed", None
        try:
            model_name = self.store.get_run(self.run_id).model
            spec = find_spec(model_name)
            if spec is not None and spec.storage != LEGACY:
                return self._finish(writer, *self._run_generic(spec, writer))
            if self.model is None:
                self.model = build_model(self.config, model_name)
            model = self.model
            writer.start()
            writer.expect_end(self.config.simulation_steps - 1)
            self._state("running")
            self._loop(model, writer)
            status = "stopped" if self.control.stopped and not model.done else "finished"
        except KeyboardInterrupt:
            status = "stopped"
        except Exception as err:  # the run fails; the message is recorded with it
            log.exception("run %s failed", self.run_id)
            error = f"{type(err).__name__}: {err}"
        return self._finish(writer, status, error)

    def _run_generic(self, spec, writer) -> tuple[str, str | None]:
        """A model-generic model's run (runtime/generic_run.py): (status, error)."""
        try:
            if self.model is None:
                self.model = build_engine(spec, self.config)
            engine = self.model
            writer.start()
            writer.expect_end(self.config.simulation_steps - 1)
            self._state("running")
            run_generic(self, spec, engine, writer)
            unfinished = not engine.done and engine.step_index < self.config.simulation_steps
            return ("stopped" if self.control.stopped and unfinished else "finished"), None
        except KeyboardInterrupt:
            return "stopped", None
        except (EngineFailure, EngineOutputError) as err:  # the model's fault: its own words
            log.exception("run %s failed", self.run_id)
            return "failed", str(err)
        except Exception as err:  # the run fails; the message is recorded with it
            log.exception("run %s failed", self.run_id)
            return "failed", f"{type(err).__name__}: {err}"

    def _finish(self, writer, status: str, error: str | None) -> str:
        try:
            status = writer.finish(status, error)
        except StoreError:
            log.exception("could not record the end of run %s", self.run_id)
            if status != "failed":
                status, error = "failed", "recording the end of the run failed"
        self._state(status)
        return status

    def _loop(self, model: Model, writer) -> None:
        every = self.config.snapshot_every
        writer.take_events_from(model.drain_agent_events)
        first = model.step_index
        if every and (first % every == 0 or self._fork):
            writer.add_snapshot(first, model.snapshot())
        # Checkpoints: at the start, every `checkpoint_every` steps, at every pause and at
        # the end (stop included), each committed with the steps before it.
        saves = isinstance(model, Checkpointable)
        checkpoint_every = self.config.checkpoint_every if saves else 0
        if saves:
            if self._continued:
                writer.known_checkpoint(first)  # the one this run goes on from
            else:
                writer.add_checkpoint(first, model.save_state)
        control = self.control

        def paused() -> None:
            if saves:
                writer.add_checkpoint(model.step_index, model.save_state)
            writer.set_status("paused")
            self._state("paused")

        def resumed() -> None:
            writer.set_status("running")
            self._state("running")

        on_step, on_block = self.on_step, self.on_block
        block_steps = 1  # adapted to make a block last about BLOCK_SECONDS
        while not model.done:
            if control.stopped or not control.wait_until_runnable(paused, resumed):
                break
            started = time.perf_counter()
            k = model.step_index
            # one step at a time: a single step, a speed limit, or a per-step callback that
            # expects the model as it is after each step
            limit = 1 if control.paused or control.speed or on_block is None and on_step else block_steps
            if every:  # a block ends where a world is stored, so that it is the world after the block
                limit = min(limit, every - k % every)
            if checkpoint_every:
                limit = min(limit, checkpoint_every - k % checkpoint_every)
            block = model.step_block(limit)
            k = model.step_index
            snapshot = model.snapshot() if every and (k % every == 0 or model.done) else None
            writer.add_block(block, snapshot)
            if checkpoint_every and k % checkpoint_every == 0 and not model.done:
                writer.add_checkpoint(k, model.save_state)
            if on_block is not None:
                on_block(block, model)
            elif on_step is not None:
                for metrics in block.rows():
                    on_step(metrics, model)
            if control.speed:
                control.pace(started)
            elif len(block) == limit:
                per_step = (time.perf_counter() - started) / len(block)
                block_steps = max(1, min(MAX_BLOCK_STEPS, int(BLOCK_SECONDS / max(per_step, 1e-7))))
        # Stopped mid-run: keep the last world state too.
        if every and not writer.has_snapshot(model.step_index):
            writer.add_snapshot(model.step_index, model.snapshot())
        if saves:
            writer.add_checkpoint(model.step_index, model.save_state)
