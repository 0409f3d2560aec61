"""Confidence bands on a pyqtgraph plot: a filled area between a lower and an upper curve.

pyqtgraph's ``FillBetweenItem`` fills between two curves' paths; a ``PlotDataItem``
drawn without a pen has no path (pyqtgraph 0.14), so the edges are ``PlotCurveItem``s.
A band is drawn over each stretch where both edges are finite (none where fewer than
two replicates have a value).

``add_band`` adds a band's fills; ``update_band`` moves a band drawn before to new values
in place (the fills are kept, their edges get the new data: no item is removed from or
added to the scene unless the number of stretches changed), for a chart redrawn often."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QPainterPath

BAND_ALPHA = 50


def finite_runs(*ys: np.ndarray) -> list[slice]:
    """The stretches (slices, at least two points long) where every one of ``ys`` is finite."""
    ok = np.logical_and.reduce([np.isfinite(y) for y in ys]).astype(np.int8)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], ok, [0]])))
    return [slice(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True) if b - a >= 2]


def band_path(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> QPainterPath:
    """The closed outline along ``lo`` and back along ``hi`` (what ``FillBetweenItem``
    fills), made from the arrays in one go: its own ``updatePath`` joins the two edges'
    paths through Qt polygons, ~1 ms a band on the GUI thread."""
    path = pg.arrayToQPath(np.concatenate([x, x[::-1]]), np.concatenate([lo, hi[::-1]]), connect="all")
    path.closeSubpath()
    return path


def _brush(color: str, alpha: int) -> pg.QtGui.QBrush:
    c = QColor(color)
    return pg.mkBrush(c.red(), c.green(), c.blue(), alpha)


def empty_fill(color: str, alpha: int = BAND_ALPHA) -> pg.FillBetweenItem:
    """A band fill with no data yet (not added to a plot): ``update_band`` fills it in."""
    return pg.FillBetweenItem(pg.PlotCurveItem([], [], pen=None), pg.PlotCurveItem([], [], pen=None),
                              brush=_brush(color, alpha))


def add_band(plot: pg.PlotItem, x: np.ndarray, lo: np.ndarray, hi: np.ndarray, color: str,
             alpha: int = BAND_ALPHA) -> list[pg.FillBetweenItem]:
    """Fill between ``lo`` and ``hi`` in ``color`` (translucent); returns the fills added."""
    return update_band(plot, [], x, lo, hi, color, alpha)


def update_band(plot: pg.PlotItem, fills: list[pg.FillBetweenItem], x: np.ndarray, lo: np.ndarray,
                hi: np.ndarray, color: str, alpha: int = BAND_ALPHA) -> list[pg.FillBetweenItem]:
    """The band ``fills`` (as ``add_band`` or this returned them) filled between the new
    ``lo`` and ``hi`` instead: each kept fill's edges take the data of one stretch, fills
    are added to ``plot`` for more stretches and removed from it for fewer. Returns the
    fills now drawn (the kept ones first, the same objects)."""
    x, lo, hi = (np.asarray(a, dtype=float) for a in (x, lo, hi))
    parts = finite_runs(lo, hi)
    out = []
    for i, part in enumerate(parts):
        if i < len(fills):
            fill = fills[i]
            low, high = fill.curves
            for edge, y in ((low, lo), (high, hi)):  # the fill's outline is set below, once
                edge.blockSignals(True)
                try:
                    edge.setData(x[part], y[part])
                finally:
                    edge.blockSignals(False)
            outline = band_path(x[part], lo[part], hi[part])
            outline.setFillRule(fill.fillRule())
            fill.setPath(outline)
        else:
            fill = pg.FillBetweenItem(pg.PlotCurveItem(x[part], lo[part], pen=None),
                                      pg.PlotCurveItem(x[part], hi[part], pen=None),
                                      brush=_brush(color, alpha))
            plot.addItem(fill)
        out.append(fill)
    for fill in fills[len(parts):]:
        plot.removeItem(fill)
    return out
