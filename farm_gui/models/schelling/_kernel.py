"""The numba kernels of the Schelling segregation model.

The world is one uint8 grid, ``grid[row, col]`` (row = y, col = x): EMPTY, GROUP_A or
GROUP_B. Agents carry nothing but their group and their cell, so the grid *is* the
population. Besides it the engine keeps:
- ``empties``: the empty cells (flat indices ``row * width + col``), in no particular
  order. A mover draws a uniformly random entry and leaves its old cell in that entry,
  so drawing a random empty cell costs O(1) and the list stays exact;
- ``unhappy``: the occupied cells whose agent was unhappy at the last evaluation (the
  first ``n_unhappy`` entries), in row-major order.

One step (``step``) is one call: shuffle the unhappy list (Fisher-Yates), move each of
them in that order to a random empty cell (Mesa's ``shuffle_do`` restricted to the
agents that act: happy agents do nothing), then evaluate everyone's happiness and the
step's metrics (``evaluate``). Neighbour counts come from two summed-area tables (one
per group), so an evaluation costs O(cells) whatever the radius.

Random numbers come from the engine's own SplitMix64 state (a one-element uint64
array), so a seed gives the same run in any thread and the state can be saved.
"""

from __future__ import annotations

import numpy as np
from numba import njit

EMPTY = 0
GROUP_A = 1  # Mesa's type 0 (the majority when minority_pc < 0.5)
GROUP_B = 2  # Mesa's type 1 (the minority)

# metrics written by evaluate()/step() into out[]
M_HAPPY = 0
M_HAPPY_SHARE = 1
M_SIMILAR_SHARE = 2
M_MOVED = 3
M_AGENTS = 4
N_METRICS = 5

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


@njit(cache=True, nogil=True)
def populate(grid, density, minority_pc, rng, empties):
    """Mesa's setup: each cell (row-major) holds an agent with probability ``density``,
    of group B with probability ``minority_pc``. Fills ``empties``; returns
    (number of agents, number of empty cells)."""
    height, width = grid.shape
    n_agents = 0
    n_empty = 0
    for r in range(height):
        for c in range(width):
            if next_uniform(rng) < density:
                grid[r, c] = GROUP_B if next_uniform(rng) < minority_pc else GROUP_A
                n_agents += 1
            else:
                grid[r, c] = EMPTY
                empties[n_empty] = r * width + c
                n_empty += 1
    return n_agents, n_empty


@njit(cache=True, nogil=True)
def evaluate(grid, homophily, radius, sat_a, sat_b, unhappy, mood, out):
    """Every agent's happiness: similar / occupied neighbour cells within Chebyshev
    distance ``radius`` (clipped at the borders, the centre excluded; 0 without
    neighbours), happy iff that fraction >= homophily. Writes the unhappy cells
    (row-major) into ``unhappy``, ``mood`` (0 empty, 1 happy, 2 unhappy) and
    out[M_HAPPY, M_HAPPY_SHARE, M_SIMILAR_SHARE, M_AGENTS]; returns the number unhappy."""
    height, width = grid.shape
    # summed-area tables: sat[r, c] = agents of the group in grid[:r, :c]
    for c in range(width + 1):
        sat_a[0, c] = 0
        sat_b[0, c] = 0
    for r in range(height):
        row_a = 0
        row_b = 0
        sat_a[r + 1, 0] = 0
        sat_b[r + 1, 0] = 0
        for c in range(width):
            v = grid[r, c]
            if v == GROUP_A:
                row_a += 1
            elif v == GROUP_B:
                row_b += 1
            sat_a[r + 1, c + 1] = sat_a[r, c + 1] + row_a
            sat_b[r + 1, c + 1] = sat_b[r, c + 1] + row_b
    n_agents = 0
    happy = 0
    n_unhappy = 0
    similar_sum = 0.0
    for r in range(height):
        r0 = max(r - radius, 0)
        r1 = min(r + radius, height - 1) + 1
        for c in range(width):
            v = grid[r, c]
            if v == EMPTY:
                mood[r, c] = 0
                continue
            c0 = max(c - radius, 0)
            c1 = min(c + radius, width - 1) + 1
            na = sat_a[r1, c1] - sat_a[r0, c1] - sat_a[r1, c0] + sat_a[r0, c0]
            nb = sat_b[r1, c1] - sat_b[r0, c1] - sat_b[r1, c0] + sat_b[r0, c0]
            if v == GROUP_A:
                na -= 1
                similar = na
            else:
                nb -= 1
                similar = nb
            occupied = na + nb
            fraction = similar / occupied if occupied > 0 else 0.0
            n_agents += 1
            similar_sum += fraction
            if fraction < homophily:
                unhappy[n_unhappy] = r * width + c
                n_unhappy += 1
                mood[r, c] = 2
            else:
                happy += 1
                mood[r, c] = 1
    out[M_HAPPY] = happy
    out[M_AGENTS] = n_agents
    out[M_HAPPY_SHARE] = happy / n_agents if n_agents > 0 else 1.0
    out[M_SIMILAR_SHARE] = similar_sum / n_agents if n_agents > 0 else 0.0
    return n_unhappy


@njit(cache=True, nogil=True)
def move_unhappy(grid, empties, n_empty, unhappy, n_unhappy, rng):
    """Each agent unhappy at the last evaluation, in a random order, moves to a
    uniformly random cell empty at that moment (cells freed earlier in the same sweep
    included; its own is occupied so never drawn). With no empty cell it stays.
    Returns the number of agents that moved."""
    for k in range(n_unhappy - 1, 0, -1):
        j = next_below(rng, k + 1)
        unhappy[k], unhappy[j] = unhappy[j], unhappy[k]
    if n_empty == 0:
        return 0
    flat = grid.reshape(-1)
    for k in range(n_unhappy):
        src = unhappy[k]
        e = next_below(rng, n_empty)
        dst = empties[e]
        flat[dst] = flat[src]
        flat[src] = EMPTY
        empties[e] = src
    return n_unhappy


@njit(cache=True, nogil=True)
def step(grid, empties, n_empty, unhappy, n_unhappy, homophily, radius, sat_a, sat_b, mood, rng, out):
    """One step: the moves, then the evaluation. Returns the new number unhappy;
    the step's metrics are in ``out``."""
    out[M_MOVED] = move_unhappy(grid, empties, n_empty, unhappy, n_unhappy, rng)
    return evaluate(grid, homophily, radius, sat_a, sat_b, unhappy, mood, out)
