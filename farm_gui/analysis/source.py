"""Where an analysis gets its data: a run in a Store, or frames built in memory
(tests, notebooks). Loading goes in chunks (of steps, or of agents) so a module
can report progress and honour pause/stop while a long run is read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Protocol

import numpy as np
import pandas as pd

from farm_gui.config import ACTIONS, AGENT_TYPES, RunConfig
from farm_gui.store import ActionCountArrays

from .base import Control

if TYPE_CHECKING:
    from farm_gui.store import Store

AGENT_COLUMNS = ("agent_id", "agent_type", "birth_step", "parent_id", "generation", "death_step",
                 "death_cause")
ACTION_COLUMNS = ("step", "agent_type", "action", "count")

# Read per query: small enough that one chunk takes well under 100 ms.
METRIC_CHUNK_STEPS = 5_000
ACTION_CHUNK_ROWS = 10_000  # stored (step, type) rows summed into windows by the database: ~10 ms
AGENT_CHUNK_ROWS = 5_000  # agents per query: ~10 ms


class RunSource(Protocol):
    run_id: int | None
    label: str

    def steps_done(self) -> int: ...
    def config(self) -> RunConfig: ...
    def metrics(self, start: int | None = None, stop: int | None = None) -> pd.DataFrame: ...
    def action_counts(self, start: int | None = None, stop: int | None = None) -> pd.DataFrame: ...
    def action_count_arrays(self, start: int | None = None, stop: int | None = None, *,
                            window: int = 1) -> ActionCountArrays: ...
    def agents(self, start: int | None = None, stop: int | None = None, *,
               limit: int | None = None) -> pd.DataFrame: ...
    def snapshot_steps(self) -> np.ndarray: ...
    def world_state(self, step: int) -> dict[str, np.ndarray]: ...


class StoreRunSource:
    """One stored run, read through the Store's public queries."""

    def __init__(self, store: Store, run_id: int):
        self.store = store
        self.run_id = run_id
        info = store.get_run(run_id)
        self.label = f"run {run_id}" + (f" ({info.name})" if info.name else "")
        self._steps = int(info.steps_done)
        self._config: RunConfig | None = None

    def steps_done(self) -> int:
        return self._steps

    def config(self) -> RunConfig:
        if self._config is None:
            self._config = self.store.run_config(self.run_id)
        return self._config

    def metrics(self, start=None, stop=None) -> pd.DataFrame:
        return self.store.metrics_frame(self.run_id, start, stop)

    def action_counts(self, start=None, stop=None) -> pd.DataFrame:
        return self.store.action_counts_frame(self.run_id, start, stop)

    def action_count_arrays(self, start=None, stop=None, *, window: int = 1) -> ActionCountArrays:
        return self.store.action_count_arrays(self.run_id, start, stop, window=window)

    def agents(self, start=None, stop=None, *, limit: int | None = None) -> pd.DataFrame:
        return self.store.agents_frame(self.run_id, start, stop, limit=limit)

    def snapshot_steps(self) -> np.ndarray:
        return np.asarray(self.store.snapshot_steps(self.run_id), dtype=np.int64)

    def world_state(self, step: int) -> dict[str, np.ndarray]:
        return self.store.world_state(self.run_id, step)


class FrameRunSource:
    """A run given as frames in memory; what is not given is empty."""

    def __init__(
        self,
        metrics: pd.DataFrame,
        *,
        agents: pd.DataFrame | None = None,
        action_counts: pd.DataFrame | None = None,
        snapshots: dict[int, dict[str, np.ndarray]] | None = None,
        config: RunConfig | None = None,
        run_id: int | None = None,
        label: str | None = None,
    ):
        self._metrics = metrics.reset_index(drop=True)
        if "step" not in self._metrics:
            self._metrics.insert(0, "step", np.arange(len(self._metrics)))
        self._agents = agents if agents is not None else pd.DataFrame(columns=list(AGENT_COLUMNS))
        self._actions = (action_counts if action_counts is not None
                         else pd.DataFrame(columns=list(ACTION_COLUMNS)))
        self._snapshots = dict(sorted((snapshots or {}).items()))
        self._config = config or RunConfig()
        self.run_id = run_id
        self.label = label or (f"run {run_id}" if run_id is not None else "run")

    def steps_done(self) -> int:
        return len(self._metrics)

    def config(self) -> RunConfig:
        return self._config

    def metrics(self, start=None, stop=None) -> pd.DataFrame:
        return _step_slice(self._metrics, start, stop)

    def action_counts(self, start=None, stop=None) -> pd.DataFrame:
        return _step_slice(self._actions, start, stop)

    def action_count_arrays(self, start=None, stop=None, *, window: int = 1) -> ActionCountArrays:
        return wide_action_counts(_step_slice(self._actions, start, stop), window)

    def agents(self, start=None, stop=None, *, limit: int | None = None) -> pd.DataFrame:
        if start is None and stop is None and limit is None:
            return self._agents.copy()
        ids = pd.to_numeric(self._agents["agent_id"]).to_numpy()
        keep = np.ones(len(ids), dtype=bool)
        if start is not None:
            keep &= ids >= start
        if stop is not None:
            keep &= ids < stop
        part = self._agents.loc[keep].sort_values("agent_id", kind="stable")
        return (part if limit is None else part.head(max(0, int(limit)))).reset_index(drop=True)

    def snapshot_steps(self) -> np.ndarray:
        return np.array(list(self._snapshots), dtype=np.int64)

    def world_state(self, step: int) -> dict[str, np.ndarray]:
        candidates = [s for s in self._snapshots if s <= step]
        if not candidates:
            raise KeyError(f"no snapshot at or before step {step}")
        state = dict(self._snapshots[candidates[-1]])
        state["step"] = np.array(candidates[-1], dtype=np.int64)
        return state


