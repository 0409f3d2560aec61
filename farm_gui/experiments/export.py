"""Exporting an experiment as two tables (CSV or Parquet):

- ``experiment<ID>_steps.<fmt>``: the long table, one row per run and step: run_id, point,
  replicate, seed, the factor columns, step, then every metric;
- ``experiment<ID>_summary.<fmt>``: one row per planned run: run_id, point, replicate,
  seed, status, error, the factor columns, steps_done, then ``final_<metric>`` and
  ``mean_<metric>`` for every metric (empty for a run not run yet).

Files are written under temporary names and renamed when complete; existing files are not
replaced without ``overwrite``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from farm_gui.store import Store, StoreError

FORMATS = ("csv", "parquet")


class ExperimentExportError(StoreError):
    pass


def _write(frame: pd.DataFrame, path: Path, fmt: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        if fmt == "csv":
            frame.to_csv(tmp, index=False)
        else:
            frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def experiment_tables(store: Store, experiment_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(long table, summary table) of an experiment."""
    info = store.get_experiment(experiment_id)
    runs = store.experiment_runs(experiment_id)
    factor_names: list[str] = list(dict.fromkeys(k for r in runs for k in r.factors))
    status_of: dict[int, str] = {}
    long_parts: list[pd.DataFrame] = []
    summary_rows: list[dict] = []
    metric_names: list[str] = []
    for r in runs:
        row: dict = {"run_id": r.run_id, "point": r.point, "replicate": r.replicate, "seed": r.seed,
                     "status": r.status, "error": r.error}
        row.update({name: r.factors.get(name) for name in factor_names})
        data: dict[str, np.ndarray] = {}
        if r.run_id is not None:
            try:
                data = store.metrics(r.run_id)
            except StoreError:  # the run was deleted since
                data = {}
            status_of[r.run_id] = r.status
        steps = data.get("step", np.empty(0, dtype=np.int64))
        names = [k for k in data if k != "step"]
        for k in names:
            if k not in metric_names:
                metric_names.append(k)
        row["steps_done"] = int(len(steps))
        for k in names:
            values = np.asarray(data[k])
            row[f"final_{k}"] = values[-1].item() if len(values) else None
            row[f"mean_{k}"] = float(np.mean(values)) if len(values) else None
        summary_rows.append(row)
        if len(steps):
            part = {"run_id": np.full(len(steps), r.run_id, dtype=np.int64),
                    "point": np.full(len(steps), r.point, dtype=np.int64),
                    "replicate": np.full(len(steps), r.replicate, dtype=np.int64),
                    "seed": np.full(len(steps), r.seed, dtype=np.int64)}
            for name in factor_names:
                part[name] = [r.factors.get(name)] * len(steps)
            part["step"] = steps
            for k in names:
                part[k] = data[k]
            long_parts.append(pd.DataFrame(part))
    base_cols = ["run_id", "point", "replicate", "seed", *factor_names, "step"]
    long = pd.concat(long_parts, ignore_index=True) if long_parts else pd.DataFrame(columns=base_cols)
    long = long.reindex(columns=base_cols + [m for m in metric_names if m not in base_cols])
    summary = pd.DataFrame(summary_rows)
    cols = ["run_id", "point", "replicate", "seed", "status", "error", *factor_names, "steps_done"]
    cols += [f"{p}_{m}" for m in metric_names for p in ("final", "mean")]
    summary = summary.reindex(columns=cols)
    summary["run_id"] = summary["run_id"].astype("Int64")
    summary.attrs["experiment"] = info.name
    return long, summary


def export_paths(experiment_id: int, out_dir: str | os.PathLike[str], fmt: str) -> list[Path]:
    """The two files an export writes: the step table and the summary."""
    stem = Path(out_dir).expanduser() / f"experiment{int(experiment_id)}"
    return [stem.with_name(f"{stem.name}_steps.{fmt}"), stem.with_name(f"{stem.name}_summary.{fmt}")]


def export_experiment(store: Store, experiment_id: int, out_dir: str | os.PathLike[str], fmt: str,
                      overwrite: bool = False) -> list[Path]:
    if fmt not in FORMATS:
        raise ExperimentExportError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    out = Path(out_dir).expanduser()
    if out.exists() and not out.is_dir():
        raise ExperimentExportError(f"{out} is a file, not a folder")
    paths = export_paths(experiment_id, out, fmt)
    if not overwrite:
        existing = [str(p) for p in paths if p.exists()]
        if existing:
            raise ExperimentExportError(f"{', '.join(existing)} already exist; "
                                        "use --overwrite to replace them")
    long, summary = experiment_tables(store, experiment_id)
    try:
        out.mkdir(parents=True, exist_ok=True)
        _write(long, paths[0], fmt)
        _write(summary, paths[1], fmt)
    except OSError as err:
        raise ExperimentExportError(f"cannot write into {out}: {err.strerror or err}") from None
    return paths
