"""Exporting stored runs to CSV, Parquet or JSON, plus a metadata file per run.

Used by both the command line and the GUI. Every file is written to a temporary name
in the target folder first and renamed only once all files of the export are
complete, so a failed export leaves neither partial nor temporary files behind.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from farm_gui import __version__
from farm_gui.config import AGENT_TYPES, config_to_dict
from farm_gui.config.file_mode import default_file_mode

from .generic_export import generic_frames, generic_tables, is_layer_table, legacy_tables
from .model_tables import LEGACY, find_spec, storage_of
from .records import StoreError
from .side_tables import read_extra_metrics, read_run_source

FORMATS: dict[str, str] = {"csv": "csv", "parquet": "parquet", "json": "json"}
TABLES: tuple[str, ...] = ("metrics", "agent_snapshots", "node_snapshots", "action_counts", "agents")
# Also accepted: "layers" (the world snapshots of any model: a generic run's layer files, a
# foraging run's agent and node snapshots) and "layer_<name>" (one layer of a generic run).
# Tables a run does not have are left out for it.
ACCEPTED_TABLES: tuple[str, ...] = (*TABLES, "layers")
# The tables to export: the same for every run, or each run's own (run id -> tables).
TableChoice = Sequence[str] | Mapping[int, Sequence[str]] | None


def tables_of_model(model: str, chosen: Sequence[str] = ACCEPTED_TABLES) -> list[str]:
    """The files (table names) a run of `model` gets for the chosen tables (by default
    all it has: the foraging ecology's TABLES; a generic model's metrics, one
    "layer_<name>" per declared layer and, with life events, agents; only metrics for a
    model that is not installed here)."""
    if storage_of(model) == LEGACY:
        return legacy_tables(chosen)
    return generic_tables(find_spec(model), chosen)


def run_tables(store, run_id: int, chosen) -> list[str]:
    """The files (table names) `run_id` gets for the chosen tables."""
    return tables_of_model(store.get_run(run_id).model, chosen)


class ExportError(StoreError):
    """An export could not be written (existing file, unwritable folder, ...)."""


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False)


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    frame.to_parquet(path, index=False, engine="pyarrow")


def _json_value(value):
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def _write_json(frame: pd.DataFrame, path: Path) -> None:
    # Python's json writes floats exactly (shortest repr); pandas' to_json rounds to 15 digits.
    records = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(records, fh, default=_json_value, allow_nan=False)


WRITERS: dict[str, Callable[[pd.DataFrame, Path], None]] = {
    "csv": _write_csv,
    "parquet": _write_parquet,
    "json": _write_json,
}


def safe_name(name: str, limit: int = 60) -> str:
    """A file-name fragment from a run name: letters, digits, '.', '_' and '-' only."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._-")
    return cleaned[:limit] or "run"


def _in_range(steps: np.ndarray, step_range: tuple[int | None, int | None] | None) -> np.ndarray:
    lo, hi = step_range or (None, None)
    keep = np.ones(len(steps), dtype=bool)
    if lo is not None:
        keep &= steps >= lo
    if hi is not None:
        keep &= steps < hi
    return keep


def agent_snapshots_frame(store, run_id: int, steps=None, tick: Callable[[], None] | None = None
                          ) -> pd.DataFrame:
    """Long form of the stored agent snapshots: one row per living agent per snapshot step."""
    frames = []
    snapshot_steps = store.snapshot_steps(run_id)
    for step in snapshot_steps[_in_range(snapshot_steps, steps)].tolist():
        if tick is not None:
            tick()
        state = store.world_state(run_id, step)
        n = len(state["agent_id"])
        frames.append(pd.DataFrame({
            "step": np.full(n, step, dtype=np.int64),
            "agent_id": state["agent_id"],
            "agent_type": np.array(AGENT_TYPES, dtype=object)[state["agent_type"].astype(np.int64)],
            "x": state["agent_x"], "y": state["agent_y"],
            "resources": state["agent_resources"], "health": state["agent_health"],
            "generation": state["agent_generation"].astype(np.int64),
        }))
    columns = ["step", "agent_id", "agent_type", "x", "y", "resources", "health", "generation"]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object if c == "agent_type" else np.float64)
                             for c in columns})
    return pd.concat(frames, ignore_index=True)[columns]


