"""The world view's squares, stamped without the GIL in one pass over the state, land
exactly where the plain NumPy formulation of its layers puts them: rounding, clipping at
every edge, later layers on top."""

from __future__ import annotations

import numpy as np
import pytest

from farm_gui.ui.world.world_view import stamp_world, world_arrays


def _numpy_stamp(pixels, w, h, x, y, m11, m21, dx, m12, m22, dy, size, argb) -> None:
    half = (size - 1) / 2
    px = np.rint(m11 * x + m21 * y + dx - half).astype(np.int64)
    py = np.rint(m12 * x + m22 * y + dy - half).astype(np.int64)
    inside = (px >= 0) & (px <= w - size) & (py >= 0) & (py <= h - size)
    corner = py[inside] * w + px[inside]
    for row in range(size):
        for col in range(size):
            pixels[corner + (row * w + col)] = argb


@pytest.mark.parametrize("size", [1, 2, 4, 6])
def test_squares_match_the_numpy_formulation(size):
    rng = np.random.default_rng(size)
    w, h = 317, 233
    # points beyond every edge, on half pixels (round half to even) and inside
    x = np.concatenate([rng.uniform(-30, 430, 3000), [0.5, 1.5, 2.5, -0.5, 380.5]])
    y = np.concatenate([rng.uniform(-30, 330, 3000), [0.5, 1.5, 2.5, 310.5, -0.5]])
    transform = (0.83, 0.0, 3.0, 0.0, -0.7, 230.0)  # y grows upwards, as in the plot
    colors = np.array([0xFF112233, 0xFF445566], dtype=np.uint32)
    expected, stamped = np.zeros(w * h, np.uint32), np.zeros(w * h, np.uint32)
    for layer, color in enumerate(colors):  # the second layer on top
        part = slice(layer, None, 2)
        _numpy_stamp(expected, w, h, x[part], y[part], *transform, size, color)
    # the same points as agents of two types, in the order of the layers above
    types = (np.arange(len(x)) % 2).astype(np.int8)
    state = {"node_x": np.empty(0), "node_y": np.empty(0), "node_amount": np.empty(0),
             "agent_x": x, "agent_y": y, "agent_type": types}
    no_nodes = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.uint32))
    stamp_world(stamped, w, h, *transform, *world_arrays(state), 30.0, *no_nodes,
                np.array([size, size], dtype=np.int64), colors)
    assert np.count_nonzero(expected) > 1000
    np.testing.assert_array_equal(stamped, expected)


def test_the_world_in_one_pass_matches_its_layers_drawn_in_turn():
    """Nodes by size class, then the living agents by type, each layer over the last."""
    rng = np.random.default_rng(5)
    w, h = 301, 257
    transform = (2.9, 0.0, 4.0, 0.0, -2.4, 250.0)
    nodes, agents = 700, 900
    state = {"node_x": rng.uniform(-5, 105, nodes), "node_y": rng.uniform(-5, 105, nodes),
             "node_amount": rng.uniform(-3, 40, nodes),  # beyond the capacity and below zero too
             "agent_x": rng.uniform(-5, 105, agents), "agent_y": rng.uniform(-5, 105, agents),
             "agent_type": rng.integers(0, 5, agents).astype(np.int8),
             "agent_alive": rng.random(agents) < 0.8}
    capacity, node_sizes, agent_sizes = 30.0, [1, 2, 2, 3, 4], [3, 2, 4, 1, 2]
    node_colors = 0xFF000000 + np.arange(1, 6, dtype=np.uint32)
    agent_colors = 0xFF000100 * np.arange(1, 6, dtype=np.uint32)
    expected = np.zeros(w * h, np.uint32)
    size_class = np.clip((state["node_amount"] / capacity * 5).astype(int), 0, 4)
    for c in range(5):
        m = size_class == c
        _numpy_stamp(expected, w, h, state["node_x"][m], state["node_y"][m], *transform, node_sizes[c],
                     node_colors[c])
    for t in range(5):
        m = (state["agent_type"] == t) & state["agent_alive"]
        _numpy_stamp(expected, w, h, state["agent_x"][m], state["agent_y"][m], *transform, agent_sizes[t],
                     agent_colors[t])
    stamped = np.zeros(w * h, np.uint32)
    stamp_world(stamped, w, h, *transform, *world_arrays(state), capacity,
                np.array(node_sizes, dtype=np.int64), node_colors, np.array(agent_sizes, dtype=np.int64),
                agent_colors)
    assert len(np.unique(expected)) == 11  # every layer shows, over the background
    np.testing.assert_array_equal(stamped, expected)
