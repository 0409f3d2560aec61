"""Background threads step aside for the simulation and the window.

On Linux the nice value applies per thread. A lower priority for the store's writer
and for analyses means that, when there are more busy threads than cores (two cores
here), the simulation thread and the GUI thread get the CPU first; background work
still runs whenever a core is free. Elsewhere, or when not allowed, nothing changes.
"""

from __future__ import annotations

import contextlib
import os
import threading

BACKGROUND_NICENESS = 5


def lower_this_thread_priority(niceness: int = BACKGROUND_NICENESS) -> bool:
    """Make the calling thread `niceness` steps nicer than the process's main thread
    (idempotent: pool threads run many jobs); returns whether it took effect."""
    with contextlib.suppress(AttributeError, OSError):
        process_nice = os.getpriority(os.PRIO_PROCESS, os.getpid())  # the main thread's, on Linux
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), min(19, process_nice + niceness))
        return True
    return False
