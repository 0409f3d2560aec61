"""Where a legend hides the least of a plot's curves: the window's live charts and the
figures exported for papers both put theirs in that corner."""

from __future__ import annotations

import numpy as np

CORNERS = ("upper left", "upper right", "lower left", "lower right")


def hidden_points(lines: list[tuple[np.ndarray, np.ndarray]], box: tuple[float, float]) -> dict[str, int]:
    """For each corner, how many points of the ``lines`` (x and y in fractions of the plot,
    0 at the left and the bottom) a legend of ``box`` (width, height, in fractions of the
    plot) placed there would cover. Each line is also sampled between its points, so that
    a line crossing the corner counts there."""
    width, height = box
    sampled = []
    for x, y in lines:
        x, y = np.asarray(x, float), np.asarray(y, float)
        ok = np.isfinite(x) & np.isfinite(y)
        if ok.sum() > 1:
            order = np.argsort(x[ok], kind="stable")
            xs = np.linspace(np.min(x[ok]), np.max(x[ok]), 512)
            x, y = np.concatenate([x, xs]), np.concatenate([y, np.interp(xs, x[ok][order], y[ok][order])])
        sampled.append((x, y))
    counts = {}
    for corner in CORNERS:
        x_lo, x_hi = (1.0 - width, 1.0) if corner.endswith("right") else (0.0, width)
        y_lo, y_hi = (1.0 - height, 1.0) if corner.startswith("upper") else (0.0, height)
        counts[corner] = sum(int(np.count_nonzero((x >= x_lo) & (x <= x_hi) & (y >= y_lo) & (y <= y_hi)))
                             for x, y in sampled)
    return counts


def emptiest_corner(lines: list[tuple[np.ndarray, np.ndarray]], box: tuple[float, float]) -> str:
    """The corner where a legend of ``box`` covers the fewest points of the ``lines`` (see
    ``hidden_points``); the earlier of CORNERS on a tie."""
    counts = hidden_points(lines, box)
    return min(CORNERS, key=counts.__getitem__)


def better_corner(lines: list[tuple[np.ndarray, np.ndarray]], box: tuple[float, float], current: str) -> str:
    """Where a legend now in ``current`` should go as a live plot's data grows: the emptiest
    corner when it covers at most half as many points as ``current`` does, else ``current``
    (a legend that moved at every small difference would jump about while a run goes)."""
    counts = hidden_points(lines, box)
    best = min(CORNERS, key=counts.__getitem__)
    return best if counts[best] < counts[current] and 2 * counts[best] <= counts[current] else current


def corner_offset(corner: str, margin: float) -> tuple[float, float]:
    """pyqtgraph's LegendItem offset that puts it ``margin`` pixels inside ``corner``
    (a negative offset anchors it to the right or bottom edge)."""
    return (margin if corner.endswith("left") else -margin, margin if corner.startswith("upper") else -margin)


def in_fractions(x: np.ndarray, y: np.ndarray, x_range: tuple[float, float],
                 y_range: tuple[float, float]) -> tuple[np.ndarray, np.ndarray] | None:
    """Points in data units as fractions of a view's ranges (None for an empty range)."""
    (x0, x1), (y0, y1) = x_range, y_range
    if x1 <= x0 or y1 <= y0:
        return None
    return (np.asarray(x, float) - x0) / (x1 - x0), (np.asarray(y, float) - y0) / (y1 - y0)