def _step_slice(frame: pd.DataFrame, start, stop) -> pd.DataFrame:
    mask = np.ones(len(frame), dtype=bool)
    if start is not None:
        mask &= frame["step"].to_numpy() >= start
    if stop is not None:
        mask &= frame["step"].to_numpy() < stop
    return frame.loc[mask].reset_index(drop=True)


def _load_chunked(
    fetch: Callable[[int, int], pd.DataFrame], n_steps: int, chunk: int, ctl: Control, what: str
) -> list[pd.DataFrame]:
    parts = []
    for lo in range(0, max(n_steps, 1), chunk):
        parts.append(fetch(lo, lo + chunk))
        ctl.checkpoint(min(lo + chunk, n_steps) / max(n_steps, 1), f"reading {what}")
    return parts


def load_metrics(source: RunSource, ctl: Control) -> pd.DataFrame:
    """All of a run's per-step metrics, read in chunks with checkpoints between them."""
    parts = _load_chunked(source.metrics, source.steps_done(), METRIC_CHUNK_STEPS, ctl, "metrics")
    parts = [p for p in parts if len(p)]
    if not parts:
        return source.metrics(0, 0)
    return pd.concat(parts, ignore_index=True).sort_values("step", kind="stable").reset_index(drop=True)


def action_chunk_steps(source: RunSource, rows: int | None = None) -> int:
    """Steps per action-count query: about `rows` (default ACTION_CHUNK_ROWS) stored
    (step, type) rows."""
    rows = rows or ACTION_CHUNK_ROWS
    types = sum(1 for count in source.config().agent_counts().values() if count > 0)
    return int(min(max(rows // max(types, 1), 50), 50_000))


def iter_action_sums(source: RunSource, window: int, ctl: Control) -> Iterator[ActionCountArrays]:
    """Yield the run's action counts summed into windows of `window` steps, chunk by chunk
    (a window cut by a chunk boundary comes in two parts: add them up)."""
    n = source.steps_done()
    chunk = action_chunk_steps(source)
    for lo in range(0, max(n, 1), chunk):
        yield source.action_count_arrays(lo, lo + chunk, window=window)
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


def iter_agent_chunks(source: RunSource, ctl: Control, rows: int | None = None) -> Iterator[pd.DataFrame]:
    """Yield the run's agents in agent_id order, `rows` (default AGENT_CHUNK_ROWS) at a time
    (each piece starts after the last agent_id of the one before), with a checkpoint after
    each piece. Together the pieces are exactly source.agents(). Progress approaches 1
    (the total is unknown)."""
    rows = rows or AGENT_CHUNK_ROWS
    start, done = None, 0
    while True:
        part = source.agents(start, None, limit=rows)
        if len(part):
            done += len(part)
            yield part
        ctl.checkpoint(done / (done + rows), f"read {done} agents")
        if len(part) < rows:
            return
        start = int(part["agent_id"].iloc[-1]) + 1


def present_types(metrics: pd.DataFrame, config: RunConfig | None = None) -> list[str]:
    """Agent types that exist in a run: configured with agents, or ever alive."""
    counts = config.agent_counts() if config is not None else {}
    types = []
    for t in AGENT_TYPES:
        col = f"alive_{t}"
        ever = col in metrics and len(metrics) and float(metrics[col].max()) > 0
        if ever or counts.get(t, 0) > 0:
            types.append(t)
    return types


def population_matrix(metrics: pd.DataFrame, types: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Steps and a (steps, types) matrix of agents alive after each step."""
    steps = metrics["step"].to_numpy(dtype=np.int64)
    if not types:
        return steps, np.zeros((len(steps), 0))
    return steps, np.column_stack([metrics[f"alive_{t}"].to_numpy(dtype=float) for t in types])


def downsample(x: np.ndarray, *ys: np.ndarray, max_points: int) -> tuple[np.ndarray, ...]:
    """Every k-th point (keeping the last) so a curve has at most ~max_points points."""
    n = len(x)
    if max_points <= 0 or n <= max_points:
        return (np.asarray(x), *(np.asarray(y) for y in ys))
    stride = int(np.ceil(n / max_points))
    idx = np.arange(0, n, stride)
    if idx[-1] != n - 1:
        idx = np.append(idx, n - 1)
    return (np.asarray(x)[idx], *(np.asarray(y)[idx] for y in ys))