def node_snapshots_frame(store, run_id: int, steps=None, tick: Callable[[], None] | None = None
                         ) -> pd.DataFrame:
    """Long form of the stored node snapshots: one row per node per snapshot step."""
    frames = []
    snapshot_steps = store.snapshot_steps(run_id)
    for step in snapshot_steps[_in_range(snapshot_steps, steps)].tolist():
        if tick is not None:
            tick()
        state = store.world_state(run_id, step)
        n = len(state["node_x"])
        frames.append(pd.DataFrame({
            "step": np.full(n, step, dtype=np.int64), "node": np.arange(n, dtype=np.int64),
            "x": state["node_x"], "y": state["node_y"], "amount": state["node_amount"],
        }))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=np.float64) for c in ("step", "node", "x", "y", "amount")})
    return pd.concat(frames, ignore_index=True)


def _run_tables(store, run_id: int, steps, tables: Sequence[str], tick: Callable[[], None]
                ) -> dict[str, pd.DataFrame]:
    model = store.get_run(run_id).model
    if storage_of(model) != LEGACY:
        return generic_frames(store, run_id, find_spec(model), steps, tables, tick)
    lo, hi = steps or (None, None)
    makers = {
        "metrics": lambda: _with_extra_metrics(store, run_id, store.metrics_frame(run_id, lo, hi), lo, hi),
        "agent_snapshots": lambda: agent_snapshots_frame(store, run_id, steps, tick),
        "node_snapshots": lambda: node_snapshots_frame(store, run_id, steps, tick),
        "action_counts": lambda: store.action_counts_frame(run_id, lo, hi),
        "agents": lambda: store.agents_frame(run_id),
    }
    frames = {}
    for table in tables:
        frames[table] = makers[table]()
        tick()
    return frames


def _with_extra_metrics(store, run_id: int, metrics: pd.DataFrame, lo, hi) -> pd.DataFrame:
    """The run's extra metrics (an imported run's AgentFarm-only ones) as more columns."""
    extra = read_extra_metrics(store, run_id, lo, hi)
    if len(extra.columns) <= 1:
        return metrics
    return metrics.merge(extra, on="step", how="left")


def _metadata(store, run_id: int, fmt: str, steps, files: list[str]) -> dict:
    info = store.get_run(run_id)
    config = store.run_config(run_id)
    exported_at = datetime.now(UTC).isoformat(timespec="seconds")
    step_range = {"start": steps[0] if steps else None, "stop": steps[1] if steps else None}
    return {
        "application": "farm-gui",
        "app_version": __version__,
        "exported_at": exported_at,
        "format": fmt,
        "step_range": step_range,
        "database": store.url,
        "run": {
            "id": info.id, "name": info.name, "model": info.model, "model_version": info.model_version,
            "status": info.status,
            "seed": info.seed, "total_steps": info.total_steps, "steps_done": info.steps_done,
            "created_at": info.created_at.isoformat(),
            "started_at": info.started_at.isoformat() if info.started_at else None,
            "finished_at": info.finished_at.isoformat() if info.finished_at else None,
            "error": info.error, "notes": info.notes,
            "parent_run": info.parent_run, "parent_step": info.parent_step,  # a fork's lineage
        },
        "config": config_to_dict(config),
        "files": files,
        "formats": {fmt: {"files": files, "step_range": step_range, "exported_at": exported_at}},
        **_source(store, run_id),
    }


METADATA_APP = "farm-gui"


