"""The conflict rule: agents take turns in a fresh random order each step, and
each turn sees the world as the earlier turns left it."""

from __future__ import annotations

import numpy as np

from farm_gui.config import RunConfig
from farm_gui.sim.foraging import ForagingModel


def test_competing_gatherers_win_equally_often():
    # One node refilled to 10 every step; both agents take up to 10 each step, so
    # whoever goes first gets everything and the other gets nothing.
    cfg = RunConfig(base_consumption_rate=0.0, max_gather_amount=10.0, max_resource_amount=10.0,
                    resource_regen_rate=1.0, resource_regen_amount=10.0, simulation_steps=10_000, seed=8)
    model = ForagingModel.from_state(cfg, {"x": [40.0, 60.0], "y": [50.0, 50.0], "resources": [0.0, 0.0]},
                                     {"x": [50.0], "y": [50.0], "amount": [10.0]})
    model.force_action([0, 1], "gather")
    steps = 2000
    for _ in range(steps):
        assert model.step()["resources_gathered"] == 10.0
    table = model.agent_table()
    wins = dict(zip(table["agent_id"].tolist(), (table["agent_resources"] / 10.0).tolist(), strict=True))
    assert wins[0] + wins[1] == steps
    assert abs(wins[0] - steps / 2) < 4 * np.sqrt(steps / 4)


def test_an_agent_killed_before_its_turn_does_not_act():
    # Agent 0 kills agent 1 with one blow. If agent 1's turn comes first it acts
    # (2 actions in the step); otherwise it is dead before its turn (1 action).
    outcomes = []
    for seed in range(200):
        cfg = RunConfig(base_consumption_rate=0.0, seed=seed)
        model = ForagingModel.from_state(cfg, {"x": [50.0, 55.0], "y": [50.0, 50.0], "health": [100.0, 1.0]})
        model.force_action([0], "attack")
        model.force_action([1], "pass")
        row = model.step()
        assert row["deaths_combat"] == 1
        outcomes.append(int(model.action_counts().sum()))
    assert set(outcomes) == {1, 2}
    assert 60 < outcomes.count(1) < 140


def test_turn_order_changes_from_step_to_step():
    # Three agents queue for a node that holds enough for one: the winner varies.
    cfg = RunConfig(base_consumption_rate=0.0, max_gather_amount=10.0, max_resource_amount=10.0,
                    resource_regen_rate=1.0, resource_regen_amount=10.0, seed=4)
    model = ForagingModel.from_state(cfg, {"x": [45.0, 50.0, 55.0], "y": [50.0] * 3, "resources": [0.0] * 3},
                                     {"x": [50.0], "y": [52.0], "amount": [10.0]})
    model.force_action([0, 1, 2], "gather")
    def resources() -> dict[int, float]:
        table = model.agent_table()  # slots are reordered every step: key by id
        return dict(zip(table["agent_id"].tolist(), table["agent_resources"].tolist(), strict=True))

    winners = []
    for _ in range(30):
        before = resources()
        model.step()
        after = resources()
        gained = {i: after[i] - before[i] for i in before}
        assert sorted(gained.values()) == [0.0, 0.0, 10.0]
        winners.append(max(gained, key=gained.get))
    assert len(set(winners)) == 3
