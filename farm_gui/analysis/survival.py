"""Survival (any model that records agent birth and death events): lifespan
distribution per category, Kaplan-Meier curves (agents alive at
the end are censored), median survival and deaths by cause.

An agent's lifespan counts the steps it was alive at the start of: born with
birth_step b (the first step it acts in) and dying during step d, it lived
d - b + 1 steps; still alive after the run's last step it is censored at
steps_done - b.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import Field

from .base import AnalysisModule, AnalysisResult, Control, ModuleParams, ScaledControl, register
from .per_run import per_run
from .requirements import AgentEvents
from .source import RunSource, downsample, iter_agent_chunks
from .stats import kaplan_meier, km_median


class SurvivalParams(ModuleParams):
    confidence: float = Field(0.95, gt=0, lt=1, description="Confidence level of the survival bands")
    histogram_bins: int = Field(20, ge=1, le=1000, description="Bins of the lifespan histogram")
    max_points: int = Field(2000, ge=10, le=1_000_000, description="Most points per plotted curve")


def lifespans(agents: pd.DataFrame, steps_done: int) -> pd.DataFrame:
    """agent_type, duration, observed (died) and cause for every agent."""
    death = pd.to_numeric(agents["death_step"], errors="coerce").to_numpy(dtype=float)
    birth = agents["birth_step"].to_numpy(dtype=float)
    died = ~np.isnan(death)
    duration = np.where(died, death - birth + 1, steps_done - birth)
    raw = agents["death_cause"] if "death_cause" in agents else pd.Series([None] * len(agents))
    cause = np.array([(c if isinstance(c, str) and c else "unknown") if d else None
                      for c, d in zip(raw.tolist(), died, strict=True)], dtype=object)
    return pd.DataFrame({
        "agent_type": agents["agent_type"].astype(str).to_numpy(),
        "duration": duration,
        "observed": died,
        "cause": cause,
    })


def load_lifespans(source: RunSource, ctl: Control) -> pd.DataFrame:
    """lifespans() of all the run's agents, read a chunk of agents at a time."""
    steps_done = source.steps_done()
    parts = [lifespans(chunk, steps_done) for chunk in iter_agent_chunks(source, ctl)]
    if not parts:
        return lifespans(source.agents(), steps_done)
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def compute_one(source: RunSource, params: SurvivalParams, ctl: Control) -> AnalysisResult:
    life = load_lifespans(source, ScaledControl(ctl, 0.0, 0.3))
    groups = [(t, life[life["agent_type"] == t]) for t in sorted(life["agent_type"].unique())]
    groups.append(("all", life))

    summary_rows, km_tables, hist_rows, cause_rows, series = [], [], [], [], {}
    for i, (name, part) in enumerate(groups):
        curve = kaplan_meier(part["duration"], part["observed"], params.confidence)
        dead = part.loc[part["observed"], "duration"].to_numpy(dtype=float)
        summary_rows.append({
            "type": name,
            "agents": len(part),
            "deaths": int(part["observed"].sum()),
            "censored": int((~part["observed"]).sum()),
            "mean_lifespan_of_dead": float(dead.mean()) if len(dead) else float("nan"),
            "median_lifespan_of_dead": float(np.median(dead)) if len(dead) else float("nan"),
            "longest_lifespan": float(part["duration"].max()) if len(part) else float("nan"),
            "km_median_survival": km_median(curve),
        })
        km_tables.append(curve.assign(type=name))
        if len(dead):
            counts, edges = np.histogram(dead, bins=params.histogram_bins)
            hist_rows += [{"type": name, "bin_start": float(edges[j]), "bin_end": float(edges[j + 1]),
                           "deaths": int(counts[j])} for j in range(len(counts))]
        if name != "all":
            for cause, count in part.loc[part["observed"], "cause"].value_counts().sort_index().items():
                cause_rows.append({"type": name, "cause": str(cause), "deaths": int(count)})
        x = np.concatenate([[0.0], curve["time"].to_numpy(dtype=float)])
        y = np.concatenate([[1.0], curve["survival"].to_numpy()])
        lo = np.concatenate([[1.0], curve["lower"].to_numpy()])
        hi = np.concatenate([[1.0], curve["upper"].to_numpy()])
        x, y, lo, hi = downsample(x, y, lo, hi, max_points=params.max_points)
        series[f"survival/{name}"] = {"x": x, "y": y, "lo": lo, "hi": hi}
        ctl.checkpoint(0.3 + 0.7 * (i + 1) / len(groups), f"survival of {name}")

    km = pd.concat(km_tables, ignore_index=True) if km_tables else pd.DataFrame()
    if len(km):
        km = km[["type", *[c for c in km.columns if c != "type"]]]
    summary_table = pd.DataFrame(summary_rows)
    overall = summary_table[summary_table["type"] == "all"].iloc[0]
    summary: dict[str, str | float] = {
        "agents": float(overall["agents"]),
        "deaths": float(overall["deaths"]),
        "censored": float(overall["censored"]),
        "km_median_survival": float(overall["km_median_survival"]),
    }
    typed = summary_table[summary_table["type"] != "all"].dropna(subset=["mean_lifespan_of_dead"])
    if len(typed):
        summary["longest_lived_type"] = str(typed.loc[typed["mean_lifespan_of_dead"].idxmax(), "type"])
    return AnalysisResult(
        module="survival",
        tables={
            "lifespans": summary_table,
            "kaplan_meier": km,
            "lifespan_histogram": pd.DataFrame(hist_rows, columns=["type", "bin_start", "bin_end", "deaths"]),
            "deaths_by_cause": pd.DataFrame(cause_rows, columns=["type", "cause", "deaths"]),
        },
        series=series,
        summary=summary,
    )


MODULE = register(AnalysisModule(
    name="survival",
    title="Survival",
    description="Lifespans per type, Kaplan-Meier survival curves with censoring, median survival, "
                "deaths by cause.",
    params_model=SurvivalParams,
    compute=per_run("survival", compute_one),
    requires=(AgentEvents(),),
))
