"""Finer GIL switching while CPU-heavy Python threads compete with the GUI thread.

CPython hands the GIL to a waiting thread only after the holder has run for the switch
interval (5 ms by default), and with several busy threads the GUI thread may lose that
race a few times in a row. With four analyses and a run going at once we measured the
GUI's 5 ms timer up to ~150 ms late; with a 0.2 ms interval, 25-45 ms. The other way
round, a simulation thread needs the GIL for a few tens of microseconds after every
step and otherwise waits out the interval behind the window's drawing or the store's
writer thread: with a 10k run in the window, 0.05 ms instead of 0.2 ms raised the
simulation's speed from 0.80 to 0.90 of headless (A/B, 8 pairs each; 0.01 ms gave
nothing more). The finer interval costs a little throughput, so it is only in force
while such work is running: while an analysis runs, and while a run is recorded.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

FINE_SWITCH_INTERVAL_S = 0.00005

_lock = threading.Lock()
_users = 0
_saved_interval = sys.getswitchinterval()


@contextmanager
def fine_gil_switching() -> Iterator[None]:
    """Within this block (in any number of threads at once) the interpreter switches
    threads at least every FINE_SWITCH_INTERVAL_S; the previous interval comes back when
    the last block ends."""
    global _users, _saved_interval
    with _lock:
        if _users == 0:
            _saved_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(_saved_interval, FINE_SWITCH_INTERVAL_S))
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0:
                sys.setswitchinterval(_saved_interval)
