"""Security: no network sockets, SQL always parameterised, config loading never runs code."""

from __future__ import annotations

import ast
import logging
import socket
import sqlite3
from pathlib import Path

import pytest

from farm_gui import cli
from farm_gui.analysis.requirements import ExperimentRuns
from farm_gui.config import RunConfig
from farm_gui.store import open_store

from .support import REPO, forbid_network

STORE_DIR = REPO / "farm_gui" / "store"
# A small sweep whose runs the modules that need an experiment's design points analyse.
EXPERIMENT = """
model: foraging
preset: default
factors:
  base_consumption_rate: {values: [0.1, 0.2, 0.3]}
replications: 2
steps: 40
seed: 8
"""
SQL_CALLS = {"execute", "exec_driver_sql", "executemany", "executescript", "text"}


def test_network_guard_catches_inet_sockets_but_not_socketpairs():
    with forbid_network() as attempts:
        a, b = socket.socketpair()
        a.close()
        b.close()
        with pytest.raises(OSError):
            socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", 9))
    assert len(attempts) == 2


@pytest.fixture
def quiet_cli(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg_data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg_state"))
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for h in root.handlers:
        if h not in handlers:
            h.close()
    root.handlers[:], root.level = handlers, level


def test_headless_run_export_and_analyses_open_no_network_socket(workdir, quiet_cli, capsys):
    from farm_gui.analysis import analyse_stored_runs, available_modules, load_result, write_result_files

    db = workdir / "runs.db"
    with forbid_network() as attempts:
        assert cli.main(["run", "--steps", "120", "--db", str(db), "--quiet", "--name", "a"]) == 0
        assert cli.main(["run", "--steps", "120", "--seed", "5", "--db", str(db), "--quiet"]) == 0
        assert cli.main(["runs", "--db", str(db)]) == 0
        for fmt in ("csv", "parquet", "json"):
            assert cli.main(["export", "1", "2", "--format", fmt, "--out", str(workdir / fmt),
                             "--db", str(db)]) == 0
        spec = workdir / "sweep.yaml"
        spec.write_text(EXPERIMENT)
        capsys.readouterr()
        assert cli.main(["experiment", "run", str(spec), "--workers", "1", "--quiet", "--db", str(db)]) == 0
        experiment_id = int(capsys.readouterr().out.strip())
        store = open_store(db)
        try:
            experiment_run_ids = [r.run_id for r in store.experiment_runs(experiment_id)]
            done = []
            for name, module in available_modules().items():
                if any(isinstance(need, ExperimentRuns) for need in module.requires):
                    ids = experiment_run_ids
                else:
                    ids = [1, 2] if module.min_runs > 1 else [1]
                analysis_id, result = analyse_stored_runs(store, name, ids)
                assert load_result(store, analysis_id) is not None
                write_result_files(result, workdir / "analysis" / name)
                done.append(name)
        finally:
            store.close()
    capsys.readouterr()
    assert attempts == [], attempts
    assert len(done) == len(available_modules()) >= 5, done


def _interpolates_only_safe_values(node: ast.AST) -> bool:
    """f-string pieces that cannot carry SQL: int()/float() calls and UPPER_CASE constants."""
    if isinstance(node, ast.JoinedStr):
        return all(isinstance(v, ast.Constant) or _interpolates_only_safe_values(v) for v in node.values)
    if isinstance(node, ast.FormattedValue):
        value = node.value
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in ("int",
                                                                                                 "float"):
            return True
        return isinstance(value, ast.Name) and value.id.isupper()
    return False


def _sql_built_from_values(tree: ast.AST) -> list[int]:
    bad = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name not in SQL_CALLS:
            continue
        sql = node.args[0]
        f_string = isinstance(sql, ast.JoinedStr) and not _interpolates_only_safe_values(sql)
        concatenated = isinstance(sql, ast.BinOp) and isinstance(sql.op, (ast.Add, ast.Mod))
        formatted = (isinstance(sql, ast.Call) and isinstance(sql.func, ast.Attribute)
                     and sql.func.attr == "format")
        if f_string or concatenated or formatted:
            bad.append(node.lineno)
    return bad


def test_sql_checker_flags_value_interpolation():
    tree = ast.parse("conn.execute(f\"SELECT * FROM runs WHERE name = '{name}'\")\n"
                     "conn.execute('SELECT %s' % name)\n"
                     "conn.exec_driver_sql('DELETE FROM {}'.format(table))\n"
                     "conn.execute(f'PRAGMA busy_timeout={int(MS)}')\n"
                     "conn.execute(text('SELECT 1 WHERE a = :a'), {'a': name})\n")
    assert _sql_built_from_values(tree) == [1, 2, 3]


def test_store_builds_no_sql_from_values():
    files = sorted(STORE_DIR.glob("*.py"))
    assert len(files) >= 3
    offenders = {str(p.relative_to(REPO)): lines for p in files
                 if (lines := _sql_built_from_values(ast.parse(p.read_text(), str(p))))}
    assert offenders == {}, offenders


def test_run_names_with_quotes_and_sql_round_trip(workdir):
    db = workdir / "runs.db"
    names = ["x'); DROP TABLE runs; --", 'Robert"); DELETE FROM step_metrics; --', "%s %(name)s ?",
             ":name", "\\'; SELECT 1; --", "ok"]
    with open_store(db) as store:
        ids = {store.create_run(RunConfig(simulation_steps=5), name=n): n for n in names}
        for run_id, name in ids.items():
            assert store.get_run(run_id).name == name
        assert sorted(r.name for r in store.list_runs()) == sorted(names)
    con = sqlite3.connect(db)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        con.close()
    assert {"runs", "step_metrics"} <= tables


def test_config_loading_never_executes_code(workdir, monkeypatch):
    import os
    import subprocess

    from farm_gui.config import ConfigError, load_yaml

    calls = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(("os.system", a)) or 0)
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: calls.append(("Popen", a)))
    marker = workdir / "EXECUTED"
    payloads = [
        f"!!python/object/apply:os.system ['touch {marker}']",
        f"seed: !!python/object/apply:subprocess.Popen [['touch', '{marker}']]",
        "width: !!python/object/new:type ['X', [], {}]",
        "width: !!python/name:builtins.eval",
        f"!!python/object:__main__.Evil {{cmd: 'touch {marker}'}}",
    ]
    for i, text in enumerate(payloads):
        path = workdir / f"evil_{i}.yaml"
        path.write_text(text)
        with pytest.raises(ConfigError) as err:
            load_yaml(path)
        assert str(path) in str(err.value)
    assert calls == [] and not marker.exists()


def test_no_unsafe_yaml_loader_in_the_code():
    offenders = []
    for path in (REPO / "farm_gui").rglob("*.py"):
        text = path.read_text()
        for needle in ("yaml.load(", "yaml.unsafe_load", "yaml.full_load", "Loader=yaml.Loader",
                       "UnsafeLoader", "FullLoader", "pickle.load", "eval(", "exec("):
            if needle in text:
                offenders.append(f"{Path(path).relative_to(REPO)}: {needle}")
    assert offenders == []