def _mergeable_metadata(path: Path, run_id: int) -> dict | None:
    """The metadata file at ``path`` when it is one this exporter wrote for the same run
    (an export of the run in another format): the new export adds to it instead of
    being stopped by it."""
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("application") != METADATA_APP:
        return None
    run = meta.get("run")
    if not isinstance(run, dict) or run.get("id") != run_id:
        return None
    return meta


def _merged_metadata(new: dict, old: dict | None) -> dict:
    """``new`` plus what ``old`` recorded of the run's exports in other formats: the
    files of every format, and each format's own files, step range and time."""
    if old is None:
        return new
    formats = {k: v for k, v in (old.get("formats") or {}).items() if isinstance(v, dict)}
    if not formats and isinstance(old.get("format"), str):  # written before "formats" existed
        formats[old["format"]] = {"files": old.get("files", []), "step_range": old.get("step_range"),
                                  "exported_at": old.get("exported_at")}
    formats.update(new["formats"])
    files = [f for spec in formats.values() for f in spec.get("files", [])]
    return {**new, "files": list(dict.fromkeys(files)), "formats": formats}


def _source(store, run_id: int) -> dict:
    source = read_run_source(store, run_id)
    if source is None:
        return {}
    return {"source": {"kind": source.kind, "path": source.path, "sha256": source.sha256,
                       "source_id": source.source_id,
                       "imported_at": source.imported_at.isoformat() if source.imported_at else None,
                       **{k: v for k, v in source.details.items() if k not in ("agent_ids", "node_ids")},
                       "agent_ids": source.details.get("agent_ids")}}


