"""The foraging ecology's first-release world snapshots (agent and node tables) seen as
world layers, in the form its engine's ``layers()`` hands out: ``agents`` (living agents:
x, y, category, value = resources, id) and ``resources`` (nodes: x, y, value = amount).
Part of the store's foraging legacy path, like ``world_state``; a test checks it against
``ForagingEngine.layers()``."""

from __future__ import annotations

import numpy as np


def layers_from_world_state(state: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
    alive = np.asarray(state["agent_alive"], dtype=bool) if "agent_alive" in state else slice(None)
    return {
        "resources": {"x": np.asarray(state["node_x"]), "y": np.asarray(state["node_y"]),
                      "value": np.asarray(state["node_amount"])},
        "agents": {"x": np.asarray(state["agent_x"])[alive], "y": np.asarray(state["agent_y"])[alive],
                   "category": np.asarray(state["agent_type"])[alive],
                   "value": np.asarray(state["agent_resources"])[alive],
                   "id": np.asarray(state["agent_id"])[alive]},
    }
