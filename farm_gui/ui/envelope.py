"""Peak (min/max) envelopes that keep a chart's frame cost flat as points pile up.

pyqtgraph's own peak downsampling scans every point on every ``setData`` (O(n)
per frame: ~7 ms per curve at a million points here). A ``PeakPyramid`` instead
keeps min/max envelopes of an append-only series at bin sizes 16, 32, 64, ...,
extended incrementally with only the new points; a frame then picks the level
that gives about two points per pixel for the visible range. No Qt here.
"""

from __future__ import annotations

import numpy as np

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
        ``max_points`` points (raw values when they fit, else min/max pairs)."""
        n = len(y)
        start, stop = max(0, start), min(n, stop)
        if stop <= start:
            return np.empty(0), np.empty(0)
        m = stop - start
        if m <= max_points:
            return np.arange(start, stop, dtype=np.float64), y[start:stop]
        per_bin = max(1, m // max(1, max_points // 2))
        shift = per_bin.bit_length() - 1
        if shift < BASE_SHIFT or not self._levels:
            if start == 0:
                return self._from_fine(y, stop, 1 << shift)
            return self._from_raw(y, start, stop, 1 << shift)
        k = min(shift - BASE_SHIFT, len(self._levels) - 1)
        level = self._levels[k]
        size_shift = k + BASE_SHIFT
        j0, j1 = start >> size_shift, min(stop >> size_shift, level.count)
        mins, maxs = level.mins[j0:j1], level.maxs[j0:j1]
        xs = (np.arange(j0, j1, dtype=np.float64) * (1 << size_shift))
        group = 1 << (shift - size_shift)  # > 1 when asked for coarser bins than stored
        if group > 1 and len(mins):
            starts = np.arange(0, len(mins), group)
            mins, maxs, xs = np.fmin.reduceat(mins, starts), np.fmax.reduceat(maxs, starts), xs[starts]
        # points not yet summarised at this level form a last, partial bin
        return _with_tail(y, xs, mins, maxs, j1 << size_shift, stop)

    def _from_fine(self, y: np.ndarray, stop: int, size: int) -> tuple[np.ndarray, np.ndarray]:
        """Like _from_raw from the series' start, extending cached bins with new points
        only (the same values: each bin is the min/max of the same raw points)."""
        level = self._fine.get(size)
        if level is None:
            level = self._fine[size] = _Level()
        full = stop // size
        if full > level.count:
            block = y[level.count * size: full * size]
            level.extend(_pairs(block, np.fmin, size), _pairs(block, np.fmax, size))
        xs = np.arange(full, dtype=np.float64) * size
        return _with_tail(y, xs, level.mins[:full], level.maxs[:full], full * size, stop)

    @staticmethod
    def _from_raw(y: np.ndarray, start: int, stop: int, size: int) -> tuple[np.ndarray, np.ndarray]:
        j0, j1 = start // size, stop // size
        block = y[j0 * size: j1 * size]
        mins, maxs = _pairs(block, np.fmin, size), _pairs(block, np.fmax, size)
        xs = np.arange(j0, j1, dtype=np.float64) * size
        return _with_tail(y, xs, mins, maxs, j1 * size, stop)


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
