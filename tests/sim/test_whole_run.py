"""Properties of whole runs of the foraging model: bookkeeping, determinism,
protocol conformance, events."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from farm_gui.config import ACTIONS, AGENT_TYPES, RunConfig, preset
from farm_gui.sim import (
    BIRTH_KEYS,
    DEATH_KEYS,
    METRIC_NAMES,
    SNAPSHOT_AGENT_KEYS,
    SNAPSHOT_NODE_KEYS,
    Model,
    build_model,
)
from farm_gui.sim import _layout as L


def run_all(model) -> list[dict]:
    rows = []
    while not model.done:
        rows.append(model.step())
    return rows


def test_protocol_conformance_and_metric_keys():
    model = build_model(RunConfig(simulation_steps=5))
    assert isinstance(model, Model)
    row = model.step()
    assert tuple(row) == METRIC_NAMES
    assert row["step"] == 0 and model.step_index == 1
    assert model.action_counts().shape == (len(AGENT_TYPES), len(ACTIONS))
    assert model.action_counts().dtype == np.int64
    assert model.action_counts().sum() == 30  # every agent alive at the start acted


def test_bookkeeping_holds_every_step():
    cfg = RunConfig(simulation_steps=300, seed=7)
    model = build_model(cfg)
    prev_alive = cfg.total_agents
    for expected_step, row in enumerate(run_all(model)):
        assert row["step"] == expected_step
        assert row["alive"] == prev_alive + row["births"] - row["deaths"]
        assert row["alive"] == sum(row[f"alive_{t}"] for t in AGENT_TYPES)
        assert row["deaths"] == row["deaths_starvation"] + row["deaths_combat"]
        assert sum(row[f"action_{a}"] for a in ACTIONS) <= prev_alive
        assert row["resources_consumed"] <= prev_alive * cfg.base_consumption_rate + 1e-9
        assert row["resources_in_nodes"] <= cfg.initial_resources * cfg.max_resource_amount
        assert row["alive"] <= cfg.max_population
        prev_alive = row["alive"]


def test_same_seed_same_run_and_different_seed_differs():
    cfg = RunConfig(simulation_steps=150)
    a, b = build_model(cfg), build_model(cfg)
    rows_a, rows_b = run_all(a), run_all(b)
    assert rows_a == rows_b
    for key, value in a.snapshot().items():
        np.testing.assert_array_equal(value, b.snapshot()[key])
    other = run_all(build_model(cfg.model_copy(update={"seed": cfg.seed + 1})))
    assert other != rows_a


def test_interleaved_and_threaded_models_stay_reproducible():
    cfg = RunConfig(simulation_steps=200, seed=11)
    reference = run_all(build_model(cfg))
    # Interleaved in one thread with a model of another seed.
    m1, m2 = build_model(cfg), build_model(cfg.model_copy(update={"seed": 99}))
    inter = []
    while not m1.done:
        inter.append(m1.step())
        if not m2.done:
            m2.step()
    assert inter == reference
    # Two threads at once.
    results: dict[int, list] = {}

    def work(k: int) -> None:
        results[k] = run_all(build_model(cfg))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results[0] == reference and results[1] == reference


def test_run_ends_at_simulation_steps():
    model = build_model(RunConfig(simulation_steps=17))
    assert len(run_all(model)) == 17 and model.step_index == 17 and model.done
    with pytest.raises(RuntimeError, match="finished"):
        model.step()


def test_run_ends_at_extinction():
    # No food, no upkeep relief: everyone starves after starvation_threshold steps.
    cfg = RunConfig(simulation_steps=1000, initial_resources=0, initial_resource_level=0.0,
                    starvation_threshold=4, base_attack_strength=0.0)
    rows = run_all(build_model(cfg))
    assert len(rows) == 4
    assert rows[-1]["alive"] == 0
    assert rows[-1]["deaths_starvation"] == cfg.total_agents


def test_snapshot_keys_and_dtypes():
    model = build_model(preset("1k").model_copy(update={"simulation_steps": 3}))
    run_all(model)
    snap = model.snapshot()
    assert set(snap) == set(SNAPSHOT_AGENT_KEYS) | set(SNAPSHOT_NODE_KEYS)
    dtypes = {"agent_id": np.int64, "agent_type": np.int8, "agent_generation": np.int32,
              "agent_alive": np.bool_}
    n = len(snap["agent_id"])
    for key in SNAPSHOT_AGENT_KEYS:
        assert snap[key].dtype == dtypes.get(key, np.float64), key
        assert len(snap[key]) == n
    for key in SNAPSHOT_NODE_KEYS:
        assert snap[key].dtype == np.float64 and len(snap[key]) == 700
    assert snap["agent_alive"].sum() == model.alive_count
    # The same values as the engine's own columns.
    ag, n = model.agents, model.agents.n_slots
    np.testing.assert_array_equal(snap["agent_x"], ag.fstate[L.F_X, :n])
    np.testing.assert_array_equal(snap["agent_health"], ag.fstate[L.F_HEALTH, :n])
    np.testing.assert_array_equal(snap["agent_type"], ag.istate[L.I_TYPE, :n])
    np.testing.assert_array_equal(snap["agent_generation"], ag.istate[L.I_GEN, :n])
    np.testing.assert_array_equal(snap["node_amount"], model._nodes[:, 2])
    # Copies: changing the snapshot leaves the model alone.
    snap["agent_x"][:] = -1
    assert model.snapshot()["agent_x"].min() >= 0


def test_agent_events_are_consistent_with_metrics():
    cfg = RunConfig(simulation_steps=400, seed=3)
    model = build_model(cfg)
    births, deaths = model.drain_agent_events()
    assert tuple(births) == BIRTH_KEYS and tuple(deaths) == DEATH_KEYS
    assert len(births["agent_id"]) == cfg.total_agents
    assert np.all(births["birth_step"] == 0) and np.all(births["parent_id"] == -1)
    assert np.all(births["generation"] == 0)
    assert len(deaths["agent_id"]) == 0
    all_births = [births]
    all_deaths = []
    total_births = total_deaths = 0
    while not model.done:
        row = model.step()
        total_births += row["births"]
        total_deaths += row["deaths"]
        if model.step_index % 37 == 0:
            b, d = model.drain_agent_events()
            all_births.append(b)
            all_deaths.append(d)
    b, d = model.drain_agent_events()
    all_births.append(b)
    all_deaths.append(d)
    ids = np.concatenate([x["agent_id"] for x in all_births])
    dead = np.concatenate([x["agent_id"] for x in all_deaths])
    assert len(ids) == cfg.total_agents + total_births
    assert len(dead) == total_deaths
    assert len(np.unique(ids)) == len(ids)  # never reused
    assert len(np.unique(dead)) == len(dead) and np.isin(dead, ids).all()
    children = np.concatenate([x["parent_id"] for x in all_births[1:]])
    assert np.isin(children, ids).all()
    steps = np.concatenate([x["birth_step"] for x in all_births[1:]])
    assert steps.min() >= 1 and steps.max() <= cfg.simulation_steps
    # The living agents are exactly those born and not dead.
    snap = model.snapshot()
    living = np.sort(snap["agent_id"][snap["agent_alive"]])
    np.testing.assert_array_equal(living, np.setdiff1d(ids, dead))
    assert total_births > 0 and total_deaths > 0


def test_memory_stays_bounded_over_a_long_run():
    cfg = RunConfig(simulation_steps=20_000, seed=5)
    model = build_model(cfg)
    peak_alive = 0
    sizes = []
    while not model.done:
        row = model.step()
        peak_alive = max(peak_alive, row["alive"])
        # Dead agents are compacted away: slots hold the living plus this step's dead.
        assert model.agents.n_slots == row["alive"] + row["deaths"]
        if model.step_index % 500 == 0:
            model.drain_agent_events()
            sizes.append((model.agents.capacity, model.events.births.shape[1], model.events.deaths.shape[1]))
    assert model.step_index == 20_000
    assert model.agents.capacity <= 4 * max(peak_alive, cfg.total_agents)
    # No buffer keeps growing once the population has settled.
    assert sizes[-1] == sizes[len(sizes) // 2]
