"""Comparison of several runs side by side: runs are grouped into variants (given
explicitly; the runs of one experiment: one group per design point; otherwise runs whose
configurations differ only in the seed form one group of replications); each group gets
a mean curve with a Student-t confidence band; final values are compared between groups,
and final populations between categories within a group, with Welch's t test."""

from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import combinations

import numpy as np
import pandas as pd
from pydantic import Field

from farm_gui.core.model import ModelSpec

from .base import (
    AnalysisError,
    AnalysisModule,
    AnalysisResult,
    Control,
    ModuleParams,
    ScaledControl,
    register,
)
from .requirements import MetricNamed, count_metrics, default_metric
from .source import RunSource, downsample, load_metrics, present_categories, total_count
from .stats import mean_ci, welch_test


class ComparisonParams(ModuleParams):
    metric: str | None = Field(None, description="Metric to compare (a per-step metric name; default: "
                                                  "the model's first metric)")
    confidence: float = Field(0.95, gt=0, lt=1, description="Confidence level of the bands")
    groups: list[list[int]] | None = Field(
        None, description="Run ids per group; default: runs whose configs differ only in the seed")
    group_names: list[str] | None = Field(None, description="Names of the groups, in order")
    max_points: int = Field(2000, ge=10, le=1_000_000, description="Most points per plotted curve")


def auto_groups(sources: Sequence[RunSource]) -> list[list[int]]:
    """Indices of sources grouped by model and parameters with the seed left out."""
    keys: dict[str, list[int]] = {}
    for i, source in enumerate(sources):
        params = source.parameters().model_dump(mode="json")
        params.pop("seed", None)
        keys.setdefault(json.dumps([source.model, params], sort_keys=True, default=str), []).append(i)
    return list(keys.values())


