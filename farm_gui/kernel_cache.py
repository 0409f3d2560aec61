"""Whether numba's cache holds the compiled kernels for this computer. No Qt.

`make` (and the packaged build) compile the kernels once (``farm_gui.warmup``). An
installation that skipped that step, or a packaged build unpacked on a computer whose
processor differs from the build machine's (numba's cache entries are per processor
model and features), would compile each kernel at its first use instead, freezing the
window for a few seconds at the first run. ``needs_compiling()`` tells that case apart
so that the window can compile them at start with a progress dialog.

It reads numba's cache index of each cached function (numba internals: ``_cache``,
``_cache_file._load_index()``, keys ``(signature, codegen.magic_tuple(), hashes)``).
If those change shape in a future numba, it answers False (nothing is compiled ahead;
numba still compiles on first use) rather than failing.
"""

from __future__ import annotations

import importlib
import logging

log = logging.getLogger(__name__)

KERNEL_MODULES = ("farm_gui.sim._kernel", "farm_gui.sim._snapshot", "farm_gui.sim.grid",
                  "farm_gui.display.envelope", "farm_gui.display.raster")


def kernel_modules() -> tuple[str, ...]:
    """Farm GUI's own kernel modules and those every available model declares."""
    from farm_gui.core.registry import models

    declared = [name for spec in models().values() for name in spec.kernel_modules]
    return KERNEL_MODULES + tuple(n for n in declared if n not in KERNEL_MODULES)


def cached_dispatchers() -> list:
    from numba.core.registry import CPUDispatcher

    found = []
    for name in kernel_modules():
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, CPUDispatcher) and getattr(value, "_cache", None) is not None \
                    and value.__module__ == name and hasattr(value._cache, "_cache_file"):
                found.append(value)
    return found


def compiled_here(dispatcher) -> bool | None:
    """True when the function's cache has an entry for this computer; False when it has
    none; None when that cannot be read."""
    try:
        index = dispatcher._cache._cache_file._load_index()
        magic = dispatcher.targetctx.codegen().magic_tuple()
        return any(isinstance(key, tuple) and len(key) > 1 and key[1] == magic for key in index)
    except Exception:  # numba internals changed: do not guess
        log.debug("cannot read the numba cache of %s", dispatcher, exc_info=True)
        return None


def needs_compiling() -> bool:
    """True when none of the kernels is compiled for this computer (a first start)."""
    try:
        answers = [compiled_here(d) for d in cached_dispatchers()]
    except Exception:
        log.warning("cannot inspect the numba kernels", exc_info=True)
        return False
    if not answers or any(a is None for a in answers):
        return False
    return not any(answers)
