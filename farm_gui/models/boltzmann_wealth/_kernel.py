"""The numba kernels of the Boltzmann wealth model.

Agents are indices 0..n-1 with a cell (``col``, ``row``) and an integer ``wealth``.
Who is on which cell is kept in one doubly linked list per cell (``head[cell]``,
``nxt[agent]``, ``prv[agent]``, ``count[cell]``), so a move is O(1) and finding a
random cellmate costs the number of agents on the cell (about one at Mesa's density).

One step (``step``) is one call: a fresh random turn order (Fisher-Yates over 0..n-1,
Mesa's ``shuffle_do``); each agent in turn moves to a uniformly random one of its Moore
neighbour cells (3, 5 or 8 of them: the grid does not wrap) and then, if it has wealth,
gives one unit to a uniformly random *other* agent on its new cell, if there is one.
The step's metrics (Gini, richest, share with nothing) come from a histogram of the
wealth in O(n): wealth is conserved, so no agent holds more than the total.

Random numbers come from the engine's own SplitMix64 state (a one-element uint64
array), so a seed gives the same run in any thread and the state can be saved.
"""

from __future__ import annotations

import numpy as np
from numba import njit

M_GINI = 0
M_MAX_WEALTH = 1
M_ZERO_SHARE = 2
M_TRANSFERS = 3
N_METRICS = 4

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV_2_53 = 1.0 / 9007199254740992.0


@njit(cache=True, nogil=True, inline="always")
def next_uniform(rng):
    """SplitMix64: a uniform float in [0, 1) from the engine's own state."""
    s = rng[0] + _GOLDEN
    rng[0] = s
    z = (s ^ (s >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    z = z ^ (z >> _S31)
    return np.float64(z >> _S11) * _INV_2_53


@njit(cache=True, nogil=True, inline="always")
def next_below(rng, n):
    """A uniform integer in [0, n), n >= 1."""
    j = np.int64(next_uniform(rng) * n)
    if j >= n:
        j = n - 1
    return j


@njit(cache=True, nogil=True, inline="always")
def _link(a, cell, head, nxt, prv, count):
    first = head[cell]
    nxt[a] = first
    prv[a] = -1
    if first >= 0:
        prv[first] = a
    head[cell] = a
    count[cell] += 1


@njit(cache=True, nogil=True, inline="always")
def _unlink(a, cell, head, nxt, prv, count):
    p = prv[a]
    q = nxt[a]
    if p >= 0:
        nxt[p] = q
    else:
        head[cell] = q
    if q >= 0:
        prv[q] = p
    count[cell] -= 1


@njit(cache=True, nogil=True)
def place(col, row, width, height, rng):
    """Mesa's setup: each agent on a uniformly random cell (with replacement)."""
    for a in range(col.shape[0]):
        cell = next_below(rng, width * height)
        row[a] = cell // width
        col[a] = cell % width


@njit(cache=True, nogil=True)
def link_all(col, row, width, head, nxt, prv, count):
    """Build the per-cell lists from the positions (agents in index order)."""
    head[:] = -1
    count[:] = 0
    for a in range(col.shape[0]):
        _link(a, row[a] * width + col[a], head, nxt, prv, count)


@njit(cache=True, nogil=True)
def wealth_metrics(wealth, hist, out):
    """Gini (Mesa's formula: 1 + 1/n - 2 * sum_i x_(i) (n - i) / (n * sum x), x sorted
    ascending, i = 0..n-1; computed exactly in integers from a histogram), the richest
    agent's wealth and the share of agents with nothing, into out[]."""
    n = wealth.shape[0]
    top = 0
    total = 0
    for a in range(n):
        w = wealth[a]
        total += w
        if w > top:
            top = w
    for v in range(top + 1):
        hist[v] = 0
    for a in range(n):
        hist[wealth[a]] += 1
    # sum over sorted positions i of x_(i) * (n - i), value by value
    acc = 0
    pos = 0
    for v in range(top + 1):
        c = hist[v]
        if c > 0:
            acc += v * (c * (n - pos) - c * (c - 1) // 2)
            pos += c
    if n > 0 and total > 0:
        out[M_GINI] = 1.0 + 1.0 / n - 2.0 * (acc / (n * total))
    else:
        out[M_GINI] = 0.0
    out[M_MAX_WEALTH] = top
    out[M_ZERO_SHARE] = hist[0] / n if n > 0 else 0.0


@njit(cache=True, nogil=True)
def step(col, row, wealth, width, height, head, nxt, prv, count, order, hist, rng, out):
    """One step of every agent in a random order, then the metrics (into ``out``)."""
    n = col.shape[0]
    for i in range(n):
        order[i] = i
    for i in range(n - 1, 0, -1):
        j = next_below(rng, i + 1)
        order[i], order[j] = order[j], order[i]
    transfers = 0
    for i in range(n):
        a = order[i]
        x = col[a]
        y = row[a]
        x0 = max(x - 1, 0)
        x1 = min(x + 1, width - 1)
        y0 = max(y - 1, 0)
        y1 = min(y + 1, height - 1)
        nxs = x1 - x0 + 1
        options = nxs * (y1 - y0 + 1) - 1  # the cells of the clipped 3 x 3 block but its centre
        if options > 0:
            j = next_below(rng, options)
            if j >= (y - y0) * nxs + (x - x0):
                j += 1  # skip the centre
            nx = x0 + j % nxs
            ny = y0 + j // nxs
            _unlink(a, y * width + x, head, nxt, prv, count)
            col[a] = nx
            row[a] = ny
            x = nx
            y = ny
            _link(a, y * width + x, head, nxt, prv, count)
        if wealth[a] > 0:
            cell = y * width + x
            others = count[cell] - 1
            if others > 0:
                r = next_below(rng, others)
                b = head[cell]
                while True:
                    if b != a:
                        if r == 0:
                            break
                        r -= 1
                    b = nxt[b]
                wealth[b] += 1
                wealth[a] -= 1
                transfers += 1
    out[M_TRANSFERS] = transfers
    wealth_metrics(wealth, hist, out)
