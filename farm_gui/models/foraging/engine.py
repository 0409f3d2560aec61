"""The foraging engine seen through the generic interface (layers, events)."""

from __future__ import annotations

from typing import Any

import numpy as np

from farm_gui.sim.foraging import ForagingModel
from farm_gui.sim.protocol import METRIC_NAMES

# step_many hands out the declared metrics: METRIC_NAMES without the runtime's "step"
_DECLARED = [i for i, name in enumerate(METRIC_NAMES) if name != "step"]


class ForagingEngine(ForagingModel):
    """ForagingModel plus the generic ``layers()`` / ``drain_events()`` / ``step_many()``."""

    def step_many(self, max_steps: int) -> np.ndarray:
        """Up to ``max_steps`` steps in blocks (``step_block``): their declared metrics, a
        row per step (the experiments' headless runs use it)."""
        return self.step_block(max_steps).table[:, _DECLARED]

    def layers(self) -> dict[str, dict[str, np.ndarray]]:
        snap = self.snapshot()
        alive = snap["agent_alive"]
        return {
            "resources": {"x": snap["node_x"], "y": snap["node_y"], "value": snap["node_amount"]},
            "agents": {"x": snap["agent_x"][alive], "y": snap["agent_y"][alive],
                       "category": snap["agent_type"][alive], "value": snap["agent_resources"][alive],
                       "id": snap["agent_id"][alive]},
        }

    def drain_events(self):
        return self.drain_agent_events()


def create_engine(params: Any, seed: int) -> ForagingEngine:
    if params.seed != seed:
        params = params.model_copy(update={"seed": seed})
    return ForagingEngine(params)


def restore_engine(params: Any, state: dict) -> ForagingEngine:
    return ForagingEngine.restore_state(params, state)
