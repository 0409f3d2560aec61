"""The numba kernels of the Boltzmann wealth model.

Each agent is one row of ``ag`` (int32: half the memory traffic of int64, which made
a step 1.3 times faster at 100,000 agents): its cell (``row * width + col``), its wealth
and its links in a doubly linked list of the agents on its cell (``cl[cell]`` holds the
list's head and length), so a move is O(1) and finding a random cellmate costs the
number of agents on the cell (about one at Mesa's density). ``ids[i]`` is the identity
of the agent in row i: rows are renumbered every step.

One step (``step``) is one call: a fresh random turn order (Fisher-Yates over 0..n-1,
Mesa's ``shuffle_do``), applied by moving the rows into that order (the turns then read
the rows sequentially: about 1.4 times faster at 100,000 agents than following the
order through an index); each agent in turn moves to a uniformly random one of its
Moore neighbour cells (3, 5 or 8 of them: the grid does not wrap) and then, if it has
wealth, gives one unit to a uniformly random *other* agent on its new cell, if there is
one. The step's metrics (Gini, richest, share with nothing) come from a histogram of the
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

# columns of the agent records ag[n, 4] and the cell records cl[cells, 2]
CELL = 0
WEALTH = 1
NXT = 2
PRV = 3
HEAD = 0
COUNT = 1

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
def _link(a, cell, ag, cl):
    first = cl[cell, HEAD]
    ag[a, NXT] = first
    ag[a, PRV] = -1
    if first >= 0:
        ag[first, PRV] = a
    cl[cell, HEAD] = a
    cl[cell, COUNT] += 1


@njit(cache=True, nogil=True, inline="always")
def _unlink(a, cell, ag, cl):
    p = ag[a, PRV]
    q = ag[a, NXT]
    if p >= 0:
        ag[p, NXT] = q
    else:
        cl[cell, HEAD] = q
    if q >= 0:
        ag[q, PRV] = p
    cl[cell, COUNT] -= 1


@njit(cache=True, nogil=True)
def place(ag, n_cells, rng):
    """Mesa's setup: each agent on a uniformly random cell (with replacement)."""
    for a in range(ag.shape[0]):
        ag[a, CELL] = next_below(rng, n_cells)


@njit(cache=True, nogil=True)
def link_all(ag, cl):
    """Build the per-cell lists from the agents' cells (agents in index order)."""
    cl[:, HEAD] = -1
    cl[:, COUNT] = 0
    for a in range(ag.shape[0]):
        _link(a, ag[a, CELL], ag, cl)


@njit(cache=True, nogil=True)
def wealth_metrics(ag, hist, out):
    """Gini (Mesa's formula: 1 + 1/n - 2 * sum_i x_(i) (n - i) / (n * sum x), x sorted
    ascending, i = 0..n-1; computed exactly in integers from a histogram), the richest
    agent's wealth and the share of agents with nothing, into out[]."""
    n = ag.shape[0]
    top = 0
    total = 0
    for a in range(n):
        w = ag[a, WEALTH]
        total += w
        if w > top:
            top = w
    for v in range(top + 1):
        hist[v] = 0
    for a in range(n):
        hist[ag[a, WEALTH]] += 1
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
def renumber(ag, ids, cl, order, inv, ag2, ids2):
    """Put the agents' records in the order ``order`` (agent order[i] becomes agent i),
    remapping the list links, so that the turns then read the records sequentially."""
    n = ag.shape[0]
    for i in range(n):
        inv[order[i]] = i
    for i in range(n):
        o = order[i]
        ag2[i, CELL] = ag[o, CELL]
        ag2[i, WEALTH] = ag[o, WEALTH]
        q = ag[o, NXT]
        ag2[i, NXT] = inv[q] if q >= 0 else -1
        p = ag[o, PRV]
        ag2[i, PRV] = inv[p] if p >= 0 else -1
        ids2[i] = ids[o]
    ag[:, :] = ag2
    ids[:] = ids2
    for c in range(cl.shape[0]):
        h = cl[c, HEAD]
        if h >= 0:
            cl[c, HEAD] = inv[h]


@njit(cache=True, nogil=True)
def step(ag, ids, cl, width, height, order, inv, ag2, ids2, hist, rng, out):
    """One step of every agent in a random order, then the metrics (into ``out``).

    The random turn order is applied by renumbering the agents (``renumber``): agent i
    then takes the i-th turn; ``ids`` keeps who is who."""
    n = ag.shape[0]
    for i in range(n):
        order[i] = i
    for i in range(n - 1, 0, -1):
        j = next_below(rng, i + 1)
        order[i], order[j] = order[j], order[i]
    renumber(ag, ids, cl, order, inv, ag2, ids2)
    transfers = 0
    for a in range(n):
        cell = ag[a, CELL]
        y = cell // width
        x = cell - y * width
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
            jy = j // nxs
            new = (y0 + jy) * width + x0 + (j - jy * nxs)
            _unlink(a, cell, ag, cl)
            ag[a, CELL] = new
            cell = new
            _link(a, cell, ag, cl)
        if ag[a, WEALTH] > 0:
            others = cl[cell, COUNT] - 1
            if others > 0:
                r = next_below(rng, others)
                b = cl[cell, HEAD]
                while True:
                    if b != a:
                        if r == 0:
                            break
                        r -= 1
                    b = ag[b, NXT]
                ag[b, WEALTH] += 1
                ag[a, WEALTH] -= 1
                transfers += 1
    out[M_TRANSFERS] = transfers
    wealth_metrics(ag, hist, out)
