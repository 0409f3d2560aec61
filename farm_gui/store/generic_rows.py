"""Turning a model-generic run's step data into rows, inside the caller's transaction:
metrics (the per-model table and metric_chunks), layer snapshots, agent life events.
Shared by the RunWriter of generic runs (generic_writer.py) and ``Store.save_result``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import repeat

import numpy as np

from farm_gui.core.model import BIRTH_KEYS, DEATH_KEYS

from .array_packing import layer_size, pack_arrays
from .model_tables import GenericStatements

# Rows of events turned into Python values this many at a time (see writer.py).
EVENT_ROWS_PER_CALL = 50_000
# A metric chunk holds at most this many steps (save_result of a long run).
CHUNK_STEPS = 50_000


def metric_matrix(names: Sequence[str], rows: Sequence[Mapping[str, float]]) -> np.ndarray:
    """float64 (n_steps, 1 + len(names)): "step" then the metrics, from per-step mappings."""
    keys = ("step", *names)
    return np.array([[m[k] for k in keys] for m in rows], dtype=np.float64).reshape(len(rows), len(keys))


def population_total(spec, table: np.ndarray) -> int | None:
    """The run table's "Alive" for the last row of ``table`` ("step" then ``spec``'s
    metrics): the sum of the metrics that count a category, None for a model without
    such counts (or without rows)."""
    columns = [i for i, metric in enumerate(spec.metrics, start=1) if metric.category is not None]
    if not columns or not len(table):
        return None
    return int(round(float(table[-1, columns].sum())))


def matrix_from_arrays(names: Sequence[str], metrics: Mapping[str, np.ndarray]) -> np.ndarray:
    steps = np.asarray(metrics["step"], dtype=np.float64)
    table = np.empty((len(steps), 1 + len(names)), dtype=np.float64)
    table[:, 0] = steps
    for i, name in enumerate(names, start=1):
        values = np.asarray(metrics[name], dtype=np.float64)
        if values.shape != steps.shape:
            raise ValueError(f"metric {name!r} has {values.size} values for {steps.size} steps")
        table[:, i] = values
    return table


def write_metrics(conn, sql: GenericStatements, run_id: int, table: np.ndarray) -> None:
    """One per-model table row per step and metric chunks of the same values."""
    n = len(table)
    if not n:
        return
    columns = [table[:, 0].astype(np.int64).tolist()]
    for i, integer in enumerate(sql.integer, start=1):
        col = table[:, i]
        columns.append(col.astype(np.int64).tolist() if integer else col.tolist())
    sql.insert_metrics(conn, list(zip(repeat(int(run_id), n), *columns, strict=False)))
    header = ",".join(("step", *sql.metric_names))
    chunks = []
    for start in range(0, n, CHUNK_STEPS):
        part = table[start:start + CHUNK_STEPS]
        chunks.append((int(run_id), int(part[0, 0]), len(part), header,
                       np.ascontiguousarray(part.T, dtype="<f8").tobytes()))
    sql.insert_chunk(conn, chunks)


def layer_rows(run_id: int, snapshots: Iterable[tuple[int, Mapping[str, Mapping[str, np.ndarray]]]],
               codec: str) -> list[tuple]:
    """(run_id, step, layer, n, codec, blob) per layer of every snapshot."""
    rows = []
    for step, layers in snapshots:
        for name, arrays in layers.items():
            rows.append((int(run_id), int(step), str(name), layer_size(arrays), codec,
                         pack_arrays(arrays, codec)))
    return rows


def _int_rows(*columns) -> list[list[int]]:
    n = next(len(c) for c in columns if not isinstance(c, int))
    stacked = np.column_stack([np.full(n, c, dtype=np.int64) if isinstance(c, int)
                               else np.asarray(c, dtype=np.int64) for c in columns])
    return stacked.tolist()


def _concat(parts: Sequence[Mapping[str, np.ndarray]], keys: Sequence[str]) -> list[np.ndarray]:
    return [np.concatenate([np.asarray(p[k], dtype=np.int64) for p in parts]) for k in keys]


def write_births(conn, sql: GenericStatements, run_id: int,
                 births: Sequence[Mapping[str, np.ndarray]]) -> None:
    if not births:
        return
    born = _concat(births, BIRTH_KEYS)
    for i in range(0, len(born[0]), EVENT_ROWS_PER_CALL):
        sql.insert_agents(conn, _int_rows(int(run_id), *(c[i:i + EVENT_ROWS_PER_CALL] for c in born)))


def write_deaths(conn, sql: GenericStatements, run_id: int,
                 deaths: Sequence[Mapping[str, np.ndarray]]) -> None:
    if not deaths:
        return
    agent_id, step, cause = _concat(deaths, DEATH_KEYS)
    for i in range(0, len(agent_id), EVENT_ROWS_PER_CALL):
        part = slice(i, i + EVENT_ROWS_PER_CALL)
        sql.update_deaths(conn, _int_rows(step[part], cause[part], int(run_id), agent_id[part]))


def write_lives(conn, sql: GenericStatements, run_id: int, births: Mapping[str, np.ndarray] | None,
                deaths: Mapping[str, np.ndarray] | None) -> None:
    """A finished run's births and deaths at once: each agent's row is inserted complete
    (deaths of agents born in the same result need no UPDATE)."""
    has_births = births is not None and len(births.get("agent_id", ())) > 0
    has_deaths = deaths is not None and len(deaths.get("agent_id", ())) > 0
    if not has_births:
        if has_deaths:
            write_deaths(conn, sql, run_id, [deaths])
        return
    born = _concat([births], BIRTH_KEYS)
    n = len(born[0])
    death_step = np.full(n, -1, dtype=np.int64)
    death_cause = np.full(n, -1, dtype=np.int64)
    orphans = None
    if has_deaths:
        d_id, d_step, d_cause = _concat([deaths], DEATH_KEYS)
        order = np.argsort(born[0], kind="stable")
        pos = np.searchsorted(born[0], d_id, sorter=order)
        pos = np.minimum(pos, n - 1)
        idx = order[pos]
        found = born[0][idx] == d_id
        death_step[idx[found]] = d_step[found]
        death_cause[idx[found]] = d_cause[found]
        if not found.all():
            orphans = {"agent_id": d_id[~found], "death_step": d_step[~found], "cause": d_cause[~found]}
    for i in range(0, n, EVENT_ROWS_PER_CALL):
        part = slice(i, i + EVENT_ROWS_PER_CALL)
        rows = _int_rows(int(run_id), *(c[part] for c in born), death_step[part], death_cause[part])
        for row in rows:
            if row[-2] < 0:
                row[-2] = row[-1] = None
        sql.insert_lives(conn, rows)
    if orphans is not None:
        write_deaths(conn, sql, run_id, [orphans])
