"""Wealth distribution (any model with a point layer that has a value field, e.g. the
Boltzmann wealth model's agents): at one stored step, a histogram of the points'
values, the Lorenz curve (share of the total held by the poorest share of points) and
the Gini coefficient, with a few summary figures (mean, median, richest, share with
nothing, share held by the richest tenth).

Gini of values sorted ascending x_1 <= ... <= x_n with total S:
G = 2 * sum(i * x_i) / (n * S) - (n + 1) / n, the same formula as Mesa's
``compute_gini`` (1 + 1/n - 2 * sum(x_i * (n - i + 1)) / (n * S)); undefined (NaN)
when the total is 0. The step is a snapshot step: the world after that many steps,
whose metrics are in the row numbered step - 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import Field

from farm_gui.core.model import ModelSpec

from .base import AnalysisError, AnalysisModule, AnalysisResult, Control, ModuleParams, register
from .per_run import per_run
from .requirements import PointLayerWith, point_layers
from .source import RunSource, downsample

AUTO_INTEGER_BINS = 200  # integer values spanning fewer than this get one bin per value


class WealthParams(ModuleParams):
    step: int | None = Field(None, ge=0, description="Snapshot step to read (the latest stored at or "
                                                     "before it; default: the last stored)")
    layer: str | None = Field(None, description="Point layer whose value field is read (default: the "
                                                "model's first point layer with values and ids)")
    bins: int = Field(0, ge=0, le=10_000, description="Histogram bins (0: one per value for integer "
                                                      "values, else automatic)")
    max_points: int = Field(2000, ge=10, le=1_000_000, description="Most points of the Lorenz curve")


def default_layer(spec: ModelSpec) -> str | None:
    """The first point layer with a value field, preferring one whose points have ids
    (agents rather than, say, resource nodes)."""
    layers = point_layers(spec, ("value",))
    with_ids = [layer for layer in layers if "id" in layer.fields]
    return (with_ids or layers)[0].name if layers else None


def prepare(params: WealthParams, sources) -> WealthParams:
    if params.layer is None and sources:
        layer = default_layer(sources[0].spec)
        if layer is not None:
            params = params.model_copy(update={"layer": layer})
    return params


def gini(values: np.ndarray) -> float:
    x = np.sort(np.asarray(values, dtype=float))
    n, total = len(x), float(np.sum(x))
    if n == 0 or total == 0:
        return float("nan")
    i = np.arange(1, n + 1)
    return float(2.0 * np.sum(i * x) / (n * total) - (n + 1) / n)


def lorenz(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(share of points, share of the total they hold), from (0, 0) to (1, 1), poorest first."""
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    people = np.arange(n + 1) / max(n, 1)
    total = float(np.sum(x))
    held = np.concatenate([[0.0], np.cumsum(x)]) / total if total else np.full(n + 1, np.nan)
    return people, held


def histogram(values: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    v = np.asarray(values, dtype=float)
    if not len(v):
        return np.zeros(1, dtype=np.int64), np.array([0.0, 1.0])
    integer = bool(np.all(v == np.round(v)))
    lo, hi = float(v.min()), float(v.max())
    if bins == 0 and integer and hi - lo < AUTO_INTEGER_BINS:
        edges = np.arange(lo - 0.5, hi + 1.0, 1.0)
        counts, edges = np.histogram(v, bins=edges)
    else:
        counts, edges = np.histogram(v, bins=bins or "auto")
    return counts.astype(np.int64), edges.astype(float)


def pick_step(source: RunSource, wanted: int | None) -> int:
    steps = source.snapshot_steps()
    if not len(steps):
        raise AnalysisError(f"{source.label} has no stored world snapshots (run it with "
                            "snapshot_every > 0)")
    if wanted is None:
        return int(steps[-1])
    earlier = steps[steps <= wanted]
    if not len(earlier):
        raise AnalysisError(f"step: {source.label} has no snapshot at or before step {wanted} "
                            f"(the first is at step {int(steps[0])})")
    return int(earlier[-1])


def compute_one(source: RunSource, params: WealthParams, ctl: Control) -> AnalysisResult:
    layer = params.layer or default_layer(source.spec)
    step = pick_step(source, params.step)
    data = source.layers(step).get(layer, {})
    values = np.asarray(data.get("value", np.zeros(0)), dtype=float)
    ctl.checkpoint(0.5, f"values at step {step}")
    counts, edges = histogram(values, params.bins)
    people, held = lorenz(values)
    n, total = len(values), float(values.sum())
    hist = pd.DataFrame({"bin_start": edges[:-1], "bin_end": edges[1:], "count": counts,
                         "share": counts / n if n else np.zeros(len(counts))})
    curve = pd.DataFrame({"population_share": people, "value_share": held})
    xs = np.repeat(edges, 2)
    ys = np.concatenate([[0.0], np.repeat(counts.astype(float), 2), [0.0]])
    lx, ly = downsample(people, held, max_points=params.max_points)
    top = np.sort(values)[::-1][:max(1, int(np.ceil(n / 10)))] if n else values
    summary: dict[str, str | float] = {
        "step": float(step),
        "layer": layer,
        "points": float(n),
        "total": total,
        "mean": float(values.mean()) if n else float("nan"),
        "median": float(np.median(values)) if n else float("nan"),
        "max": float(values.max()) if n else float("nan"),
        "share_with_nothing": float(np.mean(values <= 0)) if n else float("nan"),
        "top_10pct_share": float(top.sum() / total) if n and total else float("nan"),
        "gini": gini(values),
    }
    return AnalysisResult(
        module="wealth",
        tables={"histogram": hist, "lorenz": curve},
        series={f"histogram at step {step}/{layer}": {"x": xs, "y": ys},
                "lorenz curve/equality": {"x": np.array([0.0, 1.0]), "y": np.array([0.0, 1.0])},
                f"lorenz curve/{layer}": {"x": lx, "y": ly}},
        summary=summary,
    )


MODULE = register(AnalysisModule(
    name="wealth",
    title="Wealth distribution",
    description="Histogram and Lorenz curve of a point layer's values (e.g. agents' wealth) at a chosen "
                "step, with the Gini coefficient.",
    params_model=WealthParams,
    compute=per_run("wealth", compute_one),
    requires=(PointLayerWith(("value",)),),
    prepare=prepare,
))
