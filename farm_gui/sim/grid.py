"""Uniform-grid spatial queries (numba), shared by resource nodes and agents.

The world is cut into square cells of side ``cell``; items are bucketed by a
counting sort into ``start`` (length n_cells + 1, the first item of each cell)
and ``items`` (item indices grouped by cell). A query of radius r scans only
the cells overlapping the query's bounding square, so its cost depends on the
local density, not on the population.

Agents are bucketed once per step, at their start-of-step positions. An agent
moves at most ``move_distance`` during a step, so agent queries scan cells for
radius r + move_distance and then test the true, current distance: results are
exact although the grid is not updated as agents move.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ._layout import F_RES, I_ALIVE

# Upper bound on cells so that huge worlds with small ranges stay cheap.
MAX_CELLS = 1 << 22


def grid_geometry(width: float, height: float, query_range: float, n_items: int) -> tuple[float, int, int]:
    """Cell side and cell counts: cells about one query range wide, but never
    more than a few per item (or MAX_CELLS) so the per-step bucketing stays cheap."""
    max_cells = min(MAX_CELLS, max(64, 4 * n_items))
    cell = max(query_range, math.sqrt(width * height / max_cells), 1e-9)
    nx = max(1, min(int(width / cell) + 1, MAX_CELLS))
    ny = max(1, min(int(height / cell) + 1, MAX_CELLS // nx))
    # Re-derive the cell side so that nx * cell and ny * cell cover the world.
    cell = max(cell, width / nx, height / ny)
    return float(cell), nx, ny


@njit(cache=True, nogil=True, inline="always")
def _cell_coord(v, cell, n):
    c = np.int64(v / cell)
    if c < 0:
        return 0
    if c >= n:
        return n - 1
    return c


@njit(cache=True, nogil=True)
def build_grid(xs, ys, n, cell, nx, ny, start, items, cell_of):
    """Counting sort of items 0..n-1 into cells (start must have nx*ny+1 entries)."""
    n_cells = nx * ny
    for c in range(n_cells + 1):
        start[c] = 0
    for i in range(n):
        c = _cell_coord(ys[i], cell, ny) * nx + _cell_coord(xs[i], cell, nx)
        cell_of[i] = c
        start[c + 1] += 1
    for c in range(n_cells):
        start[c + 1] += start[c]
    for i in range(n):
        c = cell_of[i]
        items[start[c]] = i
        start[c] += 1
    for c in range(n_cells, 0, -1):
        start[c] = start[c - 1]
    start[0] = 0


@njit(cache=True, nogil=True)
def nearest_node_within(x, y, r, nodes, start, items, cell, nx, ny):
    """Index of the nearest node with amount > 0 within distance r, or -1."""
    best = -1
    best_d2 = r * r
    cx0 = _cell_coord(x - r, cell, nx)
    cx1 = _cell_coord(x + r, cell, nx)
    cy0 = _cell_coord(y - r, cell, ny)
    cy1 = _cell_coord(y + r, cell, ny)
    for cy in range(cy0, cy1 + 1):
        # Cells cx0..cx1 of one row are consecutive, so their items are one range.
        row = cy * nx
        for q in range(start[row + cx0], start[row + cx1 + 1]):
            j = items[q]
            if nodes[j, 2] > 0.0:
                dx = nodes[j, 0] - x
                dy = nodes[j, 1] - y
                d2 = dx * dx + dy * dy
                if d2 < best_d2 or (d2 == best_d2 and best < 0):
                    best = j
                    best_d2 = d2
    return best


@njit(cache=True, nogil=True)
def any_node_within(x, y, r, nodes, start, items, cell, nx, ny):
    """Whether some node with amount > 0 lies within distance r."""
    r2 = r * r
    cx0 = _cell_coord(x - r, cell, nx)
    cx1 = _cell_coord(x + r, cell, nx)
    cy0 = _cell_coord(y - r, cell, ny)
    cy1 = _cell_coord(y + r, cell, ny)
    for cy in range(cy0, cy1 + 1):
        # Cells cx0..cx1 of one row are consecutive, so their items are one range.
        row = cy * nx
        for q in range(start[row + cx0], start[row + cx1 + 1]):
            j = items[q]
            if nodes[j, 2] > 0.0:
                dx = nodes[j, 0] - x
                dy = nodes[j, 1] - y
                if dx * dx + dy * dy <= r2:
                    return True
    return False


@njit(cache=True, nogil=True)
def build_agent_grid(xs, ys, n, cell, nx, ny, start, index, gxy, cell_of):
    """Bucket agents 0..n-1 and keep, in grid order, a copy of their positions.

    index[0] holds the agents grouped by cell, index[1][agent] its place in
    index[0]; gxy[place] its position (kept current as agents move), so a
    query reads the candidates of a cell from contiguous memory."""
    items = index[0]
    build_grid(xs, ys, n, cell, nx, ny, start, items, cell_of)
    place = index[1]
    for q in range(n):
        j = items[q]
        place[j] = q
        gxy[q, 0] = xs[j]
        gxy[q, 1] = ys[j]


@njit(cache=True, nogil=True)
def nearest_agent_within(me, x, y, r, slack, ist, start, index, gxy, cell, nx, ny):
    """Nearest other living agent within distance r of (x, y), or -1.

    ``slack`` widens the scanned cells by how far agents may have moved since
    the grid was built; ties go to the agent found first (a fixed order).
    """
    best = -1
    best_d2 = r * r
    rs = r + slack
    cx0 = _cell_coord(x - rs, cell, nx)
    cx1 = _cell_coord(x + rs, cell, nx)
    cy0 = _cell_coord(y - rs, cell, ny)
    cy1 = _cell_coord(y + rs, cell, ny)
    items = index[0]
    for cy in range(cy0, cy1 + 1):
        # Cells cx0..cx1 of one row are consecutive, so their items are one range.
        row = cy * nx
        for q in range(start[row + cx0], start[row + cx1 + 1]):
            dx = gxy[q, 0] - x
            dy = gxy[q, 1] - y
            d2 = dx * dx + dy * dy
            if d2 < best_d2 or (d2 == best_d2 and best < 0):
                j = items[q]
                if j != me and ist[I_ALIVE, j] != 0:
                    best = j
                    best_d2 = d2
    return best


@njit(cache=True, nogil=True)
def poorest_agent_within(me, x, y, r, slack, fs, ist, start, index, gxy, cell, nx, ny):
    """Other living agent with the fewest resources within distance r, or -1."""
    best = -1
    best_res = np.inf
    r2 = r * r
    rs = r + slack
    cx0 = _cell_coord(x - rs, cell, nx)
    cx1 = _cell_coord(x + rs, cell, nx)
    cy0 = _cell_coord(y - rs, cell, ny)
    cy1 = _cell_coord(y + rs, cell, ny)
    items = index[0]
    for cy in range(cy0, cy1 + 1):
        # Cells cx0..cx1 of one row are consecutive, so their items are one range.
        row = cy * nx
        for q in range(start[row + cx0], start[row + cx1 + 1]):
            dx = gxy[q, 0] - x
            dy = gxy[q, 1] - y
            if dx * dx + dy * dy <= r2:
                j = items[q]
                if j != me and ist[I_ALIVE, j] != 0 and fs[F_RES, j] < best_res:
                    best = j
                    best_res = fs[F_RES, j]
    return best
