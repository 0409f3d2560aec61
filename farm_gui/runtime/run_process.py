"""A run of the window in a process of its own.

In the window's process, a run's simulation thread and its store writer thread hold the
GIL for most of a small world's run, and the window's thread needs it for every frame:
the default preset ran at 0.72-0.81 of its headless speed there, whatever the switch
interval, and still at 0.73 with a writer that wrote nothing. In a process of its own a
run has a GIL of its own, and the window reads its steps and world states from a pipe.

- The child (``serve_run``) opens the store, runs the same ``RunSession`` as the command
  line, and sends its metrics every ``FLUSH_S`` (every block while paused or held to a
  speed), a world state as often as the window shows one (every step while paused), its
  states and its final status. Its ``JobControl`` follows the window's, whose commands
  come through a second pipe; if that pipe closes (the window's process died), the run
  stops and is recorded as stopped.
- The parent (``ProcessRunWorker``) is a job like ``RunWorker``: it starts the process,
  fills the run's ``LiveBuffer`` and ``WorldSlot`` and forwards the control. A process
  that dies (killed, out of memory) leaves the run interrupted, as a killed window would,
  and one that could not start or open the store leaves it failed; either with a message.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from farm_gui.core.jobs import Job, JobControl
from farm_gui.core.model import ModelSpec, RunParameters
from farm_gui.core.registry import UnknownModelError, declared_by_entry_point, get_model, reload
from farm_gui.experiments.backends import preload_in_fork_server, start_context
from farm_gui.runtime.live_buffer import LiveBuffer, WorldSlot, buffer_names
from farm_gui.runtime.worker import session_engine, world_state
from farm_gui.sim.protocol import METRIC_NAMES
from farm_gui.thread_priority import lower_this_thread_priority

log = logging.getLogger(__name__)

FLUSH_S = 0.01  # metrics reach the window at least this often (it draws every ~30 ms)
WORLD_INTERVAL_S = 0.1  # a world state as often as the window's WorldSlot takes one
JOIN_TIMEOUT_S = 30.0
# A run's process runs nicer than the window's, as the experiment pool's workers do: in one
# process the runs shared the window's GIL, so however many ran they took little more than
# a core; as processes, eight runs at once on two cores left the window's thread waiting
# for a core (the stress bench's event loop stalled 600-700 ms, 430-460 on threads).
RUN_NICENESS = 10
CONTROL_OPS = ("pause", "resume", "stop", "step_once", "set_speed")


def process_target(store: Any, spec: ModelSpec) -> str | None:
    """What a run's process opens to reach ``store`` (a SQLite file's path, a server's URL
    with its password), or None where another process cannot (an in-memory database, a
    model given to ``register`` in this process only)."""
    if not declared_by_entry_point(spec.name):
        return None
    url = getattr(getattr(store, "engine", None), "url", None)
    if url is None:
        return None
    if url.get_backend_name() == "sqlite":  # a file's engine connects through a creator; url is its path
        path = Path(str(getattr(store, "url", "")))
        return str(path) if path.is_absolute() and path.is_file() else None
    return url.render_as_string(hide_password=False)


preload_in_fork_server(__name__)  # a run's process starts ~10 ms sooner


def fork_server_available() -> bool:
    """Whether run processes are forked from a fork server (Linux) rather than spawned."""
    return start_context().get_start_method() == "forkserver"


# ----- the run's process -------------------------------------------------------------------
class _Outbox:
    """What the run's session hands out (blocks, steps, states), sent to the window."""

    def __init__(self, conn, control: JobControl, spec: ModelSpec):
        self.conn = conn
        self.control = control
        self.spec = spec
        self.names = buffer_names(spec)
        self.session: Any = None
        self._tables: list[np.ndarray] = []
        self._rows: list[dict[str, float]] = []
        self._flushed = 0.0
        self._world_sent = -math.inf
        self.window_gone = False

    def send(self, message: tuple) -> None:
        """Send to the window; once it is gone (killed), stop the run: what it made is
        recorded, and it ends as stopped."""
        if self.window_gone:
            return
        try:
            self.conn.send(message)
        except OSError:
            self.window_gone = True
            self.control.stop()

    def on_block(self, block, model) -> None:
        self._tables.append(block.table)
        self._after_steps(model)

    def on_step(self, metrics: dict[str, float], model) -> None:
        if "step" not in metrics:  # the n-th step of a generic engine is step n - 1 (as RunWorker)
            metrics = {"step": model.step_index - 1, **metrics}
        self._rows.append(metrics)
        self._after_steps(model)

    def _after_steps(self, model) -> None:
        control = self.control
        now = time.monotonic()
        if control.paused or control.speed or now - self._flushed >= FLUSH_S:
            self.flush(now)
        if control.paused or now - self._world_sent >= WORLD_INTERVAL_S:
            self.send_world(model)

    def on_state(self, state: str) -> None:
        self.flush()
        model = session_engine(self.session)
        if state == "paused" and model is not None:
            self.send_world(model)
        self.send(("state", state))

    def flush(self, now: float | None = None) -> None:
        self._flushed = time.monotonic() if now is None else now
        if self._tables:
            tables, self._tables = self._tables, []
            self.send(("rows", METRIC_NAMES, tables[0] if len(tables) == 1 else np.concatenate(tables)))
        if self._rows:
            rows, self._rows = self._rows, []
            table = np.array([[m.get(name, np.nan) for name in self.names] for m in rows], dtype=np.float64)
            self.send(("rows", self.names, table))

    def send_world(self, model) -> None:
        self.flush()
        self._world_sent = time.monotonic()
        self.send(("world", world_state(self.spec, model)))


