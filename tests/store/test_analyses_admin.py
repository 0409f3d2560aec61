"""Listing, statistics and removal of stored analyses; renaming, notes and deleting runs.
Removals are one transaction: an injected failure in the middle removes nothing."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select, update

from farm_gui.store import StoreError, export_runs, open_store
from farm_gui.store import analyses_table as table_module
from farm_gui.store.analyses_table import plan_prune
from farm_gui.store.schema import analyses, step_metrics

from .conftest import one_test_at_a_time, record_run, small_config


def add(store, module, run_ids, status, payload="{}", age_days=0.0, seconds=2.0):
    started = datetime.now(UTC) - timedelta(days=age_days)
    analysis_id = store.save_analysis(module, run_ids, {"k": 1}, status,
                                      payload if status == "finished" else None,
                                      "boom" if status == "failed" else None, started,
                                      started + timedelta(seconds=seconds))
    with store._write("ageing") as conn:  # created_at is set by the store: move it back in time
        conn.execute(update(analyses).where(analyses.c.id == analysis_id)
                     .values(created_at=started.replace(tzinfo=None)))
    return analysis_id


@pytest.fixture
def filled(store):
    a = add(store, "population", [1], "finished", payload="x" * 1000, age_days=40)
    b = add(store, "survival", [1, 2], "failed", age_days=35)
    c = add(store, "population", [2], "stopped", age_days=10)
    d = add(store, "survival", [2], "finished", payload="y" * 500, age_days=1)
    e = add(store, "dominance", [3], "failed", age_days=0)
    return store, [a, b, c, d, e]


def test_list_filters_and_newest_first(filled):
    store, (a, b, c, d, e) = filled
    assert [x.id for x in store.list_analyses()] == [e, d, c, b, a]
    assert [x.id for x in store.list_analyses(module="population")] == [c, a]
    assert [x.id for x in store.list_analyses(run_id=1)] == [b, a]
    assert [x.id for x in store.list_analyses(status="failed,stopped")] == [e, c, b]
    assert [x.id for x in store.list_analyses(since=datetime.now(UTC) - timedelta(days=5))] == [e, d]
    first = store.list_analyses()[-1]
    assert first.size_bytes >= 1000 and first.duration_s == pytest.approx(2.0)


def test_statistics(filled):
    store, _ids = filled
    stats = store.analysis_stats()
    assert stats["total"] == 5
    assert stats["by_status"] == {"finished": 2, "failed": 2, "stopped": 1}
    assert stats["by_module"] == {"population": 2, "survival": 2, "dominance": 1}
    assert stats["total_duration_s"] == pytest.approx(10.0) and stats["mean_duration_s"] == pytest.approx(2.0)
    assert stats["oldest"] < stats["newest"]
    assert stats["size_bytes"] >= 1500


def test_prune_plan_semantics(filled):
    store, (a, b, c, d, e) = filled
    infos = store.list_analyses()
    assert plan_prune(infos, statuses=["failed"]).ids == [e, b]
    assert plan_prune(infos, older_than=timedelta(days=30)).ids == [b, a]
    assert plan_prune(infos, older_than=timedelta(days=30), statuses="finished").ids == [a]
    assert plan_prune(infos, keep_last=2).ids == [c, b, a]
    assert plan_prune(infos, statuses="failed", keep_last=1).ids == [b]
    with pytest.raises(StoreError, match="say what"):
        plan_prune(infos)
    with pytest.raises(StoreError, match="unknown analysis status running"):
        plan_prune(infos, statuses="running")


def test_prune_removes_the_plan_and_says_how_much(filled):
    store, (a, b, c, d, e) = filled
    preview = store.prune_analyses(statuses="failed", dry_run=True)
    assert preview.ids == [e, b] and len(store.list_analyses()) == 5
    done = store.prune_analyses(statuses="failed")
    assert done.ids == [e, b] and done.size_bytes > 0
    assert [x.id for x in store.list_analyses()] == [d, c, a]
    assert store.list_analyses(status="failed") == []


def _fail_on_nth_delete(store, n):
    seen = []

    def before(conn, cursor, statement, params, context, executemany):
        if statement.lstrip().upper().startswith("DELETE"):
            seen.append(statement)
            if len(seen) == n:
                raise RuntimeError("injected failure")

    event.listen(store.engine, "before_cursor_execute", before)
    return lambda: event.remove(store.engine, "before_cursor_execute", before)


def test_an_injected_failure_in_the_middle_of_a_prune_removes_nothing(filled, monkeypatch):
    store, ids = filled
    monkeypatch.setattr(table_module, "DELETE_CHUNK", 1)  # one DELETE per analysis
    for remove in (lambda: store.prune_analyses(keep_last=1), lambda: store.delete_analyses(ids[:3])):
        undo = _fail_on_nth_delete(store, 2)  # the first DELETE has gone through
        try:
            with pytest.raises(RuntimeError, match="injected"):
                remove()
        finally:
            undo()
    assert sorted(x.id for x in store.list_analyses()) == sorted(ids)
    assert len(store.prune_analyses(keep_last=1).ids) == 4  # and without the failure it works


def test_delete_analyses_by_id_all_or_nothing(filled):
    store, (a, b, c, d, e) = filled
    with pytest.raises(StoreError, match="no analysis with id 999"):
        store.delete_analyses([a, 999])
    assert len(store.list_analyses()) == 5
    assert [x.id for x in store.delete_analyses([a, c])] == [c, a]
    assert [x.id for x in store.list_analyses()] == [e, d, b]


def test_rename_notes_and_export_metadata(store, tmp_path):
    run_id = record_run(store, small_config(simulation_steps=10))
    store.rename_run(run_id, "  baseline  ")
    store.set_run_notes(run_id, "first try\nwith the default world")
    info = store.get_run(run_id)
    assert info.name == "baseline" and info.notes == "first try\nwith the default world"
    assert store.list_runs()[0].notes == info.notes
    written = export_runs(store, [run_id], tmp_path / "out", "csv")
    meta = [p for p in written if p.name.endswith("metadata.json")]
    import json

    assert json.loads(meta[0].read_text())["run"]["notes"] == info.notes
    store.set_run_notes(run_id, "")
    assert store.get_run(run_id).notes is None
    with pytest.raises(StoreError, match="cannot be empty"):
        store.rename_run(run_id, "  ")
    with pytest.raises(StoreError, match="no run with id 99"):
        store.rename_run(99, "x")
    with pytest.raises(StoreError, match="no run with id 99"):
        store.set_run_notes(99, "x")


def test_delete_run_with_or_without_its_analyses(store):
    one = record_run(store, small_config(simulation_steps=10))
    two = record_run(store, small_config(simulation_steps=10, seed=5))
    own = add(store, "population", [one], "finished")
    shared = add(store, "comparison", [one, two], "finished")
    other = add(store, "population", [two], "finished")
    removed = store.delete_run(one, with_analyses=True)
    assert sorted(a.id for a in removed) == sorted([own, shared])
    assert [a.id for a in store.list_analyses()] == [other]
    assert [r.id for r in store.list_runs()] == [two]
    kept = add(store, "population", [two], "finished")
    assert store.delete_run(two) == []
    assert {a.id for a in store.list_analyses()} == {other, kept}
    assert store.run_ids_present() == set()


def test_delete_run_is_one_transaction(store, monkeypatch):
    run_id = record_run(store, small_config(simulation_steps=10))
    analysis = add(store, "population", [run_id], "finished")
    undo = _fail_on_nth_delete(store, 3)  # analyses, then one run data table, then fail
    try:
        with pytest.raises(RuntimeError, match="injected"):
            store.delete_run(run_id, with_analyses=True)
    finally:
        undo()
    assert [a.id for a in store.list_analyses()] == [analysis]
    with store._read("count") as conn:
        rows = conn.execute(select(step_metrics.c.step).where(step_metrics.c.run_id == run_id)).all()
    assert len(rows) == 10
    assert store.get_run(run_id).status == "finished"


def test_a_running_run_cannot_be_deleted(store):
    run_id = store.create_run(small_config())
    store.set_status(run_id, "running")
    with store._write("claim") as conn:  # this process writes it: not taken for interrupted
        import os
        import socket

        from farm_gui.store.records import utcnow
        from farm_gui.store.schema import runs

        conn.execute(update(runs).where(runs.c.id == run_id).values(
            writer_pid=os.getpid(), writer_host=socket.gethostname(), heartbeat_at=utcnow()))
    with pytest.raises(StoreError, match="is running; stop it before deleting it"):
        store.delete_run(run_id)
    assert store.get_run(run_id).status == "running"


def test_an_old_workspace_opened_read_only_lists_runs_without_notes(tmp_path):
    import sqlite3

    path = tmp_path / "old.db"
    with open_store(path) as store:
        record_run(store, small_config(simulation_steps=5))
    con = sqlite3.connect(path)
    con.execute("ALTER TABLE runs DROP COLUMN notes")  # as written before the column existed
    con.commit()
    con.close()
    with open_store(path, readonly=True) as store:
        runs = store.list_runs()
        assert len(runs) == 1 and runs[0].notes is None
        assert store.get_run(runs[0].id).notes is None


@pytest.mark.xdist_group("postgresql")  # one database for every PostgreSQL test
@pytest.mark.skipif(not __import__("os").environ.get("FARM_GUI_TEST_POSTGRES_URL"),
                    reason="no PostgreSQL server configured")
def test_the_same_on_postgresql(monkeypatch):
    import os

    pytest.importorskip("psycopg")
    from sqlalchemy import create_engine

    from farm_gui.store.schema import metadata

    url = os.environ["FARM_GUI_TEST_POSTGRES_URL"]
    with one_test_at_a_time(url):
        engine = create_engine(url)
        metadata.drop_all(engine)
        engine.dispose()
        same_on_postgresql(url, monkeypatch)


def same_on_postgresql(url: str, monkeypatch) -> None:
    with open_store(url) as store:
        one = record_run(store, small_config(simulation_steps=10))
        two = record_run(store, small_config(simulation_steps=10, seed=5))
        ids = [add(store, "population", [one], "finished", payload="x" * 100, age_days=40),
               add(store, "comparison", [one, two], "failed", age_days=1),
               add(store, "population", [two], "stopped")]
        assert store.analysis_stats()["by_status"] == {"finished": 1, "failed": 1, "stopped": 1}
        assert [a.id for a in store.list_analyses(run_id=two)] == ids[:0:-1]
        monkeypatch.setattr(table_module, "DELETE_CHUNK", 1)
        undo = _fail_on_nth_delete(store, 2)
        try:
            with pytest.raises(RuntimeError, match="injected"):
                store.prune_analyses(keep_last=0)
        finally:
            undo()
        assert len(store.list_analyses()) == 3
        assert store.prune_analyses(older_than=timedelta(days=30)).ids == [ids[0]]
        store.rename_run(one, "renamed")
        store.set_run_notes(one, "pg notes")
        assert store.get_run(one).notes == "pg notes"
        assert [a.id for a in store.delete_run(one, with_analyses=True)] == [ids[1]]
        assert [a.id for a in store.list_analyses()] == [ids[2]]
