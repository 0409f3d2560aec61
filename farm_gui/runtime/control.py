"""Pause / resume / stop flags shared by the thread that controls a piece of background
work (the GUI, a signal handler) and the thread doing it. Qt-free."""

from __future__ import annotations

import threading


class PauseStopControl:
    """The controller sets the flags; the worker reads them and waits on ``_cond``."""

    def __init__(self) -> None:
        # Reentrant: the CLI calls stop() from a signal handler, which runs in the thread
        # that drives the work and may interrupt it inside one of these critical
        # sections; with a plain Lock that handler deadlocked the process.
        self._cond = threading.Condition(threading.RLock())
        self._paused = False
        self._stopped = False

    def pause(self) -> None:
        with self._cond:
            self._paused = True
            self._cond.notify_all()

    def resume(self) -> None:
        with self._cond:
            self._paused = False
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def stopped(self) -> bool:
        return self._stopped
