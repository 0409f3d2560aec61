"""Keep what start-up loaded out of the garbage collector's full collections.

Once the window or a command has imported its libraries and loaded its models' kernels,
the process holds ~230,000 objects that live as long as it does (modules, classes,
functions, numba dispatchers, SQLAlchemy's tables). Python's occasional full collection
walks every one of them: ~85 ms here, with the GIL held, in the middle of a run or an
experiment (an experiment's owner stopped dispatching that long in one repeat in three
of the overhead benchmark). ``gc.freeze()`` moves them out of the collector's reach;
objects made later are collected as before, and a full collection then takes well under
a millisecond until they pile up again.

The commands and the experiment pool's fork server call this once started; the window
freezes what exists when its first window is built (``app._freeze_startup_objects``) and
calls this once its kernels are loaded, for what the workspace and the kernels added.
"""

from __future__ import annotations

import gc

_frozen = False


def freeze_start_up_objects() -> None:
    """Leave every object alive now out of future collections, once per process (later
    calls do nothing: a command run inside a longer-lived process, a test's, must not
    keep that process's objects for good).

    Call it when start-up is over. Garbage already waiting in cycles would be kept for
    good: start-up makes little, so it is not collected first (a collection here would
    itself be one of the ~85 ms pauses this avoids)."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.freeze()
