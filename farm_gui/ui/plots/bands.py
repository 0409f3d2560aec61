"""Confidence bands on a pyqtgraph plot: a filled area between a lower and an upper curve.

pyqtgraph's ``FillBetweenItem`` fills between two curves' paths; a ``PlotDataItem``
drawn without a pen has no path (pyqtgraph 0.14), so the edges are ``PlotCurveItem``s.
A band is drawn over each stretch where both edges are finite (none where fewer than
two replicates have a value)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor

BAND_ALPHA = 50


def finite_runs(*ys: np.ndarray) -> list[slice]:
    """The stretches (slices, at least two points long) where every one of ``ys`` is finite."""
    ok = np.logical_and.reduce([np.isfinite(y) for y in ys]).astype(np.int8)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], ok, [0]])))
    return [slice(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True) if b - a >= 2]


def add_band(plot: pg.PlotItem, x: np.ndarray, lo: np.ndarray, hi: np.ndarray, color: str,
             alpha: int = BAND_ALPHA) -> list[pg.FillBetweenItem]:
    """Fill between ``lo`` and ``hi`` in ``color`` (translucent); returns the fills added."""
    x, lo, hi = (np.asarray(a, dtype=float) for a in (x, lo, hi))
    c = QColor(color)
    fills = []
    for part in finite_runs(lo, hi):
        fill = pg.FillBetweenItem(pg.PlotCurveItem(x[part], lo[part], pen=None),
                                  pg.PlotCurveItem(x[part], hi[part], pen=None),
                                  brush=pg.mkBrush(c.red(), c.green(), c.blue(), alpha))
        plot.addItem(fill)
        fills.append(fill)
    return fills
