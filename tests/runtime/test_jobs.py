"""The job template every background worker follows (farm_gui.core.jobs), run the way the
window runs it: on a QThreadPool, reporting through JobSignals to slots in the GUI thread."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QObject, QThreadPool, Slot

from farm_gui.core.jobs import Job, JobControl, Stopped
from farm_gui.runtime.jobs import JobSignals, start_job

WAIT_MS = 10_000


class Recorder(QObject):
    """What the GUI thread hears from the jobs, in order."""

    def __init__(self, signals: JobSignals):
        super().__init__()
        self.states: list[tuple[int, str]] = []
        self.progress: list[tuple[int, float, str]] = []
        self.finished: list[tuple[int, str]] = []
        self.threads: set[int] = set()
        signals.state_changed.connect(self.on_state)
        signals.progress.connect(self.on_progress)
        signals.finished.connect(self.on_finished)

    @Slot(int, str)
    def on_state(self, job_id: int, state: str) -> None:
        self.threads.add(threading.get_ident())
        self.states.append((job_id, state))

    @Slot(int, float, str)
    def on_progress(self, job_id: int, fraction: float, message: str) -> None:
        self.progress.append((job_id, fraction, message))

    @Slot(int, str)
    def on_finished(self, job_id: int, status: str) -> None:
        self.threads.add(threading.get_ident())
        self.finished.append((job_id, status))


class Raises(Job):
    def __init__(self, job_id, signals):
        super().__init__(job_id, signals=signals)
        self.wrapped_up = False

    def work(self) -> str:
        raise ValueError("the data ran out at row 12")

    def wrap_up(self) -> None:
        self.wrapped_up = True


class Chunks(Job):
    """Cooperative work: n chunks, a checkpoint after each."""

    def __init__(self, job_id, signals, n: int, gate: threading.Event | None = None):
        super().__init__(job_id, JobControl(min_interval_s=0.0), signals)
        self.n, self.gate, self.done_chunks = n, gate, 0

    def work(self) -> str:
        for i in range(self.n):
            if self.gate is not None:
                self.gate.wait(WAIT_MS / 1000)
            self.done_chunks += 1
            self.control.checkpoint((i + 1) / self.n, f"chunk {i + 1}")
        return "finished"


@pytest.fixture
def pool(qtbot):
    pool = QThreadPool()
    yield pool
    assert pool.waitForDone(WAIT_MS)


@pytest.fixture
def signals(qtbot):
    return JobSignals()


def test_a_job_that_raises_ends_failed_with_its_message(qtbot, pool, signals):
    heard = Recorder(signals)
    job = Raises(7, signals)
    start_job(pool, job)
    qtbot.waitUntil(lambda: bool(heard.finished), timeout=WAIT_MS)
    assert heard.finished == [(7, "failed")]
    assert heard.states == [(7, "running")]
    assert job.status == "failed" and job.error == "ValueError: the data ran out at row 12"
    assert job.wrapped_up and job.done.is_set()
    assert heard.threads == {threading.get_ident()}  # delivered in the GUI thread


def test_progress_reaches_the_signal(qtbot, pool, signals):
    heard = Recorder(signals)
    job = Chunks(3, signals, n=4)
    start_job(pool, job)
    qtbot.waitUntil(lambda: bool(heard.finished), timeout=WAIT_MS)
    assert heard.finished == [(3, "finished")]
    assert heard.progress == [(3, 0.25, "chunk 1"), (3, 0.5, "chunk 2"), (3, 0.75, "chunk 3"),
                              (3, 1.0, "chunk 4")]
    assert job.control.progress == (1.0, "chunk 4")


def test_progress_is_throttled_but_the_end_always_reported():
    reports = []
    control = JobControl(on_progress=lambda f, m: reports.append(f), min_interval_s=3600)
    for i in range(1, 101):
        control.checkpoint(i / 100)
    assert reports == [0.01, 1.0]


def test_stop_while_paused_ends_stopped(qtbot, pool, signals):
    heard = Recorder(signals)
    gate = threading.Event()
    job = Chunks(5, signals, n=1000, gate=gate)
    start_job(pool, job)
    qtbot.waitUntil(lambda: heard.states == [(5, "running")], timeout=WAIT_MS)
    job.control.pause()
    gate.set()
    qtbot.waitUntil(lambda: (5, "paused") in heard.states, timeout=WAIT_MS)
    chunks = job.done_chunks
    assert not job.done.wait(0.2) and job.done_chunks == chunks  # blocked at its checkpoint
    job.control.stop()
    qtbot.waitUntil(lambda: bool(heard.finished), timeout=WAIT_MS)
    assert heard.finished == [(5, "stopped")]
    assert job.status == "stopped" and job.error is None
    assert job.done_chunks == chunks
    assert (5, "running") not in heard.states[1:]  # stopped from the pause, not resumed


def test_pause_resume_reports_both_states(qtbot, pool, signals):
    heard = Recorder(signals)
    gate = threading.Event()
    job = Chunks(9, signals, n=50, gate=gate)
    job.control.pause()  # paused before it starts: waits at its first checkpoint
    start_job(pool, job)
    gate.set()
    qtbot.waitUntil(lambda: (9, "paused") in heard.states, timeout=WAIT_MS)
    job.control.resume()
    qtbot.waitUntil(lambda: bool(heard.finished), timeout=WAIT_MS)
    assert heard.states == [(9, "running"), (9, "paused"), (9, "running")]
    assert heard.finished == [(9, "finished")]


def test_a_job_without_listeners_keeps_its_end_for_whoever_polls():
    job = Raises(1, signals=None)
    job.run()  # on the caller's thread, as the experiments' job does on its own
    assert (job.status, job.error) == ("failed", "ValueError: the data ran out at row 12")
    assert job.done.is_set()


def test_checkpoint_after_stop_raises_stopped():
    control = JobControl()
    control.checkpoint(0.5)
    control.stop()
    with pytest.raises(Stopped):
        control.checkpoint(0.6)
    assert control.progress == (0.5, "")
