"""Workspaces written by earlier schema versions open with everything in them."""

import shutil
import sqlite3
from pathlib import Path

from farm_gui.store import open_store
from farm_gui.store.schema import SCHEMA_VERSION, metadata

from .conftest import sha256

V1_WORKSPACE = Path(__file__).parent / "data" / "workspace_v1.db"


def _columns(path: Path, table: str) -> set[str]:
    con = sqlite3.connect(path)
    try:
        return {row[1] for row in con.execute(f"PRAGMA table_info({table})")}
    finally:
        con.close()


def test_the_first_release_workspace_opens_with_every_run_snapshot_and_analysis(tmp_path):
    path = tmp_path / "old.db"
    shutil.copy(V1_WORKSPACE, path)
    with open_store(path) as store:
        runs = sorted(store.list_runs(), key=lambda r: r.id)
        assert [(r.name, r.status, r.steps_done) for r in runs] == [
            ("baseline", "finished", 40), ("second seed", "finished", 40)]
        for run in runs:
            metrics = store.metrics(run.id)
            assert list(metrics["step"]) == list(range(40))
            assert store.world_state(run.id, 40)["agent_id"].size > 0
        assert [a.module for a in store.list_analyses()] == ["population"]
    for table in metadata.sorted_tables:
        assert {c.name for c in table.columns} <= _columns(path, table.name), table.name
    con = sqlite3.connect(path)
    assert con.execute("SELECT value FROM schema_info WHERE key='schema_version'").fetchone()[0] == \
        str(SCHEMA_VERSION)
    con.close()


def test_a_column_missing_from_an_older_file_is_added_and_the_rows_keep_their_values(tmp_path):
    path = tmp_path / "old.db"
    shutil.copy(V1_WORKSPACE, path)
    con = sqlite3.connect(path)
    con.execute("ALTER TABLE runs DROP COLUMN heartbeat_at")
    con.execute("UPDATE schema_info SET value='0' WHERE key='schema_version'")
    con.commit()
    con.close()
    with open_store(path) as store:
        assert sorted(r.name for r in store.list_runs()) == ["baseline", "second seed"]
    assert "heartbeat_at" in _columns(path, "runs")


def test_opening_read_only_changes_nothing(tmp_path):
    path = tmp_path / "old.db"
    shutil.copy(V1_WORKSPACE, path)
    con = sqlite3.connect(path)
    con.execute("UPDATE schema_info SET value='0' WHERE key='schema_version'")
    con.commit()
    con.close()
    before = sha256(path)
    with open_store(path, readonly=True) as store:
        assert len(store.list_runs()) == 2
    assert sha256(path) == before
