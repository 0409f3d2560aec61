"""Imported by the local pool's fork server (Linux) when it starts: every installed model is
warmed up there once (imports, numba kernels loaded from their cache), so each worker forked
from it starts ready instead of spending ~0.5-1 s importing and loading kernels itself.

The window's runs are forked from the same server (runtime/run_process.py): the store is
imported here for them (~0.4 s each otherwise, pandas and SQLAlchemy mostly).

No model kernel starts threads, so forking after the warm-up is safe. Nothing here may
raise: the fork server survives only an ImportError from a preloaded module."""

import logging

try:
    from farm_gui.core.gc_pauses import freeze_start_up_objects
    from farm_gui.core.registry import models

    from .. import store  # noqa: F401 - imported once here rather than by each run's process
    from .worker import warm_up

    warm_up(models())
    freeze_start_up_objects()  # in every worker forked from here too
except Exception:  # noqa: BLE001 - the workers then warm up themselves, as without this
    logging.getLogger(__name__).warning("warming up the experiment fork server failed", exc_info=True)
