"""`farm-gui analyze`: summary, result files, exit codes."""

import json

import pandas as pd
import pytest

from farm_gui.cli import main
from farm_gui.config import RunConfig
from farm_gui.runtime.session import RunSession
from farm_gui.store import open_store


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "runs.db"
    store = open_store(path)
    for seed in (1, 2):
        config = RunConfig(simulation_steps=30, seed=seed)
        run_id = store.create_run(config, name=f"seed{seed}")
        RunSession(store, run_id, config).run()
    store.close()
    return path


def test_analyze_prints_summary_and_writes_files(db, tmp_path, capsys):
    code = main(["analyze", "1", "--module", "dominance", "--db", str(db), "--out", str(tmp_path),
                 "--param", "half_life=5"])
    out = capsys.readouterr().out
    assert code == 0
    assert "dominance of run 1" in out and "dominant_by_area" in out
    scores = pd.read_csv(tmp_path / "dominance_run1_scores.csv")
    assert set(scores["type"]) == {"system", "independent", "control"}
    data = json.loads((tmp_path / "dominance_run1.json").read_text())
    assert data["params"]["half_life"] == 5 and data["run_ids"] == [1]
    store = open_store(db)
    try:
        assert store.list_analyses()[0].module == "dominance"
    finally:
        store.close()


def test_analyze_accepts_run_names_and_several_runs(db, tmp_path, capsys):
    code = main(["analyze", "seed1", "seed2", "--module", "comparison", "--db", str(db),
                 "--out", str(tmp_path)])
    assert code == 0
    runs = pd.read_csv(tmp_path / "comparison_run1-2_runs.csv")
    assert runs["run_id"].tolist() == [1, 2]


@pytest.mark.parametrize("argv, message", [
    (["analyze", "1", "--module", "nope"], "unknown analysis module 'nope'"),
    (["analyze", "99", "--module", "population"], "no run '99'"),
    (["analyze", "1", "--module", "population", "--param", "min_prominence=-1"], "min_prominence"),
    (["analyze", "1", "--module", "population", "--params-json", "[1]"], "JSON object"),
    (["analyze", "1", "--module", "comparison"], "at least 2 runs"),
    (["analyze", "1", "2", "--module", "sensitivity"],
     "module 'sensitivity' does not apply to run 1 (seed1) (model 'foraging'): "
     "it needs runs of an experiment"),
    (["analyze", "1", "2", "--module", "comparison", "--param", "metric=gini"],
     "the metric named by the 'metric' parameter: model 'foraging' has no metric 'gini'"),
])
def test_bad_input_exits_2_with_a_message(db, capsys, argv, message):
    assert main([*argv, "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_bad_database_exits_2(tmp_path, capsys):
    bad = tmp_path / "not_a_db.db"
    bad.write_text("hello")
    assert main(["analyze", "1", "--module", "population", "--db", str(bad)]) == 2
    assert "not_a_db.db" in capsys.readouterr().err
