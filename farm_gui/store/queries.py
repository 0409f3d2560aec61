"""Reading a run's stored data: metrics, world state, action counts, agents."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import select

from farm_gui.config import ACTIONS, AGENT_TYPES
from farm_gui.sim.protocol import DEATH_CAUSES, METRIC_NAMES

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
        """One array per name in METRIC_NAMES, ordered by step, for steps in [start, stop)."""
        self.get_run(run_id)
        lo, hi = _bounds(start, stop)
        c = metric_chunks.c
        with self._read(f"reading metrics of run {run_id}") as conn:
            rows = conn.execute(
                select(c.first_step, c.n_steps, c.columns, c.data)
                .where(c.run_id == int(run_id), c.first_step < hi, c.first_step + c.n_steps > lo)
                .order_by(c.first_step)
            ).all()
            if not rows:
                return self._metrics_from_rows(conn, run_id, lo, hi)
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
        rows = conn.execute(
            select(*(t.c[name] for name in METRIC_NAMES))
            .where(t.c.run_id == int(run_id), t.c.step >= lo, t.c.step < hi).order_by(t.c.step)
        ).all()
        table = np.array(rows, dtype=np.float64).reshape(len(rows), len(METRIC_NAMES))
        return {name: _typed(name, table[:, i]) for i, name in enumerate(METRIC_NAMES)}

    def metrics_frame(self, run_id: int, start: int | None = None, stop: int | None = None) -> pd.DataFrame:
        return pd.DataFrame(self.metrics(run_id, start, stop), columns=list(METRIC_NAMES))

    def snapshot_steps(self, run_id: int) -> np.ndarray:
        """Steps with stored world state (step k = the world after k steps), sorted."""
        self.get_run(run_id)
        c = agent_snapshots.c
        with self._read(f"reading snapshots of run {run_id}") as conn:
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

    def action_counts_frame(self, run_id: int, start: int | None = None,
                            stop: int | None = None) -> pd.DataFrame:
        """Columns step, agent_type (name), action (name), count; zero counts omitted."""
        self.get_run(run_id)
        lo, hi = _bounds(start, stop)
        c = action_counts.c
        with self._read(f"reading action counts of run {run_id}") as conn:
            rows = conn.execute(
                select(c.step, c.agent_type, *(c[a] for a in ACTIONS))
                .where(c.run_id == int(run_id), c.step >= lo, c.step < hi).order_by(c.step, c.agent_type)
            ).all()
        wide = np.array(rows, dtype=np.int64).reshape(len(rows), 2 + len(ACTIONS))
        row_idx, action_idx = np.nonzero(wide[:, 2:])
        return pd.DataFrame({
            "step": wide[row_idx, 0],
            "agent_type": np.array(AGENT_TYPES, dtype=object)[wide[row_idx, 1]],
            "action": np.array(ACTIONS, dtype=object)[action_idx],
            "count": wide[row_idx, 2 + action_idx],
        })

    def agents_frame(self, run_id: int) -> pd.DataFrame:
        """One row per agent: agent_id, agent_type, birth_step, parent_id, generation,
        death_step (NaN while alive), death_cause (None while alive)."""
        self.get_run(run_id)
        c = agents.c
        with self._read(f"reading agents of run {run_id}") as conn:
            rows = conn.execute(
                select(c.agent_id, c.agent_type, c.birth_step, c.parent_id, c.generation,
                       c.death_step, c.death_cause).where(c.run_id == int(run_id)).order_by(c.agent_id)
            ).all()
        frame = pd.DataFrame(rows, columns=["agent_id", "agent_type", "birth_step", "parent_id",
                                            "generation", "death_step", "death_cause"])
        for col in ("agent_id", "birth_step", "parent_id", "generation"):
            frame[col] = frame[col].astype(np.int64)
        frame["agent_type"] = [AGENT_TYPES[i] for i in frame["agent_type"]]
        frame["death_step"] = pd.to_numeric(frame["death_step"], errors="coerce").astype(np.float64)
        frame["death_cause"] = [None if pd.isna(v) else DEATH_CAUSES[int(v)] for v in frame["death_cause"]]
        frame["death_cause"] = frame["death_cause"].astype(object)
        return frame
