"""How much memory a run will need, and how much the machine has. Qt-free.

Measured here (the window, a run stopped after its first steps, peak resident set
minus the window's own): ~660 bytes per initial agent before the writer turned agent
events into rows in chunks, ~500 after: the engine's columns (grown to twice the
living agents), the event log of the initial births, the snapshots of the world (the
store's, the world view's) and their packed copies. A run with 10 million agents
thus needs ~5-6 GB: the one that vanished had 5.4 GB resident before its Stop.
"""

from __future__ import annotations

import psutil

from farm_gui.config import RunConfig

BYTES_PER_AGENT = 600
BYTES_PER_NODE = 120  # position, amount, the grid and their snapshots
BASE_BYTES = 64 * 2**20  # a small run's own buffers, the store writer's queue


def estimate_run_bytes(config: RunConfig) -> int:
    """Peak memory a run of ``config`` adds to the process (its initial world; a
    population that grows needs more)."""
    return BASE_BYTES + BYTES_PER_AGENT * config.total_agents + BYTES_PER_NODE * config.initial_resources


def available_bytes() -> int:
    """Memory the machine can give without swapping (free plus reclaimable caches)."""
    return int(psutil.virtual_memory().available)


def gigabytes(n: int) -> str:
    return f"{n / 2**30:.1f} GB" if n >= 2**30 / 10 else f"{n / 2**20:.0f} MB"


def memory_warning(config: RunConfig, available: int | None = None) -> str | None:
    """A sentence for the user when the run needs more memory than is available."""
    need = estimate_run_bytes(config)
    have = available_bytes() if available is None else available
    if need <= have:
        return None
    return (f"This run starts with {config.total_agents:,} agents and needs about {gigabytes(need)} of "
            f"memory; this machine has {gigabytes(have)} available. The system may stop the "
            "application when it runs out (without a message, losing what is not yet recorded).")
