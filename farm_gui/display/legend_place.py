"""Where a legend hides the least of a plot's curves: the window's live charts and the
figures exported for papers both put theirs in that corner."""

from __future__ import annotations

import numpy as np

CORNERS = ("upper left", "upper right", "lower left", "lower right")


SAMPLES = 512  # a line of fewer points is also sampled this often between its points


def hidden_points(lines: list[tuple[np.ndarray, np.ndarray]], box: tuple[float, float]) -> dict[str, int]:
    """For each corner, how many points of the ``lines`` (x and y in fractions of the plot,
    0 at the left and the bottom) a legend of ``box`` (width, height, in fractions of the
    plot) placed there would cover. A line of fewer than SAMPLES points is also sampled
    between its points, so that a line crossing the corner counts there."""
    width, height = box
    counts = dict.fromkeys(CORNERS, 0)
    for x, y in lines:
        x, y = np.asarray(x, float), np.asarray(y, float)
        ok = np.isfinite(x) & np.isfinite(y)
        if 1 < ok.sum() < SAMPLES:
            xo, yo = x[ok], y[ok]
            if np.any(xo[1:] < xo[:-1]):
                order = np.argsort(xo, kind="stable")
                xo, yo = xo[order], yo[order]
            xs = np.linspace(xo[0], xo[-1], SAMPLES)
            x, y = np.concatenate([x, xs]), np.concatenate([y, np.interp(xs, xo, yo)])
        inside = (x >= 0) & (x <= 1) & (y >= 0) & (y <= 1)
        left, right = inside & (x <= width), inside & (x >= 1.0 - width)
        low, high = y <= height, y >= 1.0 - height
        for corner, side, level in (("upper left", left, high), ("upper right", right, high),
                                    ("lower left", left, low), ("lower right", right, low)):
            counts[corner] += int(np.count_nonzero(side & level))
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


def legend_box(legend: tuple[float, float], view: tuple[float, float],
               margin: float) -> tuple[float, float] | None:
    """A legend of ``legend`` pixels (width, height) with ``margin`` pixels to its corner,
    in fractions of a view of ``view`` pixels: the ``box`` of ``hidden_points``. None for a
    view not laid out yet."""
    (width, height), (view_width, view_height) = legend, view
    if view_width <= 0 or view_height <= 0:
        return None
    return (width + margin) / view_width, (height + margin) / view_height


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
