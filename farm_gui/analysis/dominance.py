"""Dominance (any model whose metrics count categories): which category dominates a
run, by final population, by the area under its population curve (agent-steps), by a
recency-weighted area (step t of T weighs 0.5 ** ((T - 1 - t) / half_life)), and how
long each category led and how often the lead switched. A step where the top count is shared (or zero) has no
leader; switches count changes between successive sole leaders."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import Field

from .base import AnalysisModule, AnalysisResult, Control, ModuleParams, ScaledControl, register
from .per_run import per_run
from .requirements import CategoryCounts
from .source import RunSource, downsample, load_metrics, population_matrix, present_categories
from .stats import safe_div


class DominanceParams(ModuleParams):
    half_life: float | None = Field(None, gt=0, description="Recency half-life in steps (default: a quarter "
                                                            "of the run)")
    max_points: int = Field(2000, ge=10, le=1_000_000, description="Most points per plotted curve")


def leaders(pops: np.ndarray) -> np.ndarray:
    """Index of the sole leading type at each step, -1 where there is none."""
    if pops.shape[1] == 0:
        return np.full(len(pops), -1)
    top = pops.max(axis=1)
    sole = (pops == top[:, None]).sum(axis=1) == 1
    return np.where(sole & (top > 0), pops.argmax(axis=1), -1)


def lead_periods(steps: np.ndarray, lead: np.ndarray, types: list[str]) -> pd.DataFrame:
    """Maximal runs of steps with the same sole leader."""
    columns = ["type", "start_step", "end_step", "length"]
    if not len(lead):
        return pd.DataFrame(columns=columns)
    change = np.flatnonzero(np.diff(lead)) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [len(lead)]]) - 1
    keep = lead[starts] >= 0
    starts, ends = starts[keep], ends[keep]
    return pd.DataFrame({
        "type": [types[i] for i in lead[starts]],
        "start_step": steps[starts].astype(np.int64),
        "end_step": steps[ends].astype(np.int64),
        "length": (ends - starts + 1).astype(np.int64),
    }, columns=columns)


def winner(types: list[str], scores: np.ndarray) -> str:
    if not len(types):
        return "none"
    best = np.flatnonzero(scores == scores.max())
    return types[best[0]] if len(best) == 1 else "tie: " + ", ".join(types[i] for i in best)


def compute_one(source: RunSource, params: DominanceParams, ctl: Control) -> AnalysisResult:
    metrics = load_metrics(source, ScaledControl(ctl, 0.0, 0.8))
    types = present_categories(metrics, source.spec, source.parameters())
    steps, pops = population_matrix(metrics, source.spec, types)
    n = len(steps)
    half_life = params.half_life or max(n / 4, 1.0)
    weights = 0.5 ** ((n - 1 - np.arange(n)) / half_life)
    final = pops[-1] if n else np.zeros(len(types))
    area = pops.sum(axis=0)
    recency = (pops * weights[:, None]).sum(axis=0)
    lead = leaders(pops)
    lead_steps = np.array([(lead == i).sum() for i in range(len(types))])
    periods = lead_periods(steps, lead, types)
    sole = lead[lead >= 0]
    switches = int((sole[1:] != sole[:-1]).sum()) if len(sole) > 1 else 0
    longest = [int(periods.loc[periods["type"] == t, "length"].max()) if (periods["type"] == t).any() else 0
               for t in types]
    scores = pd.DataFrame({
        "type": types,
        "final_population": final,
        "area": area,
        "recency_weighted_area": recency,
        "steps_leading": lead_steps,
        "lead_share": lead_steps / n if n else np.zeros(len(types)),
        "longest_lead": longest,
    })
    ctl.checkpoint(0.9, "dominance scores")
    series = {}
    total = pops.sum(axis=1)
    for i, t in enumerate(types):
        share = safe_div(pops[:, i], total)
        x, y, s = downsample(steps, pops[:, i], share, max_points=params.max_points)
        series[f"population/{t}"] = {"x": x.astype(float), "y": y}
        series[f"population share/{t}"] = {"x": x.astype(float), "y": s}
    summary: dict[str, str | float] = {
        "dominant_by_final_population": winner(types, final),
        "dominant_by_area": winner(types, area),
        "dominant_by_recency_weighted_area": winner(types, recency),
        "dominant_by_lead_time": winner(types, lead_steps),
        "lead_switches": float(switches),
        "half_life_steps": float(half_life),
    }
    return AnalysisResult(module="dominance", tables={"scores": scores, "lead_periods": periods},
                          series=series, summary=summary)


MODULE = register(AnalysisModule(
    name="dominance",
    title="Dominance",
    description="Which type dominates: by final population, area under the curve, recency-weighted area, "
                "time in the lead and lead switches.",
    params_model=DominanceParams,
    compute=per_run("dominance", compute_one),
    requires=(CategoryCounts(),),
))
