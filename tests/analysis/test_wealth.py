"""The wealth-distribution analysis against independent NumPy computations."""

import json

import numpy as np
import pandas as pd
import pytest

from farm_gui.analysis import AnalysisError, FrameRunSource, run_analysis
from farm_gui.analysis.wealth import gini

from .toy_models import EXCHANGE, ExchangeEngine, gini_by_pairs


def engine_run(steps=30, snapshot_every=10, seed=5, agents=60):
    """Step the toy wealth-exchange engine, keeping metrics rows and snapshots with the
    project's numbering (row k: after k + 1 steps; snapshot k: after k steps)."""
    params = EXCHANGE.parameters(agents=agents, seed=seed)
    engine = ExchangeEngine(params, seed)
    rows, layers = [], {0: engine.layers()}
    for k in range(steps):
        rows.append({"step": k, **engine.step()})
        if (k + 1) % snapshot_every == 0:
            layers[k + 1] = engine.layers()
    source = FrameRunSource(pd.DataFrame(rows), spec=EXCHANGE, config=params, layers=layers, run_id=1)
    return source, rows, layers


def test_gini_formula_matches_the_pairwise_definition():
    rng = np.random.default_rng(1)
    for values in (rng.integers(0, 10, 37), rng.exponential(2.0, 500), np.array([0, 0, 0, 5.0])):
        assert gini(values) == pytest.approx(gini_by_pairs(values))
    assert gini(np.full(10, 3.0)) == 0
    assert np.isnan(gini(np.zeros(4)))


def test_gini_at_each_snapshot_equals_the_models_gini_metric():
    source, rows, layers = engine_run()
    for step in (10, 20, 30):
        result = run_analysis("wealth", [source], {"step": step})
        assert result.summary["step"] == step
        # the world after `step` steps is the metrics row numbered step - 1
        assert result.summary["gini"] == pytest.approx(rows[step - 1]["gini"])
    assert run_analysis("wealth", [source]).summary["step"] == 30  # default: the last snapshot
    assert run_analysis("wealth", [source], {"step": 25}).summary["step"] == 20  # at or before


def test_histogram_lorenz_and_summary_by_hand():
    values = np.array([0, 0, 1, 1, 1, 2, 3, 3, 5, 9], dtype=float)
    layers = {4: {"agents": {"x": np.zeros(10), "y": np.zeros(10), "value": values}}}
    metrics = pd.DataFrame({"gini": [0.0] * 4, "richest": [0] * 4})
    source = FrameRunSource(metrics, spec=EXCHANGE, layers=layers)
    result = run_analysis("wealth", [source])
    assert result.params["layer"] == "agents"
    hist = result.tables["histogram"]
    assert hist["count"].tolist() == np.bincount(values.astype(int)).tolist()  # one bin per value 0..9
    assert hist["bin_start"].tolist() == pytest.approx(np.arange(10) - 0.5)
    lorenz = result.tables["lorenz"]
    assert lorenz["population_share"].tolist() == pytest.approx(np.arange(11) / 10)
    held = np.concatenate([[0], np.cumsum(np.sort(values))]) / 25
    assert lorenz["value_share"].tolist() == pytest.approx(held)
    s = result.summary
    assert (s["points"], s["total"], s["mean"], s["median"], s["max"]) == (10, 25, 2.5, 1.5, 9)
    assert s["share_with_nothing"] == pytest.approx(0.2)
    assert s["top_10pct_share"] == pytest.approx(9 / 25)
    assert s["gini"] == pytest.approx(gini_by_pairs(values))
    curve = result.series["lorenz curve/agents"]
    assert curve["y"][-1] == pytest.approx(1.0)
    bars = result.series["histogram at step 4/agents"]
    assert bars["y"].max() == 3 and len(bars["x"]) == len(bars["y"])
    explicit = run_analysis("wealth", [source], {"bins": 3}).tables["histogram"]
    counts, edges = np.histogram(values, bins=3)
    assert explicit["count"].tolist() == counts.tolist()
    assert explicit["bin_end"].tolist() == pytest.approx(edges[1:])


def test_wealth_needs_snapshots_and_a_known_layer():
    bare = FrameRunSource(pd.DataFrame({"gini": [0.1], "richest": [1]}), spec=EXCHANGE)
    with pytest.raises(AnalysisError, match="no stored world snapshots"):
        run_analysis("wealth", [bare])
    source, _rows, _layers = engine_run()
    with pytest.raises(AnalysisError, match="no point layer with a value field named 'nodes'"):
        run_analysis("wealth", [source], {"layer": "nodes"})
    late = FrameRunSource(pd.DataFrame({"gini": [0.1] * 3, "richest": [1] * 3}), spec=EXCHANGE,
                          layers={2: _layers[10]})
    with pytest.raises(AnalysisError, match="no snapshot at or before step 1"):
        run_analysis("wealth", [late], {"step": 1})


def test_boltzmann_wealth_runs_gini_and_share_with_nothing_match_its_metrics(tmp_path, capsys):
    """The Boltzmann wealth model (a built-in plug-in) run and analysed from the command line."""
    from farm_gui.cli import main
    from farm_gui.store import open_store

    db = tmp_path / "bw.db"
    assert main(["run", "--model", "boltzmann_wealth", "--preset", "default", "--steps", "60", "--seed", "4",
                 "--snapshot-every", "20", "--quiet", "--db", str(db)]) == 0
    run = capsys.readouterr().out.split()[-1]
    store = open_store(db)
    try:
        metrics = store.metrics(int(run))
        steps = store.snapshot_steps(int(run)).tolist()
    finally:
        store.close()
    assert steps == [0, 20, 40, 60]
    for step in steps[1:]:
        assert main(["analyze", run, "--module", "wealth", "--param", f"step={step}", "--db", str(db),
                     "--out", str(tmp_path / str(step))]) == 0
        summary = json.loads((tmp_path / str(step) / f"wealth_run{run}.json").read_text())["summary"]
        assert summary["gini"] == pytest.approx(metrics["gini"][step - 1])
        assert summary["share_with_nothing"] == pytest.approx(metrics["zero_share"][step - 1])
        assert summary["max"] == metrics["max_wealth"][step - 1] and summary["total"] == 100
    assert main(["analyze", run, "--module", "population", "--db", str(db)]) == 2
    assert "declares no metric that counts a category" in capsys.readouterr().err
