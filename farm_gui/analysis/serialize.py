"""An AnalysisResult to and from one JSON text (what the store keeps), and to
files: one CSV per table plus a JSON with everything (what the CLI and the panel
export)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .base import AnalysisError, AnalysisResult

FORMAT_VERSION = 1


def _clean(value: Any) -> Any:
    """JSON-safe scalars: numpy -> Python, NaN/inf -> None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _array_to_json(array: np.ndarray) -> dict[str, Any]:
    array = np.asarray(array)
    flat = array.astype(float).ravel() if array.dtype.kind in "biuf" else array.ravel()
    return {"shape": list(array.shape), "data": [_clean(v) for v in flat.tolist()]}


def _array_from_json(data: dict[str, Any]) -> np.ndarray:
    values = np.array([np.nan if v is None else v for v in data["data"]], dtype=float)
    return values.reshape(data["shape"])


def _table_to_json(frame: pd.DataFrame) -> dict[str, Any]:
    return {
        "columns": [str(c) for c in frame.columns],
        "dtypes": [str(t) for t in frame.dtypes],
        "data": {str(c): [_clean(v) for v in frame[c].tolist()] for c in frame.columns},
    }


def _table_from_json(data: dict[str, Any]) -> pd.DataFrame:
    frame = pd.DataFrame({c: data["data"][c] for c in data["columns"]}, columns=data["columns"])
    for column, dtype in zip(data["columns"], data["dtypes"], strict=True):
        values = frame[column]
        if dtype.startswith(("int", "uint")) and values.notna().all():
            frame[column] = values.astype(dtype)
        elif dtype.startswith("float"):
            frame[column] = pd.to_numeric(values, errors="coerce").astype(dtype)
        elif dtype == "bool" and values.notna().all():
            frame[column] = values.astype(bool)
    return frame


def result_to_dict(result: AnalysisResult) -> dict[str, Any]:
    return {
        "format": FORMAT_VERSION,
        "module": result.module,
        "params": result.params,
        "run_ids": list(result.run_ids),
        "summary": {k: _clean(v) for k, v in result.summary.items()},
        "tables": {name: _table_to_json(t) for name, t in result.tables.items()},
        "series": {name: {k: _array_to_json(v) for k, v in s.items()} for name, s in result.series.items()},
    }


# json.dumps is one C call that holds the GIL from start to end: 20-80 ms for a result
# with a 100,000-step series, during which the window could not run. Long lists are
# encoded in slices of this many values, so other threads get their turn in between.
_JSON_SLICE = 2048


def _dumps(value: Any) -> str:
    return json.dumps(value, allow_nan=False, separators=(",", ":"))


def _encode(value: Any, out: list[str]) -> None:
    if isinstance(value, dict):
        out.append("{")
        for i, (key, item) in enumerate(value.items()):
            out.append(("," if i else "") + _dumps(str(key)) + ":")
            _encode(item, out)
        out.append("}")
    elif isinstance(value, list) and len(value) > _JSON_SLICE:
        out.append("[")
        for start in range(0, len(value), _JSON_SLICE):
            out.append(("," if start else "") + _dumps(value[start:start + _JSON_SLICE])[1:-1])
        out.append("]")
    else:
        out.append(_dumps(value))


def result_to_json(result: AnalysisResult) -> str:
    """The same text as json.dumps(result_to_dict(result)) with compact separators."""
    out: list[str] = []
    _encode(result_to_dict(result), out)
    return "".join(out)


def result_from_json(text: str) -> AnalysisResult:
    try:
        data = json.loads(text)
        if data.get("format") != FORMAT_VERSION:
            raise AnalysisError(f"analysis result has format {data.get('format')!r}; "
                                f"this version reads format {FORMAT_VERSION}")
        return AnalysisResult(
            module=data["module"],
            params=data.get("params", {}),
            run_ids=list(data.get("run_ids", [])),
            summary={k: (float("nan") if v is None else v) for k, v in data.get("summary", {}).items()},
            tables={name: _table_from_json(t) for name, t in data.get("tables", {}).items()},
            series={name: {k: _array_from_json(v) for k, v in s.items()}
                    for name, s in data.get("series", {}).items()},
        )
    except (ValueError, KeyError, TypeError) as err:
        if isinstance(err, AnalysisError):
            raise
        raise AnalysisError(f"stored analysis result is not readable: {err}") from None


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "result"


MAX_IDS_IN_NAME = 8  # more runs (an experiment's) are named by their lowest and highest id and count


def default_stem(result: AnalysisResult) -> str:
    ids = list(result.run_ids)
    if len(ids) > MAX_IDS_IN_NAME:  # (an experiment's runs come in design order, not id order)
        return safe_name(f"{result.module}_run{min(ids)}-{max(ids)}_{len(ids)}runs")
    runs = "-".join(str(r) for r in ids) or "runs"
    return safe_name(f"{result.module}_run{runs}")


def write_result_files(result: AnalysisResult, out_dir: str | Path, stem: str | None = None) -> list[Path]:
    """Write ``<stem>_<table>.csv`` for each table and ``<stem>.json`` with the
    whole result (parameters, summary, tables, series). Returns the paths."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise AnalysisError(f"cannot create output directory {out}: {err.strerror or err}") from None
    stem = safe_name(stem) if stem else default_stem(result)
    paths = []
    try:
        for name, table in result.tables.items():
            path = out / f"{stem}_{safe_name(name)}.csv"
            table.to_csv(path, index=False)
            paths.append(path)
        path = out / f"{stem}.json"
        path.write_text(json.dumps(result_to_dict(result), indent=1, allow_nan=False), encoding="utf-8")
        paths.append(path)
    except OSError as err:
        raise AnalysisError(f"cannot write results to {out}: {err.strerror or err}") from None
    return paths


def write_table_csv(result: AnalysisResult, table: str, path: str | Path) -> Path:
    path = Path(path)
    result.tables[table].to_csv(path, index=False)
    return path


def write_result_json(result: AnalysisResult, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(json.dumps(result_to_dict(result), indent=1, allow_nan=False), encoding="utf-8")
    return path