def _flat(data: dict, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def group_settings(sources: Sequence[RunSource], groups: list[list[int]], most: int = 4) -> list[str]:
    """What sets each group apart: the settings of its first run whose values differ between
    the groups, as "key=value, ..." (at most ``most`` of them, then "..."); "" for one group."""
    firsts = []
    for members in groups:
        source = sources[members[0]]
        params = _flat(source.parameters().model_dump(mode="json"))
        params.pop("seed", None)
        firsts.append({"model": source.model, **params})
    keys = [k for k in dict.fromkeys(k for first in firsts for k in first)
            if len({json.dumps(first.get(k), sort_keys=True, default=str) for first in firsts}) > 1]
    out = []
    for first in firsts:
        parts = [f"{k}={first.get(k)}" for k in keys[:most]]
        out.append(", ".join(parts) + (", ..." if len(keys) > most else ""))
    return out


def design_groups(sources: Sequence[RunSource]) -> tuple[list[list[int]], list[str]]:
    """Runs of one experiment grouped by design point (in point order) and the points'
    names; nothing when a run is not from an experiment or they come from several."""
    points = [s.design_point() for s in sources]
    if not points or any(p is None for p in points) or len({p.experiment for p in points}) > 1:
        return [], []
    by_point: dict[int, list[int]] = {}
    for i, p in enumerate(points):
        by_point.setdefault(p.point, []).append(i)
    order = sorted(by_point)
    first = {p.point: p for p in reversed(points)}
    return [by_point[k] for k in order], [first[k].label() for k in order]


def prepare(params: ComparisonParams, sources: Sequence[RunSource]) -> ComparisonParams:
    if params.metric is None and sources:
        params = params.model_copy(update={"metric": default_metric(sources[0].spec)})
    return params


def is_count(spec: ModelSpec, name: str) -> bool:
    """A population count: it counts a category, or it is an integer metric drawn in the
    same chart as category counts (a total). After a run died out it stays 0."""
    metric = spec.metric(name)
    if metric.category is not None:
        return True
    charts = {m.chart for m in count_metrics(spec) if m.chart is not None}
    return metric.integer and metric.chart in charts


def explicit_groups(sources: Sequence[RunSource], groups: list[list[int]]) -> list[list[int]]:
    index = {s.run_id: i for i, s in enumerate(sources)}
    out = []
    for group in groups:
        missing = [rid for rid in group if rid not in index]
        if missing:
            raise AnalysisError(f"groups: run {missing[0]} is not among the runs being compared")
        out.append([index[rid] for rid in group])
    return out


def ended_itself(source: RunSource) -> bool:
    """The run finished before its planned steps: its model said it was done."""
    planned = getattr(source.parameters(), "simulation_steps", None)
    return source.status == "finished" and planned is not None and source.steps_done() < int(planned)


def padding(spec: ModelSpec, name: str, curve: np.ndarray, *, extinct: bool, settled: bool) -> float:
    """What a run's curve of metric ``name`` goes on with after the run ended, where runs
    of different lengths are averaged: a run that settled (``ModelSpec.settles``, ended by
    its model) keeps its last value, or 0 for a per-step metric; a population count of a
    run that died out stays 0; anything else has no data (NaN: the average of the others
    goes on)."""
    if settled and spec.settles and len(curve):
        return 0.0 if spec.metric(name).per_step else float(curve[-1])
    if extinct and is_count(spec, name):
        return 0.0
    return float("nan")


def aligned(curves: list[np.ndarray], pads: list[float]) -> np.ndarray:
    """Stack curves of different lengths, each padded after its end with its ``pads``
    value (see ``padding``)."""
    length = max((len(c) for c in curves), default=0)
    out = np.full((len(curves), length), np.nan)
    for i, c in enumerate(curves):
        out[i, :len(c)] = c
        out[i, len(c):] = pads[i]
    return out


def compute(sources: Sequence[RunSource], params: ComparisonParams, ctl: Control) -> AnalysisResult:
    design_names: list[str] = []
    if params.groups:
        groups = explicit_groups(sources, params.groups)
    else:
        groups, design_names = design_groups(sources)
        if not groups:
            groups = auto_groups(sources)
    names = list(params.group_names or [])
    if names and len(names) != len(groups):
        raise AnalysisError(f"group_names: {len(names)} names for {len(groups)} groups")
    if not names and design_names:
        names = design_names
    if not names:
        names = ["all runs"] if len(groups) == 1 else [f"variant {i + 1}" for i in range(len(groups))]

    metrics = []
    for i, source in enumerate(sources):
        sub = ScaledControl(ctl, 0.8 * i / len(sources), 0.8 * (i + 1) / len(sources), f"{source.label}: ")
        metrics.append(load_metrics(source, sub))
    specs = [s.spec for s in sources]
    present = {t for s, spec, m in zip(sources, specs, metrics, strict=True)
               for t in present_categories(m, spec, s.parameters())}
    order = [m.category for spec in specs for m in count_metrics(spec)]
    types = [t for t in dict.fromkeys(order) if t in present]
    columns = [{m.category: m.name for m in count_metrics(spec)} for spec in specs]
    curves = [m[params.metric].to_numpy(dtype=float) for m in metrics]
    extinct = [bool(len(m)) and bool(count_metrics(spec)) and float(total_count(m, spec)[-1]) == 0
               for m, spec in zip(metrics, specs, strict=True)]
    pads = [padding(spec, params.metric, curve, extinct=dead, settled=ended_itself(source))
            for spec, curve, dead, source in zip(specs, curves, extinct, sources, strict=True)]

    run_rows = []
    for gi, members in enumerate(groups):
        for i in members:
            m = metrics[i]
            row = {"run_id": sources[i].run_id, "label": sources[i].label, "group": names[gi],
                   "steps": len(m),
                   f"final_{params.metric}": float(curves[i][-1]) if len(curves[i]) else float("nan")}
            row.update({f"final_{t}": float(m[columns[i][t]].iloc[-1]) if len(m) and t in columns[i]
                        else float("nan") for t in types})
            run_rows.append(row)
    runs = pd.DataFrame(run_rows)
    final_col = f"final_{params.metric}"

    finals_of = {name: part[final_col].to_numpy(dtype=float)
                 for name, part in runs.groupby("group", sort=False)}
    series, group_rows, type_rows = {}, [], []
    settings = group_settings(sources, groups)
    for gi, members in enumerate(groups):
        matrix = aligned([curves[i] for i in members], [pads[i] for i in members])
        mean, lo, hi = mean_ci(matrix, params.confidence)
        x, mean, lo, hi = downsample(np.arange(matrix.shape[1], dtype=float), mean, lo, hi,
                                     max_points=params.max_points)
        series[f"mean {params.metric}/{names[gi]}"] = {"x": x, "y": mean, "lo": lo, "hi": hi}
        finals = finals_of[names[gi]]
        m_final, lo_final, hi_final = mean_ci(finals[:, None], params.confidence)
        group_rows.append({"group": names[gi], "runs": len(members), "mean_final": float(m_final[0]),
                           "sd_final": float(finals.std(ddof=1)) if len(finals) > 1 else float("nan"),
                           "ci_lower": float(lo_final[0]), "ci_upper": float(hi_final[0]),
                           "settings": settings[gi]})
        part = runs[runs["group"] == names[gi]]
        for a, b in combinations(types, 2):
            test = welch_test(part[f"final_{a}"].to_numpy(), part[f"final_{b}"].to_numpy())
            type_rows.append({"group": names[gi], "type_a": a, "type_b": b, **test})
        ctl.checkpoint(0.8 + 0.1 * (gi + 1) / len(groups), f"group {names[gi]}")

    group_tests = []
    n_pairs = len(names) * (len(names) - 1) // 2
    for k, (a, b) in enumerate(combinations(names, 2)):
        group_tests.append({"group_a": a, "group_b": b, **welch_test(finals_of[a], finals_of[b])})
        if k % 500 == 499:  # many design points: many pairs
            ctl.checkpoint(0.9 + 0.1 * (k + 1) / n_pairs, "tests between groups")
    test_cols = ["mean_a", "mean_b", "difference", "t", "df", "p_value"]
    group_table = pd.DataFrame(group_rows)
    summary: dict[str, str | float] = {"runs": float(len(sources)), "groups": float(len(groups)),
                                       "metric": params.metric}
    if group_table["mean_final"].notna().any():  # all NaN when no run has recorded steps yet
        summary["highest_mean_final"] = str(group_table.loc[group_table["mean_final"].idxmax(), "group"])
    if len(groups) >= 3:
        samples = [runs.loc[runs["group"] == g, final_col].to_numpy() for g in names]
        if all(len(s) >= 2 for s in samples):
            from scipy import stats

            summary["anova_p_value"] = float(stats.f_oneway(*samples).pvalue)
    tests = pd.DataFrame(group_tests, columns=["group_a", "group_b", *test_cols])
    if len(tests) and tests["p_value"].notna().any():
        summary["smallest_group_p_value"] = float(tests["p_value"].min())
    return AnalysisResult(
        module="comparison",
        tables={"runs": runs, "groups": group_table, "group_tests": tests,
                "type_tests": pd.DataFrame(type_rows, columns=["group", "type_a", "type_b", *test_cols])},
        series=series,
        summary=summary,
    )


MODULE = register(AnalysisModule(
    name="comparison",
    title="Run comparison",
    description="Several runs side by side: mean curves with confidence bands per group, final-value "
                "differences with Welch's t test.",
    params_model=ComparisonParams,
    compute=compute,
    min_runs=2,
    requires=(MetricNamed("metric"),),
    prepare=prepare,
))
