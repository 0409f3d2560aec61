"""A leak guard for UI tests (like napari's viewer fixture): a test that leaves a
thread running, a top-level window alive or shown, a timer firing in a closed window
or an asyncio task pending fails at its own teardown, so that a crash in teardown
surfaces in the test that caused it and not in a later one.

Used by tests/conftest.py for every test that uses qtbot."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QCoreApplication, QEvent, QTimer
from PySide6.QtWidgets import QApplication, QWidget

# Threads that live for the whole process by design: the I/O pool of runtime.aio (plain
# Python threads, reused), and Qt's pool threads that ran Python code (Python names them
# Dummy-N; QThreadPool keeps them 30 s, idle).
PERSISTENT_THREADS = ("farm-gui-io", "Dummy-")
GRACE_S = 10.0  # threads and deletions may take a moment to wind down on a loaded machine


def _deleted(obj) -> bool:
    try:
        obj.objectName()
    except RuntimeError:  # "Internal C++ object already deleted"
        return True
    return False


class LeakGuard:
    def __init__(self) -> None:
        self.threads = set(threading.enumerate())
        self.top_levels = set(QApplication.topLevelWidgets())
        from farm_gui.runtime import aio

        self.tasks = set(aio._tasks)

    def _flush(self) -> None:
        app = QApplication.instance()
        for _ in range(3):
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            app.processEvents()

    def new_threads(self) -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t not in self.threads and t.is_alive()
                and not t.name.startswith(PERSISTENT_THREADS)]

    def problems(self) -> list[str]:
        from farm_gui.runtime import aio

        self._flush()
        deadline = time.monotonic() + GRACE_S
        while (self.new_threads() or [t for t in aio._tasks if t not in self.tasks and not t.done()]) \
                and time.monotonic() < deadline:
            self._flush()
            time.sleep(0.02)
        found = [f"thread {t.name!r} still running" for t in self.new_threads()]
        found += [f"asyncio task still pending: {t.get_coro()!r}" for t in aio._tasks
                  if t not in self.tasks and not t.done()]
        for widget in QApplication.topLevelWidgets():
            if widget in self.top_levels or _deleted(widget):
                continue
            name = f"top-level {type(widget).__name__} {widget.objectName()!r}"
            if widget.isVisible():
                found.append(f"{name} still shown")
            elif widget.isWindow() and type(widget).__module__.startswith("farm_gui"):
                found.append(f"{name} closed but not deleted")
            found += [f"timer {timer.objectName() or hex(id(timer))} of {type(widget).__name__} still "
                      f"active ({timer.interval()} ms)" for timer in _active_timers(widget)]
        return found


def _active_timers(widget: QWidget) -> list[QTimer]:
    return [t for t in widget.findChildren(QTimer) if t.isActive()]
