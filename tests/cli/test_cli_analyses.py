"""`farm-gui analyses`, `rename`, `notes`, `delete` and `run --from-run` through cli.main."""

import json
import subprocess
import sys

import pytest

from farm_gui.store import open_store

from .conftest import run_cli


@pytest.fixture
def db(tmp_path, capsys):
    """Two runs; population of run 1 (finished), comparison of both (finished), and a
    failed and a stopped analysis recorded as the window records them."""
    path = tmp_path / "a.db"
    for seed in (1, 2):
        assert run_cli("run", "--db", path, "--steps", 20, "--seed", seed, "--quiet") == 0
    assert run_cli("analyze", 1, "--module", "population", "--out", tmp_path / "first", "--db", path) == 0
    assert run_cli("analyze", 1, 2, "--module", "comparison", "--out", tmp_path / "first", "--db", path) == 0
    with open_store(path) as store:
        store.save_analysis("survival", [2], {}, "failed", None, "ValueError: broken")
        store.save_analysis("spatial", [1], {}, "stopped", None)
    capsys.readouterr()
    return path


def test_list_json_has_the_contract_fields_newest_first(db, capsys):
    assert run_cli("analyses", "--json", "--db", db) == 0
    items = json.loads(capsys.readouterr().out)
    assert [a["id"] for a in items] == [4, 3, 2, 1]
    assert [a["module"] for a in items] == ["spatial", "survival", "comparison", "population"]
    assert items[2]["run_ids"] == [1, 2] and items[3]["status"] == "finished"
    assert items[1]["status"] == "failed" and items[1]["error"] == "ValueError: broken"
    assert items[3]["duration_s"] >= 0 and items[3]["params"]["min_prominence"] == 1.0
    for flt, expected in ((["--module", "population"], [1]), (["--run", 2], [3, 2]),
                          (["--status", "failed,stopped"], [4, 3])):
        assert run_cli("analyses", *flt, "--json", "--db", db) == 0
        assert [a["id"] for a in json.loads(capsys.readouterr().out)] == expected
    assert run_cli("analyses", "--db", db) == 0
    out = capsys.readouterr().out
    assert "comparison" in out and "1,2" in out and "ValueError: broken" in out


def test_analyses_list_is_the_list_with_its_filters_before_or_after(db, capsys):
    """`analyses list` (as `experiment list`) lists; filters given before or after it apply."""
    for argv, expected in ((["list"], [4, 3, 2, 1]), (["list", "--module", "population"], [1]),
                           (["--run", 2, "list"], [3, 2]), (["list", "--status", "failed,stopped"], [4, 3])):
        assert run_cli("analyses", *argv, "--json", "--db", db) == 0, argv
        assert [a["id"] for a in json.loads(capsys.readouterr().out)] == expected, argv
    assert run_cli("analyses", "--db", db, "list") == 0
    assert "ValueError: broken" in capsys.readouterr().out


def test_stats_json(db, capsys):
    assert run_cli("analyses", "stats", "--json", "--db", db) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["by_status"] == {"finished": 2, "failed": 1, "stopped": 1}
    assert stats["by_module"] == {"population": 1, "comparison": 1, "survival": 1, "spatial": 1}
    assert stats["total"] == 4 and stats["size_bytes"] > 100 and stats["oldest"] <= stats["newest"]
    assert run_cli("analyses", "stats", "--db", db) == 0
    assert "4 analyses" in capsys.readouterr().out


def test_show_and_export_again_without_recomputing(db, tmp_path, capsys):
    assert run_cli("analyses", "show", 2, "--db", db) == 0
    out = capsys.readouterr().out
    assert "comparison of runs 1,2" in out and "table groups" not in out and "groups:" in out
    assert run_cli("analyses", "show", 1, "--out", tmp_path / "again", "--db", db) == 0
    assert str(tmp_path / "again" / "population_run1.json") in capsys.readouterr().out
    first = sorted(p.name for p in (tmp_path / "first").glob("population_*"))
    again = sorted(p.name for p in (tmp_path / "again").iterdir())
    assert first == again and first
    for name in first:
        if name.endswith(".csv"):
            assert (tmp_path / "first" / name).read_text() == (tmp_path / "again" / name).read_text()
    assert run_cli("analyses", "show", 1, "--json", "--db", db) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["module"] == "population" and data["result"]["summary"]
    assert run_cli("analyses", "show", 3, "--out", tmp_path / "x", "--db", db) == 2
    assert "failed and has no result" in capsys.readouterr().err


