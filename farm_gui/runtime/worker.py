"""One simulation run as a job (``farm_gui.core.jobs``), put on a QThreadPool by the registry.

The worker wraps a ``RunSession`` (Qt-free) and connects it to the GUI without
a signal per step: each step's metrics go into the run's ``LiveBuffer`` and a
world snapshot is dropped into its ``WorldSlot`` every ~100 ms; the UI reads
both on its own timer. Only state transitions (running, paused, final status),
which happen at human speed, are signalled.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from farm_gui.core.jobs import Job, JobControl
from farm_gui.core.model import ModelSpec, RunParameters
from farm_gui.core.registry import get_model
from farm_gui.runtime.live_buffer import LiveBuffer, WorldSlot
from farm_gui.runtime.session import RunSession
from farm_gui.sim.protocol import METRIC_NAMES, StepBlock

log = logging.getLogger(__name__)
YIELD_EVERY_S = 0.001


def world_state(spec: ModelSpec, engine: Any) -> dict[str, Any]:
    """What the world slot holds for the view: a model with the first release's storage
    (``foraging_v1``) hands out its flat snapshot, which the view stamps with its compiled
    kernel; every other model its declared layers, under "layers". Both carry "step"."""
    if spec.storage == "foraging_v1" and hasattr(engine, "snapshot"):
        state: dict[str, Any] = engine.snapshot()
    else:
        state = {"layers": engine.layers()}
    state["step"] = engine.step_index
    return state


def session_engine(session: Any) -> Any:
    """The engine a session steps (``engine`` in the generic session, ``model`` before)."""
    if session is None:
        return None
    engine = getattr(session, "engine", None)
    return engine if engine is not None else getattr(session, "model", None)


class RunWorker(Job):
    """A run as a job (its id is the run id); the session reports "running", "paused"
    and the final status itself."""

    announces_running = False

    def __init__(self, store: Any, run_id: int, config: RunParameters, control: JobControl,
                 buffer: LiveBuffer, world: WorldSlot, signals: Any,
                 session_factory: Callable[..., Any] = RunSession, spec: ModelSpec | None = None):
        super().__init__(run_id, control, signals)
        self.spec = spec if spec is not None else get_model(None)
        self.run_id = run_id
        self.buffer = buffer
        self.world = world
        self._yielded = 0.0
        self._session = session_factory(store, run_id, config, control=control, on_step=self._on_step,
                                        on_state=self._on_state, on_block=self._on_block)

    def _on_block(self, block: StepBlock, model: Any) -> None:
        self.buffer.append_table(METRIC_NAMES, block.table)
        self._after_steps(model)

    def _on_step(self, metrics: dict[str, float], model: Any) -> None:
        if "step" not in metrics:
            # The runtime numbers a generic engine's steps: the n-th step's row is step n - 1.
            metrics = {"step": model.step_index - 1, **metrics}
        self.buffer.append(metrics)
        self._after_steps(model)

    def _after_steps(self, model: Any) -> None:
        # Hand the GIL over at a step's end, at most every YIELD_EVERY_S, if the GUI
        # thread waits for it. A small world's step is ~20 us of mostly Python: the
        # simulation thread held the GIL nearly all the time, and the GUI thread, which
        # gives it up at every call into Qt, got it back only when the switch interval
        # forced it, again and again per frame (a convoy). sleep(0) after every step
        # (heavily loaded machine, default preset: heartbeat p99 52 -> 23 ms, max 158 ->
        # 59 ms) cost a third of the run's speed when the machine was quieter (GUI /
        # headless 0.65 -> 0.43); once a millisecond costs at most one system call per ms.
        now = time.perf_counter()
        if now - self._yielded >= YIELD_EVERY_S:
            self._yielded = now
            time.sleep(0)
        # Paused (a single step): every step is shown, not one per interval.
        if self.world.due() or self.control.paused:
            self._put_world(model)

    def _put_world(self, model: Any) -> None:
        self.world.put(world_state(self.spec, model))

    def _on_state(self, state: str) -> None:
        # The world view shows the step the run paused at, not the last one offered
        # (up to 0.1 s of steps earlier); put before the signal, which makes the UI look.
        model = session_engine(self._session)
        if state == "paused" and model is not None:
            self._put_world(model)
        self.report_state(state)

    def work(self) -> str:
        return self._session.run()  # RunSession records failures itself; the template is a last guard

    def wrap_up(self) -> None:
        model = session_engine(self._session)
        if model is not None:
            try:
                self.world.put(world_state(self.spec, model))
            except Exception:
                log.exception("final snapshot of run %s failed", self.run_id)
        # The registry keeps the worker; it lets go of everything big.
        self._session = self.buffer = self.world = None
