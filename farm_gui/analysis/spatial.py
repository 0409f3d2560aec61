"""Spatial patterns of a point layer (any model with one) from the stored snapshots:
clustering per step (Clark-Evans nearest-neighbour index, for all points and per
category when the layer has one) and a density map of the positions summed over the
snapshots read. The layer is the ``layer`` parameter (default: the model's first point
layer with a category field, else its first point layer); the area is the model's world
size (or, for a model that declares none, the points' extent)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import Field

from farm_gui.core.model import ModelSpec

from .base import AnalysisModule, AnalysisResult, Control, ModuleParams, register
from .per_run import per_run
from .requirements import PointLayerWith, point_layers
from .source import RunSource, pick_evenly
from .stats import clark_evans

CLUSTER_COLUMNS = ["step", "agent_type", "n", "mean_nn", "expected_nn", "clark_evans_r", "z"]


class SpatialParams(ModuleParams):
    max_snapshots: int = Field(200, ge=1, le=100_000, description="Most stored snapshots read")
    grid_bins: int = Field(40, ge=2, le=1000, description="Cells per side of the density map")
    per_type: bool = Field(True, description="Also compute the clustering index within each category")
    layer: str | None = Field(None, description="Point layer to read (default: the model's first point "
                                                "layer with categories, else its first point layer)")


def default_layer(spec: ModelSpec) -> str | None:
    layers = point_layers(spec)
    typed = [layer for layer in layers if "category" in layer.fields]
    return (typed or layers)[0].name if layers else None


def prepare(params: SpatialParams, sources) -> SpatialParams:
    if params.layer is None and sources:
        layer = default_layer(sources[0].spec)
        if layer is not None:
            params = params.model_copy(update={"layer": layer})
    return params


def world_extent(source: RunSource, steps) -> tuple[float, float]:
    spec = source.spec
    if spec.world_size is not None:
        return spec.size(source.parameters())
    width = height = 0.0
    for step in steps[:1]:
        for data in source.layers(int(step)).values():
            if "x" in data and len(data["x"]):
                width = max(width, float(np.max(data["x"])))
                height = max(height, float(np.max(data["y"])))
    return float(np.ceil(width)) or 1.0, float(np.ceil(height)) or 1.0


def describe_r(r: float) -> str:
    if not np.isfinite(r):
        return "undefined"
    return "clustered" if r < 0.95 else "regular" if r > 1.05 else "close to random"


def compute_one(source: RunSource, params: SpatialParams, ctl: Control) -> AnalysisResult:
    spec = source.spec
    layer_name = params.layer or default_layer(spec)
    layer = spec.layer(layer_name)
    names = [c.name for c in getattr(layer, "categories", ())]
    steps = pick_evenly(source.snapshot_steps(), params.max_snapshots)
    width, height = world_extent(source, steps)
    area = width * height
    x_edges = np.linspace(0.0, width, params.grid_bins + 1)
    y_edges = np.linspace(0.0, height, params.grid_bins + 1)
    density = np.zeros((params.grid_bins, params.grid_bins))
    rows = []
    for i, step in enumerate(steps):
        data = source.layers(int(step)).get(layer_name, {})
        x = np.asarray(data.get("x", ()), dtype=float)
        y = np.asarray(data.get("y", ()), dtype=float)
        types = np.asarray(data["category"], dtype=np.int64) if "category" in data else np.zeros(0, np.int64)
        density += np.histogram2d(x, y, bins=(x_edges, y_edges))[0]
        rows.append({"step": int(step), "agent_type": "all", **clark_evans(x, y, area)})
        codes = np.unique(types) if params.per_type else []
        # A checkpoint after each nearest-neighbour pass (~10 ms for 10k agents), not only
        # after each snapshot, keeps pause/stop prompt on large worlds.
        ctl.checkpoint((i + 1 / (len(codes) + 1)) / len(steps), f"snapshot at step {int(step)}")
        for k, code in enumerate(codes):
            mask = types == code
            name = names[int(code)] if 0 <= int(code) < len(names) else str(int(code))
            rows.append({"step": int(step), "agent_type": name,
                         **clark_evans(x[mask], y[mask], area)})
            ctl.checkpoint((i + (k + 2) / (len(codes) + 1)) / len(steps), f"snapshot at step {int(step)}")

    clustering = pd.DataFrame(rows, columns=CLUSTER_COLUMNS)
    clustering["n"] = clustering["n"].astype(np.int64)
    ix, iy = np.meshgrid(np.arange(params.grid_bins), np.arange(params.grid_bins), indexing="ij")
    density_table = pd.DataFrame({
        "x_start": x_edges[ix.ravel()], "x_end": x_edges[ix.ravel() + 1],
        "y_start": y_edges[iy.ravel()], "y_end": y_edges[iy.ravel() + 1],
        "count": density.ravel(),
    })
    series: dict[str, dict[str, np.ndarray]] = {}
    for agent_type, part in clustering.groupby("agent_type", sort=False):
        series[f"clark-evans R/{agent_type}"] = {"x": part["step"].to_numpy(dtype=float),
                                                 "y": part["clark_evans_r"].to_numpy(dtype=float)}
    if len(steps):
        series["density/all agents"] = {"image": density, "x": x_edges, "y": y_edges}

    overall = clustering[clustering["agent_type"] == "all"]["clark_evans_r"].dropna()
    mean_r = float(overall.mean()) if len(overall) else float("nan")
    summary: dict[str, str | float] = {
        "snapshots_used": float(len(steps)),
        "mean_clark_evans_r": mean_r,
        "pattern": describe_r(mean_r) if len(steps) else "no snapshots stored",
    }
    if density.sum() > 0:
        busiest = np.unravel_index(int(np.argmax(density)), density.shape)
        summary["densest_cell"] = (f"x {x_edges[busiest[0]]:.1f}-{x_edges[busiest[0] + 1]:.1f}, "
                                   f"y {y_edges[busiest[1]]:.1f}-{y_edges[busiest[1] + 1]:.1f}")
    return AnalysisResult(
        module="spatial",
        tables={"clustering": clustering, "density": density_table},
        series=series,
        summary=summary,
    )


MODULE = register(AnalysisModule(
    name="spatial",
    title="Spatial patterns",
    description="Clark-Evans clustering of a point layer per snapshot and a density map of positions.",
    params_model=SpatialParams,
    compute=per_run("spatial", compute_one),
    requires=(PointLayerWith(),),
    prepare=prepare,
))
