"""Population dynamics per category (any model whose metrics count categories): growth
rates, stability (coefficient of variation), peaks and troughs; "total" is the sum of
the category counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import Field

from .base import AnalysisModule, AnalysisResult, Control, ModuleParams, ScaledControl, register
from .per_run import per_run
from .requirements import CategoryCounts
from .source import (
    RunSource,
    downsample,
    initial_counts,
    load_metrics,
    population_matrix,
    present_categories,
    total_count,
)
from .stats import coefficient_of_variation, find_extrema, relative_growth


class PopulationParams(ModuleParams):
    min_prominence: float = Field(1.0, ge=0, description="How far (agents) a peak or trough must stand out")
    smoothing: int = Field(1, ge=1, le=100_000,
                           description="Rolling-mean window (steps) before finding extrema")
    max_points: int = Field(2000, ge=10, le=1_000_000, description="Most points per plotted curve")


def summarise_curve(name: str, steps: np.ndarray, y: np.ndarray, start: float) -> dict:
    growth = relative_growth(y)
    finite_growth = growth[np.isfinite(growth)]
    n = len(y)
    overall = float("nan")
    if n > 1 and y[0] > 0 and y[-1] > 0:
        overall = float(np.log(y[-1] / y[0]) / (n - 1))
    gone = np.flatnonzero((y == 0) & (np.maximum.accumulate(y) > 0)) if n else np.array([])
    return {
        "type": name,
        "start": float(start),
        "final": float(y[-1]) if n else float("nan"),
        "peak": float(y.max()) if n else float("nan"),
        "peak_step": int(steps[int(np.argmax(y))]) if n else -1,
        "trough": float(y.min()) if n else float("nan"),
        "trough_step": int(steps[int(np.argmin(y))]) if n else -1,
        "mean": float(y.mean()) if n else float("nan"),
        "std": float(y.std()) if n else float("nan"),
        "cv": coefficient_of_variation(y),
        "mean_growth_rate": float(finite_growth.mean()) if len(finite_growth) else float("nan"),
        "overall_growth_rate": overall,
        "extinct_step": int(steps[gone[0]]) if len(gone) else -1,
    }


def compute_one(source: RunSource, params: PopulationParams, ctl: Control) -> AnalysisResult:
    spec, params_run = source.spec, source.parameters()
    metrics = load_metrics(source, ScaledControl(ctl, 0.0, 0.7))
    types = present_categories(metrics, spec, params_run)
    steps, pops = population_matrix(metrics, spec, types)
    curves = {t: pops[:, i] for i, t in enumerate(types)}
    curves["total"] = total_count(metrics, spec)
    # Agents at the start: from the parameters when they say, else the first recorded count.
    counts = initial_counts(params_run)
    starts = {t: counts.get(t, curves[t][0] if len(steps) else float("nan")) for t in types}
    starts["total"] = sum(starts.values())

    rows, extrema, series = [], [], {}
    for i, (name, y) in enumerate(curves.items()):
        rows.append(summarise_curve(name, steps, y, starts[name]))
        smooth = pd.Series(y).rolling(params.smoothing, min_periods=1).mean().to_numpy()
        peaks, troughs = find_extrema(smooth, params.min_prominence)
        for kind, found in (("peak", peaks), ("trough", troughs)):
            extrema += [{"type": name, "kind": kind, "step": int(steps[j]), "value": float(y[j])}
                        for j in found]
        x, yy = downsample(steps, y, max_points=params.max_points)
        series[f"population/{name}"] = {"x": x.astype(float), "y": yy}
        growth = relative_growth(y)
        gx, gy = downsample(steps[1:], growth, max_points=params.max_points)
        series[f"growth rate/{name}"] = {"x": gx.astype(float), "y": gy}
        ctl.checkpoint(0.7 + 0.3 * (i + 1) / len(curves), f"population of {name}")

    summary_table = pd.DataFrame(rows)
    extrema_table = pd.DataFrame(extrema, columns=["type", "kind", "step", "value"]).sort_values(
        ["type", "step"], kind="stable").reset_index(drop=True)
    per_type = summary_table[summary_table["type"] != "total"]
    summary: dict[str, str | float] = {"steps": float(len(steps))}
    if per_type["final"].notna().any():  # all NaN for a run with no recorded steps yet
        finals = per_type["final"]
        top = finals.max()
        # every type at 0 (a wolf-sheep run where both died out) named the first one; a tie, one of them
        summary["largest_final_population"] = (", ".join(per_type.loc[finals == top, "type"].astype(str))
                                               if top > 0 else "none (all died out)")
        stable = per_type.dropna(subset=["cv"])
        if len(stable):
            summary["most_stable_type"] = str(stable.loc[stable["cv"].idxmin(), "type"])
    total = summary_table[summary_table["type"] == "total"].iloc[0]
    summary["total_cv"] = float(total["cv"])
    summary["total_final"] = float(total["final"])
    return AnalysisResult(
        module="population",
        tables={"summary": summary_table, "extrema": extrema_table},
        series=series,
        summary=summary,
    )


MODULE = register(AnalysisModule(
    name="population",
    title="Population dynamics",
    description="Growth rates, stability (coefficient of variation), peaks and troughs per category.",
    params_model=PopulationParams,
    compute=per_run("population", compute_one),
    requires=(CategoryCounts(),),
))
