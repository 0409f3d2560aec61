"""Runs of any model in the store: model name, version and parameters recorded; a finished
run's results written in one go (save_result); metrics, world layers and events read back;
the per-model metrics table researchers query with SQL."""

import sqlite3
import time
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from farm_gui_random_walk import SPEC as WALK
from farm_gui_random_walk import RandomWalkParameters

from farm_gui.config import RunConfig
from farm_gui.core import registry
from farm_gui.core.model import Metric
from farm_gui.core.results import RunResult
from farm_gui.store import StoreError, open_store


def simulate(spec, params, snapshot_every: int = 10) -> RunResult:
    """Step an engine in memory the way an experiment worker does."""
    engine = spec.create_engine(params, params.seed)
    rows, snapshots = [], [(0, engine.layers())]
    while engine.step_index < params.simulation_steps and not engine.done:
        rows.append(dict(engine.step()))
        if engine.step_index % snapshot_every == 0:
            snapshots.append((engine.step_index, engine.layers()))
    births, deaths = engine.drain_events() if spec.events else (None, None)
    metrics = {n: np.array([r[n] for r in rows]) for n in spec.metric_names}
    metrics["step"] = np.arange(len(rows), dtype=np.int64)
    return RunResult(spec.name, spec.version, params.seed, metrics, snapshots=snapshots,
                     births=births, deaths=deaths)


def walk_params(**changes) -> RandomWalkParameters:
    values = {"simulation_steps": 60, "seed": 5, "walkers": 50, "turnover": 0.05}
    values.update(changes)
    return RandomWalkParameters(**values)


def test_a_run_records_its_model_version_and_every_parameter(store):
    params = walk_params(red_share=0.3)
    run_id = store.create_run(params, name="walk", model="random_walk")
    info = store.get_run(run_id)
    assert (info.model, info.model_version, info.status, info.total_steps, info.seed) == \
        ("random_walk", WALK.version, "pending", 60, 5)
    back = store.run_parameters(run_id)
    assert isinstance(back, RandomWalkParameters) and back == params
    # a mapping is validated with the model's parameter class
    other = store.create_run({"walkers": 7}, model="random_walk")
    assert store.run_parameters(other).walkers == 7
    # the foraging ecology's configuration still comes back as a RunConfig
    forage = store.create_run(RunConfig(simulation_steps=5))
    assert isinstance(store.run_config(forage), RunConfig)
    assert store.get_run(forage).model_version == registry.get_model("foraging").version


def test_unknown_models_and_wrong_parameters_are_refused_by_name(store):
    with pytest.raises(StoreError, match="unknown model 'nope'; available: foraging"):
        store.create_run(walk_params(), model="nope")
    with pytest.raises(StoreError, match="must be a RandomWalkParameters, not a RunConfig"):
        store.create_run(RunConfig(), model="random_walk")
    with pytest.raises(StoreError, match="walkers"):
        store.create_run({"walkers": -3}, model="random_walk")
    assert store.list_runs() == []


def test_save_result_stores_metrics_layers_and_events_of_a_generic_run(store, db_path):
    params = walk_params()
    result = simulate(WALK, params)
    run_id = store.create_run(params, model="random_walk")
    store.save_result(run_id, result)

    info = store.get_run(run_id)
    assert (info.status, info.steps_done, info.error) == ("finished", 60, None)
    metrics = store.metrics(run_id)
    assert list(metrics) == ["step", "red", "blue", "mean_distance", "visited_share"]
    assert metrics["red"].dtype == np.int64 and metrics["mean_distance"].dtype == np.float64
    for name in WALK.metric_names:
        np.testing.assert_array_equal(metrics[name], result.metrics[name])
    part = store.metrics(run_id, 10, 20)
    assert list(part["step"]) == list(range(10, 20))

    assert list(store.snapshot_steps(run_id)) == [0, 10, 20, 30, 40, 50, 60]
    for step, layers in result.snapshots:
        stored = store.layers(run_id, step)
        assert set(stored) == {"walkers", "visits"}
        for layer, arrays in layers.items():
            for field, arr in arrays.items():
                np.testing.assert_array_equal(stored[layer][field], arr)
                assert stored[layer][field].dtype == arr.dtype, (layer, field)
    # between snapshots: the latest one before
    assert store.layer_snapshot(run_id, 15)[0] == 10

    lives = store.agents_frame(run_id)
    assert len(lives) == len(result.births["agent_id"])
    assert set(lives["agent_type"]) == {"red", "blue"}
    dead = lives.dropna(subset=["death_step"])
    assert len(dead) == len(result.deaths["agent_id"]) > 0
    assert set(dead["death_cause"]) == {"left"}


