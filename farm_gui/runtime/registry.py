"""The registry of runs this window started: workers, controls, live buffers.

Mutated from the GUI thread (start, state updates delivered by queued signals)
and read from anywhere (the close handler, the status bar, tests), so the map
and each run's state sit behind a ``threading.Lock``.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal, Slot

from farm_gui.core.jobs import JobControl
from farm_gui.core.model import ModelSpec, RunParameters
from farm_gui.core.registry import get_model
from farm_gui.runtime.jobs import JobSignals, start_job
from farm_gui.runtime.live_buffer import LiveBuffer, WorldSlot, buffer_names
from farm_gui.runtime.run_process import ProcessRunWorker, fork_server_available, process_target
from farm_gui.runtime.session import RunSession
from farm_gui.runtime.worker import RunWorker

ACTIVE_STATES = ("pending", "running", "paused")
FINAL_STATES = ("finished", "stopped", "failed", "interrupted")


@dataclass
class ActiveRun:
    run_id: int
    name: str
    config: RunParameters
    control: JobControl
    buffer: LiveBuffer
    world: WorldSlot
    worker: RunWorker | ProcessRunWorker | None = None
    model: ModelSpec | None = None  # the model's declaration (None: the default model)
    state: str = "pending"
    started: float = field(default_factory=time.monotonic)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    ended: float | None = None
    paused_s: float = 0.0  # time spent paused, up to paused_since
    paused_since: float | None = None

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES

    def elapsed(self, now: float | None = None) -> float:
        """Seconds the run has been going, its pauses left out (Duration counted on
        while a run was paused)."""
        now = time.monotonic() if now is None else now
        end = self.ended if self.ended is not None else now
        paused = self.paused_s + (end - self.paused_since if self.paused_since is not None else 0.0)
        return max(0.0, end - self.started - paused)

    def _enter(self, state: str) -> None:
        """Record a state change (under the registry's lock)."""
        now = time.monotonic()
        if state == "paused" and self.paused_since is None:
            self.paused_since = now
        elif state != "paused" and self.paused_since is not None:
            self.paused_s += now - self.paused_since
            self.paused_since = None
        self.state = state
        if state in FINAL_STATES and self.ended is None:
            self.ended = now

    def steps_done(self) -> int:
        return len(self.buffer)


class RunRegistry(QObject):
    """Starts runs on a thread pool and tracks their state."""

    run_state_changed = Signal(int, str)  # run_id, new state (GUI thread)

    def __init__(self, pool: QThreadPool | None = None, parent: QObject | None = None,
                 session_factory: Callable[..., Any] = RunSession, processes: bool | None = None):
        """``processes``: a new run of a database another process can open goes in a process
        of its own (run_process.py); a continued run (its model prepared here) and one with
        another ``session_factory`` run on a pool thread. None: where processes are forked
        from a warmed-up fork server (Linux); spawning one costs seconds per run."""
        super().__init__(parent)
        self.processes = fork_server_available() if processes is None else processes
        self._pool = pool or QThreadPool.globalInstance()
        self._lock = threading.Lock()
        self._runs: dict[int, ActiveRun] = {}
        self._session_factory = session_factory
        self._signals = JobSignals(self)
        self._signals.state_changed.connect(self._on_state_changed)
        self._signals.finished.connect(self._on_finished)

    # ---- starting ---------------------------------------------------------------
    def start(self, store: Any, run_id: int, name: str, config: RunParameters,
              speed: float | None = None, *, session_options: dict[str, Any] | None = None,
              history: dict[str, Any] | None = None, model: ModelSpec | None = None,
              restore_from: tuple[int, int] | None = None) -> ActiveRun:
        """``session_options``: extra RunSession arguments (a resumed or forked run's
        model); ``history``: metrics already stored (a resumed run's earlier steps),
        put into the live buffer first; ``model``: the run's model (default: foraging);
        ``restore_from``: (run, step) of the checkpoint a resumed or forked run goes on
        from, so that its own process can restore the model there too."""
        spec = model if model is not None else get_model(None)
        control = JobControl()
        control.set_speed(speed)
        buffer = LiveBuffer(buffer_names(spec), capacity=min(config.simulation_steps + 1, 1 << 16))
        if history:
            buffer.extend(history)
        run = ActiveRun(run_id, name, config, control, buffer, WorldSlot(), model=spec)
        factory = self._session_factory
        options = session_options or {}
        restore = (*restore_from, bool(options.get("fork"))) if restore_from is not None else None
        # the child can make this session itself: a fresh one, or one from a stored checkpoint
        by_itself = factory is RunSession and (not options or restore is not None)
        target = process_target(store, spec) if self.processes and by_itself else None
        if target is not None:
            run.worker = ProcessRunWorker(store, run_id, config, control, run.buffer, run.world,
                                          self._signals, spec=spec, target=target, restore=restore)
        else:
            if session_options:
                factory = functools.partial(factory, **session_options)
            run.worker = RunWorker(store, run_id, config, control, run.buffer, run.world, self._signals,
                                   session_factory=factory, spec=spec)
        with self._lock:
            self._runs[run_id] = run
        needed = len(self.active_ids())
        if self._pool.maxThreadCount() < needed:
            self._pool.setMaxThreadCount(needed)
        start_job(self._pool, run.worker)
        return run

    # ---- queries ----------------------------------------------------------------
    def get(self, run_id: int) -> ActiveRun | None:
        with self._lock:
            return self._runs.get(run_id)

    def runs(self) -> list[ActiveRun]:
        with self._lock:
            return list(self._runs.values())

    def active_ids(self) -> list[int]:
        with self._lock:
            return [r.run_id for r in self._runs.values() if r.active]

    def state(self, run_id: int) -> str | None:
        with self._lock:
            run = self._runs.get(run_id)
            return run.state if run else None

    def counts(self) -> dict[str, int]:
        """Runs by state: running (pending included), paused, finished, stopped, failed,
        interrupted (a stopped run is not a finished one)."""
        out = dict.fromkeys(("running", "paused", *FINAL_STATES), 0)
        with self._lock:
            for run in self._runs.values():
                key = "running" if run.state in ("pending", "running") else run.state
                out[key] = out.get(key, 0) + 1
        return out

    # ---- controls (any thread) ----------------------------------------------------
    def _control(self, run_id: int) -> JobControl | None:
        run = self.get(run_id)
        return run.control if run is not None and run.active else None

    def pause(self, run_id: int) -> None:
        if (c := self._control(run_id)) is not None:
            c.pause()

    def resume(self, run_id: int) -> None:
        if (c := self._control(run_id)) is not None:
            c.resume()

    def step_once(self, run_id: int) -> None:
        if (c := self._control(run_id)) is not None:
            c.step_once()

    def stop(self, run_id: int) -> None:
        if (c := self._control(run_id)) is not None:
            c.stop()

    def set_speed(self, run_id: int, steps_per_s: float | None) -> None:
        if (c := self._control(run_id)) is not None:
            c.set_speed(steps_per_s)

    def forget_inactive(self) -> list[int]:
        """Drop the runs that are over: run ids belong to a workspace, so when the window opens another
        one, a finished run 3 of the old workspace must not stand in for the new
        workspace's run 3. Returns the ids dropped; active runs are kept."""
        with self._lock:
            gone = [i for i, run in self._runs.items() if not run.active]
            for run_id in gone:
                del self._runs[run_id]
        return gone

    def stop_all(self) -> list[int]:
        ids = self.active_ids()
        for run_id in ids:
            self.stop(run_id)
        return ids

    def forget(self, run_id: int) -> bool:
        """Drop a run that has ended and whose worker has returned (its stored run was
        deleted); True if it was dropped."""
        with self._lock:
            run = self._runs.get(run_id)
            if run is None or run.active or (run.worker is not None and not run.worker.done.is_set()):
                return False
            del self._runs[run_id]
            return True

    def wait(self, timeout_s: float) -> bool:
        """Block until every started worker has returned (bounded)."""
        deadline = time.monotonic() + timeout_s
        for run in self.runs():
            if run.worker is None:
                continue
            if not run.worker.done.wait(max(0.0, deadline - time.monotonic())):
                return False
        return True

    # ---- state updates (GUI thread, queued from workers) -------------------------
    @Slot(int, str)
    def _on_state_changed(self, run_id: int, state: str) -> None:
        with self._lock:
            run = self._runs.get(run_id)
            if run is None or run.state in FINAL_STATES:
                return
            run._enter(state)
        self.run_state_changed.emit(run_id, state)

    @Slot(int, str)
    def _on_finished(self, run_id: int, status: str) -> None:
        with self._lock:
            run = self._runs.get(run_id)
            if run is None:
                return
            already = run.state == status
            run._enter(status)
        if not already:
            self.run_state_changed.emit(run_id, status)
