"""Background analyses: each job is an ``AnalysisWorker`` (the job template of
``farm_gui.core.jobs``) on the manager's own QThreadPool;
a semaphore caps how many run at once and the rest wait, queued, in the manager
(not in pool threads). Workers report progress through their JobControl, which
throttles it to ~30 signals a second; state changes are signalled as they happen.
Every job that ends (finished, stopped, failed) is recorded in the store, so the
list and finished results reopen with the workspace.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal, Slot

from farm_gui.analysis import (
    AnalysisError,
    AnalysisResult,
    get_module,
    load_result,
    result_to_json,
    run_analysis,
    store_sources,
)
from farm_gui.core.jobs import Job, JobControl, SlotSemaphore
from farm_gui.runtime.gil_switching import fine_gil_switching
from farm_gui.runtime.jobs import JobSignals, start_job
from farm_gui.thread_priority import lower_this_thread_priority

log = logging.getLogger(__name__)

DEFAULT_MAX_CONCURRENT = 4
WAITING = ("queued", "held")  # held: paused before it started
ACTIVE = ("running", "paused")
FINAL = ("finished", "stopped", "failed")


def _now() -> datetime:
    return datetime.now().astimezone()


@dataclass
class AnalysisJob:
    id: int
    module: str
    run_ids: list[int]
    params: dict[str, Any]
    status: str = "queued"
    progress: float = 0.0
    message: str = ""
    error: str | None = None
    analysis_id: int | None = None  # row in the store once recorded
    queued_at: datetime = field(default_factory=_now)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    result: AnalysisResult | None = None
    control: JobControl | None = None
    _started_mono: float | None = None
    _finished_mono: float | None = None

    @property
    def run_seconds(self) -> float | None:
        if self._started_mono is not None:
            return (self._finished_mono or time.monotonic()) - self._started_mono
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None

    @property
    def final(self) -> bool:
        return self.status in FINAL


class AnalysisWorker(Job):
    """An analysis as a job (same id as its AnalysisJob); holds one of the manager's slots
    until it is done."""

    def __init__(self, job: AnalysisJob, store: Any, signals: JobSignals, slots: SlotSemaphore):
        super().__init__(job.id, job.control, signals)
        self.job = job
        self.store = store
        self.slots = slots
        self.result: AnalysisResult | None = None
        self.analysis_id: int | None = None
        self.started_at = _now()
        self.finished_at: datetime | None = None

    def work(self) -> str:
        job = self.job
        lower_this_thread_priority()  # an analysis is background work: runs and the window first
        self.started_at = _now()
        with fine_gil_switching():
            self.result = run_analysis(job.module, store_sources(self.store, job.run_ids), job.params,
                                       self.control)
        return "finished"

    def failure_message(self, err: Exception) -> str:
        if isinstance(err, AnalysisError):  # bad input: its own words, no traceback in the log
            return str(err)
        return super().failure_message(err)

    def wrap_up(self) -> None:
        """Record the job in the store (whatever its end), then give its slot back."""
        job = self.job
        self.finished_at = _now()
        try:
            payload = result_to_json(self.result) if self.result is not None else None
            params = self.result.params if self.result is not None else job.params
            self.analysis_id = self.store.save_analysis(job.module, job.run_ids, params, self.status, payload,
                                                        self.error, self.started_at, self.finished_at)
        except Exception as err:
            log.exception("could not record analysis job %s", job.id)
            if self.status == "finished":
                self.status, self.error = "failed", f"result could not be saved: {err}"
        finally:
            self.slots.release()


class AnalysisJobManager(QObject):
    """Queue, run and control analyses over the runs of one store (GUI thread API)."""

    job_added = Signal(int)  # job id
    job_changed = Signal(int)  # status, progress or timings of a job changed
    counts_changed = Signal()

    def __init__(self, store: Any, max_concurrent: int = DEFAULT_MAX_CONCURRENT,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.store = store
        self._slots = SlotSemaphore(max_concurrent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(self._slots.capacity)
        self._lock = threading.Lock()  # guards the job map and queue (read from other threads in tests)
        self._jobs: dict[int, AnalysisJob] = {}
        self._queue: list[int] = []
        self._workers: dict[int, AnalysisWorker] = {}
        self._next_id = 1
        self._signals = JobSignals(self)
        self._signals.progress.connect(self._on_progress)
        self._signals.state_changed.connect(self._on_state)
        self._signals.finished.connect(self._on_finished)

    # ----- settings and queries ----------------------------------------------------------
    @property
    def max_concurrent(self) -> int:
        return self._slots.capacity

    def set_max_concurrent(self, n: int) -> None:
        self._slots.set_capacity(n)
        self._pool.setMaxThreadCount(max(self._slots.capacity, 1))
        self._dispatch()
        self.counts_changed.emit()

    def jobs(self) -> list[AnalysisJob]:
        with self._lock:
            return list(self._jobs.values())

    def job(self, job_id: int) -> AnalysisJob:
        with self._lock:
            return self._jobs[job_id]

    def counts(self) -> dict[str, int]:
        with self._lock:
            jobs = list(self._jobs.values())
        return {
            "running": sum(j.status in ACTIVE for j in jobs),
            "queued": sum(j.status in WAITING for j in jobs),
            "free": self._slots.free,
        }

    def result(self, job_id: int) -> AnalysisResult | None:
        """The job's result, read back from the store for jobs reopened from it."""
        job = self.job(job_id)
        if job.result is None and job.status == "finished" and job.analysis_id is not None:
            job.result = load_result(self.store, job.analysis_id)
        return job.result

    # ----- submitting and controlling -----------------------------------------------------
    def submit(self, module: str, run_ids: list[int], params: dict[str, Any] | None = None) -> int:
        """Queue an analysis; bad module names or parameters raise AnalysisError now."""
        spec = get_module(module)
        spec.parse_params(params)
        if len(run_ids) < spec.min_runs:
            raise AnalysisError(f"module {module!r} needs at least {spec.min_runs} runs, got {len(run_ids)}")
        with self._lock:
            job_id = self._next_id
            self._next_id += 1
            job = AnalysisJob(job_id, module, [int(r) for r in run_ids], dict(params or {}))
            self._jobs[job_id] = job
            self._queue.append(job_id)
        job.control = JobControl()  # its worker reports the control's progress and pauses
        self.job_added.emit(job_id)
        self._dispatch()
        self.counts_changed.emit()
        return job_id

    def pause(self, job_id: int) -> None:
        job = self.job(job_id)
        if job.status == "queued":
            job.status = "held"
            self._changed(job_id)
        elif job.status == "running" and job.control is not None:
            job.control.pause()

    def resume(self, job_id: int) -> None:
        job = self.job(job_id)
        if job.status == "held":
            job.status = "queued"
            self._changed(job_id)
            self._dispatch()
        elif job.status in ACTIVE and job.control is not None:
            job.control.resume()

    def stop(self, job_id: int) -> None:
        job = self.job(job_id)
        if job.status in WAITING:
            with self._lock:
                if job_id in self._queue:
                    self._queue.remove(job_id)
            job.status, job.finished_at = "stopped", _now()
            self._changed(job_id)
        elif job.status in ACTIVE and job.control is not None:
            job.control.stop()

    def stop_all(self) -> None:
        for job in self.jobs():
            if not job.final:
                self.stop(job.id)

    def wait(self, timeout_s: float) -> bool:
        """Block until every started worker has returned (for shutdown and tests)."""
        return self._pool.waitForDone(int(timeout_s * 1000))

    def shutdown(self, timeout_s: float = 5.0) -> bool:
        self.stop_all()
        return self.wait(timeout_s)

    def load_history(self) -> int:
        """Add the analyses recorded in the store (newest last); returns how many were added.
        Reads the store in the calling thread: the window reads it off the GUI thread and
        hands the list to ``add_history``."""
        return self.add_history(self.store.list_analyses())

    def add_history(self, infos: list[Any]) -> int:
        """Add stored analyses (``AnalysisInfo``, newest first) not shown yet."""
        known = {j.analysis_id for j in self.jobs() if j.analysis_id is not None}
        added = []
        for info in reversed(infos):
            if info.id in known:
                continue
            with self._lock:
                job_id = self._next_id
                self._next_id += 1
                job = AnalysisJob(job_id, info.module, list(info.run_ids), dict(info.params),
                                  status=info.status, progress=1.0 if info.status == "finished" else 0.0,
                                  error=info.error, analysis_id=info.id, queued_at=info.created_at,
                                  started_at=info.started_at, finished_at=info.finished_at)
                self._jobs[job_id] = job
            added.append(job_id)
        for job_id in added:
            self.job_added.emit(job_id)
        if added:
            self.counts_changed.emit()
        return len(added)

    def forget_stored(self, analysis_ids: list[int]) -> list[int]:
        """Drop the ended jobs whose stored analyses were deleted; returns their job ids."""
        gone = set(analysis_ids)
        with self._lock:
            jobs = [j.id for j in self._jobs.values() if j.final and j.analysis_id in gone]
            for job_id in jobs:
                del self._jobs[job_id]
        if jobs:
            self.counts_changed.emit()
        return jobs

    def runs_in_use(self) -> set[int]:
        """Runs that a queued, held, running or paused job reads."""
        return {r for j in self.jobs() if not j.final for r in j.run_ids}

    # ----- internals (GUI thread) ---------------------------------------------------------
    def _changed(self, job_id: int) -> None:
        self.job_changed.emit(job_id)
        self.counts_changed.emit()

    def _dispatch(self) -> None:
        while True:
            with self._lock:
                ready = [jid for jid in self._queue if self._jobs[jid].status == "queued"]
            if not ready or not self._slots.try_acquire():
                return
            job = self.job(ready[0])
            with self._lock:
                self._queue.remove(job.id)
            job.status = "running"
            job.started_at = _now()
            job._started_mono = time.monotonic()
            worker = AnalysisWorker(job, self.store, self._signals, self._slots)
            self._workers[job.id] = worker
            start_job(self._pool, worker)
            self._changed(job.id)

    @Slot(int, float, str)
    def _on_progress(self, job_id: int, fraction: float, message: str) -> None:
        job = self.job(job_id)
        if job.final:
            return
        job.progress = max(job.progress, fraction)
        job.message = message
        self.job_changed.emit(job_id)

    @Slot(int, str)
    def _on_state(self, job_id: int, state: str) -> None:
        job = self.job(job_id)
        if not job.final and state in ACTIVE:
            job.status = state
            self._changed(job_id)

    @Slot(int, str)
    def _on_finished(self, job_id: int, status: str) -> None:
        worker = self._workers.pop(job_id)
        job = self.job(job_id)
        job.status, job.error = status, worker.error
        job.result, job.analysis_id = worker.result, worker.analysis_id
        job.started_at, job.finished_at = worker.started_at, worker.finished_at
        job._finished_mono = time.monotonic()
        if job.status == "finished":
            job.progress, job.message = 1.0, "done"
        self._changed(job_id)
        self._dispatch()
