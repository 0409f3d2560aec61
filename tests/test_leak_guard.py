"""The leak guard itself: it names each kind of thing a UI test can leave behind."""

from __future__ import annotations

import threading

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel

from tests import leak_guard
from tests.leak_guard import LeakGuard


def test_guard_names_threads_shown_windows_and_timers_left_behind(qtbot, monkeypatch):
    monkeypatch.setattr(leak_guard, "GRACE_S", 0.2)
    guard = LeakGuard()
    assert guard.problems() == []
    release = threading.Event()
    thread = threading.Thread(target=release.wait, name="left-running")
    thread.start()
    shown = QLabel("left open")
    shown.setObjectName("left_open")
    shown.show()
    timer = QTimer(shown)
    timer.setObjectName("still_ticking")
    timer.start(1000)
    try:
        problems = guard.problems()
    finally:
        release.set()
        thread.join(10)
        timer.stop()
        shown.close()
        shown.deleteLater()
    assert "thread 'left-running' still running" in problems
    assert "top-level QLabel 'left_open' still shown" in problems
    assert "timer still_ticking of QLabel still active (1000 ms)" in problems
    assert LeakGuard().problems() == []
