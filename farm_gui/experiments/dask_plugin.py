"""The Dask side of an experiment: a worker plugin that warms each worker up once (also
workers that join later), and the task function, which runs one or more runs and stops
when the experiment's cancel ``distributed.Event`` is set (asked at most every 0.5 s)."""

from __future__ import annotations

import time

from distributed.diagnostics.plugin import WorkerPlugin

from farm_gui.core.results import RunResult

from .plan import RunTask
from .worker import execute_tasks, preload_modules, warm_up

CHECK_EVERY_S = 0.5


class WarmUp(WorkerPlugin):
    def __init__(self, models: tuple[str, ...], preload: tuple[str, ...] = ()):
        self.models = models
        self.preload = preload

    def setup(self, worker) -> None:
        preload_modules(self.preload)
        warm_up(self.models)


def execute_on_dask(tasks: list[RunTask], event_name: str) -> list[RunResult]:
    from distributed import Event

    event = Event(event_name)
    last = [time.monotonic(), False]  # a run is not started only to ask the scheduler first

    def cancelled() -> bool:
        now = time.monotonic()
        if now - last[0] >= CHECK_EVERY_S:
            last[0] = now
            try:
                last[1] = bool(event.is_set())
            except Exception:  # noqa: BLE001 - the scheduler is gone: the result is not wanted either
                last[1] = True
        return last[1]

    return execute_tasks(tasks, cancelled)
