"""Keep what start-up loaded out of the garbage collector's full collections.

Once the window or a command has imported its libraries and loaded its models' kernels,
the process holds ~230,000 objects that live as long as it does (modules, classes,
functions, numba dispatchers, SQLAlchemy's tables). Python's occasional full collection
walks every one of them: ~85 ms here, with the GIL held, in the middle of a run or an
experiment (an experiment's owner stopped dispatching that long in one repeat in three
of the overhead benchmark; the window froze 80-100 ms a few seconds into its first run).
``gc.freeze()`` moves them out of the collector's reach; objects made later are
collected as before, and a full collection then takes well under a millisecond until
they pile up again.

The commands and the experiment pool's fork server freeze once started; the window when
its first window is built, and again once its kernels are loaded, for what the workspace
and the kernels added.
"""

from __future__ import annotations

import gc

_frozen: set[str] = set()


def freeze_start_up_objects(moment: str = "start-up", collect_first: bool = False) -> None:
    """Leave every object alive now out of future collections, once per process for each
    ``moment`` (later calls do nothing: a command run inside a longer-lived process, a
    test's, must not keep that process's objects for good).

    Garbage already waiting in cycles would be kept for good: ``collect_first`` collects
    it before (itself one of the ~85 ms pauses, so only where nobody waits yet)."""
    if moment in _frozen:
        return
    _frozen.add(moment)
    if collect_first:
        gc.collect()
    gc.freeze()
