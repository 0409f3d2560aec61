"""Execution backends behind one interface: a local process pool (the default) and Dask
distributed (a ``LocalCluster`` or the address of a running scheduler).

A backend starts workers (warmed up once each), takes ``RunTask``s (``submit``), says which
are done (``wait``) and hands back each one's ``RunResult`` (``outcome``), raising
``WorkerLost`` when the process running it died (the dispatcher then runs it again). It
never touches the workspace. ``cancel()`` tells the runs in flight to stop (they check
about every 0.25 s) and ``close()`` lets go of the workers.

The local pool uses the "forkserver" start method on Linux ("spawn" elsewhere): fork
from a process running Qt threads (the window) is unsafe, and a fresh interpreter per
worker behaves the same on every platform.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import logging
import multiprocessing
import os
import sys
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Any

from farm_gui.core.results import RunResult

from .plan import RunTask

log = logging.getLogger(__name__)

RUNS_IN_FLIGHT_PER_WORKER = 2
WORKERS_TTL_S = 2.0  # how long a Dask scheduler's worker count is taken as current


class WorkerLost(RuntimeError):
    """The worker running a task died (killed, out of memory, crashed)."""


class BackendError(RuntimeError):
    """A backend could not start (no scheduler at the address, ...): a user-facing sentence."""


# Short runs go to a worker several to a task (see Backend._learn_run_time).
TASK_TARGET_S = 0.5
MAX_RUNS_PER_TASK = 8
# A Dask task costs more than a pool task (the scheduler's transitions, the worker's and the
# client's messages, a gather): with 1k-preset runs (~0.13 s) on a LocalCluster of 2, tasks of
# ~1 s instead of ~0.5 s took it from 0.90 to 0.96 of the pool (medians of 4 alternated
# sweeps of 120 runs). Results come back in clumps of up to a second of runs; Cancel still
# stops a task between two runs.
DASK_TASK_TARGET_S = 1.0


class _Batch:
    """Runs sent to a worker as one task; their results come back together."""

    def __init__(self) -> None:
        self.tasks: list[RunTask] = []
        self.future: Any = None
        self.results: list[RunResult] | None = None
        self.lost: str | None = None  # why the task's worker(s) never returned it


class _RunHandle:
    """One run of a task: what the dispatcher waits on and asks the outcome of."""

    __slots__ = ("batch", "position")

    def __init__(self, batch: _Batch, position: int):
        self.batch, self.position = batch, position


class Backend(ABC):
    """Starts workers, runs tasks on them and hands back their results. Once runs have been
    timed, short ones go to a worker several to a task (about ``task_target_s`` of running
    each): every task costs messages between processes (the local pool's pipes, Dask's
    scheduler), which with runs of a few milliseconds to a few tenths of a second took a
    good share of the machine. The dispatcher sees one handle per run either way."""

    label: str = ""
    task_target_s = TASK_TARGET_S

    def __init__(self) -> None:
        self._open: _Batch | None = None  # the task being filled with runs, not sent yet
        self._open_size = 1  # how many runs it gets
        self._runs_per_task = 1  # until runs have been timed
        self._run_seconds, self._runs_seen = 0.0, 0

    @abstractmethod
    def start(self, models: Iterable[str], preload: Iterable[str] = ()) -> None: ...

    @property
    @abstractmethod
    def workers(self) -> int: ...

    @property
    def capacity(self) -> int:
        """How many runs may be in flight at once."""
        return max(1, self.workers) * RUNS_IN_FLIGHT_PER_WORKER * self._runs_per_task

    def submit(self, task: RunTask, alone: bool = False, left: int | None = None) -> _RunHandle:
        """The run joins the task being filled; the task is sent once it holds its share of
        runs (``task_size``; or when the dispatcher next waits). ``left``: the runs still to
        submit, this one included (None: unknown). ``alone``: the run goes in a task of its
        own (a run being retried after its worker died: run beside others again, it could
        take them down with it every time)."""
        if alone and self._open is not None:
            self._send()
        if self._open is None:
            self._open = _Batch()
            self._open_size = self.task_size(left)
        handle = _RunHandle(self._open, len(self._open.tasks))
        self._open.tasks.append(task)
        if alone or len(self._open.tasks) >= self._open_size:
            self._send()
        return handle

    def task_size(self, left: int | None = None) -> int:
        """Runs in the next task: about ``task_target_s`` of running, and towards the end
        fewer, down to one: a task's results are written after its worker has finished it,
        so the last task's writing is the experiment's tail, and tasks of equal size left
        one worker running alone at the end (guided self-scheduling: at most the runs left
        shared between twice the workers)."""
        if left is None:
            return self._runs_per_task
        return max(1, min(self._runs_per_task, left // (2 * max(1, self.workers))))

    def _send(self) -> None:
        batch, self._open = self._open, None
        batch.future = self._send_batch(batch.tasks)

    def send_open(self) -> None:
        """Send the task being filled now, however few runs it holds."""
        if self._open is not None:
            self._send()

    def wait(self, handles: Iterable[_RunHandle], timeout: float) -> set[_RunHandle]:
        """The handles whose task is done (waiting up to ``timeout`` for the first)."""
        self.send_open()
        handles = list(handles)
        futures = list({id(h.batch): h.batch.future for h in handles}.values())
        self._wait_futures(futures, timeout)
        return {h for h in handles if h.batch.future.done()}

    def outcome(self, handle: _RunHandle) -> RunResult:
        """The run's result; WorkerLost when the process running its task died."""
        batch = handle.batch
        if batch.results is None and batch.lost is None:
            try:
                batch.results = self._fetch_batch(batch.future)
            except WorkerLost as err:
                batch.lost = str(err)
            if batch.results:
                self._learn_run_time(batch.results)
        if batch.lost is not None:
            raise WorkerLost(batch.lost)
        return batch.results[handle.position]

    def _learn_run_time(self, results: list[RunResult]) -> None:
        """Runs per task from the runs seen so far: about ``task_target_s`` of running each."""
        seconds = [r.elapsed_s for r in results if r.status == "finished" and r.elapsed_s > 0]
        if not seconds:
            return
        self._run_seconds += sum(seconds)
        self._runs_seen += len(seconds)
        mean = max(self._run_seconds / self._runs_seen, 1e-6)
        self._runs_per_task = max(1, min(MAX_RUNS_PER_TASK, int(self.task_target_s / mean)))

    @abstractmethod
    def _send_batch(self, tasks: list[RunTask]) -> Any:
        """Start a task running ``tasks`` one after another; returns its future."""

    @abstractmethod
    def _wait_futures(self, futures: list[Any], timeout: float) -> None:
        """Return when one of the futures is done, or after ``timeout``."""

    @abstractmethod
    def _fetch_batch(self, future: Any) -> list[RunResult]:
        """The done task's results, in order; WorkerLost when its process died."""

    @abstractmethod
    def cancel(self) -> None: ...

    @abstractmethod
    def close(self) -> None: ...


