"""One control and one job template for every piece of background work: a run, an
analysis, an experiment. Qt-free (threading only): the command line drives the same
controls from its main thread and signal handlers, and the window runs jobs on a
QThreadPool through the thin adapter in ``farm_gui.runtime.jobs``.

- ``JobControl`` is shared by the thread that controls the work (the GUI, a signal
  handler) and the thread doing it. The controller pauses, resumes, single-steps, limits
  the speed or stops; the worker asks ``wait_until_runnable`` (a run, before each step),
  ``checkpoint`` (cooperative work such as an analysis, between chunks: it also records
  progress and reports it at most ~30 times a second) or ``wait`` (a dispatcher that polls).
- ``Job`` is the template every worker follows: report "running", do the work, turn a
  stop into "stopped" and an error into "failed" with its message, always wrap up and
  report the final status.
- ``SlotSemaphore`` caps how many jobs of a kind run at once (resizable while held).
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

# At most ~30 progress reports per second per job: more would flood the GUI queue.
PROGRESS_INTERVAL_S = 1 / 30


class Stopped(Exception):
    """Raised from ``JobControl.checkpoint`` when the controller asked the work to stop."""


class JobControl:
    """Pause / resume / single step / speed / stop, plus progress for cooperative work."""

    def __init__(self, on_progress: Callable[[float, str], None] | None = None,
                 on_state: Callable[[str], None] | None = None,
                 min_interval_s: float = PROGRESS_INTERVAL_S) -> None:
        """``on_progress(fraction, message)`` and ``on_state("paused" / "running")`` are
        called from the worker's thread by ``checkpoint``."""
        # Reentrant: the CLI calls stop() from a signal handler, which runs in the thread
        # that drives the work and may interrupt it inside one of these critical
        # sections; with a plain Lock that handler deadlocked the process.
        self._cond = threading.Condition(threading.RLock())
        self._paused = False
        self._stopped = False
        self._step_tokens = 0
        self._speed: float | None = None
        self._fraction = 0.0
        self._message = ""
        self._last_report = float("-inf")
        self._min_interval = min_interval_s
        self.on_progress = on_progress
        self.on_state = on_state
        self._listeners: list[Callable[..., None]] = []

    def add_listener(self, listener: Callable[..., None]) -> None:
        """Call ``listener(op, *args)`` after every command given from now on (``op``:
        pause, resume, stop, step_once or set_speed, the method's name): a run in another
        process follows this control that way."""
        with self._cond:
            self._listeners.append(listener)

    def remove_listener(self, listener: Callable[..., None]) -> None:
        with self._cond:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def _tell(self, op: str, *args: Any) -> None:
        for listener in self._listeners:
            listener(op, *args)

    # ----- controller side --------------------------------------------------------------
    def pause(self) -> None:
        with self._cond:
            self._paused = True
            self._cond.notify_all()
            self._tell("pause")

    def resume(self) -> None:
        with self._cond:
            self._paused = False
            self._step_tokens = 0
            self._cond.notify_all()
            self._tell("resume")

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
            self._tell("stop")

    def step_once(self) -> None:
        """When paused: let exactly one more step (or chunk) through, then stay paused."""
        with self._cond:
            if self._paused:
                self._step_tokens += 1
                self._cond.notify_all()
                self._tell("step_once")

    def set_speed(self, steps_per_s: float | None) -> None:
        """Limit the work to `steps_per_s` (None or <= 0: as fast as possible)."""
        with self._cond:
            self._speed = steps_per_s if steps_per_s and steps_per_s > 0 else None
            self._cond.notify_all()
            self._tell("set_speed", self._speed)

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def stopped(self) -> bool:
        return self._stopped

    @property
    def speed(self) -> float | None:
        return self._speed

    @property
    def progress(self) -> tuple[float, str]:
        with self._cond:
            return self._fraction, self._message

    # ----- worker side ------------------------------------------------------------------
    def wait_until_runnable(self, on_pause: Callable[[], None], on_resume: Callable[[], None]) -> bool:
        """Block while paused (without a step token). Returns False if stopped. Calls
        on_pause when the worker starts waiting and on_resume when it leaves a real
        resume (not a single step)."""
        if not self._paused and not self._stopped:  # a run's every step: no lock while running
            return True
        with self._cond:
            if not self._paused or self._stopped:
                return not self._stopped
            if self._step_tokens:
                self._step_tokens -= 1
                return True
        on_pause()
        with self._cond:
            while self._paused and not self._stopped and not self._step_tokens:
                self._cond.wait()
            if self._stopped:
                return False
            if self._paused:
                self._step_tokens -= 1
                return True
        on_resume()
        return True

    def pace(self, step_started: float) -> None:
        """Sleep out the rest of this step's time slot at the current speed limit; wakes
        early on stop, pause or a speed change."""
        with self._cond:
            while self._speed and not self._stopped and not self._paused:
                remaining = step_started + 1.0 / self._speed - time.perf_counter()
                if remaining <= 0:
                    return
                self._cond.wait(remaining)

    def wait(self, timeout_s: float) -> None:
        """Sleep up to ``timeout_s``; wakes early at a pause, resume, step, speed change or stop."""
        with self._cond:
            self._cond.wait(timeout_s)

    def checkpoint(self, fraction: float, message: str = "") -> None:
        """Record progress (0..1, never backwards); block while paused; raise Stopped
        when stopped. Reports "paused" / "running" and (throttled) progress."""
        if not self.wait_until_runnable(lambda: self._report_state("paused"),
                                        lambda: self._report_state("running")):
            raise Stopped()
        now = time.monotonic()
        with self._cond:
            self._fraction = max(self._fraction, min(max(float(fraction), 0.0), 1.0))
            self._message = message or self._message
            due = now - self._last_report >= self._min_interval or self._fraction >= 1.0
            if due:
                self._last_report = now
            fraction, message = self._fraction, self._message
        if due and self.on_progress is not None:
            self.on_progress(fraction, message)

    def _report_state(self, state: str) -> None:
        if self.on_state is not None:
            self.on_state(state)


