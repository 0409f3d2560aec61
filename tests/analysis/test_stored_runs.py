"""Modules over runs made by the real engine and kept in a real store."""

import numpy as np
import pandas as pd
import pytest

from farm_gui.analysis import (
    AnalysisError,
    analyse_stored_runs,
    available_modules,
    load_result,
    store_sources,
)
from farm_gui.config import ACTIONS, RunConfig
from farm_gui.runtime.session import RunSession
from farm_gui.store import open_store


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    store = open_store(tmp_path_factory.mktemp("db") / "runs.db")
    ids = []
    for seed in (11, 12):
        config = RunConfig(simulation_steps=60, seed=seed, snapshot_every=10)
        run_id = store.create_run(config, name=f"seed {seed}")
        assert RunSession(store, run_id, config).run() == "finished"
        ids.append(run_id)
    yield store, ids
    store.close()


@pytest.mark.parametrize("module", sorted(set(available_modules()) - {"sensitivity"}))  # experiments only
def test_every_module_saves_and_reloads(stored, module):
    store, ids = stored
    run_ids = ids if module == "comparison" else ids[:1]
    analysis_id, result = analyse_stored_runs(store, module, run_ids)
    info, _payload = store.load_analysis(analysis_id)
    assert (info.module, info.run_ids, info.status) == (module, run_ids, "finished")
    assert info.params == result.params
    again = load_result(store, analysis_id)
    assert set(again.tables) == set(result.tables) and again.summary.keys() == result.summary.keys()
    for name, table in result.tables.items():
        pd.testing.assert_frame_equal(again.tables[name], table, check_dtype=False)


def test_results_agree_with_the_stored_data(stored):
    store, ids = stored
    metrics = store.metrics_frame(ids[0])
    _id, population = analyse_stored_runs(store, "population", ids[:1])
    totals = population.tables["summary"].set_index("type")
    assert totals.loc["total", "final"] == metrics["alive"].iloc[-1]
    assert totals.loc["system", "peak"] == metrics["alive_system"].max()
    _id, survival = analyse_stored_runs(store, "survival", ids[:1])
    agents = store.agents_frame(ids[0])
    assert survival.summary["agents"] == len(agents)
    assert survival.summary["deaths"] == agents["death_step"].notna().sum()
    _id, actions = analyse_stored_runs(store, "actions", ids[:1])
    assert actions.summary["actions_taken"] == sum(metrics[f"action_{a}"].sum() for a in ACTIONS)


def test_missing_run_is_named(stored):
    store, _ids = stored
    with pytest.raises(AnalysisError, match="run 999"):
        store_sources(store, [999])


def test_foraging_world_tables_read_as_the_engines_layers(stored):
    """A stored foraging run's world (the first release's tables) reads as the layers its
    engine handed out at that step."""
    from farm_gui.analysis import StoreRunSource
    from farm_gui.models.foraging.engine import ForagingEngine

    store, ids = stored
    engine = ForagingEngine(RunConfig(simulation_steps=60, seed=11, snapshot_every=10))
    for _ in range(20):
        engine.step()
    expected = engine.layers()
    got = StoreRunSource(store, ids[0]).layers(20)
    assert got.keys() == expected.keys()
    for layer, fields in expected.items():
        assert got[layer].keys() == fields.keys()
        for name, values in fields.items():
            np.testing.assert_allclose(got[layer][name], values, rtol=1e-6)
