"""Qt side of the job template (``farm_gui.core.jobs``): one signals object and one
QRunnable for every kind of job the window puts on a QThreadPool (runs, analyses).

Workers never emit per unit of work: a job reports state changes (human speed), progress
throttled by its control (~30 a second at most) and its end.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from farm_gui.core.jobs import Job

# Every runnable ever started stays referenced for the life of the process: QThreadPool
# still touches a runnable after its run() returns, so one garbage-collected with its
# window right after finishing would be a use-after-free. A runnable lets go of its job
# when the job returns, so what is kept is tiny.
_RETAINED: list[QRunnable] = []


class JobSignals(QObject):
    """Lives in the GUI thread (owned by whoever listens); emitted from worker threads,
    so connected slots run queued in the GUI thread."""

    state_changed = Signal(int, str)  # job id, "running" / "paused" (a run also reports its final status)
    progress = Signal(int, float, str)  # job id, fraction 0..1, message
    finished = Signal(int, str)  # job id, final status


class JobRunnable(QRunnable):
    """Runs one Job on a pool thread (QRunnable is not a QObject: the job reports through
    its separate ``JobSignals``)."""

    def __init__(self, job: Job):
        super().__init__()
        self.setAutoDelete(False)  # _RETAINED keeps it
        self.job: Job | None = job

    def run(self) -> None:
        job, self.job = self.job, None
        if job is not None:
            job.run()


def start_job(pool: QThreadPool, job: Job) -> None:
    """Put ``job`` on ``pool``; keep a reference to the job until it is done (its
    ``done`` event) if you need its results."""
    runnable = JobRunnable(job)
    _RETAINED.append(runnable)
    pool.start(runnable)