def test_the_per_model_table_has_one_typed_column_per_metric_and_is_readable_with_pandas(store, db_path):
    params = walk_params(turnover=0.0)
    ids = []
    for seed in (1, 2):
        p = params.model_copy(update={"seed": seed})
        run_id = store.create_run(p, model="random_walk")
        store.save_result(run_id, simulate(WALK, p))
        ids.append(run_id)
    con = sqlite3.connect(db_path)
    types = {row[1]: row[2] for row in con.execute("PRAGMA table_info(metrics_random_walk)")}
    con.close()
    assert types == {"run_id": "INTEGER", "step": "BIGINT", "red": "BIGINT", "blue": "BIGINT",
                     "mean_distance": "FLOAT", "visited_share": "FLOAT"}
    frame = pd.read_sql("SELECT * FROM metrics_random_walk ORDER BY run_id, step", f"sqlite:///{db_path}")
    assert len(frame) == 120 and sorted(set(frame["run_id"])) == ids
    mine = frame[frame["run_id"] == ids[1]]
    np.testing.assert_allclose(mine["mean_distance"], store.metrics(ids[1])["mean_distance"])
    assert (mine["red"] + mine["blue"] == 50).all()
    # deleting a run removes its rows there too
    store.delete_run(ids[0])
    frame = pd.read_sql("SELECT run_id FROM metrics_random_walk", f"sqlite:///{db_path}")
    assert set(frame["run_id"]) == {ids[1]}


def test_a_newer_model_version_with_another_metric_gets_its_column(store, db_path):
    params = walk_params(turnover=0.0, simulation_steps=5)
    old = store.create_run(params, model="random_walk")
    store.save_result(old, simulate(WALK, params))
    newer = replace(WALK, version="0.2.0",
                    metrics=(*WALK.metrics, Metric("walkers", "walkers", integer=True)))

    class Engine:
        def __init__(self, p, seed):
            self.inner = WALK.create_engine(p, seed)

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def step(self):
            m = self.inner.step()
            return {**m, "walkers": m["red"] + m["blue"]}

    newer = replace(newer, create_engine=Engine)
    registry.register(newer)
    try:
        run_id = store.create_run(params, model="random_walk")
        assert store.get_run(run_id).model_version == "0.2.0"
        store.save_result(run_id, simulate(newer, params))
        frame = pd.read_sql("SELECT run_id, walkers FROM metrics_random_walk ORDER BY run_id, step",
                            f"sqlite:///{db_path}")
        assert frame[frame.run_id == old]["walkers"].isna().all()
        assert (frame[frame.run_id == run_id]["walkers"] == 50).all()
        assert list(store.metrics(run_id)["walkers"]) == [50] * 5
    finally:
        registry.unregister("random_walk")


def test_a_failed_result_keeps_its_steps_and_error(store):
    params = walk_params()
    result = simulate(WALK, params)
    result.metrics = {k: v[:17] for k, v in result.metrics.items()}
    result.status, result.error = "failed", "model 'random_walk': step 18 raised ValueError: boom"
    run_id = store.create_run(params, model="random_walk")
    store.save_result(run_id, result)
    info = store.get_run(run_id)
    assert (info.status, info.steps_done, info.error) == ("failed", 17, result.error)
    assert len(store.metrics(run_id)["step"]) == 17