class Job(ABC):
    """One piece of background work. ``run()`` is the template (call it on the thread
    that does the work); a kind of job overrides ``work()`` and, if it needs to,
    ``wrap_up()`` and ``failure_message()``.

    ``signals``: whoever listens, an object with ``state_changed(job_id, state)``,
    ``progress(job_id, fraction, message)`` and ``finished(job_id, status)`` emitters
    (``.emit``), e.g. ``farm_gui.runtime.jobs.JobSignals``; None: nobody (read
    ``status`` / ``error`` / ``done`` instead). The job's control reports a
    checkpoint's progress and pauses there.
    """

    announces_running = True  # False: work() reports "running" itself (a run, once it has started)

    def __init__(self, job_id: int, control: JobControl | None = None, signals: Any = None):
        self.job_id = job_id
        self.control = control if control is not None else JobControl()
        self.signals = signals
        self.status: str | None = None
        self.error: str | None = None
        self.done = threading.Event()
        if signals is not None:
            self.control.on_progress = self.report_progress
            self.control.on_state = self.report_state

    @abstractmethod
    def work(self) -> str:
        """Do the work (checking the control); return the final status. Raising Stopped
        ends the job "stopped", any other exception "failed"."""
        ...

    def wrap_up(self) -> None:  # noqa: B027 (an optional hook, empty by default)
        """Always called after the work, before the job is done (record, release, let go
        of what is big). May change ``status`` / ``error``."""

    def failure_message(self, err: Exception) -> str:
        """What the user reads about an error the work raised (called in the except block)."""
        log.exception("%s %s failed", type(self).__name__, self.job_id)
        return f"{type(err).__name__}: {err}"

    def run(self) -> None:
        try:
            if self.announces_running:
                self.report_state("running")
            self.status = self.work()
        except Stopped:
            self.status = "stopped"
        except Exception as err:
            self.status, self.error = "failed", self.failure_message(err)
        finally:
            if self.status is None:  # interrupted by a BaseException, which goes on up
                self.status = "failed"
            try:
                self.wrap_up()
            except Exception:
                log.exception("%s %s: wrapping up failed", type(self).__name__, self.job_id)
            self.done.set()
            self._emit("finished", self.status)

    def report_state(self, state: str) -> None:
        self._emit("state_changed", state)

    def report_progress(self, fraction: float, message: str) -> None:
        self._emit("progress", fraction, message)

    def _emit(self, name: str, *args: Any) -> None:
        if self.signals is None:
            return
        try:
            getattr(self.signals, name).emit(self.job_id, *args)
        except RuntimeError:  # the window (and its signals object) is already gone
            log.debug("job %s: %s%s not delivered, receiver deleted", self.job_id, name, args)


class SlotSemaphore:
    """A counting semaphore whose capacity can change while slots are held."""

    def __init__(self, capacity: int):
        self._lock = threading.Lock()
        self._capacity = max(1, int(capacity))
        self._in_use = 0

    def try_acquire(self) -> bool:
        with self._lock:
            if self._in_use >= self._capacity:
                return False
            self._in_use += 1
            return True

    def release(self) -> None:
        with self._lock:
            if self._in_use <= 0:
                raise RuntimeError("slot released more often than acquired")
            self._in_use -= 1

    def set_capacity(self, capacity: int) -> None:
        with self._lock:
            self._capacity = max(1, int(capacity))

    @property
    def capacity(self) -> int:
        return self._capacity

    @property
    def in_use(self) -> int:
        return self._in_use

    @property
    def free(self) -> int:
        with self._lock:
            return max(self._capacity - self._in_use, 0)