# Imported once by the fork server (when it starts: the first pool of the process), so that
# the workers of every pool are forked with the models imported and warmed up.
FORK_SERVER_PRELOAD = ["farm_gui.experiments.fork_server_warm_up"]
_more_preload: list[str] = []


def preload_in_fork_server(module: str) -> None:
    """Have the fork server import ``module`` too when it starts (the window's runs are
    forked from it: runtime/run_process.py)."""
    if module not in _more_preload:
        _more_preload.append(module)


def start_context():
    if not sys.platform.startswith("linux"):
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([*FORK_SERVER_PRELOAD, *_more_preload])
    return ctx


def start_fork_server() -> None:
    """Start the local pool's fork server now rather than with the first experiment: it
    imports and warms up every model (~2 s here), which the window does while its New
    Experiment dialog is open. A first experiment of 4 short runs gave its first result
    1.9-2.1 s after its start without, 0.10-0.13 s with the server started beforehand.
    Nothing to do where workers are spawned (not Linux) or the server already runs."""
    if start_context().get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


# A task's results are ~48 KB a short default-preset run (its metrics, step by step), ~380 KB
# a task of 8; a pipe holds 64 KB, so the worker waited for the owning process to read the
# rest before it could start its next task: ~1.5 ms between tasks, ~1 ms with 1 MB.
RESULT_PIPE_BYTES = 2**20