def _follow_controls(conn, control: JobControl) -> None:
    """Apply the window's commands to the run's control; a closed pipe stops the run."""
    try:
        while True:
            op, args = conn.recv()
            if op in CONTROL_OPS:
                getattr(control, op)(*args)
    except (EOFError, OSError):
        control.stop()


def serve_run(target: str, run_id: int, model: str, params: dict[str, Any], conn, commands,
              restore: tuple[int, int, bool] | None = None) -> None:
    """The run's process: record run ``run_id`` of the store at ``target`` to its end.
    ``restore``: (run, step, fork) of the checkpoint a resumed or forked run goes on from,
    which the window has checked (runtime/continuation.py)."""
    from farm_gui.runtime.session import RunSession
    from farm_gui.store import attach_store

    lower_this_thread_priority(RUN_NICENESS)  # (the threads started below inherit it)
    status, error = "failed", None
    try:
        try:
            spec = get_model(model)
        except UnknownModelError:  # a plug-in installed since the fork server started
            reload()
            spec = get_model(model)
        config = spec.parameters.model_validate(params)
        control = JobControl()
        threading.Thread(target=_follow_controls, args=(commands, control), name="run-controls",
                         daemon=True).start()
        store = attach_store(target)  # the window has opened and checked it
        restored, fork = None, False
        if restore is not None:
            from farm_gui.runtime.continuation import restore_checkpoint

            source, step, fork = restore
            restored = restore_checkpoint(store, source, step, config, spec.name)
        outbox = _Outbox(conn, control, spec)
        session = RunSession(store, run_id, config, control, on_step=outbox.on_step,
                             on_state=outbox.on_state, on_block=outbox.on_block,
                             model=restored, fork=fork)
        outbox.session = session
        try:
            status = session.run()
        finally:
            outbox.flush()
            engine = session_engine(session)
            if engine is not None:
                outbox.send_world(engine)
            store.close()
    except Exception as err:  # noqa: BLE001 - reported to the window, which records it
        log.exception("run %s failed in its process", run_id)
        error = f"{type(err).__name__}: {err}"
    with contextlib.suppress(OSError):  # the window is gone; the store has the run's end
        conn.send(("done", status, error))


# ----- the window's side -------------------------------------------------------------------
class ProcessRunWorker(Job):
    """A run as a job whose session runs in a process of its own (see the module's doc);
    the same constructor and behaviour as ``RunWorker`` seen from the registry."""

    announces_running = False

    def __init__(self, store: Any, run_id: int, config: RunParameters, control: JobControl,
                 buffer: LiveBuffer, world: WorldSlot, signals: Any, spec: ModelSpec, target: str,
                 restore: tuple[int, int, bool] | None = None):
        """``restore``: as ``serve_run``'s."""
        super().__init__(run_id, control, signals)
        self.restore = restore
        self.store = store
        self.run_id = run_id
        self.config = config
        self.spec = spec
        self.buffer = buffer
        self.world = world
        self.target = target
        self.process = None
        self._commands = None
        self._commands_lock = threading.Lock()

    def _forward(self, op: str, *args: Any) -> None:
        with self._commands_lock:
            if self._commands is None:
                return
            try:
                self._commands.send((op, args))
            except OSError:  # the process has ended
                self._commands = None

    def work(self) -> str:
        ctx = start_context()
        receive, send = ctx.Pipe(duplex=False)
        commands_in, commands_out = ctx.Pipe(duplex=False)
        self.process = ctx.Process(
            target=serve_run, name=f"farm-gui-run-{self.run_id}", daemon=True,
            args=(self.target, self.run_id, self.spec.name, self.config.model_dump(), send, commands_in,
                  self.restore))
        try:
            self.process.start()
        except (OSError, RuntimeError) as err:  # no process could be started (out of resources)
            for conn in (receive, commands_out):
                conn.close()
            return self._fail(f"could not start the run's process: {err}")
        finally:
            send.close()
            commands_in.close()
        control = self.control
        self._commands = commands_out
        control.add_listener(self._forward)
        # what was set before the listener was (the speed chosen, a pause or stop meanwhile)
        self._forward("set_speed", control.speed)
        if control.paused:
            self._forward("pause")
        if control.stopped:
            self._forward("stop")
        try:
            return self._relay(receive)
        finally:
            receive.close()
            control.remove_listener(self._forward)
            with self._commands_lock:
                self._commands, commands = None, self._commands
            if commands is not None:
                commands.close()

    def _relay(self, receive) -> str:
        while True:
            try:
                message = receive.recv()
            except (EOFError, OSError):
                return self._process_died()
            kind = message[0]
            if kind == "rows":
                self.buffer.append_table(message[1], message[2])
            elif kind == "world":
                self.world.put(message[1])
            elif kind == "state":
                self.report_state(message[1])
            elif kind == "done":
                _, status, error = message
                self.process.join(JOIN_TIMEOUT_S)
                if error is not None:
                    return self._fail(error)
                return status

    def _process_died(self) -> str:
        """The process ended without a final status (killed, out of memory): the run is
        interrupted, as if the window had been, and resumable from its last checkpoint."""
        self.process.join(JOIN_TIMEOUT_S)
        code = self.process.exitcode
        return self._fail(f"the run's process ended unexpectedly (exit code {code})", "interrupted")

    def _fail(self, error: str, status: str = "failed") -> str:
        """Record the run's end as ``status`` with ``error`` (its process could not)."""
        self.error = error
        try:
            if self.store.get_run(self.run_id).status in ("pending", "running", "paused", "interrupted"):
                self.store.set_status(self.run_id, status, error)
        except Exception:  # noqa: BLE001 - the store itself may be what failed
            log.exception("could not record the end of run %s", self.run_id)
        return status

    def wrap_up(self) -> None:
        self.store = self.buffer = self.world = None
