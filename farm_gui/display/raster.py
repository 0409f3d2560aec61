"""The world raster's kernels: points stamped as squares of their layer's colour into one
ARGB image, layer over layer (nodes by size class, then agents by type). No Qt: the world
view (farm_gui.ui.world.world_view) gives them the view transform and paints the image."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _stamp(pixels, w, h, x, y, m11, m21, dx, m12, m22, dy, size, argb):
    """Paint a size x size square of colour argb into the w x h image `pixels` (flat,
    row-major) for the point whose pixel is (m11 x + m21 y + dx, m12 x + m22 y + dy);
    a square not wholly inside the image is left out."""
    half = (size - 1) / 2
    px = int(np.rint(m11 * x + m21 * y + dx - half))
    py = int(np.rint(m12 * x + m22 * y + dy - half))
    if 0 <= px <= w - size and 0 <= py <= h - size:
        corner = py * w + px
        for row in range(size):
            for col in range(size):
                pixels[corner + row * w + col] = argb


@njit(cache=True, nogil=True)
def stamp_world(pixels, w, h, m11, m21, dx, m12, m22, dy, node_x, node_y, node_amount, agent_x, agent_y,
                agent_type, agent_alive, node_capacity, node_sizes, node_argb, agent_sizes, agent_argb):
    """Stamp the world's layers one after the other, each over the last: the nodes of
    each size class (amount / capacity in len(node_sizes) equal parts), then the agents
    of each type (those alive, when ``agent_alive`` has one flag per agent)."""
    classes = len(node_sizes)
    node_class = np.empty(node_x.size, dtype=np.int8)
    for i in range(node_x.size):
        node_class[i] = min(max(int(node_amount[i] / max(node_capacity, 1e-9) * classes), 0), classes - 1)
    for c in range(classes):
        for i in range(node_x.size):
            if node_class[i] == c:
                _stamp(pixels, w, h, node_x[i], node_y[i], m11, m21, dx, m12, m22, dy, node_sizes[c],
                       node_argb[c])
    check_alive = agent_alive.size == agent_x.size
    for t in range(len(agent_sizes)):
        for i in range(agent_x.size):
            if agent_type[i] == t and (not check_alive or agent_alive[i]):
                _stamp(pixels, w, h, agent_x[i], agent_y[i], m11, m21, dx, m12, m22, dy, agent_sizes[t],
                       agent_argb[t])


def world_arrays(state: dict[str, np.ndarray]) -> tuple[np.ndarray, ...]:
    """The state's arrays for stamp_world, in the one set of types it is compiled for
    (at install time, see farm_gui.warmup): no copies for the engine's and the store's."""
    alive = state.get("agent_alive")
    floats = ("node_x", "node_y", "node_amount", "agent_x", "agent_y")
    return (*(np.ascontiguousarray(state[key], dtype=np.float64) for key in floats),
            np.ascontiguousarray(state["agent_type"], dtype=np.int8),
            np.ascontiguousarray(alive if alive is not None else (), dtype=np.bool_))


def load_kernel() -> None:
    """Have stamp_world ready for the engine's and the store's world states: compiled on
    first use (1-3 s) or loaded from numba's cache (~8 ms), not at the first picture."""
    state = {key: np.zeros(1) for key in ("node_x", "node_y", "node_amount", "agent_x", "agent_y")}
    state.update(agent_type=np.zeros(1, dtype=np.int8), agent_alive=np.ones(1, dtype=np.bool_))
    no_layers = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint32))
    stamp_world(np.zeros(4, dtype=np.uint32), 2, 2, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, *world_arrays(state), 30.0,
                *no_layers, *no_layers)
