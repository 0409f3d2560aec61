"""The cyclic garbage collector runs on the GUI thread's timer, in small pieces."""

from __future__ import annotations

import gc

from farm_gui.app import ensure_app
from farm_gui.ui.gui_gc import CHECK_MS, GuiThreadCollector


class FakeGc:
    def __init__(self):
        self.count = (0, 0, 0)
        self.collected: list[int] = []
        self.enabled = True

    def get_threshold(self):
        return (700, 10, 10)

    def disable(self):
        self.enabled = False

    def get_count(self):
        return self.count

    def collect(self, generation):
        self.collected.append(generation)


def test_the_application_collects_on_the_gui_thread_only(qtbot):
    ensure_app()
    assert not gc.isenabled()  # no collection in a worker thread that happens to allocate
    from farm_gui import app

    assert isinstance(app._gui_thread_gc, GuiThreadCollector)
    assert app._gui_thread_gc.timer.isActive() and app._gui_thread_gc.timer.interval() == CHECK_MS


def test_generations_are_collected_as_cpython_would_and_the_full_one_at_most_once_a_minute(qtbot):
    """pyqtgraph's timer looked every 0.5 s (the youngest generation grew for that long:
    45 ms and more to collect while a thread imported SciPy) and collected everything
    after every ten middle collections."""
    now = [1000.0]
    fake = FakeGc()
    collector = GuiThreadCollector(collector=fake, clock=lambda: now[0])
    collector.timer.stop()
    assert not fake.enabled
    fake.count = (700, 10, 10)  # nothing over a threshold
    collector.check()
    assert fake.collected == []
    fake.count = (701, 3, 0)
    collector.check()
    assert fake.collected == [0]
    fake.count = (701, 11, 3)
    collector.check()
    assert fake.collected == [0, 1]
    fake.count = (701, 11, 11)  # a full collection is due by the counts, not yet by the clock
    now[0] += 30
    collector.check()
    assert fake.collected == [0, 1, 1]
    now[0] += 31
    collector.check()
    assert fake.collected == [0, 1, 1, 2]
    collector.check()  # again at once: the middle one only
    assert fake.collected == [0, 1, 1, 2, 1]
