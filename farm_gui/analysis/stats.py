"""Small statistical building blocks the modules share (pure NumPy/SciPy).

SciPy is imported inside the functions, as in the modules that use it: it loads with the
first analysis, in its worker thread, not while the window starts (~1.5 s of it here)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd


def relative_growth(y: np.ndarray) -> np.ndarray:
    """(y[t] - y[t-1]) / y[t-1] for t >= 1; NaN where y[t-1] is 0."""
    y = np.asarray(y, dtype=float)
    prev, cur = y[:-1], y[1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(prev > 0, (cur - prev) / np.where(prev > 0, prev, 1.0), np.nan)


def coefficient_of_variation(y: np.ndarray) -> float:
    """Population standard deviation over the mean; NaN when the mean is 0."""
    y = np.asarray(y, dtype=float)
    if len(y) == 0:
        return float("nan")
    mean = float(y.mean())
    return float(y.std()) / mean if mean > 0 else float("nan")


def find_extrema(y: np.ndarray, min_prominence: float) -> tuple[np.ndarray, np.ndarray]:
    """Indices of local peaks and troughs that stand out by at least ``min_prominence``."""
    y = np.asarray(y, dtype=float)
    if len(y) < 3:
        return np.array([], dtype=int), np.array([], dtype=int)
    from scipy import signal

    peaks, _ = signal.find_peaks(y, prominence=min_prominence)
    troughs, _ = signal.find_peaks(-y, prominence=min_prominence)
    return peaks, troughs


def kaplan_meier(durations: np.ndarray, observed: np.ndarray, confidence: float = 0.95) -> pd.DataFrame:
    """Kaplan-Meier survival table with Greenwood confidence bands.

    One row per distinct time at which something happened: ``at_risk`` counts the
    subjects with duration >= time (those censored at that time are still at risk),
    ``survival`` is the product of (1 - events / at_risk) up to and including it.
    """
    durations = np.asarray(durations, dtype=float)
    observed = np.asarray(observed, dtype=bool)
    columns = ["time", "at_risk", "events", "censored", "survival", "lower", "upper"]
    if len(durations) == 0:
        return pd.DataFrame(columns=columns)
    times, inverse = np.unique(durations, return_inverse=True)
    events = np.bincount(inverse, weights=observed.astype(float), minlength=len(times))
    totals = np.bincount(inverse, minlength=len(times)).astype(float)
    censored = totals - events
    at_risk = len(durations) - np.concatenate([[0.0], np.cumsum(totals)[:-1]])
    survival = np.cumprod(1.0 - events / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(at_risk > events, events / (at_risk * (at_risk - events)), 0.0)
    se = survival * np.sqrt(np.cumsum(terms))
    from scipy import stats

    z = stats.norm.ppf(0.5 + confidence / 2)
    return pd.DataFrame({
        "time": times,
        "at_risk": at_risk.astype(np.int64),
        "events": events.astype(np.int64),
        "censored": censored.astype(np.int64),
        "survival": survival,
        "lower": np.clip(survival - z * se, 0.0, 1.0),
        "upper": np.clip(survival + z * se, 0.0, 1.0),
    })


def km_median(curve: pd.DataFrame) -> float:
    """First time at which survival drops to 0.5 or below; NaN if it never does."""
    below = curve.loc[curve["survival"] <= 0.5, "time"]
    return float(below.iloc[0]) if len(below) else float("nan")


def periods_below(steps: np.ndarray, values: np.ndarray, threshold: float) -> pd.DataFrame:
    """Maximal runs of consecutive steps where ``values < threshold``."""
    steps = np.asarray(steps)
    values = np.asarray(values, dtype=float)
    below = values < threshold
    edges = np.diff(np.concatenate([[0], below.astype(np.int8), [0]]))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1) - 1
    rows = [
        {"start_step": int(steps[s]), "end_step": int(steps[e]), "length": int(e - s + 1),
         "min_value": float(values[s:e + 1].min())}
        for s, e in zip(starts, ends, strict=True)
    ]
    return pd.DataFrame(rows, columns=["start_step", "end_step", "length", "min_value"])


def clark_evans(x: np.ndarray, y: np.ndarray, area: float) -> dict[str, float]:
    """Clark-Evans aggregation index R = observed mean nearest-neighbour distance
    over its expectation for a random pattern of the same density (R < 1 clustered,
    R ~ 1 random, R > 1 regular), with the z score of the difference."""
    n = len(x)
    out = {"n": float(n), "mean_nn": float("nan"), "expected_nn": float("nan"),
           "clark_evans_r": float("nan"), "z": float("nan")}
    if n < 2 or area <= 0:
        return out
    points = np.column_stack([x, y])
    from scipy.spatial import cKDTree

    dist, _ = cKDTree(points).query(points, k=2)
    observed = float(dist[:, 1].mean())
    density = n / area
    expected = 0.5 / np.sqrt(density)
    se = 0.26136 / np.sqrt(n * density)
    out.update(mean_nn=observed, expected_nn=float(expected), clark_evans_r=observed / expected,
               z=(observed - expected) / se)
    return out


def mean_ci(matrix: np.ndarray, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column means of a (replications, points) matrix with Student-t confidence
    bands; NaNs are skipped, bands are NaN where fewer than two values exist."""
    matrix = np.asarray(matrix, dtype=float)
    n = np.sum(~np.isnan(matrix), axis=0)
    # columns with one value (replicates that ended earlier): NumPy warns, the band is NaN there
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(matrix, axis=0) if matrix.size else np.zeros(matrix.shape[1])
        sd = np.nanstd(matrix, axis=0, ddof=1) if matrix.shape[0] > 1 else np.full(matrix.shape[1], np.nan)
        from scipy import stats

        half = stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
    half = np.where(n >= 2, half, np.nan)
    return mean, mean - half, mean + half


def welch_test(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """Welch's two-sample t test (unequal variances), two-sided."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    out = {"mean_a": float(a.mean()) if len(a) else float("nan"),
           "mean_b": float(b.mean()) if len(b) else float("nan")}
    out["difference"] = out["mean_a"] - out["mean_b"]
    if len(a) < 2 or len(b) < 2:
        return {**out, "t": float("nan"), "df": float("nan"), "p_value": float("nan")}
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    if va + vb == 0:  # no spread in either sample: the test is undefined
        return {**out, "t": float("nan"), "df": float("nan"), "p_value": float("nan")}
    with warnings.catch_warnings():  # near-identical samples: SciPy warns, the result is still usable
        warnings.simplefilter("ignore", RuntimeWarning)
        from scipy import stats

        res = stats.ttest_ind(a, b, equal_var=False)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    return {**out, "t": float(res.statistic), "df": float(df), "p_value": float(res.pvalue)}


def safe_div(a, b) -> np.ndarray:
    """Element-wise a / b, NaN where b is 0."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b != 0, a / np.where(b != 0, b, 1.0), np.nan)
