"""Qt-free controls for background analyses: the pause/resume/stop control a module
checks between chunks (with throttled progress reporting), and the resizable
counting semaphore that caps how many analyses run at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from farm_gui.analysis import Stopped
from farm_gui.runtime.control import PauseStopControl

# At most ~30 progress reports per second per job: more would flood the GUI queue.
PROGRESS_INTERVAL_S = 1 / 30


class JobControl(PauseStopControl):
    """Shared by the GUI thread (pause/resume/stop) and the worker (checkpoint)."""

    def __init__(self, on_progress: Callable[[float, str], None] | None = None,
                 on_state: Callable[[str], None] | None = None,
                 min_interval_s: float = PROGRESS_INTERVAL_S):
        super().__init__()
        self._fraction = 0.0
        self._message = ""
        self._last_report = float("-inf")
        self._on_progress = on_progress
        self._on_state = on_state
        self._min_interval = min_interval_s

    @property
    def progress(self) -> tuple[float, str]:
        with self._cond:
            return self._fraction, self._message

    # ----- worker side ----------------------------------------------------------------
    def checkpoint(self, fraction: float, message: str = "") -> None:
        """Record progress; block while paused; raise Stopped when stopped."""
        self._wait_if_paused()
        now = time.monotonic()
        with self._cond:
            self._fraction = max(self._fraction, min(max(float(fraction), 0.0), 1.0))
            self._message = message or self._message
            due = now - self._last_report >= self._min_interval or self._fraction >= 1.0
            if due:
                self._last_report = now
            fraction, message = self._fraction, self._message
        if due and self._on_progress is not None:
            self._on_progress(fraction, message)

    def _wait_if_paused(self) -> None:
        with self._cond:
            if self._stopped:
                raise Stopped()
            if not self._paused:
                return
        if self._on_state is not None:
            self._on_state("paused")
        with self._cond:
            while self._paused and not self._stopped:
                self._cond.wait()
            if self._stopped:
                raise Stopped()
        if self._on_state is not None:
            self._on_state("running")


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
