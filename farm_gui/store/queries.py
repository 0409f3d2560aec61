"""Reading a run's stored data: metrics, world state, action counts, agents."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, func, literal_column, select

from farm_gui.config import ACTIONS, AGENT_TYPES
from farm_gui.sim.protocol import DEATH_CAUSES, METRIC_NAMES

from . import backend
from .model_tables import LEGACY, find_spec, storage_of
from .packing import unpack_agents, unpack_floats, unpack_metric_chunk
from .records import StoreError
from .schema import (
    INTEGER_METRICS,
    action_counts,
    agent_snapshots,
    agents,
    metric_chunks,
    node_snapshots,
    step_metrics,
)

_AGENT_TYPE_NAMES = np.array(AGENT_TYPES, dtype=object)
_ACTION_NAMES = np.array(ACTIONS, dtype=object)
_DEATH_CAUSE_NAMES = np.array(DEATH_CAUSES, dtype=object)


class ActionCountArrays(NamedTuple):
    """Stored action counts, one entry per (step, agent type) row, ordered by step then type."""

    step: np.ndarray  # int64
    agent_type: np.ndarray  # int64 code into AGENT_TYPES
    counts: np.ndarray  # int64, shape (rows, len(ACTIONS)), columns in ACTIONS order


def _bounds(start: int | None, stop: int | None) -> tuple[int, int]:
    lo = 0 if start is None else max(0, int(start))
    hi = np.iinfo(np.int64).max if stop is None else int(stop)
    return lo, hi


def _typed(name: str, values: np.ndarray) -> np.ndarray:
    if name in INTEGER_METRICS:
        return np.nan_to_num(values, nan=0).astype(np.int64)
    return values.astype(np.float64, copy=False)


class RunQueries:
    """Mixed into Store; relies on its _read(), get_run() and url."""

    def metrics(self, run_id: int, start: int | None = None,
                stop: int | None = None) -> dict[str, np.ndarray]:
        """One array per metric, ordered by step, for steps in [start, stop): "step" and
        the names in METRIC_NAMES for a foraging run; "step" and the model's declared
        metrics for a model-generic run (integer metrics as int64)."""
        lo, hi = _bounds(start, stop)
        c = metric_chunks.c
        with self._read(f"reading metrics of run {run_id}") as conn:
            model = self._run_model(conn, run_id)
            if model is not None and storage_of(model) != LEGACY:
                return self._generic_metrics(conn, run_id, model, lo, hi)
            rows = backend.fetch_rows(
                conn,
                select(c.first_step, c.n_steps, c.columns, c.data)
                .where(c.run_id == int(run_id), c.first_step < hi, c.first_step + c.n_steps > lo)
                .order_by(c.first_step),
            )
            if not rows:
                found = self._metrics_from_rows(conn, run_id, lo, hi)
        if not rows:
            if not len(found["step"]):
                self.get_run(run_id)  # an unknown run is an error, not an empty table
            return found
        pieces: dict[str, list[np.ndarray]] = {name: [] for name in METRIC_NAMES}
        for _first, n, columns, data in rows:
            names = columns.split(",")
            table = unpack_metric_chunk(data, len(names), n)
            index = {name: i for i, name in enumerate(names)}
            for name in METRIC_NAMES:
                pieces[name].append(table[index[name]] if name in index else np.full(n, np.nan))
        merged = {name: np.concatenate(parts) for name, parts in pieces.items()}
        steps = merged["step"]
        keep = (steps >= lo) & (steps < hi)
        return {name: _typed(name, values[keep]) for name, values in merged.items()}

    def _metrics_from_rows(self, conn, run_id: int, lo: int, hi: int) -> dict[str, np.ndarray]:
        t = step_metrics
        rows = backend.fetch_rows(
            conn,
            select(*(t.c[name] for name in METRIC_NAMES))
            .where(t.c.run_id == int(run_id), t.c.step >= lo, t.c.step < hi).order_by(t.c.step),
        )
        table = np.array(rows, dtype=np.float64).reshape(len(rows), len(METRIC_NAMES))
        return {name: _typed(name, table[:, i]) for i, name in enumerate(METRIC_NAMES)}

    def metrics_frame(self, run_id: int, start: int | None = None, stop: int | None = None) -> pd.DataFrame:
        data = self.metrics(run_id, start, stop)
        return pd.DataFrame(data, columns=list(data))

    def snapshot_steps(self, run_id: int) -> np.ndarray:
        """Steps with stored world state (step k = the world after k steps), sorted."""
        self.get_run(run_id)
        c = agent_snapshots.c
        with self._read(f"reading snapshots of run {run_id}") as conn:
            if storage_of(self._run_model(conn, run_id)) != LEGACY:
                return self._generic_snapshot_steps(conn, run_id)
            steps = conn.execute(select(c.step).where(c.run_id == int(run_id)).order_by(c.step)).scalars()
            return np.fromiter(steps, dtype=np.int64)

    def world_state(self, run_id: int, step: int) -> dict[str, np.ndarray]:
        """The world at the latest stored snapshot step <= step: living agents, nodes and
        "step" (0-d int64 array: the snapshot's step)."""
        a, nd = agent_snapshots.c, node_snapshots.c
        with self._read(f"reading the world of run {run_id}") as conn:
            row = conn.execute(
                select(a.step, a.n_agents, a.codec, a.data)
                .where(a.run_id == int(run_id), a.step <= int(step)).order_by(a.step.desc()).limit(1)
            ).first()
            if row is None:
                self.get_run(run_id)
                raise StoreError(f"run {run_id} has no stored world state at or before step {step}")
            nodes = conn.execute(
                select(nd.n_nodes, nd.codec, nd.amounts)
                .where(nd.run_id == int(run_id), nd.step == row.step)
            ).first()
            positions = conn.execute(
                select(nd.n_nodes, nd.codec, nd.positions)
                .where(nd.run_id == int(run_id), nd.step <= row.step, nd.positions.is_not(None))
                .order_by(nd.step.desc()).limit(1)
            ).first()
        try:
            state = unpack_agents(row.n_agents, row.data, row.codec)
            if nodes is not None and positions is not None and positions.n_nodes == nodes.n_nodes:
                (state["node_amount"],) = unpack_floats(nodes.amounts, nodes.codec, nodes.n_nodes)
                state["node_x"], state["node_y"] = unpack_floats(positions.positions, positions.codec,
                                                                 positions.n_nodes, parts=2)
            else:
                for key in ("node_x", "node_y", "node_amount"):
                    state[key] = np.zeros(0, dtype=np.float64)
        except ValueError as err:
            raise StoreError(f"{self.url}: the world state of run {run_id} at step {row.step} is "
                             f"damaged ({err})") from None
        state["step"] = np.array(row.step, dtype=np.int64)
        return state

    def action_count_arrays(self, run_id: int, start: int | None = None, stop: int | None = None, *,
                            window: int = 1) -> ActionCountArrays:
        """The stored (step, agent type) rows for steps in [start, stop) as arrays: what
        action_counts_frame() is built from, without a Python object per count.

        window > 1 sums the counts over windows of that many steps (aligned to multiples of
        `window`, `step` = a window's first step) in the database: a 100,000-step run comes
        back as a few hundred rows, and the database sums while other threads run.
        """
        lo, hi = _bounds(start, stop)
        window = int(window)
        if window < 1:
            raise StoreError(f"action count window must be at least 1 step, not {window}")
        c = action_counts.c
        in_range = (c.run_id == int(run_id), c.step >= lo, c.step < hi)
        if window == 1:
            query = (select(c.step, c.agent_type, *(c[a] for a in ACTIONS))
                     .where(*in_range).order_by(c.step, c.agent_type))
        else:
            # The window goes in as a literal (a checked int): with bound parameters PostgreSQL
            # would not see the GROUP BY expression as the selected one.
            size = literal_column(str(window), BigInteger)
            first = ((c.step // size) * size).label("window_start")
            query = (select(first, c.agent_type, *(func.sum(c[a]) for a in ACTIONS))
                     .where(*in_range).group_by(first, c.agent_type).order_by(first, c.agent_type))
        with self._read(f"reading action counts of run {run_id}") as conn:
            rows = backend.fetch_rows(conn, query)
        if not rows:
            self.get_run(run_id)  # an unknown run is an error, not an empty table
        wide = np.array(rows, dtype=np.int64).reshape(len(rows), 2 + len(ACTIONS))
        return ActionCountArrays(step=wide[:, 0].copy(), agent_type=wide[:, 1].copy(),
                                 counts=np.ascontiguousarray(wide[:, 2:]))

    def action_counts_frame(self, run_id: int, start: int | None = None,
                            stop: int | None = None) -> pd.DataFrame:
        """Columns step, agent_type (name), action (name), count; zero counts omitted."""
        arrays = self.action_count_arrays(run_id, start, stop)
        row_idx, action_idx = np.nonzero(arrays.counts)
        return pd.DataFrame({
            "step": arrays.step[row_idx],
            "agent_type": pd.Series(_AGENT_TYPE_NAMES[arrays.agent_type[row_idx]], dtype=str),
            "action": pd.Series(_ACTION_NAMES[action_idx], dtype=str),
            "count": arrays.counts[row_idx, action_idx],
        })

    def _event_names(self, run_id: int) -> tuple[np.ndarray, np.ndarray]:
        """Names of agent_type and death_cause codes: the foraging ecology's, or a generic
        model's categories and death causes (codes beyond them shown as numbers)."""
        with self._read(f"reading run {run_id}") as conn:
            model = self._run_model(conn, run_id)
        if model is None or storage_of(model) == LEGACY:
            return _AGENT_TYPE_NAMES, _DEATH_CAUSE_NAMES
        spec = find_spec(model)
        cats = [c.name for c in spec.categories] if spec is not None else []
        causes = list(spec.death_causes) if spec is not None else []
        width = 256  # codes are small integers (SmallInteger columns hold categories)
        types = np.array(cats + [str(i) for i in range(len(cats), width)], dtype=object)
        causes_arr = np.array((causes or [""]) + [str(i) for i in range(max(1, len(causes)), width)],
                              dtype=object)
        return types, causes_arr

    def agents_frame(self, run_id: int, start: int | None = None, stop: int | None = None, *,
                     limit: int | None = None) -> pd.DataFrame:
        """One row per agent, ordered by agent_id: agent_id, agent_type, birth_step,
        parent_id, generation, death_step (NaN while alive), death_cause (None while alive).

        Only agents with start <= agent_id < stop, and at most `limit` of them: reading a
        large run in pieces (next start = last agent_id + 1) gives exactly the full table.
        """
        lo, hi = _bounds(start, stop)
        c = agents.c
        query = (select(c.agent_id, c.agent_type, c.birth_step, c.parent_id, c.generation,
                        func.coalesce(c.death_step, -1), func.coalesce(c.death_cause, -1))
                 .where(c.run_id == int(run_id), c.agent_id >= lo, c.agent_id < hi).order_by(c.agent_id))
        if limit is not None:
            query = query.limit(max(0, int(limit)))
        with self._read(f"reading agents of run {run_id}") as conn:
            rows = backend.fetch_rows(conn, query)
        if not rows:
            self.get_run(run_id)
        table = np.array(rows, dtype=np.int64).reshape(len(rows), 7)
        type_names, cause_names = self._event_names(run_id)
        alive = table[:, 5] < 0
        death_step = table[:, 5].astype(np.float64)
        death_step[alive] = np.nan
        death_cause = cause_names[np.where(alive, 0, table[:, 6])]
        death_cause[alive] = None
        return pd.DataFrame({
            "agent_id": table[:, 0],
            "agent_type": pd.Series(type_names[table[:, 1]], dtype=str),
            "birth_step": table[:, 2],
            "parent_id": table[:, 3],
            "generation": table[:, 4],
            "death_step": death_step,
            "death_cause": pd.Series(death_cause, dtype=object),  # None while alive, not NaN
        })
