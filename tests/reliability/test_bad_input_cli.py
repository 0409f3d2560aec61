"""Bad configuration files and bad databases given to the command line: exit code 2,
a one-line message naming the file (and field), no traceback, nothing executed, and
database files left exactly as they were."""

from __future__ import annotations

import logging
import subprocess

import pytest

from farm_gui import cli

from . import bad_inputs
from .support import PYTHON, REPO, child_env, tree_checksums
from .test_bad_database import CASE_LABELS, _cases, make_valid_store


@pytest.fixture(autouse=True)
def private_dirs(tmp_path, monkeypatch):
    """Keep the CLI's workspace database and log file in the test's folder, and give the
    root logger back its handlers afterwards (the CLI replaces them)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg_data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg_state"))
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for h in root.handlers:
        if h not in handlers:
            h.close()
    root.handlers[:], root.level = handlers, level


def test_every_bad_config_exits_2_naming_file_and_field(workdir, capsys):
    db = workdir / "runs.db"
    cases = bad_inputs.write_bad_configs(workdir)
    for case, path in cases:
        code = cli.main(["run", "--config", str(path), "--db", str(db), "--quiet"])
        captured = capsys.readouterr()
        assert code == 2, f"{case.label}: exit {code}; {captured.err}"
        assert str(path) in captured.err, f"{case.label}: message does not name the file: {captured.err}"
        if case.field:
            assert case.field in captured.err, f"{case.label}: message does not name {case.field}"
        assert "Traceback" not in captured.err + captured.out, case.label
        assert len(captured.err.strip().splitlines()) <= 12, f"{case.label}: {captured.err}"
    assert not (workdir / bad_inputs.PWNED_NAME).exists(), "a YAML tag executed code"
    assert not db.exists(), "a database was created although the configuration was refused"
    print(f"bad configs handled by the CLI: {len(cases)}")


def test_bad_config_in_a_real_process_exits_2_and_runs_no_code(workdir):
    cases = {c.label: (c, p) for c, p in bad_inputs.write_bad_configs(workdir)}
    _, path = cases["python object tag"]
    done = subprocess.run([PYTHON, "-m", "farm_gui.cli", "run", "--config", str(path),
                           "--db", str(workdir / "runs.db"), "--quiet"],
                          cwd=REPO, env=child_env(XDG_STATE_HOME=str(workdir / "state")),
                          capture_output=True, timeout=120)
    err = done.stderr.decode(errors="replace")
    assert done.returncode == 2, err
    assert str(path) in err and "Traceback" not in err
    assert not (workdir / bad_inputs.PWNED_NAME).exists()


def test_bad_command_line_values_exit_2(workdir, capsys):
    db = workdir / "runs.db"
    for argv in (["run", "--steps", "-5", "--db", str(db)],
                 ["run", "--steps", "lots", "--db", str(db)],
                 ["run", "--preset", "galaxy", "--db", str(db)],
                 ["run", "--seed", "99999999999999999999999999", "--db", str(db)],
                 ["run", "--config", str(workdir / "missing.yaml"), "--db", str(db)]):
        code = cli.main(argv)
        captured = capsys.readouterr()
        assert code == 2, f"{argv}: exit {code}; {captured.err}"
        assert "Traceback" not in captured.err


@pytest.fixture(scope="module")
def valid_db(tmp_path_factory):
    return make_valid_store(tmp_path_factory.mktemp("valid_cli"))


@pytest.mark.parametrize("command", ["runs", "show", "export"])
@pytest.mark.parametrize("label", CASE_LABELS)
def test_bad_database_exits_2_and_is_left_unchanged(valid_db, tmp_path, capsys, label, command):
    folder = tmp_path / "db"
    folder.mkdir()
    path, word = _cases(valid_db, folder)[label]
    for other in folder.iterdir():
        if other != path:
            other.unlink()
    before = tree_checksums(folder)
    argv = {"runs": ["runs", "--db", str(path)],
            "show": ["show", "1", "--db", str(path)],
            "export": ["export", "1", "--format", "csv", "--out", str(tmp_path / "out"), "--db", str(path)],
            }[command]
    code = cli.main(argv)
    captured = capsys.readouterr()
    assert code == 2, f"{label}: exit {code}; {captured.err}"
    assert str(path) in captured.err and word in captured.err.lower(), captured.err
    assert "Traceback" not in captured.err
    after = tree_checksums(folder)
    assert {n: after.get(n) for n in before} == before, f"{label}: the database changed"
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_missing_database_is_not_created_by_read_commands(workdir, capsys):
    db = workdir / "nowhere.db"
    assert cli.main(["runs", "--db", str(db)]) == 2
    assert str(db) in capsys.readouterr().err
    assert not db.exists()


def test_cli_reads_a_database_on_read_only_media_and_changes_nothing(valid_db, tmp_path, capsys):
    import shutil

    mnt = tmp_path / "ro"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mnt)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        db = mnt / "runs.db"
        shutil.copyfile(valid_db, db)
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True, capture_output=True)
        before = tree_checksums(mnt)
        code = cli.main(["runs", "--db", str(db)])
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        # It used to refuse with "open it read-only instead", which the CLI had no way to do.
        assert code == 0, captured.err
        assert "valid" in captured.out and "finished" in captured.out
        assert cli.main(["show", "1", "--db", str(db)]) == 0
        out = tmp_path / "out"
        assert cli.main(["export", "1", "--format", "csv", "--out", str(out), "--db", str(db)]) == 0
        assert any((tmp_path / "out").glob("*_metrics.csv"))
        captured = capsys.readouterr()
        assert tree_checksums(mnt) == before
        print(f"`farm-gui runs` on read-only media: exit {code}: {(captured.err or captured.out).strip()}")
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)
