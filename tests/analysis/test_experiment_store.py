"""Sensitivity and comparison of an experiment stored in a workspace, from the command line."""

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from farm_gui.cli import main
from farm_gui.core import registry
from farm_gui.core.results import RunResult
from farm_gui.store import open_store

from .toy_models import EXCHANGE

N_BASE = 32
SPEC = """\
model: toy_exchange
design: sobol
samples: 32
replications: 2
seed: 9
factors:
  a: {uniform: [0, 1]}
  b: {uniform: [0, 1]}
"""


def outcome(a, b):  # analytic first-order indices: 0.5^2 / (0.5^2 + 0.1^2) and 0.1^2 / (...)
    return 0.5 * a + 0.1 * b


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    from SALib.sample import sobol as sobol_sample

    registry.register(EXCHANGE)
    path = tmp_path_factory.mktemp("experiment") / "runs.db"
    store = open_store(path)
    unit = sobol_sample.sample({"num_vars": 2, "names": ["a", "b"], "bounds": [[0.0, 1.0]] * 2}, N_BASE,
                               calc_second_order=False, scramble=True, seed=4)
    planned = [{"index": 2 * p + r, "point": p, "replicate": r, "seed": 1000 + 2 * p + r,
                "factors": {"a": float(u[0]), "b": float(u[1])}} for p, u in enumerate(unit) for r in (0, 1)]
    exp_id = store.create_experiment("sobol toy", "toy_exchange", SPEC, "sobol", 9, planned)
    for run in planned:
        params = EXCHANGE.parameters(seed=run["seed"], simulation_steps=3)
        run_id = store.create_run(params, name=f"run {run['index']}", model="toy_exchange")
        y = outcome(run["factors"]["a"], run["factors"]["b"]) + (0.05 if run["replicate"] else -0.05)
        metrics = {"step": np.arange(3), "gini": np.array([0.0, y / 2, y]), "richest": np.array([1, 2, 3])}
        store.save_result(run_id, RunResult("toy_exchange", EXCHANGE.version, run["seed"], metrics))
        store.record_experiment_run(exp_id, run["index"], run_id, "finished")
    store.close()
    yield path, exp_id, unit
    registry.unregister(EXCHANGE.name)


def test_sobol_indices_of_a_stored_experiment(experiment, tmp_path, capsys):
    path, exp_id, unit = experiment
    assert main(["analyze", f"experiment:{exp_id}", "--module", "sensitivity", "--param", "outcome=gini",
                 "--db", str(path), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "largest_total_index" in out
    sobol = pd.read_csv(next(tmp_path.glob("sensitivity_*_sobol.csv"))).set_index("factor")
    assert sobol.loc["a", "S1"] == pytest.approx(0.25 / 0.26, abs=0.1)
    assert sobol.loc["b", "S1"] == pytest.approx(0.01 / 0.26, abs=0.1)
    # the replicates' noise cancels in each point's mean: exactly SALib's result on the outcome
    from SALib.analyze import sobol as salib

    y = outcome(unit[:, 0], unit[:, 1])
    direct = salib.analyze({"num_vars": 2, "names": ["a", "b"], "bounds": [[0.0, 1.0]] * 2}, y,
                           calc_second_order=False, num_resamples=1000, conf_level=0.95, seed=1)
    assert sobol["S1"].tolist() == pytest.approx(list(direct["S1"]))
    assert sobol["ST_conf"].tolist() == pytest.approx(list(direct["ST_conf"]))
    src = pd.read_csv(next(tmp_path.glob("sensitivity_*_src.csv"))).set_index("factor")
    runs = pd.read_csv(next(tmp_path.glob("sensitivity_*_runs.csv")))
    assert len(runs) == 2 * len(unit)
    x = runs[["a", "b"]].to_numpy()
    beta, *_ = np.linalg.lstsq(np.column_stack([np.ones(len(x)), x]), runs["outcome"].to_numpy(), rcond=None)
    assert src.loc["a", "src"] == pytest.approx(beta[1] * x[:, 0].std(ddof=1) / runs["outcome"].std(ddof=1))


def test_comparison_of_a_stored_experiment_groups_design_points(experiment, tmp_path):
    path, exp_id, unit = experiment
    assert main(["analyze", f"experiment:{exp_id}", "--module", "comparison", "--db", str(path),
                 "--out", str(tmp_path)]) == 0
    data = json.loads(next(tmp_path.glob("comparison_*.json")).read_text())
    assert data["params"]["metric"] == "gini"
    groups = pd.read_csv(next(tmp_path.glob("comparison_*_groups.csv")))
    assert len(groups) == len(unit) and (groups["runs"] == 2).all()
    first = groups.iloc[0]
    mean = outcome(unit[0, 0], unit[0, 1])
    assert first["mean_final"] == pytest.approx(mean)
    assert first["ci_upper"] - mean == pytest.approx(stats.t.ppf(0.975, 1) * np.std([-0.05, 0.05], ddof=1)
                                                     / np.sqrt(2))


def test_an_unknown_experiment_exits_2(experiment, capsys):
    path, _exp_id, _unit = experiment
    assert main(["analyze", "experiment:99", "--module", "sensitivity", "--db", str(path)]) == 2
    assert "experiment" in capsys.readouterr().err