def _enlarge_result_pipe(pool: cf.ProcessPoolExecutor) -> None:
    """Let a task's results fit in the pipe that brings them back (Linux; the pool's pipe is
    not public, so anything unexpected leaves the default)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import fcntl

        fcntl.fcntl(pool._result_queue._writer.fileno(), fcntl.F_SETPIPE_SZ, RESULT_PIPE_BYTES)
    except (AttributeError, OSError, ValueError):
        log.debug("could not enlarge the result pipe of the experiment pool", exc_info=True)


class LocalPoolBackend(Backend):
    """``concurrent.futures.ProcessPoolExecutor``; as many workers as cores by default."""

    def __init__(self, workers: int | None = None):
        super().__init__()
        self._n = max(1, int(workers or os.cpu_count() or 1))
        self.label = f"local:{self._n}"
        self._ctx = start_context()
        self._cancel = self._ctx.Event()
        self._pool: cf.ProcessPoolExecutor | None = None
        self._models: tuple[str, ...] = ()
        self._preload: tuple[str, ...] = ()

    @property
    def workers(self) -> int:
        return self._n

    def start(self, models: Iterable[str], preload: Iterable[str] = ()) -> None:
        from .worker import init_pool_worker

        self._models, self._preload = tuple(models), tuple(preload)
        self._pool = cf.ProcessPoolExecutor(
            max_workers=self._n, mp_context=self._ctx, initializer=init_pool_worker,
            initargs=(self._models, self._preload, self._cancel))
        _enlarge_result_pipe(self._pool)
        # The pool starts a worker only when a task needs one: started now, while the
        # dispatcher reads the plan, they are ready for its first tasks.
        for _ in range(self._n):
            self._pool.submit(os.getpid)

    def _send_batch(self, tasks: list[RunTask]) -> cf.Future:
        from .worker import execute_in_pool

        if self._pool is None:
            self.start(self._models, self._preload)
        try:
            return self._pool.submit(execute_in_pool, tasks)
        except cf.process.BrokenProcessPool:  # a worker died: start a fresh pool
            self._restart()
            return self._pool.submit(execute_in_pool, tasks)

    def _restart(self) -> None:
        log.warning("a worker process of the experiment pool died; starting a new pool")
        old = self._pool
        self._pool = None
        if old is not None:
            old.shutdown(wait=False, cancel_futures=True)
        self.start(self._models, self._preload)

    def _wait_futures(self, futures: list[cf.Future], timeout: float) -> None:
        cf.wait(futures, timeout=timeout, return_when=cf.FIRST_COMPLETED)

    def _fetch_batch(self, future: cf.Future) -> list[RunResult]:
        try:
            return future.result()
        except (cf.process.BrokenProcessPool, cf.CancelledError) as err:
            if self._pool is not None and getattr(self._pool, "_broken", False):
                self._restart()
            raise WorkerLost(f"the worker process running it stopped ({type(err).__name__})") from None

    def cancel(self) -> None:
        self._cancel.set()

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for p in processes:  # runs check the cancel flag every 0.25 s; a stuck one is ended
            p.join(timeout=1.5)
            if p.is_alive():
                p.terminate()


# A LocalCluster's workers run one long task at a time: the statistical profiler (a stack
# sample every 10 ms, each taking the GIL from the run) and the event-loop tick (every
# 20 ms) only take time from the runs; memory is checked every second. Each worker's event
# loop thread ~7 -> ~3.5 % of a core (2 workers on 2 cores, 1k-preset runs).
LOCAL_CLUSTER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "500ms",
    "distributed.worker.memory.monitor-interval": "1s",
}


class DaskBackend(Backend):
    """Dask distributed: ``address`` of a running scheduler, or None for a ``LocalCluster``
    of ``workers`` single-threaded worker processes. A task whose worker dies is
    rescheduled by Dask on another worker (up to its ``allowed-failures``), then its runs
    are reported as ``WorkerLost``."""

    task_target_s = DASK_TASK_TARGET_S

    def __init__(self, address: str | None = None, workers: int | None = None):
        super().__init__()
        self.address = address
        self._n_local = max(1, int(workers or os.cpu_count() or 1))
        self.label = f"dask:{address}" if address else f"dask-local:{self._n_local}"
        self._client = None
        self._cluster = None
        self._event_name = f"farm-gui-cancel-{uuid.uuid4().hex}"
        self._event = None
        self._prefix = f"farm-gui-run-{uuid.uuid4().hex[:12]}"
        self._workers_known: tuple[float, int] | None = None  # (when asked, how many)

    @property
    def workers(self) -> int:
        """The scheduler's workers, asked at most every WORKERS_TTL_S: each question is a
        round trip that lists every worker, and the dispatcher asks before each submission
        (a LocalCluster of 2: the owning process's Dask event loop ~17 -> ~14 % of a core)."""
        if self._client is None:
            return self._n_local
        now = time.monotonic()
        if self._workers_known is None or now - self._workers_known[0] >= WORKERS_TTL_S:
            try:
                count = max(1, len(self._client.scheduler_info().get("workers", {})))
            except Exception:  # noqa: BLE001
                count = 1
            self._workers_known = (now, count)
        return self._workers_known[1]

    def start(self, models: Iterable[str], preload: Iterable[str] = ()) -> None:
        try:
            import dask
            from distributed import Client, Event, LocalCluster
        except ImportError as err:
            raise BackendError(f"the Dask backend needs dask[distributed] ({err})") from None
        from .dask_plugin import WarmUp

        try:
            if self.address:
                self._client = Client(self.address, timeout="10s")
            else:
                with dask.config.set(LOCAL_CLUSTER_CONFIG):
                    self._cluster = LocalCluster(n_workers=self._n_local, threads_per_worker=1,
                                                 processes=True, dashboard_address=None)
                self._client = Client(self._cluster)
        except (OSError, TimeoutError) as err:
            self.close()
            raise BackendError(f"cannot reach the Dask scheduler at {self.address}: {err}") from None
        self._client.register_plugin(WarmUp(tuple(models), tuple(preload)), name="farm-gui-warm-up")
        self._event = Event(self._event_name, client=self._client)

    def _send_batch(self, tasks: list[RunTask]):
        from .dask_plugin import execute_on_dask

        return self._client.submit(execute_on_dask, tasks, self._event_name, pure=False,
                                   key=f"{self._prefix}-{tasks[0].index}-{uuid.uuid4().hex[:6]}")

    def _wait_futures(self, futures: list, timeout: float) -> None:
        from distributed import wait
        from distributed.client import FIRST_COMPLETED

        with contextlib.suppress(TimeoutError):  # nothing done yet
            wait(futures, timeout=timeout, return_when=FIRST_COMPLETED)

    def _fetch_batch(self, future) -> list[RunResult]:
        from distributed import KilledWorker

        try:
            return future.result()
        except KilledWorker as err:
            raise WorkerLost(f"Dask workers running it died ({err})") from None
        except Exception as err:  # noqa: BLE001 - the task itself never raises; this is transport
            raise WorkerLost(f"{type(err).__name__}: {err}") from None
        finally:
            future.release()

    def cancel(self) -> None:
        if self._event is not None:
            try:
                self._event.set()
            except Exception:  # noqa: BLE001
                log.warning("could not tell the Dask workers to stop", exc_info=True)

    def close(self) -> None:
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        for thing in (client, cluster):
            if thing is not None:
                try:
                    thing.close()
                except Exception:  # noqa: BLE001
                    log.warning("closing the Dask %s failed", type(thing).__name__, exc_info=True)


def make_backend(workers: int | None = None, scheduler: str | None = None, dask: bool = False) -> Backend:
    """The backend the options ask for: a scheduler address (or ``dask``) -> Dask, else the pool."""
    if scheduler or dask:
        return DaskBackend(scheduler, workers)
    return LocalPoolBackend(workers)