def test_save_result_refuses_a_result_that_does_not_fit_and_changes_nothing(store):
    params = walk_params()
    result = simulate(WALK, params)
    run_id = store.create_run(params, model="random_walk")
    bad = RunResult("random_walk", WALK.version, 5, {k: v for k, v in result.metrics.items() if k != "red"})
    with pytest.raises(StoreError, match="lacks metrics red"):
        store.save_result(run_id, bad)
    with pytest.raises(StoreError, match="model 'random_walk', the result is of 'foraging'"):
        store.save_result(run_id, replace(result, model="foraging"))
    assert store.get_run(run_id).status == "pending"
    store.save_result(run_id, result)
    with pytest.raises(StoreError, match="is finished"):
        store.save_result(run_id, result)


def test_a_foraging_result_goes_into_the_first_release_tables(store):
    spec = registry.get_model("foraging")
    config = RunConfig(simulation_steps=12, snapshot_every=6, seed=3)
    result = simulate(spec, config, snapshot_every=6)
    run_id = store.create_run(config)
    store.save_result(run_id, result)
    metrics = store.metrics(run_id)
    assert list(metrics["step"]) == list(range(12))
    np.testing.assert_array_equal(metrics["alive"], result.metrics["alive"])
    assert store.get_run(run_id).last_alive == int(result.metrics["alive"][-1])
    assert store.layers(run_id, 12)["agents"]["x"].size == result.snapshots[-1][1]["agents"]["x"].size


def test_saving_many_short_runs_is_quick(tmp_path):
    """Experiments stream thousands of short runs into the workspace: each save is one
    transaction with statements compiled once (a smoke check of the path; figures are in
    bench/store.py)."""
    params = walk_params(simulation_steps=20, turnover=0.0)
    result = simulate(WALK, params)
    with open_store(tmp_path / "many.db") as store:
        ids = [store.create_run(params, model="random_walk") for _ in range(50)]
        started = time.perf_counter()
        for run_id in ids:
            store.save_result(run_id, result)
        elapsed = time.perf_counter() - started
        assert all(store.get_run(i).status == "finished" for i in ids)
        assert sum(len(store.metrics(i)["step"]) for i in ids) == 50 * 20
    print(f"save_result of a 20-step run: {1000 * elapsed / 50:.2f} ms")


def test_the_run_table_alive_of_a_generic_run_is_its_counted_categories(store):
    """A plug-in model's recorded runs had no "Alive" in the run table once the window was
    reopened (the writer stored none): it is the sum of the metrics that count a category,
    as the window shows while the run goes."""
    from farm_gui.runtime.session import RunSession

    params = walk_params(simulation_steps=40)
    counted = [m.name for m in WALK.metrics if m.category is not None]
    assert counted  # red and blue walkers
    recorded = store.create_run(params, model="random_walk")
    assert RunSession(store, recorded, params, batch_steps=8).run() == "finished"
    metrics = store.metrics(recorded)
    assert store.get_run(recorded).last_alive == sum(int(metrics[name][-1]) for name in counted)
    # an experiment's result, saved in one go
    result = simulate(WALK, params)
    saved = store.create_run(params, model="random_walk")
    store.save_result(saved, result)
    assert store.get_run(saved).last_alive == sum(int(result.metrics[name][-1]) for name in counted)


def test_runs_recorded_without_an_alive_get_one_when_the_workspace_opens(db_path):
    """Workspaces written before the writers stored a plug-in run's "Alive" get it filled
    in from each run's last step when opened for writing (once); read-only, they are left
    as they are."""
    from farm_gui.runtime.session import RunSession

    params = walk_params(simulation_steps=30)
    with open_store(db_path) as store:
        run_id = store.create_run(params, model="random_walk")
        assert RunSession(store, run_id, params, batch_steps=8).run() == "finished"
        metrics = store.metrics(run_id)
    expected = int(metrics["red"][-1] + metrics["blue"][-1])
    with sqlite3.connect(db_path) as conn:  # as the release before left it
        conn.execute("UPDATE runs SET last_alive = NULL WHERE id = ?", (run_id,))
    with open_store(db_path, readonly=True) as store:
        assert store.get_run(run_id).last_alive is None
    with open_store(db_path) as store:
        assert store.get_run(run_id).last_alive == expected
