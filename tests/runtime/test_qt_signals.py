"""Guards the PySide6 6.12 reference-count bug: a few hundred Signal.emit() or
QTimer.singleShot(0, fn) calls ended in 'Fatal Python error: bool_dealloc'.
If this test process crashes, check the pinned PySide6 version."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal, Slot


class Emitter(QObject):
    fired = Signal(int, str)


class Receiver(QObject):
    def __init__(self):
        super().__init__()
        self.count = 0

    @Slot(int, str)
    def on_fired(self, value: int, text: str) -> None:
        self.count += 1


def test_many_emits_and_single_shots(qtbot):
    emitter, receiver = Emitter(), Receiver()
    emitter.fired.connect(receiver.on_fired)
    for i in range(20_000):
        emitter.fired.emit(i, "x")
    assert receiver.count == 20_000
    hits = []
    for _ in range(5_000):
        QTimer.singleShot(0, lambda: hits.append(True))
    qtbot.waitUntil(lambda: len(hits) == 5_000, timeout=30_000)
    flag = True
    for _ in range(5_000):
        QTimer.singleShot(0, receiver, lambda f=flag: hits.append(f))
    qtbot.waitUntil(lambda: len(hits) == 10_000, timeout=30_000)