def _check_folder(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise ExportError(f"cannot export to {out_dir}: it is a file, not a folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ExportError(f"cannot create the export folder {out_dir} ({err.strerror or err})") from None
    if not os.access(out_dir, os.W_OK):
        raise ExportError(f"cannot export to {out_dir}: the folder is not writable")


def _temp_path(target: Path) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    return Path(tmp)


class ExportCancelled(ExportError):
    """The user cancelled an export; nothing of it was kept."""


def _plan(store, run_ids: Sequence[int], out: Path, fmt: str, tables: Mapping[int, tuple[str, ...]]
          ) -> list[tuple[int, str, Path]]:
    plan: list[tuple[int, str, Path]] = []
    for run_id in run_ids:
        base = f"{safe_name(store.get_run(run_id).name)}_run{int(run_id)}"
        plan += [(int(run_id), table, out / f"{base}_{table}.{FORMATS[fmt]}")
                 for table in run_tables(store, run_id, tables[int(run_id)])]
        plan.append((int(run_id), "metadata", out / f"{base}_metadata.json"))
    return plan


def _check_tables(tables: Sequence[str] | None, what: str = "") -> tuple[str, ...]:
    if isinstance(tables, str):
        tables = [tables]
    chosen = tuple(ACCEPTED_TABLES if tables is None else dict.fromkeys(tables))
    unknown = [t for t in chosen if t not in ACCEPTED_TABLES and not is_layer_table(t)]
    if unknown:
        raise ExportError(f"unknown table {unknown[0]!r}{what}; choose from {', '.join(ACCEPTED_TABLES)} "
                          "or layer_<layer name>")
    if not chosen:
        raise ExportError(f"no tables chosen to export{what}")
    return chosen


def _check_args(run_ids, fmt: str, tables: TableChoice) -> dict[int, tuple[str, ...]]:
    """Each run's chosen tables (checked), by run id."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if not run_ids:
        raise ExportError("no runs to export")
    if isinstance(tables, Mapping):
        per_run = {int(k): v for k, v in tables.items()}
        missing = [int(r) for r in run_ids if int(r) not in per_run]
        if missing:
            raise ExportError(f"no tables chosen for run {missing[0]}")
        return {int(r): _check_tables(per_run[int(r)], f" for run {int(r)}") for r in run_ids}
    chosen = _check_tables(tables)
    return {int(r): chosen for r in run_ids}


def files_in_the_way(store, run_ids: Sequence[int], out_dir: str | os.PathLike[str], fmt: str,
                     tables: TableChoice = None) -> list[Path]:
    """The files an export would replace: existing data files of the same names, and
    metadata files that are not this exporter's for the same run (its own are added to).
    A folder that does not exist yet has none."""
    chosen = _check_args(run_ids, fmt, tables)
    out = Path(out_dir).expanduser()
    if not out.is_dir():
        return []
    return [target for run_id, table, target in _plan(store, run_ids, out, fmt, chosen)
            if target.exists() and (table != "metadata" or _mergeable_metadata(target, run_id) is None)]


def export_work(store, run_ids: Sequence[int], tables: TableChoice = None, steps=None) -> int:
    """Units of work ``export_runs`` reports progress in: per run, one per table (and
    one per stored world snapshot in the range for each snapshot table) plus the files."""
    chosen = _check_args(run_ids, "csv", tables)
    total = 0
    for run_id in run_ids:
        mine = run_tables(store, run_id, chosen[int(run_id)])
        total += 2 * len(mine) + 1
        snapshots = int(_in_range(store.snapshot_steps(run_id), steps).sum())
        total += snapshots * sum(t in ("agent_snapshots", "node_snapshots") or t.startswith("layer_")
                                 for t in mine)
    return total


def export_runs(store, run_ids: Sequence[int], out_dir: str | os.PathLike[str], fmt: str,
                steps: tuple[int | None, int | None] | None = None, overwrite: bool = False,
                tables: TableChoice = None,
                progress: Callable[[int, int], bool] | None = None) -> list[Path]:
    """Export metrics, agent and node snapshots, action counts and agent lives of each
    run (a generic run: metrics, its layers and agent lives) as `fmt` files (``tables``,
    all by default, or a mapping run id -> that run's tables; optionally only steps in
    [start, stop)), plus a `<name>_metadata.json` per run, shared by the run's exports in other
    formats (each adds its files to it). Returns the written paths, which get the
    user's default permissions. Raises ExportError naming the file or folder when
    something is in the way; writes nothing then. ``progress(done, total)`` is called
    as the work goes; when it returns False the export stops, removes what it wrote so
    far and raises ExportCancelled."""
    chosen = _check_args(run_ids, fmt, tables)
    out = Path(out_dir).expanduser()
    _check_folder(out)
    plan = _plan(store, run_ids, out, fmt, chosen)
    merge: dict[int, dict | None] = {}
    for run_id, table, target in plan:
        if table == "metadata" and target.exists():
            merge[run_id] = _mergeable_metadata(target, run_id)
            if merge[run_id] is not None:
                continue
        if not overwrite and target.exists():
            raise ExportError(f"{target} already exists; choose another folder or allow overwriting")
    total = export_work(store, run_ids, chosen, steps) if progress is not None else 0
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None and progress(min(done, total), total) is False:
            raise ExportCancelled("export cancelled; no files were kept")

    written: list[tuple[Path, Path]] = []
    try:
        for run_id in dict.fromkeys(r for r, _, _ in plan):
            targets = [(t, p) for r, t, p in plan if r == run_id]
            frames = _run_tables(store, run_id, steps, [t for t, _ in targets if t != "metadata"], tick)
            for table, target in targets:
                tmp = _temp_path(target)
                written.append((tmp, target))
                if table == "metadata":
                    meta = _metadata(store, run_id, fmt, steps, [p.name for t, p in targets if t != table])
                    meta = _merged_metadata(meta, merge.get(run_id))
                    tmp.write_text(json.dumps(meta, indent=2), encoding="utf-8")
                else:
                    WRITERS[fmt](frames[table], tmp)
                tick()
        mode = default_file_mode()
        for tmp, target in written:
            os.chmod(tmp, mode)
            os.replace(tmp, target)
    except OSError as err:
        raise ExportError(f"export to {out} failed ({err.strerror or err})") from err
    finally:
        for tmp, _ in written:
            tmp.unlink(missing_ok=True)
    return [target for _, target in written]
