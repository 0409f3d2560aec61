"""One simulation run on a QThreadPool thread.

The worker wraps a ``RunSession`` (Qt-free) and connects it to the GUI without
a signal per step: each step's metrics go into the run's ``LiveBuffer`` and a
world snapshot is dropped into its ``WorldSlot`` every ~100 ms; the UI reads
both on its own timer. Only state transitions (running, paused, final status),
which happen at human speed, are signalled.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Signal

from farm_gui.core.model import ModelSpec, RunParameters
from farm_gui.core.registry import get_model
from farm_gui.runtime.live_buffer import LiveBuffer, WorldSlot
from farm_gui.runtime.session import RunControl, RunSession

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


class RunSignals(QObject):
    """Lives in the GUI thread; emitted from the worker thread (queued)."""

    state_changed = Signal(int, str)  # run_id, state
    finished = Signal(int, str)  # run_id, final status


class RunWorker(QRunnable):
    def __init__(self, store: Any, run_id: int, config: RunParameters, control: RunControl,
                 buffer: LiveBuffer, world: WorldSlot, signals: RunSignals,
                 session_factory: Callable[..., Any] = RunSession, spec: ModelSpec | None = None):
        super().__init__()
        self.spec = spec if spec is not None else get_model(None)
        self.setAutoDelete(False)  # the registry keeps the reference until finished
        self.run_id = run_id
        self.control = control
        self.buffer = buffer
        self.world = world
        self.signals = signals
        self.done = threading.Event()
        self._yielded = 0.0
        self.status: str | None = None
        self.error: str | None = None
        self._session = session_factory(store, run_id, config, control=control,
                                        on_step=self._on_step, on_state=self._on_state)

    def _on_step(self, metrics: dict[str, float], model: Any) -> None:
        if "step" not in metrics:
            # The runtime numbers a generic engine's steps: the n-th step's row is step n - 1.
            metrics = {"step": model.step_index - 1, **metrics}
        self.buffer.append(metrics)
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
        self._emit(self.signals.state_changed, state)

    def _emit(self, signal, value: str) -> None:
        try:
            signal.emit(self.run_id, value)
        except RuntimeError:  # the window (and its signals object) is already gone
            log.debug("run %s: %s not delivered, receiver deleted", self.run_id, value)

    def run(self) -> None:
        try:
            self.status = self._session.run()
        except Exception as err:  # RunSession records failures itself; this is a last guard
            log.exception("run %s crashed", self.run_id)
            self.status = "failed"
            self.error = str(err)
        finally:
            model = session_engine(self._session)
            if model is not None:
                try:
                    self.world.put(world_state(self.spec, model))
                except Exception:
                    log.exception("final snapshot of run %s failed", self.run_id)
            # The worker object is retained (see registry); it lets go of everything big.
            self._session = self.buffer = self.world = None
            self.done.set()
            self._emit(self.signals.finished, self.status or "failed")
