"""Peak (min/max) envelopes that keep a chart's frame cost flat as points pile up.

pyqtgraph's own peak downsampling scans every point on every ``setData`` (O(n)
per frame: ~7 ms per curve at a million points here). A ``PeakPyramid`` instead
keeps min/max envelopes of an append-only series at bin sizes 16, 32, 64, ...,
extended incrementally with only the new points; a frame then picks the level
that gives about two points per pixel for the visible range. An ``EnvelopeTrace``
keeps the points a curve draws between frames, so that a live frame computes only
the bins the new points fall in. No Qt here.
"""

from __future__ import annotations

import numpy as np
from numba import njit

BASE_SHIFT = 4  # the finest stored level has bins of 16 raw points
TOP_BINS = 1024  # stop adding levels once the coarsest has at most this many bins


class _Level:
    __slots__ = ("mins", "maxs", "count")

    def __init__(self) -> None:
        self.mins = np.empty(256)
        self.maxs = np.empty(256)
        self.count = 0

    def extend(self, mins: np.ndarray, maxs: np.ndarray) -> None:
        end = self.count + len(mins)
        if end > len(self.mins):
            size = max(end, 2 * len(self.mins))
            for name in ("mins", "maxs"):
                grown = np.empty(size)
                grown[: self.count] = getattr(self, name)[: self.count]
                setattr(self, name, grown)
        self.mins[self.count:end] = mins
        self.maxs[self.count:end] = maxs
        self.count = end


def _pairs(values: np.ndarray, op: np.ufunc, width: int) -> np.ndarray:
    return op.reduce(values.reshape(-1, width), axis=1)


class PeakPyramid:
    """Envelopes of one append-only series (index ``i`` is the series' i-th point)."""

    def __init__(self) -> None:
        self._levels: list[_Level] = []
        self._seen = 0
        # Bins finer than the stored levels (2..8 points), kept from the series' start
        # while a chart following a live run needs them: a young run is drawn at these.
        self._fine: dict[int, _Level] = {}

    @property
    def levels(self) -> int:
        return len(self._levels)

    def update(self, y: np.ndarray) -> None:
        """Take in the points appended since the last call (``y`` is the whole series)."""
        n = len(y)
        if n < self._seen:  # a different series: start over
            self._levels, self._seen, self._fine = [], 0, {}
        self._seen = n
        if not self._levels:
            self._levels.append(_Level())
        first = self._levels[0]
        full = n >> BASE_SHIFT
        if full > first.count:
            block = y[first.count << BASE_SHIFT: full << BASE_SHIFT]
            first.extend(_pairs(block, np.fmin, 1 << BASE_SHIFT), _pairs(block, np.fmax, 1 << BASE_SHIFT))
        k = 0
        while True:
            lower = self._levels[k]
            if k + 1 == len(self._levels):
                if lower.count <= TOP_BINS:
                    break
                self._levels.append(_Level())
            upper = self._levels[k + 1]
            full = lower.count >> 1
            if full > upper.count:
                lo, hi = upper.count << 1, full << 1
                upper.extend(_pairs(lower.mins[lo:hi], np.fmin, 2), _pairs(lower.maxs[lo:hi], np.fmax, 2))
            k += 1

    def window(self, y: np.ndarray, start: int, stop: int, max_points: int) -> tuple[np.ndarray, np.ndarray]:
        """Indices and values to draw for ``y[start:stop]`` with at most about
        ``max_points`` points: raw values when they fit, else min/max pairs of the bins
        [j*size, (j+1)*size) that meet the range (size from ``bin_size``), the last one
        holding the points after the last complete bin. Points before ``start`` in the
        first bin belong to it too: the bins never move, so a growing series changes
        only its last bin (see ``EnvelopeTrace``)."""
        n = len(y)
        start, stop = max(0, start), min(n, stop)
        if stop <= start:
            return np.empty(0), np.empty(0)
        size = bin_size(stop - start, max_points)
        if size == 1:
            return np.arange(start, stop, dtype=np.float64), y[start:stop]
        j0, j1 = start // size, stop // size
        mins, maxs = self._bins(y, size, j0, j1)
        xs = np.arange(j0, j1, dtype=np.float64) * size
        return _with_tail(y, xs, mins, maxs, j1 * size, stop)

    def _bins(self, y: np.ndarray, size: int, j0: int, j1: int) -> tuple[np.ndarray, np.ndarray]:
        """min and max of each complete bin j0 <= j < j1 of ``size`` points, from the
        stored level nearest that size when there is one."""
        shift = size.bit_length() - 1
        if shift >= BASE_SHIFT and self._levels:
            k = min(shift - BASE_SHIFT, len(self._levels) - 1)
            level = self._levels[k]
            group = 1 << (shift - BASE_SHIFT - k)  # > 1 when asked for coarser bins than stored
            if j1 * group <= level.count:
                mins, maxs = level.mins[j0 * group: j1 * group], level.maxs[j0 * group: j1 * group]
                if group > 1:
                    mins, maxs = _pairs(mins, np.fmin, group), _pairs(maxs, np.fmax, group)
                return mins, maxs
        if j0 == 0:
            return self._from_fine(y, size, j1)
        block = y[j0 * size: j1 * size]
        return _pairs(block, np.fmin, size), _pairs(block, np.fmax, size)

    def _from_fine(self, y: np.ndarray, size: int, full: int) -> tuple[np.ndarray, np.ndarray]:
        """The first ``full`` bins of ``size`` points from the series' start, kept between
        frames and extended with new points only."""
        level = self._fine.get(size)
        if level is None:
            level = self._fine[size] = _Level()
        if full > level.count:
            block = y[level.count * size: full * size]
            level.extend(_pairs(block, np.fmin, size), _pairs(block, np.fmax, size))
        return level.mins[:full], level.maxs[:full]


