"""What runs inside a worker process (a local pool's or a Dask worker's): warm-up once per
process (imports, numba kernels loaded from their cache by a tiny run of each model), then
one ``RunTask`` at a time through ``farm_gui.core.headless.run_engine``. No database.

Workers see the models of the ``farm_gui.models`` entry points; ``preload`` names extra
modules to import first (a test's or notebook's module that calls ``registry.register``).
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable

import numpy as np

from farm_gui.core.headless import run_engine
from farm_gui.core.registry import get_model
from farm_gui.core.results import RunResult
from farm_gui.thread_priority import lower_this_thread_priority

from .plan import RunTask

log = logging.getLogger(__name__)

_cancelled: Callable[[], bool] | None = None  # set in each worker process
_warmed: set[str] = set()


def preload_modules(names: Iterable[str]) -> None:
    for name in names:
        importlib.import_module(name)


def warm_up(models: Iterable[str]) -> float:
    """Two-step runs of each model's default preset, in blocks, step by step (a run with a
    stop condition) and keeping the world, so that the numba kernels of each are compiled
    or loaded once per process, not once per run; returns the seconds it took."""
    started = time.perf_counter()
    for name in models:
        if name in _warmed:
            continue
        try:
            spec = get_model(name)
            params = spec.preset("default").model_copy(update={"simulation_steps": 2, "snapshot_every": 0})
            run_engine(spec, params, 1, 2)
            run_engine(spec, params, 1, 2, stop=lambda _metrics: False)  # one step at a time too
            run_engine(spec, params, 1, 2, keep_every=1)  # and the world kept (a window's run shows it)
        except Exception:  # noqa: BLE001 - a failing warm-up shows again, clearly, in the run itself
            log.warning("warming up model %s failed", name, exc_info=True)
        _warmed.add(name)
    return time.perf_counter() - started


WORKER_NICENESS = 10


def exit_with_the_owner() -> None:
    """End this worker as soon as the process that owns the pool has ended, however it
    ended. A pool's worker waits on its task queue, of which it holds both ends itself: an
    owner killed (kill -9, out of memory, a crash) left its workers, and through them the
    fork server, waiting for ever (~170 MB each)."""
    owner = multiprocessing.parent_process()  # of a fork server's child: the process that asked for it
    if owner is None:
        return

    def watch() -> None:
        owner.join()
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-the-owner", daemon=True).start()


def init_pool_worker(models: tuple[str, ...], preload: tuple[str, ...], cancel_event) -> None:
    """ProcessPoolExecutor initializer: Ctrl-C goes to the owning process only (it stops the
    experiment and tells the workers through ``cancel_event``). The workers run nicer than
    the owning process: with as many workers as cores, the window's GUI thread and the
    thread that writes results waited for a core (up to ~140 ms late); a free core is still
    all the workers', so an experiment alone runs as fast."""
    global _cancelled
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    exit_with_the_owner()
    lower_this_thread_priority(WORKER_NICENESS)
    _cancelled = cancel_event.is_set
    preload_modules(preload)
    warm_up(models)


def _not_run(task: RunTask, status: str, error: str | None = None) -> RunResult:
    try:
        version = get_model(task.model).version
    except Exception:  # noqa: BLE001
        version = ""
    return RunResult(model=task.model, model_version=version, seed=task.seed,
                     metrics={"step": np.arange(0, dtype=np.int64)}, status=status, error=error)


def _failed(task: RunTask, error: str) -> RunResult:
    return _not_run(task, "failed", error)


def stopped(task: RunTask) -> RunResult:
    """The result of a run the experiment was cancelled before it started."""
    return _not_run(task, "stopped")


def execute(task: RunTask, cancelled: Callable[[], bool] | None = None) -> RunResult:
    """Run one task; never raises for a failing model (the result says failed)."""
    try:
        spec = get_model(task.model)
        params = spec.parameters.model_validate(task.params)
    except Exception as err:  # noqa: BLE001 - recorded with the run
        return _failed(task, f"{type(err).__name__}: {err}")
    warm_up((task.model,))
    return run_engine(spec, params, task.seed, task.steps, task.keep_every, task.stop,
                      cancelled=cancelled or _cancelled)


def execute_tasks(tasks: list[RunTask], cancelled: Callable[[], bool] | None = None) -> list[RunResult]:
    """One task of a backend: the runs one after another; once the experiment is cancelled,
    the rest come back "stopped" without running (they stay queued, as a run stopped
    midway does)."""
    cancelled = cancelled or _cancelled
    return [stopped(task) if cancelled is not None and cancelled() else execute(task, cancelled)
            for task in tasks]


def execute_in_pool(tasks: list[RunTask]) -> list[RunResult]:
    return execute_tasks(tasks)