def test_unknown_id_exits_2(db, capsys):
    assert run_cli("analyses", "show", 99, "--db", db) == 2
    assert "no analysis with id 99" in capsys.readouterr().err
    assert run_cli("analyses", "delete", 99, "--yes", "--db", db) == 2
    assert run_cli("analyses", "--run", 42, "--db", db) == 2


def test_prune_failed(db, capsys):
    assert run_cli("analyses", "prune", "--status", "failed", "--dry-run", "--db", db) == 0
    assert "would remove 1 analysis" in capsys.readouterr().out
    assert run_cli("analyses", "prune", "--status", "failed", "--yes", "--db", db) == 0
    out = capsys.readouterr().out
    assert "removed 1 analysis" in out and "freed" in out
    with open_store(db) as store:
        assert store.list_analyses(status="failed") == []
        assert len(store.list_analyses()) == 3
    assert run_cli("analyses", "prune", "--keep-last", 1, "--yes", "--db", db) == 0
    with open_store(db) as store:
        assert [a.id for a in store.list_analyses()] == [4]


def test_prune_needs_criteria_and_confirmation(db, capsys):
    assert run_cli("analyses", "prune", "--db", db) == 2
    assert "say what to remove" in capsys.readouterr().err
    assert run_cli("analyses", "prune", "--status", "bogus", "--db", db) == 2
    assert run_cli("analyses", "prune", "--older-than", "soon", "--db", db) == 2
    # not a terminal, no --yes: nothing is removed
    done = subprocess.run([sys.executable, "-m", "farm_gui.cli", "analyses", "prune", "--status", "stopped",
                           "--db", str(db)], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert done.returncode == 2 and "--yes" in done.stderr
    assert run_cli("analyses", "prune", "--older-than", "30d", "--yes", "--db", db) == 0
    assert "nothing to remove" in capsys.readouterr().out
    with open_store(db) as store:
        assert len(store.list_analyses()) == 4


def test_rename_notes_show_and_delete(db, capsys):
    assert run_cli("rename", 1, "baseline", "--db", db) == 0
    assert run_cli("notes", "baseline", "dry season\nsecond line", "--db", db) == 0
    assert run_cli("show", 1, "--db", db) == 0
    out = capsys.readouterr().out
    assert "run 1: baseline" in out and "dry season" in out and "second line" in out
    assert run_cli("runs", "--json", "--db", db) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows[1]["notes"] == "dry season\nsecond line" and rows[2]["notes"] is None
    for argv in (("rename", 9, "x"), ("notes", 9, "x"), ("delete", 9, "--yes")):
        assert run_cli(*argv, "--db", db) == 2
        assert "no run '9'" in capsys.readouterr().err
    assert run_cli("delete", 2, "--yes", "--db", db) == 0
    out = capsys.readouterr().out
    assert "deleted run 2" in out and "kept analyses 3, 2" in out
    assert run_cli("analyses", "--json", "--db", db) == 0
    items = {a["id"]: a for a in json.loads(capsys.readouterr().out)}
    assert items[2]["missing_run_ids"] == [2] and items[1]["missing_run_ids"] == []
    assert run_cli("delete", 1, "--with-analyses", "--yes", "--db", db) == 0
    with open_store(db) as store:
        assert store.list_runs() == []
        assert [a.id for a in store.list_analyses()] == [3]  # survival of run 2, kept before


def test_a_running_run_is_not_deleted(db, capsys):
    import os
    import socket

    from sqlalchemy import update

    from farm_gui.store.records import utcnow
    from farm_gui.store.schema import runs

    with open_store(db) as store, store._write("claim") as conn:
        conn.execute(update(runs).where(runs.c.id == 1).values(
            status="running", writer_pid=os.getpid(), writer_host=socket.gethostname(),
            heartbeat_at=utcnow()))
    assert run_cli("delete", 1, "--yes", "--db", db) == 2
    assert "is running; stop it before deleting it" in capsys.readouterr().err
    with open_store(db) as store:
        assert len(store.list_runs()) == 2


def test_run_again_from_a_stored_run(db, capsys):
    assert run_cli("run", "--from-run", 2, "--steps", 5, "--db", db, "--quiet") == 0
    new = int(capsys.readouterr().out.strip())
    with open_store(db) as store:
        assert store.run_config(new).seed == 2 and store.get_run(new).steps_done == 5