def bin_size(count: int, max_points: int) -> int:
    """Points per bin to draw ``count`` points in about ``max_points``: 1 (raw points)
    when they fit, else the power of two that gives about max_points / 2 min/max bins."""
    if count <= max_points:
        return 1
    per_bin = max(1, count // max(1, max_points // 2))
    return 1 << (per_bin.bit_length() - 1)


def _with_tail(y: np.ndarray, xs: np.ndarray, mins: np.ndarray, maxs: np.ndarray, tail_start: int,
               stop: int) -> tuple[np.ndarray, np.ndarray]:
    """The bins plus a last one for ``y[tail_start:stop]`` (if any), as (x, y) points:
    each bin's minimum then its maximum at the bin's first index."""
    if tail_start < stop:
        tail = y[tail_start:stop]
        mins = np.append(mins, np.fmin.reduce(tail))
        maxs = np.append(maxs, np.fmax.reduce(tail))
        xs = np.append(xs, float(tail_start))
    return np.repeat(xs, 2), np.column_stack((mins, maxs)).ravel()


class EnvelopeTrace:
    """The points one curve draws, kept between frames.

    ``update`` brings them up to date with ``y[start:stop]`` as ``PeakPyramid.window``
    would compute them. While a live series grows and the range's start and the bin
    size stay the same, only the last bin and the new ones are computed (from the new
    raw points) and written over the end of the arrays: a frame then costs the same at
    a thousand points as at a million, and the caller learns which points changed.
    """

    def __init__(self) -> None:
        self.pyramid = PeakPyramid()
        self._x = np.empty(0)
        self._y = np.empty(0)
        self.count = 0
        self._layout: tuple[int, int, float] | None = None  # (start, bin size, x offset)
        self._stop = 0
        self._nonfinite = 0
        self.bounds: tuple[float, float] | None = None  # finite min and max of the points

    @property
    def x(self) -> np.ndarray:
        return self._x[: self.count]

    @property
    def y(self) -> np.ndarray:
        return self._y[: self.count]

    @property
    def all_finite(self) -> bool:
        return self._nonfinite == 0

    def invalidate(self) -> None:
        """Make the next ``update`` compute every point again."""
        self._layout = None

    def update(self, y: np.ndarray, start: int, stop: int, max_points: int, x0: float = 0.0) -> int:
        """Draw ``y[start:stop]`` (x values offset by ``x0``); returns how many leading
        points are unchanged since the last call (0 when all were recomputed)."""
        start, stop = max(0, start), min(len(y), stop)
        size = bin_size(stop - start, max_points) if stop > start else 0
        layout = (start, size, x0)
        if layout == self._layout and self._stop <= stop and self.count:
            return self.count if stop == self._stop else self._extend(y, stop)
        self.pyramid.update(y)
        xs, ys = self.pyramid.window(y, start, stop, max_points)
        # New arrays: whoever holds the old points (a curve comparing them) keeps them.
        self._x, self._y = np.empty(0), np.empty(0)
        self.count = 0
        self._nonfinite = 0
        self.bounds = None
        self._write(0, xs + x0, ys)
        self._layout, self._stop = (layout if size else None), stop
        return 0

    def _extend(self, y: np.ndarray, stop: int) -> int:
        start, size, x0 = self._layout
        if size == 1:  # raw points only append
            first, begin, per_bin = self.count, self._stop, 1
        else:  # the old last bin (complete or not) and the bins after it
            j_prev = self._stop // size
            first, begin, per_bin = 2 * (j_prev - start // size), j_prev * size, 2
        self._reserve(self.count, first + per_bin * -(-(stop - begin) // size))
        end, nonfinite, lo, hi = write_envelope(y, begin, stop, size, x0, self._x, self._y, first, self.count)
        self.count, self._stop = end, stop
        self._nonfinite += nonfinite
        self._take_bounds(lo, hi)
        return first

    def _write(self, first: int, xs: np.ndarray, ys: np.ndarray) -> None:
        end = first + len(xs)
        self._reserve(first, end)
        self._x[first:end] = xs
        self._y[first:end] = ys
        self.count = end
        finite = ys[np.isfinite(ys)]
        self._nonfinite += len(ys) - len(finite)
        if len(finite):
            self._take_bounds(float(finite.min()), float(finite.max()))

    def _reserve(self, keep: int, end: int) -> None:
        """Room for ``end`` points, keeping the first ``keep``."""
        if end > len(self._x):
            size = max(end, 2 * len(self._x), 64)
            for name in ("_x", "_y"):
                grown = np.empty(size)
                grown[:keep] = getattr(self, name)[:keep]
                setattr(self, name, grown)

    def _take_bounds(self, lo: float, hi: float) -> None:
        if lo > hi:  # no finite values
            return
        if self.bounds is not None:
            lo, hi = min(lo, self.bounds[0]), max(hi, self.bounds[1])
        self.bounds = (lo, hi)


@njit(cache=True, nogil=True)
def write_envelope(y, begin, stop, size, x0, out_x, out_y, first, old_count):
    """The points for y[begin:stop] (begin a multiple of size) written over out_x and
    out_y from index ``first``: raw points when size is 1, else each bin's minimum and
    maximum (NaNs skipped, like np.fmin / np.fmax) at the bin's first index, the last bin
    holding what is left. One compiled call instead of a dozen NumPy ones per curve and
    frame. Returns (end index, change in the count of non-finite points among the first
    ``old_count``, finite minimum and maximum of the points written (inf, -inf if none))."""
    nonfinite = 0
    for i in range(first, old_count):
        if not np.isfinite(out_y[i]):
            nonfinite -= 1
    lo, hi = np.inf, -np.inf
    k = first
    for b in range(begin, stop, size):
        if size == 1:
            mn = mx = y[b]
        else:
            mn = mx = np.nan
            for i in range(b, min(b + size, stop)):
                v = y[i]
                if v == v:
                    if not mn <= v:  # also when mn is NaN
                        mn = v
                    if not mx >= v:
                        mx = v
        for j in range(1 if size == 1 else 2):
            v = mn if j == 0 else mx
            out_x[k] = b + x0
            out_y[k] = v
            k += 1
            if np.isfinite(v):
                lo, hi = min(lo, v), max(hi, v)
            else:
                nonfinite += 1
    return k, nonfinite, lo, hi


def load_kernel() -> None:
    """Have write_envelope ready for live (float32) and stored (float64) series: compiled
    on first use (1-3 s) or loaded from numba's cache (~8 ms), in either case not in
    the middle of a run's first frames."""
    from farm_gui.runtime.live_buffer import LIVE_DTYPE

    for dtype in (LIVE_DTYPE, np.float64):
        write_envelope(np.zeros(4, dtype=dtype), 0, 4, 2, 0.0, np.zeros(4), np.zeros(4), 0, 0)
