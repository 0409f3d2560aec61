"""Analyses of stored runs of models other than the foraging ecology: what applies runs
(from the command line, against independent computations), what does not is refused with
exit 2 naming what is missing."""

import json

import numpy as np
import pandas as pd
import pytest

from farm_gui.analysis import StoreRunSource, applicable_modules, run_analysis
from farm_gui.cli import main
from farm_gui.core import registry
from farm_gui.core.results import RunResult
from farm_gui.store import open_store

from .toy_models import EXCHANGE, TWO_SPECIES, ExchangeEngine, gini_by_pairs


def exchange_result(seed=3, steps=40, every=10) -> RunResult:
    params = EXCHANGE.parameters(agents=40, seed=seed, simulation_steps=steps)
    engine = ExchangeEngine(params, seed)
    rows, snapshots = [], [(0, engine.layers())]
    for k in range(steps):
        rows.append(engine.step())
        if (k + 1) % every == 0:
            snapshots.append((k + 1, engine.layers()))
    metrics = {n: np.array([r[n] for r in rows]) for n in EXCHANGE.metric_names}
    metrics["step"] = np.arange(steps, dtype=np.int64)
    return RunResult(EXCHANGE.name, EXCHANGE.version, seed, metrics, snapshots=snapshots)


SPECIES_FOXES = np.array([4, 5, 3, 2])
SPECIES_HARES = np.array([6, 6, 7, 9])


def species_result() -> RunResult:
    metrics = {"step": np.arange(4), "foxes": SPECIES_FOXES, "hares": SPECIES_HARES,
               "animals": SPECIES_FOXES + SPECIES_HARES, "grass": np.array([1.0, 2.0, 3.0, 2.5])}
    births = {"agent_id": np.arange(6), "agent_type": np.array([0, 0, 1, 1, 1, 0]),
              "birth_step": np.array([0, 0, 0, 0, 2, 3]), "parent_id": np.array([-1, -1, -1, -1, 2, 0]),
              "generation": np.array([0, 0, 0, 0, 1, 1])}
    deaths = {"agent_id": np.array([1, 3]), "death_step": np.array([1, 2]), "cause": np.array([1, 0])}
    xs = np.array([10.0, 20.0, 30.0, 60.0])
    layer = {"animals": {"x": xs, "y": xs, "category": np.array([0, 0, 1, 1], dtype=np.uint8),
                         "id": np.array([0, 2, 4, 5])}}
    return RunResult(TWO_SPECIES.name, TWO_SPECIES.version, 1, metrics, snapshots=[(4, layer)],
                     births=births, deaths=deaths)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    for spec in (EXCHANGE, TWO_SPECIES):
        registry.register(spec)
    path = tmp_path_factory.mktemp("generic") / "runs.db"
    store = open_store(path)
    ids = {}
    exchange_params = EXCHANGE.parameters(agents=40, seed=3, simulation_steps=40)
    for name, spec, result, params in (
        ("exchange", EXCHANGE, exchange_result(), exchange_params),
        ("species", TWO_SPECIES, species_result(), TWO_SPECIES.parameters(simulation_steps=4)),
    ):
        run_id = store.create_run(params, name=name, model=spec.name)
        store.save_result(run_id, result)
        ids[name] = run_id
    store.close()
    yield path, ids
    for spec in (EXCHANGE, TWO_SPECIES):
        registry.unregister(spec.name)


def test_wealth_of_a_stored_run_matches_its_gini_metric(db, tmp_path, capsys):
    path, ids = db
    run = ids["exchange"]
    assert main(["analyze", str(run), "--module", "wealth", "--param", "step=20", "--db", str(path),
                 "--out", str(tmp_path)]) == 0
    data = json.loads((tmp_path / f"wealth_run{run}.json").read_text())
    store = open_store(path)
    try:
        gini_metric = store.metrics(run)["gini"]
        values = store.layers(run, 20)["agents"]["value"]
    finally:
        store.close()
    assert data["summary"]["gini"] == pytest.approx(gini_metric[19])  # after 20 steps: row 19
    assert data["summary"]["gini"] == pytest.approx(gini_by_pairs(values))
    hist = pd.read_csv(tmp_path / f"wealth_run{run}_histogram.csv")
    assert hist["count"].sum() == 40 and "gini" in capsys.readouterr().out


@pytest.mark.parametrize("module, missing", [
    ("actions", "it needs a run of model 'foraging': the run's model is 'toy_exchange'"),
    ("resources", "it needs a run of model 'foraging'"),
    ("survival", "it needs agent lifespans (birth and death events): model 'toy_exchange' records no agent"),
    ("population", "it needs count metrics per category"),
])
def test_a_module_that_does_not_apply_exits_2_naming_what_is_missing(db, capsys, module, missing):
    path, ids = db
    assert main(["analyze", str(ids["exchange"]), "--module", module, "--db", str(path)]) == 2
    err = capsys.readouterr().err
    run = ids["exchange"]
    assert f"module {module!r} does not apply to run {run} (exchange) (model 'toy_exchange')" in err
    assert missing in err and "Traceback" not in err


def test_the_module_list_of_a_generic_run_leaves_out_the_foraging_modules(db):
    path, ids = db
    store = open_store(path)
    try:
        models = [store.get_run(r).model for r in ids.values()]
    finally:
        store.close()
    exchange = set(applicable_modules([models[0]]))
    assert {"actions", "resources"}.isdisjoint(exchange) and "wealth" in exchange
    assert {"population", "survival", "dominance", "spatial"} <= set(applicable_modules([models[1]]))


def test_population_survival_and_spatial_of_a_stored_generic_run(db, tmp_path):
    path, ids = db
    run = ids["species"]
    store = open_store(path)
    try:
        source = StoreRunSource(store, run)
        pop = run_analysis("population", [source]).tables["summary"].set_index("type")
        assert pop.loc["fox", "final"] == 2 and pop.loc["hare", "peak"] == 9
        assert pop.loc["total", "mean"] == pytest.approx((SPECIES_FOXES + SPECIES_HARES).mean())
        survival = run_analysis("survival", [source])
        causes = survival.tables["deaths_by_cause"]
        assert causes.values.tolist() == [["fox", "starved", 1], ["hare", "eaten", 1]]
        assert survival.summary["agents"] == 6 and survival.summary["censored"] == 4
        spatial = run_analysis("spatial", [source])
        table = spatial.tables["clustering"]
        assert table["agent_type"].tolist() == ["all", "fox", "hare"]
        hare = table.iloc[2]
        assert hare["mean_nn"] == pytest.approx(np.hypot(30, 30))
    finally:
        store.close()
