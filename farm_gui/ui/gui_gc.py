"""Python's cyclic garbage collector, run on the GUI thread in small pieces.

The collector runs in whichever thread happens to allocate: a run's worker, the store's
writer, an analysis. Destroying Qt and pyqtgraph objects there crashes Qt (we saw
segfaults and heap corruption during collection), so automatic collection is off and
a timer on the GUI thread collects instead.

pyqtgraph's own timer (``GarbageCollector``, every 0.5 s) let the youngest generation
grow for half a second between looks: while a worker thread imported SciPy or built
DataFrames of an experiment's runs, one collection of it held the GUI thread for 45 ms
and more. Looking every 50 ms keeps each collection small. The full collection, which
walks every object made since start-up (SciPy's, pandas', the models'), runs at most
once a minute, where pyqtgraph's ran after every ten middle ones, not asking, as
CPython does, whether enough objects had survived to be worth the walk.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

CHECK_MS = 50
FULL_EVERY_S = 60.0


class GuiThreadCollector(QObject):
    """Collects generation 0 when it holds more than CPython's threshold, generation 1
    after CPython's number of generation-0 collections, and everything at most every
    ``full_every_s`` seconds (and then only after CPython's number of generation-1
    collections)."""

    def __init__(self, *, check_ms: int = CHECK_MS, full_every_s: float = FULL_EVERY_S,
                 clock: Callable[[], float] = time.monotonic, collector=gc, parent: QObject | None = None):
        super().__init__(parent)
        self._gc = collector
        self._clock = clock
        self.full_every_s = full_every_s
        self.threshold = collector.get_threshold()
        self._last_full = clock()
        collector.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(check_ms)

    def check(self) -> None:
        young, middle, old = self._gc.get_count()
        if young <= self.threshold[0]:
            return
        generation = 0
        if middle > self.threshold[1]:
            generation = 1
            now = self._clock()
            if old > self.threshold[2] and now - self._last_full >= self.full_every_s:
                generation, self._last_full = 2, now
        self._gc.collect(generation)
