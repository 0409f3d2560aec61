"""Log Y (a chart's Plot Options): what the curves draw and the ranges use.

pyqtgraph's log mode expects each item to take log10 of its own data (PlotDataItem
does; the charts' bare curve items do not), and the axes then read the view's
coordinates as exponents: the raw values drawn as exponents gave axes from 1e-227 to
1e273. Here a curve in log mode draws log10 of its envelope's points (min and max
commute with the logarithm, so the peak envelope stays exact), values <= 0 leave a gap
(they have no place on a log axis), and the ranges are fitted in decades.
"""

from __future__ import annotations

import numpy as np

MIN_PAD_DECADES = 0.05


def log_points(y: np.ndarray) -> np.ndarray:
    """log10 of ``y``; NaN where y <= 0 or not finite."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log10(np.where(y > 0, y, np.nan))
    return out


def finite_bounds(y: np.ndarray) -> tuple[float, float] | None:
    finite = y[np.isfinite(y)]
    return (float(finite.min()), float(finite.max())) if len(finite) else None


def range_pad(lo: float, hi: float, log: bool) -> float:
    """Room above and below the data: a twentieth of the span (log: at least a twentieth
    of a decade). Linear data that do not vary get a fiftieth of their value, or half a
    unit at 0. (A floor of half a unit gave a share between 0.6 and 1 an axis to 1.5.)"""
    if log:
        return max((hi - lo) * 0.05, MIN_PAD_DECADES)
    return max((hi - lo) * 0.05, abs(hi) * 0.02) or 0.5
