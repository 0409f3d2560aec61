"""Every engine parameter comes from the config: changing a field changes what
the kernel is given."""

from __future__ import annotations

import numpy as np
import pytest

from farm_gui.config import ACTIONS, AGENT_TYPES, RunConfig
from farm_gui.sim.foraging import ForagingModel
from farm_gui.sim.state import parameter_vector, type_weight_matrix

# Fields used outside the kernel's parameter vector (run length, seeding, storage,
# initial counts and levels, weights), each checked separately below.
NOT_IN_VECTOR = {
    "simulation_steps", "seed", "snapshot_every", "checkpoint_every", "initial_resource_level",
    "initial_resources",
    "action_weights", "agent_parameters", *(f"{t}_agents" for t in AGENT_TYPES),
}
SCALAR_FIELDS = sorted(set(RunConfig.model_fields) - NOT_IN_VECTOR)


@pytest.mark.parametrize("field", SCALAR_FIELDS)
def test_each_scalar_parameter_reaches_the_kernel(field):
    base = RunConfig()
    value = getattr(base, field)
    changed = base.model_copy(update={field: value / 2 if isinstance(value, float) and value else value + 1})
    assert not np.array_equal(parameter_vector(base), parameter_vector(changed)), field


def test_action_and_type_weights_reach_the_kernel():
    base = RunConfig()
    w = type_weight_matrix(base)
    assert w.shape == (len(AGENT_TYPES), len(ACTIONS))
    np.testing.assert_allclose(w.sum(axis=1), 1.0)
    share, attack = ACTIONS.index("share"), ACTIONS.index("attack")
    system, independent = AGENT_TYPES.index("system"), AGENT_TYPES.index("independent")
    assert w[system, share] / w[system, attack] == pytest.approx(0.3 / 0.05)
    assert w[independent, share] / w[independent, attack] == pytest.approx(0.05 / 0.25)
    weights = base.action_weights.model_copy(update={"move": 2.0})
    more_move = base.model_copy(update={"action_weights": weights})
    assert type_weight_matrix(more_move)[0, ACTIONS.index("move")] > w[0, ACTIONS.index("move")]


def test_initial_world_follows_config():
    cfg = RunConfig(system_agents=3, independent_agents=0, control_agents=2, chaos_agents=4,
                    initial_resources=7, initial_resource_level=2.5, max_resource_amount=12.0,
                    width=50.0, height=20.0)
    snap = ForagingModel(cfg).snapshot()
    assert np.bincount(snap["agent_type"], minlength=5).tolist() == [3, 0, 2, 0, 4]
    assert np.all(snap["agent_resources"] == 2.5) and np.all(snap["agent_health"] == cfg.starting_health)
    assert len(snap["node_x"]) == 7 and np.all(snap["node_amount"] == 12.0)
    assert snap["agent_x"].max() <= 50.0 and snap["agent_y"].max() <= 20.0
    assert snap["node_x"].max() <= 50.0 and snap["node_y"].max() <= 20.0
    assert len(np.unique(snap["agent_id"])) == 9
