"""Side tables of a run: metrics beyond the model's columns (``extra_metrics``) and
where an imported run came from (``run_sources``). Plain functions over a Store, so that
the Store class itself stays as it is."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import insert, select

from . import backend
from .records import StoreError, as_utc, utcnow
from .schema import extra_metrics, run_sources

# Models whose runs were imported, not simulated here: they cannot be resumed or re-run.
READ_ONLY_MODELS: dict[str, str] = {"agentfarm": "imported from an AgentFarm database"}
# ... and how the window names them (no model of theirs is installed to give a label)
READ_ONLY_LABELS: dict[str, str] = {"agentfarm": "AgentFarm (imported)"}


@dataclass(frozen=True)
class RunSource:
    run_id: int
    kind: str
    path: str
    sha256: str
    source_id: str | None
    imported_at: datetime | None
    details: dict[str, Any]


def write_extra_metrics(conn, run_id: int, steps: np.ndarray, columns: dict[str, np.ndarray]) -> int:
    """Insert one row per (name, step) inside the caller's transaction; NaN is stored as NULL."""
    steps = np.asarray(steps, dtype=np.int64)
    rows: list[dict[str, Any]] = []
    for name, values in columns.items():
        vals = np.asarray(values, dtype=np.float64)
        py = vals.astype(object)
        py[~np.isfinite(vals)] = None
        rows += [{"run_id": int(run_id), "name": name, "step": s, "value": v}
                 for s, v in zip(steps.tolist(), py.tolist(), strict=True)]
    for start in range(0, len(rows), 20_000):
        conn.execute(insert(extra_metrics), rows[start:start + 20_000])
    return len(rows)


def read_extra_metrics(store, run_id: int, start: int | None = None, stop: int | None = None
                       ) -> pd.DataFrame:
    """Wide frame: a `step` column and one column per extra metric (sorted by name); empty
    (no columns besides `step`) for runs without extra metrics."""
    c = extra_metrics.c
    query = select(c.step, c.name, c.value).where(c.run_id == int(run_id))
    if start is not None:
        query = query.where(c.step >= int(start))
    if stop is not None:
        query = query.where(c.step < int(stop))
    with store._read(f"reading extra metrics of run {run_id}") as conn:
        rows = backend.fetch_rows(conn, query)
    if not rows:
        return pd.DataFrame({"step": pd.Series(dtype=np.int64)})
    long = pd.DataFrame(rows, columns=["step", "name", "value"])
    long["value"] = long["value"].astype(np.float64)
    wide = long.pivot(index="step", columns="name", values="value").sort_index()
    wide = wide.reindex(sorted(wide.columns), axis=1)
    wide.columns.name = None
    return wide.reset_index()


def write_run_source(conn, run_id: int, kind: str, path: str, sha256: str, source_id: str | None,
                     details: dict[str, Any]) -> None:
    conn.execute(insert(run_sources).values(
        run_id=int(run_id), kind=kind, path=path, sha256=sha256, source_id=source_id,
        imported_at=utcnow(), details_json=json.dumps(details, default=str)))


def read_run_source(store, run_id: int) -> RunSource | None:
    c = run_sources.c
    with store._read(f"reading the source of run {run_id}") as conn:
        row = conn.execute(select(run_sources).where(c.run_id == int(run_id))).first()
    if row is None:
        return None
    try:
        details = json.loads(row.details_json)
    except ValueError:
        details = {}
    return RunSource(run_id=row.run_id, kind=row.kind, path=row.path, sha256=row.sha256,
                     source_id=row.source_id, imported_at=as_utc(row.imported_at), details=details)


def read_only_reason(model: str) -> str | None:
    """Why runs of `model` cannot be resumed or re-run, or None if they can."""
    return READ_ONLY_MODELS.get(model)


def refuse_continuation(info, doing: str = "resumed or re-run") -> None:
    """Raise StoreError when the run (a RunInfo) is an imported, read-only one."""
    reason = read_only_reason(info.model)
    if reason is not None:
        raise StoreError(f"run {info.id} ({info.name}) was {reason} (model {info.model!r}) and cannot be "
                         f"{doing}; its data "
                         "can be viewed, analysed and exported, and a new Farm GUI run can be started "
                         "from its configuration")
