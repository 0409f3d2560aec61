"""Reading a foraging run's per-type action counts in chunks (the first release's
``action_counts`` table for a stored run; a long frame for a run built in memory)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from farm_gui.analysis.base import Control
from farm_gui.analysis.source import RunSource
from farm_gui.config import ACTIONS, AGENT_TYPES
from farm_gui.store import ActionCountArrays

ACTION_CHUNK_ROWS = 10_000  # stored (step, type) rows summed into windows by the database: ~10 ms


def action_chunk_steps(source: RunSource, rows: int | None = None) -> int:
    """Steps per action-count query: about `rows` (default ACTION_CHUNK_ROWS) stored
    (step, type) rows."""
    rows = rows or ACTION_CHUNK_ROWS
    types = sum(1 for count in source.parameters().agent_counts().values() if count > 0)
    return int(min(max(rows // max(types, 1), 50), 50_000))


def action_sums(source: RunSource, start: int, stop: int, window: int) -> ActionCountArrays:
    """The counts of steps [start, stop) summed into windows: by the database for a
    stored run, from the long frame otherwise."""
    read = getattr(source, "action_count_arrays", None)
    if read is not None:
        return read(start, stop, window=window)
    return wide_action_counts(source.action_counts(start, stop), window)  # type: ignore[attr-defined]


def iter_action_sums(source: RunSource, window: int, ctl: Control) -> Iterator[ActionCountArrays]:
    """Yield the run's action counts summed into windows of `window` steps, chunk by chunk
    (a window cut by a chunk boundary comes in two parts: add them up)."""
    n = source.steps_done()
    chunk = action_chunk_steps(source)
    for lo in range(0, max(n, 1), chunk):
        yield action_sums(source, lo, lo + chunk, window)
        ctl.checkpoint(min(lo + chunk, n) / max(n, 1), "reading action counts")


def wide_action_counts(frame: pd.DataFrame, window: int = 1) -> ActionCountArrays:
    """Long action counts (step, agent_type, action, count) as ActionCountArrays, summed
    into windows of `window` steps; unknown type or action names are left out."""
    t = pd.Categorical(frame["agent_type"].astype(str), categories=AGENT_TYPES).codes.astype(np.int64)
    a = pd.Categorical(frame["action"].astype(str), categories=ACTIONS).codes.astype(np.int64)
    ok = (t >= 0) & (a >= 0)
    first = frame["step"].to_numpy(dtype=np.int64)[ok] // window * window
    keys, row = np.unique(np.column_stack([first, t[ok]]).reshape(-1, 2), axis=0, return_inverse=True)
    counts = np.zeros((len(keys), len(ACTIONS)), dtype=np.int64)
    np.add.at(counts, (row.reshape(-1), a[ok]), frame["count"].to_numpy(dtype=np.int64)[ok])
    return ActionCountArrays(step=keys[:, 0].copy(), agent_type=keys[:, 1].copy(), counts=counts)
