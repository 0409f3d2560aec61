"""Sensitivity of an outcome to an experiment's factors (the runs of one experiment).

The outcome of a run is a metric's final value (or its mean, maximum or minimum over the
run). For any design: standardised regression coefficients (SRC: the least-squares fit
of the outcome's z-score on the numeric factors' z-scores, with Student-t confidence
intervals and R^2; |SRC| ranks the factors when the model is close to linear, R^2 says
how close). For a Sobol design: first-order and total Sobol indices (S1, ST, with
bootstrap confidence intervals; ``SALib.analyze.sobol``) of the outcome averaged over
each design point's replicates, the points taken in the design's (SALib's) order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field

from .base import (
    AnalysisError,
    AnalysisModule,
    AnalysisResult,
    Control,
    ModuleParams,
    ScaledControl,
    register,
)
from .design import ExperimentDesign, one_experiment
from .requirements import ExperimentRuns, MetricNamed, default_metric
from .source import RunSource, load_metrics


class SensitivityParams(ModuleParams):
    outcome: str | None = Field(None, description="Metric whose sensitivity is measured (default: the "
                                                   "model's first metric)")
    statistic: Literal["final", "mean", "max", "min"] = Field(
        "final", description="A run's outcome: the metric's final value, or its mean, max or min")
    confidence: float = Field(0.95, gt=0, lt=1, description="Confidence level of the intervals")
    resamples: int = Field(1000, ge=10, le=100_000, description="Bootstrap resamples of the Sobol intervals")
    # SALib draws unseeded when given 0, so the seed starts at 1: the same runs always give
    # the same intervals.
    seed: int = Field(1, ge=1, le=2**32 - 1, description="Seed of the Sobol bootstrap")


def prepare(params: SensitivityParams, sources: Sequence[RunSource]) -> SensitivityParams:
    if params.outcome is None and sources:
        params = params.model_copy(update={"outcome": default_metric(sources[0].spec)})
    return params


def run_outcome(values: np.ndarray, statistic: str) -> float:
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not len(v):
        return float("nan")
    return float({"final": lambda a: a[-1], "mean": np.mean, "max": np.max, "min": np.min}[statistic](v))


def numeric_factors(table: pd.DataFrame, names: Sequence[str]) -> tuple[list[str], list[str]]:
    """(factors usable in a regression, factors left out with why)."""
    used, skipped = [], []
    for name in names:
        column = pd.to_numeric(table[name], errors="coerce") if name in table else pd.Series(dtype=float)
        if name not in table or column.isna().any():
            skipped.append(f"{name} (not numeric)")
        elif column.nunique() < 2:
            skipped.append(f"{name} (constant)")
        else:
            used.append(name)
    return used, skipped


def src(x: np.ndarray, y: np.ndarray, confidence: float) -> tuple[pd.DataFrame, float]:
    """Standardised regression coefficients of y on the columns of x, with t intervals; R^2."""
    n, k = x.shape
    zx = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    zy = (y - y.mean()) / y.std(ddof=1)
    design = np.column_stack([np.ones(n), zx])
    coef, *_ = np.linalg.lstsq(design, zy, rcond=None)
    resid = zy - design @ coef
    dof = n - k - 1
    rss, tss = float(resid @ resid), float(zy @ zy)
    se = np.sqrt(np.diag(rss / dof * np.linalg.pinv(design.T @ design)))[1:]
    from scipy import stats

    half = stats.t.ppf(0.5 + confidence / 2, dof) * se
    table = pd.DataFrame({"src": coef[1:], "se": se, "ci_lower": coef[1:] - half, "ci_upper": coef[1:] + half,
                          "t": coef[1:] / se, "p_value": 2 * stats.t.sf(np.abs(coef[1:] / se), dof)})
    return table, 1.0 - rss / tss


def point_means(table: pd.DataFrame, n_points: int) -> np.ndarray:
    means = table.groupby("point")["outcome"].mean()
    out = np.full(n_points, np.nan)
    ok = means.index.to_numpy() < n_points
    out[means.index.to_numpy()[ok]] = means.to_numpy()[ok]
    return out


def sobol(design: ExperimentDesign, y: np.ndarray,
          params: SensitivityParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    from SALib.analyze import sobol as salib_sobol

    names = list(design.factors)
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    si = salib_sobol.analyze(problem, y, calc_second_order=design.second_order,
                             num_resamples=params.resamples, conf_level=params.confidence, seed=params.seed,
                             print_to_console=False)
    first = pd.DataFrame({"factor": names, "S1": si["S1"], "S1_conf": si["S1_conf"], "ST": si["ST"],
                          "ST_conf": si["ST_conf"]})
    for index in ("S1", "ST"):
        first[f"{index}_lower"] = first[index] - first[f"{index}_conf"]
        first[f"{index}_upper"] = first[index] + first[f"{index}_conf"]
    pairs = []
    if design.second_order:
        for i in range(len(names)):
            for j in range(i + 1, len(names)):
                pairs.append({"factor_a": names[i], "factor_b": names[j], "S2": float(si["S2"][i, j]),
                              "S2_conf": float(si["S2_conf"][i, j])})
    return first, pd.DataFrame(pairs, columns=["factor_a", "factor_b", "S2", "S2_conf"])


def compute(sources: Sequence[RunSource], params: SensitivityParams, ctl: Control) -> AnalysisResult:
    design, points = one_experiment(sources)
    if design is None or not design.factors:
        raise AnalysisError("the experiment varies no factor: there is nothing to measure sensitivity to")
    rows = []
    for i, (source, point) in enumerate(zip(sources, points, strict=True)):
        sub = ScaledControl(ctl, 0.8 * i / len(sources), 0.8 * (i + 1) / len(sources), f"{source.label}: ")
        metrics = load_metrics(source, sub)
        rows.append({"run_id": source.run_id, "point": point.point, "replicate": point.replicate,
                     **{f: point.factors.get(f) for f in design.factors},
                     "outcome": run_outcome(metrics[params.outcome].to_numpy(), params.statistic)})
    runs = pd.DataFrame(rows)
    finite = runs[np.isfinite(runs["outcome"].to_numpy(dtype=float))]
    summary: dict[str, str | float] = {
        "outcome": f"{params.statistic} {params.outcome}", "design": design.design,
        "runs": float(len(runs)), "design_points": float(runs["point"].nunique())}
    tables: dict[str, pd.DataFrame] = {"runs": runs}
    series: dict[str, dict[str, np.ndarray]] = {}

    used, skipped = numeric_factors(finite, design.factors)
    if skipped:
        summary["factors_left_out_of_src"] = ", ".join(skipped)
    if used and len(finite) > len(used) + 1 and finite["outcome"].nunique() > 1:
        x = finite[used].apply(pd.to_numeric).to_numpy(dtype=float)
        table, r2 = src(x, finite["outcome"].to_numpy(dtype=float), params.confidence)
        table.insert(0, "factor", used)
        tables["src"] = table
        summary["src_r_squared"] = float(r2)
        summary["largest_src"] = str(table.loc[table["src"].abs().idxmax(), "factor"])
        series["standardised regression coefficients/SRC"] = {
            "x": np.arange(len(used), dtype=float), "y": table["src"].to_numpy(),
            "lo": table["ci_lower"].to_numpy(), "hi": table["ci_upper"].to_numpy()}
    else:
        summary["src"] = "not computed: too few finished runs, or the outcome or the factors do not vary"
    ctl.checkpoint(0.9, "regression")

    if design.design == "sobol":
        n_points = design.points or int(runs["point"].max()) + 1
        y = point_means(finite, n_points)
        missing = int(np.isnan(y).sum())
        if missing:
            summary["sobol"] = f"not computed: {missing} of {n_points} design points have no finished run"
        else:
            first, second = sobol(design, y, params)
            tables["sobol"] = first
            if design.second_order:
                tables["sobol_second_order"] = second
            summary["largest_total_index"] = str(first.loc[first["ST"].idxmax(), "factor"])
            x = np.arange(len(first), dtype=float)
            for index in ("S1", "ST"):
                series[f"sobol indices/{index}"] = {"x": x, "y": first[index].to_numpy(),
                                                    "lo": first[f"{index}_lower"].to_numpy(),
                                                    "hi": first[f"{index}_upper"].to_numpy()}
    return AnalysisResult(module="sensitivity", tables=tables, series=series, summary=summary)


MODULE = register(AnalysisModule(
    name="sensitivity",
    title="Sensitivity (experiments)",
    description="How an outcome depends on an experiment's factors: standardised regression coefficients "
                "for any design, Sobol indices (S1, ST with confidence intervals) for Sobol designs.",
    params_model=SensitivityParams,
    compute=compute,
    min_runs=2,
    requires=(MetricNamed("outcome"), ExperimentRuns()),
    prepare=prepare,
))
