"""`farm-gui import-agentfarm` and `farm-gui run --agentfarm-config`: output, exit codes,
and the source file's bytes."""

import csv
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from farm_gui.store import open_store

from ..store.conftest import sha256
from .conftest import run_cli

FIXTURES = Path(__file__).parents[1] / "fixtures" / "agentfarm"


def test_import_prints_run_id_and_exports_a_row_per_step(tmp_path, capsys):
    source = tmp_path / "sim.db"
    shutil.copy(FIXTURES / "sample_60_steps.db", source)
    before = sha256(source)
    db = tmp_path / "ws.db"
    assert run_cli("import-agentfarm", source, "--db", db) == 0
    out, err = capsys.readouterr()
    run_id = int(out.strip())
    assert "61 steps, 50 agents" in err and "learning-module rows" in err
    assert sha256(source) == before
    assert run_cli("export", run_id, "--format", "csv", "--out", tmp_path / "out", "--db", db) == 0
    capsys.readouterr()
    (metrics,) = (tmp_path / "out").glob("*_metrics.csv")
    rows = list(csv.DictReader(metrics.open()))
    con = sqlite3.connect(source)
    steps = con.execute("SELECT step_number, total_agents, agent_type_counts, average_reward "
                        "FROM simulation_steps ORDER BY step_number").fetchall()
    con.close()
    assert len(rows) == len(steps) == 61
    for row, (step, total, counts, reward) in zip(rows, steps, strict=True):
        counts = json.loads(counts)
        assert int(row["step"]) == step and int(row["alive"]) == total
        assert int(row["alive_system"]) == counts["system"]
        assert int(row["alive_independent"]) == counts["independent"]
        assert int(row["alive_control"]) == counts["control"]
        assert int(row["alive_order"]) == int(row["alive_chaos"]) == 0
        assert float(row["average_reward"]) == pytest.approx(reward)
    meta = json.loads(next((tmp_path / "out").glob("*_metadata.json")).read_text())
    assert meta["run"]["model"] == "agentfarm" and meta["source"]["sha256"] == before
    assert run_cli("show", run_id, "--db", db) == 0
    shown = capsys.readouterr().out
    assert "model       agentfarm" in shown and "width: 50.0" in shown


@pytest.mark.parametrize("content", [b"not a database", b"", None])
def test_import_refuses_other_files_with_exit_2(tmp_path, capsys, content):
    path = tmp_path / "other.db"
    if content is None:
        open_store(path).close()  # a Farm GUI workspace
    else:
        path.write_bytes(content)
    before = sha256(path)
    db = tmp_path / "ws.db"
    assert run_cli("import-agentfarm", path, "--db", db) == 2
    out, err = capsys.readouterr()
    assert out == "" and "other.db" in err and "AgentFarm" in err and "Traceback" not in err
    assert sha256(path) == before
    assert not db.exists()


def test_import_several_simulations_prints_each_id(tmp_path, capsys):
    from farm_gui.agentfarm.synthetic import write_database

    source = tmp_path / "three.db"
    write_database(source, steps=8, agents=6, nodes=3, simulations=3)
    assert run_cli("import-agentfarm", source, "--db", tmp_path / "ws.db") == 0
    ids = [int(line) for line in capsys.readouterr().out.split()]
    assert len(ids) == 3 == len(set(ids))


def test_run_with_agentfarm_config_lists_unmapped_keys(tmp_path, capsys):
    db = tmp_path / "ws.db"
    assert run_cli("run", "--agentfarm-config", FIXTURES / "config.json", "--steps", 5, "--db", db,
                   "--quiet") == 0
    out, err = capsys.readouterr()
    run_id = int(out.strip())
    assert "keys have no counterpart" in err and "learning.gamma" in err and "redis.host" in err
    with open_store(db, readonly=True) as store:
        config = store.run_config(run_id)
    assert (config.width, config.seed, config.system_agents) == (50.0, 1234567890, 10)
    assert config.agent_parameters["IndependentAgent"].attack_weight == 0.25


def test_run_with_a_broken_agentfarm_config_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("environment: [1, 2\n")
    assert run_cli("run", "--agentfarm-config", bad, "--db", tmp_path / "ws.db") == 2
    assert "bad.yaml" in capsys.readouterr().err


def test_rerunning_an_imported_run_is_refused(tmp_path, capsys):
    db = tmp_path / "ws.db"
    assert run_cli("import-agentfarm", FIXTURES / "sample_60_steps.db", "--db", db) == 0
    run_id = int(capsys.readouterr().out.strip())
    assert run_cli("run", "--from-run", run_id, "--db", db, "--quiet") == 2
    out, err = capsys.readouterr()
    assert out == "" and "imported from an AgentFarm database" in err and "cannot be re-run" in err
    assert "--agentfarm-config" in err
    with open_store(db, readonly=True) as store:
        assert [r.id for r in store.list_runs()] == [run_id]


@pytest.mark.parametrize(("command", "doing"), [(("resume",), "resumed"), (("fork", "--at", "10"), "forked")])
def test_resuming_or_forking_an_imported_run_says_it_is_imported(tmp_path, capsys, command, doing):
    """It said "no checkpoint to continue from" and pointed at --from-run, which refuses it too."""
    db = tmp_path / "ws.db"
    assert run_cli("import-agentfarm", FIXTURES / "sample_60_steps.db", "--db", db) == 0
    run_id = int(capsys.readouterr().out.strip())
    assert run_cli(command[0], run_id, *command[1:], "--db", db) == 2
    out, err = capsys.readouterr()
    assert out == "" and "imported from an AgentFarm database" in err and f"cannot be {doing}" in err
    with open_store(db, readonly=True) as store:
        assert [r.id for r in store.list_runs()] == [run_id]
