"""Each rule of the foraging ecology on its own, in small hand-built worlds.

Worlds are built with ForagingModel.from_state; agents are made to take a
given action with force_action. "Quiet" configs switch off everything but the
rule under test (no upkeep, no regrowth)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from farm_gui.config import RunConfig
from farm_gui.sim.foraging import ForagingModel


def quiet(**overrides) -> RunConfig:
    base = {"base_consumption_rate": 0.0, "resource_regen_rate": 0.0, "simulation_steps": 1000}
    return RunConfig(**(base | overrides))


def world(config: RunConfig, agents: dict, nodes: dict | None = None, action: str | None = "pass"):
    model = ForagingModel.from_state(config, agents, nodes)
    if action is not None:
        model.force_action(range(len(agents["x"])), action)
    return model


def by_id(model: ForagingModel) -> dict[int, dict]:
    table = model.agent_table()
    return {int(i): {k: v[s] for k, v in table.items()} for s, i in enumerate(table["agent_id"])}


# ----- gather ------------------------------------------------------------------------
def test_gather_takes_from_nearest_non_empty_node_in_range():
    nodes = {"x": [55.0, 52.0, 70.0], "y": [50.0, 50.0, 50.0], "amount": [4.0, 0.0, 30.0]}
    m = world(quiet(), {"x": [50.0], "y": [50.0], "resources": [1.0]}, nodes, action="gather")
    row = m.step()
    # Node 1 is nearer but empty; node 0 (distance 5) gives all it has.
    np.testing.assert_allclose(m.snapshot()["node_amount"], [0.0, 0.0, 30.0])
    assert by_id(m)[0]["agent_resources"] == pytest.approx(5.0)
    assert row["resources_gathered"] == pytest.approx(4.0)
    m.step()  # now the node at distance 20: at most max_gather_amount
    np.testing.assert_allclose(m.snapshot()["node_amount"], [0.0, 0.0, 20.0])
    assert by_id(m)[0]["agent_resources"] == pytest.approx(15.0)


def test_gather_ignores_nodes_out_of_range_and_agent_does_not_move():
    cfg = quiet(gathering_range=30.0)
    nodes = {"x": [80.0, 20.0], "y": [50.0, 50.0], "amount": [30.0, 30.0]}
    m = world(cfg, {"x": [50.0], "y": [50.0]}, nodes, action="gather")  # both exactly at 30: in range
    m.step()
    assert m.snapshot()["node_amount"].sum() == pytest.approx(50.0)
    far = world(cfg, {"x": [50.0], "y": [50.0]}, {"x": [80.5], "y": [50.0]}, action="gather")
    row = far.step()
    assert row["resources_gathered"] == 0.0 and far.snapshot()["node_amount"][0] == 30.0
    assert (far.snapshot()["agent_x"][0], far.snapshot()["agent_y"][0]) == (50.0, 50.0)


def test_competing_gatherers_share_what_is_left():
    cfg = quiet(max_gather_amount=10.0)
    m = world(cfg, {"x": [50.0, 51.0, 49.0], "y": [50.0] * 3}, {"x": [50.0], "y": [55.0], "amount": [25.0]},
              action="gather")
    row = m.step()
    assert row["resources_gathered"] == pytest.approx(25.0)
    got = sorted(a["agent_resources"] - 5.0 for a in by_id(m).values())
    assert got == pytest.approx([5.0, 10.0, 10.0])


# ----- share -------------------------------------------------------------------------
def test_share_goes_to_poorest_agent_in_range():
    agents = {"x": [50.0, 60.0, 75.0, 50.0], "y": [50.0, 50.0, 50.0, 85.0],
              "resources": [7.0, 3.0, 1.0, 0.0]}
    m = world(quiet(), agents)
    m.force_action([0], "share")
    row = m.step()
    res = {i: a["agent_resources"] for i, a in by_id(m).items()}
    # Agent 3 is poorer but 35 away; agent 2 (25 away) is the poorest in range.
    assert res == pytest.approx({0: 5.0, 1: 3.0, 2: 3.0, 3: 0.0})
    assert row["resources_shared"] == pytest.approx(2.0)


def test_share_needs_min_share_resources():
    m = world(quiet(), {"x": [50.0, 55.0], "y": [50.0, 50.0], "resources": [6.99, 0.0]})
    m.force_action([0], "share")
    row = m.step()
    assert row["resources_shared"] == 0.0
    assert by_id(m)[1]["agent_resources"] == 0.0


# ----- attack ------------------------------------------------------------------------
def test_attack_damage_scales_with_health_squared_and_hits_nearest():
    agents = {"x": [50.0, 60.0, 52.0, 71.0], "y": [50.0] * 4, "health": [50.0, 100.0, 100.0, 100.0]}
    m = world(quiet(base_attack_strength=2.0, attack_range=20.0), agents)
    m.force_action([0], "attack")
    m.step()
    health = {i: a["agent_health"] for i, a in by_id(m).items()}
    assert health == pytest.approx({0: 50.0, 1: 100.0, 2: 100.0 - 2.0 * 0.25, 3: 100.0})


def test_attack_on_defender_is_halved_and_out_of_range_misses():
    agents = {"x": [50.0, 60.0], "y": [50.0, 50.0], "defend_timer": [0, 2]}
    m = world(quiet(), agents)
    m.force_action([0], "attack")
    m.step()
    assert by_id(m)[1]["agent_health"] == pytest.approx(99.0)
    far = world(quiet(attack_range=20.0), {"x": [50.0, 70.5], "y": [50.0, 50.0]})
    far.force_action([0], "attack")
    far.step()
    assert by_id(far)[1]["agent_health"] == 100.0


def test_attack_kill_counts_as_combat_death():
    m = world(quiet(), {"x": [50.0, 55.0], "y": [50.0, 50.0], "health": [100.0, 2.0]})
    m.force_action([0], "attack")
    m.drain_agent_events()
    row = m.step()
    assert (row["deaths"], row["deaths_combat"], row["deaths_starvation"], row["alive"]) == (1, 1, 0, 1)
    _, deaths = m.drain_agent_events()
    assert deaths["agent_id"].tolist() == [1] and deaths["cause"].tolist() == [1]
    assert deaths["death_step"].tolist() == [0]
    assert not by_id(m)[1]["agent_alive"]


# ----- defend ------------------------------------------------------------------------
def test_defend_heals_capped_and_lasts_defense_duration():
    cfg = quiet(defense_duration=3, defense_heal=1.0, starting_health=100.0)
    m = world(cfg, {"x": [10.0, 20.0], "y": [10.0, 10.0], "health": [50.0, 99.5]}, action="defend")
    m.step()
    agents = by_id(m)
    assert agents[0]["agent_health"] == 51.0 and agents[1]["agent_health"] == 100.0
    assert agents[0]["agent_defend_timer"] == 3
    m.force_action([0, 1], "pass")
    timers = []
    for _ in range(4):
        m.step()
        timers.append(by_id(m)[0]["agent_defend_timer"])
    assert timers == [2, 1, 0, 0]


# ----- upkeep and starvation -----------------------------------------------------------
def test_upkeep_floors_at_zero_and_consumed_is_what_was_taken():
    m = world(quiet(base_consumption_rate=0.15), {"x": [10.0, 20.0], "y": [10.0, 10.0],
                                                  "resources": [0.1, 1.0]})
    row = m.step()
    res = {i: a["agent_resources"] for i, a in by_id(m).items()}
    assert res == pytest.approx({0: 0.0, 1: 0.85})
    assert row["resources_consumed"] == pytest.approx(0.25)
    assert by_id(m)[0]["agent_starvation"] == 1 and by_id(m)[1]["agent_starvation"] == 0


def test_starvation_death_after_threshold_steps_at_zero():
    cfg = quiet(base_consumption_rate=0.15, starvation_threshold=10)
    m = world(cfg, {"x": [10.0, 20.0], "y": [10.0, 10.0], "resources": [0.0, 100.0]})
    rows = [m.step() for _ in range(10)]
    assert [r["deaths_starvation"] for r in rows] == [0] * 9 + [1]
    assert rows[-1]["alive"] == 1 and rows[-1]["deaths_combat"] == 0
    _, deaths = m.drain_agent_events()
    assert deaths["agent_id"].tolist() == [0] and deaths["cause"].tolist() == [0]
    assert deaths["death_step"].tolist() == [9]


def test_starvation_counter_resets_when_resources_return():
    cfg = quiet(base_consumption_rate=0.15, starvation_threshold=10)
    m = world(cfg, {"x": [10.0], "y": [10.0], "resources": [0.0], "starvation": [8]},
              {"x": [12.0], "y": [10.0]}, action="gather")
    m.step()  # upkeep at zero: counter 9, then it gathers
    assert by_id(m)[0]["agent_starvation"] == 9
    m.step()  # upkeep leaves 9.85 > 0: reset
    assert by_id(m)[0]["agent_starvation"] == 0 and m.alive_count == 1


# ----- reproduce ---------------------------------------------------------------------
def test_reproduction_creates_child_and_charges_parent():
    cfg = quiet(reproduction_chance=1.0, min_reproduction_resources=8.0, offspring_cost=3.0,
                offspring_initial_resources=5.0)
    agents = {"x": [30.0, 60.0], "y": [40.0, 40.0], "resources": [11.0, 10.99], "generation": [2, 0],
              "type": ["independent", "system"], "health": [40.0, 100.0]}
    m = world(cfg, agents, action="reproduce")
    m.drain_agent_events()
    row = m.step()
    assert row["births"] == 1 and row["alive"] == 3
    assert m.action_counts().sum() == 2  # the child does not act in its birth step
    agents_now = by_id(m)
    child = agents_now[2]
    assert agents_now[0]["agent_resources"] == pytest.approx(8.0)
    assert agents_now[1]["agent_resources"] == pytest.approx(10.99)
    assert (child["agent_x"], child["agent_y"]) == (30.0, 40.0)
    assert child["agent_resources"] == 5.0 and child["agent_health"] == 100.0
    assert child["agent_generation"] == 3 and child["agent_type"] == 1
    assert child["agent_parent_id"] == 0 and child["agent_birth_step"] == 1
    births, _ = m.drain_agent_events()
    assert births["agent_id"].tolist() == [2] and births["parent_id"].tolist() == [0]
    assert births["birth_step"].tolist() == [1] and births["generation"].tolist() == [3]
    assert row["max_generation"] == 3
    m.force_action([2], "pass")
    m.step()
    assert m.action_counts().sum() == 3


def test_reproduction_respects_population_cap_within_a_step():
    # hand-placed agents (from_state ignores the counts, which must fit under the cap)
    cfg = quiet(reproduction_chance=1.0, max_population=13, system_agents=10, independent_agents=0,
                control_agents=0)
    m = world(cfg, {"x": np.linspace(5, 95, 10), "y": [50.0] * 10, "resources": [50.0] * 10},
              action="reproduce")
    assert m.step()["births"] == 3 and m.alive_count == 13
    assert m.step()["births"] == 0


def test_reproduction_chance_zero_and_half():
    n = 4000
    agents = {"x": np.linspace(1, 99, n), "y": np.linspace(1, 99, n), "resources": [20.0] * n}
    never = world(quiet(reproduction_chance=0.0, max_population=10 * n), agents, action="reproduce")
    assert never.step()["births"] == 0
    half = world(quiet(reproduction_chance=0.5, max_population=10 * n, seed=5), agents, action="reproduce")
    births = half.step()["births"]
    assert abs(births - n / 2) < 4 * math.sqrt(n * 0.25)


def test_arrays_grow_when_births_exceed_capacity():
    cfg = quiet(reproduction_chance=1.0, max_population=10_000, min_reproduction_resources=0.0,
                offspring_cost=0.0)
    m = world(cfg, {"x": [50.0] * 3, "y": [50.0] * 3, "resources": [1.0] * 3}, action="reproduce")
    counts = []
    for _ in range(8):
        m.step()
        m.force_action(m.agent_table()["agent_id"], "reproduce")
        counts.append(m.alive_count)
    assert counts == [3 * 2**k for k in range(1, 9)]
    births, _ = m.drain_agent_events()
    assert len(np.unique(births["agent_id"])) == 3 * 2**8


# ----- regrowth ----------------------------------------------------------------------
def test_regrowth_adds_amount_up_to_cap():
    cfg = quiet(resource_regen_rate=1.0, resource_regen_amount=2.0, max_resource_amount=30.0)
    nodes = {"x": [10.0, 20.0, 30.0], "y": [10.0] * 3, "amount": [0.0, 29.0, 30.0]}
    m = world(cfg, {"x": [90.0], "y": [90.0]}, nodes)
    row = m.step()
    np.testing.assert_allclose(m.snapshot()["node_amount"], [2.0, 30.0, 30.0])
    assert row["resources_in_nodes"] == pytest.approx(62.0)
    frozen = world(quiet(resource_regen_rate=0.0), {"x": [90.0], "y": [90.0]}, nodes)
    frozen.step()
    np.testing.assert_allclose(frozen.snapshot()["node_amount"], [0.0, 29.0, 30.0])


def test_regrowth_probability():
    n = 5000
    cfg = quiet(resource_regen_rate=0.3, seed=9)
    nodes = {"x": np.linspace(0, 100, n), "y": np.linspace(0, 100, n), "amount": np.zeros(n)}
    m = world(cfg, {"x": [50.0], "y": [50.0]}, nodes)
    m.step()
    grown = int((m.snapshot()["node_amount"] > 0).sum())
    assert abs(grown - 0.3 * n) < 4 * math.sqrt(n * 0.21)


# ----- move --------------------------------------------------------------------------
def test_moves_are_unit_steps_and_never_leave_the_world():
    n = 2000
    cfg = quiet(move_distance=1.0, width=100.0, height=100.0)
    m = world(cfg, {"x": [0.0] * n, "y": [100.0] * n}, action="move")
    m.step()
    snap = m.snapshot()
    stayed = (snap["agent_x"] == 0.0) & (snap["agent_y"] == 100.0)
    moved = (snap["agent_x"] == 1.0) & (snap["agent_y"] == 100.0) | (snap["agent_x"] == 0.0) & (
        snap["agent_y"] == 99.0)
    assert np.all(stayed | moved)
    # Two of four directions leave the world and are rejected.
    assert abs(stayed.sum() - n / 2) < 4 * math.sqrt(n / 4)
    for _ in range(50):
        m.step()
    snap = m.snapshot()
    assert snap["agent_x"].min() >= 0 and snap["agent_y"].max() <= 100.0


# ----- construction errors -----------------------------------------------------------
def test_from_state_rejects_bad_input():
    with pytest.raises(ValueError, match="position"):
        ForagingModel.from_state(quiet(), {"x": [150.0], "y": [1.0]})
    with pytest.raises(ValueError, match="'type'"):
        ForagingModel.from_state(quiet(), {"x": [1.0], "y": [1.0], "type": ["wolf"]})
    with pytest.raises(ValueError, match="resources"):
        ForagingModel.from_state(quiet(), {"x": [1.0], "y": [1.0], "resources": [1.0, 2.0]})
    m = ForagingModel.from_state(quiet(), {"x": [1.0], "y": [1.0]})
    with pytest.raises(ValueError, match="id 5"):
        m.force_action([5], "move")
    with pytest.raises(ValueError, match="unknown action"):
        m.force_action([0], "dance")
