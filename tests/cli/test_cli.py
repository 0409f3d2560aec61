"""The farm-gui command line: commands, messages and exit codes."""

import json
import os
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import numpy as np
import pytest

from farm_gui import cli
from farm_gui.store import open_store

from ..store.conftest import sha256
from .conftest import run_cli


@pytest.fixture
def db_with_run(tmp_path, capsys):
    db = tmp_path / "cli.db"
    assert run_cli("run", "--db", db, "--steps", 25, "--seed", 9, "--name", "it's; DROP", "--quiet") == 0
    run_id = int(capsys.readouterr().out.strip())
    return db, run_id


def test_run_prints_the_run_id_and_stores_everything(db_with_run):
    db, run_id = db_with_run
    with open_store(db) as store:
        info = store.get_run(run_id)
        assert (info.status, info.steps_done, info.seed, info.name) == ("finished", 25, 9, "it's; DROP")
        np.testing.assert_array_equal(store.metrics(run_id)["step"], np.arange(25))
        assert store.snapshot_steps(run_id)[-1] == 25


def test_runs_show_and_json(db_with_run, capsys):
    db, run_id = db_with_run
    assert run_cli("runs", "--db", db) == 0
    out = capsys.readouterr().out
    assert "finished" in out and "it's; DROP" in out and "25/25" in out
    assert run_cli("runs", "--db", db, "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["id"] == run_id and rows[0]["steps_done"] == 25 and rows[0]["status"] == "finished"
    assert run_cli("show", run_id, "--db", db) == 0
    out = capsys.readouterr().out
    assert f"run {run_id}: it's; DROP" in out and "seed: 9" in out and "simulation_steps: 25" in out
    assert run_cli("show", "it's; DROP", "--db", db) == 0


def test_the_run_list_keeps_its_columns_with_long_seeds(tmp_path, capsys):
    """An experiment's seeds have up to 20 digits: the columns after the seed stay aligned."""
    from farm_gui.config import RunConfig

    db = tmp_path / "seeds.db"
    with open_store(db) as store:
        store.create_run(RunConfig(seed=7, simulation_steps=5), name="short seed")
        long_seed = RunConfig(seed=9_223_372_036_854_775_807, simulation_steps=5)
        store.create_run(long_seed, name="long seed")
    assert run_cli("runs", "--db", db) == 0
    lines = capsys.readouterr().out.splitlines()
    starts = {line.index(kind) for line in lines[1:] for kind in ("short seed", "long seed") if kind in line}
    assert len(starts) == 1 and lines[0].index("name") == starts.pop()


def test_export_and_refusal_to_overwrite(db_with_run, tmp_path, capsys):
    db, run_id = db_with_run
    out_dir = tmp_path / "export"
    argv = ("export", run_id, "--db", db, "--format", "parquet", "--out", out_dir)
    assert run_cli(*argv, "--steps", "5:10") == 0
    written = [Path(p) for p in capsys.readouterr().out.split()]
    assert len(written) == 6 and all(p.exists() for p in written)
    assert run_cli("export", run_id, "--db", db, "--format", "parquet", "--out", out_dir) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and str(out_dir) in err and "Traceback" not in err
    assert run_cli("export", run_id, "--db", db, "--format", "parquet", "--out", out_dir, "--overwrite") == 0


@pytest.mark.parametrize("argv, message", [
    (["show", "99"], "no run '99'"),
    (["export", "42", "--format", "csv", "--out", "x"], "no run '42'"),
    (["run", "--steps", "0", "--quiet"], "simulation_steps"),
    (["run", "--preset", "huge", "--quiet"], "unknown preset 'huge'"),
    (["run", "--seed", "-1", "--quiet"], "seed"),
    (["export", "1", "--format", "csv", "--out", "x", "--steps", "9:3"], "empty or negative step range"),
    (["export", "1", "--format", "xls", "--out", "x"], "invalid choice: 'xls'"),
    (["run", "--config", "a.yaml", "--preset", "1k"], "not allowed with argument"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
])
def test_bad_input_exits_2_with_a_message(db_with_run, capsys, argv, message):
    db, _ = db_with_run
    assert run_cli(*argv, "--db", db) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_bad_config_file_names_the_file(tmp_path, capsys):
    config = tmp_path / "bad.yaml"
    config.write_text("simulation_steps: [1, 2\n")
    assert run_cli("run", "--config", config, "--db", tmp_path / "x.db", "--quiet") == 2
    err = capsys.readouterr().err
    assert str(config) in err and "not valid YAML" in err
    config.write_text("simulation_steps: 10\nno_such_parameter: 3\n")
    assert run_cli("run", "--config", config, "--db", tmp_path / "x.db", "--quiet") == 2
    err = capsys.readouterr().err
    assert "no_such_parameter" in err and "unknown key" in err
    good = tmp_path / "good.yaml"
    good.write_text("simulation_steps: 12\nseed: 77\nsnapshot_every: 0\n")
    assert run_cli("run", "--config", good, "--db", tmp_path / "x.db", "--quiet") == 0
    with open_store(tmp_path / "x.db") as store:
        (info,) = store.list_runs()
        assert (info.steps_done, info.seed) == (12, 77)


def test_bad_database_exits_2_and_is_not_modified(tmp_path, capsys):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n" * 20)
    before = sha256(notes)
    for argv in (["runs"], ["show", "1"], ["run", "--steps", "3", "--quiet"]):
        assert run_cli(*argv, "--db", notes) == 2
        err = capsys.readouterr().err
        assert f"{notes} is not a database" in err
    assert sha256(notes) == before
    assert run_cli("runs", "--db", tmp_path / "missing.db") == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "missing.db").exists()


def test_unexpected_failure_exits_1_and_logs_the_traceback(db_with_run, tmp_path, capsys, monkeypatch):
    db, run_id = db_with_run
    import farm_gui.store

    def explode(*args, **kwargs):
        raise ZeroDivisionError("surprise")

    monkeypatch.setattr(farm_gui.store, "export_runs", explode)
    assert run_cli("export", run_id, "--db", db, "--format", "csv", "--out", tmp_path / "e") == 1
    err = capsys.readouterr().err
    assert "unexpected error: ZeroDivisionError: surprise" in err and "Traceback" not in err
    log = cli.log_path()
    assert str(log) in err and str(tmp_path / "state") in str(log)
    assert "Traceback" in log.read_text() and "explode" in log.read_text()


def test_no_subcommand_opens_the_gui_lazily(monkeypatch):
    calls = []
    fake = types.ModuleType("farm_gui.app")
    fake.main = lambda: calls.append("gui") or 0
    monkeypatch.setitem(sys.modules, "farm_gui.app", fake)
    assert run_cli() == 0
    assert calls == ["gui"]


def test_workspace_database_is_used_without_db(capsys):
    assert run_cli("run", "--steps", "3", "--quiet") == 0
    run_id = int(capsys.readouterr().out)
    assert run_cli("runs", "--json") == 0
    assert json.loads(capsys.readouterr().out)[0]["id"] == run_id
    assert cli.main(["runs"]) == 0


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_stops_a_cli_run_cleanly(tmp_path, sig, code):
    db = tmp_path / "signal.db"
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "d"), "XDG_STATE_HOME": str(tmp_path / "s")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "farm_gui.cli", "run", "--db", str(db), "--preset", "1k",
         "--steps", "1000000", "--snapshot-every", "25"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    try:
        deadline = time.monotonic() + 120
        steps = 0
        while steps < 30 and time.monotonic() < deadline:
            time.sleep(0.2)
            if db.exists():
                try:
                    with open_store(db, readonly=True) as store:
                        runs = store.list_runs()
                        steps = runs[0].steps_done if runs else 0
                except Exception:  # the database may be mid-creation
                    steps = 0
        assert steps >= 30
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code, err
    assert "Traceback" not in err and "stopped after" in err and "steps/s" in err
    run_id = int(out.strip())
    with open_store(db) as store:
        info = store.get_run(run_id)
        assert info.status == "stopped" and info.finished_at is not None
        steps = store.metrics(run_id)["step"]
        np.testing.assert_array_equal(steps, np.arange(info.steps_done))
        assert info.steps_done >= 30
        assert store.snapshot_steps(run_id)[-1] == info.steps_done
        assert int(store.world_state(run_id, info.steps_done)["step"]) == info.steps_done
