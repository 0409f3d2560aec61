"""What an export writes for a run of a model-generic model: its metrics with the
model's own columns (run_id, step, then every declared metric), one long table per world
layer (a point layer: step, point, x, y and its fields, categories by name; a raster:
step, row, col, value) and, for models with life events, the agents table."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from farm_gui.core.model import ModelSpec, PointLayer

# Tables a generic run offers (one "layer_<name>" file per declared layer for "layers").
GENERIC_TABLES: tuple[str, ...] = ("metrics", "layers", "agents")
# The foraging ecology's world-snapshot tables ask for a generic run's layers, and "layers"
# asks for the foraging ecology's snapshot tables: one menu entry serves both.
SNAPSHOT_TABLES = ("agent_snapshots", "node_snapshots")


LAYER_PREFIX = "layer_"


def is_layer_table(table: str) -> bool:
    """A single layer's table, "layer_<layer name>" (asks for that layer only)."""
    return table.startswith(LAYER_PREFIX) and len(table) > len(LAYER_PREFIX)


def generic_tables(spec: ModelSpec | None, chosen: Sequence[str]) -> list[str]:
    """The files (table names) a generic run of `spec` gets for the `chosen` tables:
    "layers" (or a snapshot table) asks for every declared layer, "layer_<name>" for
    that one; tables the run does not have are left out."""
    out: list[str] = []
    wants_layers = any(t in chosen for t in ("layers", *SNAPSHOT_TABLES))
    if "metrics" in chosen:
        out.append("metrics")
    if spec is not None:
        out += [f"{LAYER_PREFIX}{layer.name}" for layer in spec.layers
                if wants_layers or f"{LAYER_PREFIX}{layer.name}" in chosen]
    if "agents" in chosen and spec is not None and spec.events:
        out.append("agents")
    return out


def legacy_tables(chosen: Sequence[str]) -> list[str]:
    """The foraging ecology's tables for `chosen` ("layers" = its two snapshot tables;
    it has no "layer_<name>" tables)."""
    out = [t for t in chosen if t != "layers" and not is_layer_table(t)]
    if "layers" in chosen:
        out += [t for t in SNAPSHOT_TABLES if t not in out]
    return out


def metrics_frame(store, run_id: int, lo, hi) -> pd.DataFrame:
    data = store.metrics(run_id, lo, hi)
    frame = pd.DataFrame(data, columns=list(data))
    frame.insert(0, "run_id", np.full(len(frame), int(run_id), dtype=np.int64))
    return frame


def _in_range(steps: np.ndarray, step_range) -> np.ndarray:
    lo, hi = step_range or (None, None)
    keep = np.ones(len(steps), dtype=bool)
    if lo is not None:
        keep &= steps >= lo
    if hi is not None:
        keep &= steps < hi
    return keep


def layer_frame(store, run_id: int, spec: ModelSpec, layer_name: str, steps,
                tick: Callable[[], None] | None = None) -> pd.DataFrame:
    layer = spec.layer(layer_name)
    all_steps = store.snapshot_steps(run_id)
    frames = []
    for step in all_steps[_in_range(all_steps, steps)].tolist():
        if tick is not None:
            tick()
        arrays = store.layers(run_id, step).get(layer_name)
        if arrays is None:
            continue
        if isinstance(layer, PointLayer):
            n = len(arrays["x"])
            columns = {"step": np.full(n, step, dtype=np.int64), "point": np.arange(n, dtype=np.int64),
                       "x": arrays["x"], "y": arrays["y"]}
            for field in layer.fields:
                values = arrays[field]
                if field == "category":
                    names = np.array([c.name for c in layer.categories], dtype=object)
                    codes = values.astype(np.int64)
                    inside = (codes >= 0) & (codes < len(names))
                    values = np.where(inside, names[np.clip(codes, 0, max(0, len(names) - 1))],
                                      codes.astype(str).astype(object))
                columns[field] = values
            frames.append(pd.DataFrame(columns))
        else:
            values = arrays["values"]
            h, w = values.shape
            rows, cols = np.divmod(np.arange(h * w, dtype=np.int64), w)
            if layer.mode == "category":
                names = np.array([c.name for c in layer.categories], dtype=object)
                codes = values.reshape(-1).astype(np.int64)
                flat = names[np.clip(codes, 0, len(names) - 1)]
            else:
                flat = values.reshape(-1)
            frames.append(pd.DataFrame({"step": np.full(h * w, step, dtype=np.int64), "row": rows,
                                        "col": cols, "value": flat}))
    if frames:
        return pd.concat(frames, ignore_index=True)
    names = (["step", "point", "x", "y", *layer.fields] if isinstance(layer, PointLayer)
             else ["step", "row", "col", "value"])
    return pd.DataFrame({c: pd.Series(dtype=np.float64) for c in names})


def generic_frames(store, run_id: int, spec: ModelSpec | None, steps, tables: Sequence[str],
                   tick: Callable[[], None]) -> dict[str, pd.DataFrame]:
    lo, hi = steps or (None, None)
    frames: dict[str, pd.DataFrame] = {}
    for table in tables:
        if table == "metrics":
            frames[table] = metrics_frame(store, run_id, lo, hi)
        elif table == "agents":
            frames[table] = store.agents_frame(run_id)
        elif is_layer_table(table) and spec is not None:
            frames[table] = layer_frame(store, run_id, spec, table[len(LAYER_PREFIX):], steps, tick)
        tick()
    return frames
