"""How RunWriter groups steps into transactions: snapshots are handed to the writer
thread early (to be packed) but only committed with their batch; the idle writer keeps
its heartbeat fresh; its statements behave like SQLAlchemy's."""

from __future__ import annotations

import contextlib
import sqlite3
import time

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError

from farm_gui.sim import build_model
from farm_gui.sim.protocol import BIRTH_KEYS
from farm_gui.store import backend, open_store
from farm_gui.store import writer as writer_module
from farm_gui.store.schema import agents, runs

from .conftest import small_config


def _record_steps(writer, model, n: int, snapshot_every: int) -> None:
    for _ in range(n):
        metrics = model.step()
        snapshot = model.snapshot() if model.step_index % snapshot_every == 0 else None
        writer.add_step(metrics, model.action_counts(), *model.drain_agent_events(), snapshot)


def _start_recording(store, config, steps: int, **batching):
    """A started writer for a new run of ``config``, with ``steps`` steps handed to it
    (snapshots every config.snapshot_every steps). Returns (run id, model, writer)."""
    run_id = store.create_run(config)
    model = build_model(config)
    writer = store.writer(run_id, **batching)
    writer.start()
    _record_steps(writer, model, steps, snapshot_every=config.snapshot_every)
    return run_id, model, writer


def _record_handovers(writer, monkeypatch) -> list[bool | None]:
    """From now on, the commit flag of every batch or part the writer is handed (None for
    commands), in order."""
    handed: list[bool | None] = []
    put = writer._put

    def recording_put(item) -> None:
        handed.append(getattr(item, "commit", None))
        put(item)

    monkeypatch.setattr(writer, "_put", recording_put)
    return handed


def _wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "the writer did not get there in time"
        time.sleep(0.01)


def test_snapshots_handed_over_early_are_committed_only_with_their_batch(db_path, monkeypatch):
    monkeypatch.setattr(writer_module, "_PART_INTERVAL_S", 0.0)  # a part per snapshot
    config = small_config(simulation_steps=1000, snapshot_every=1)
    with open_store(db_path) as store:
        run_id, model, writer = _start_recording(store, config, 7, batch_steps=1000, batch_seconds=1000)
        with open_store(db_path, readonly=True) as reader:
            time.sleep(0.2)  # the writer has the parts by now; none may be visible
            assert reader.get_run(run_id).steps_done == 0
            assert reader.snapshot_steps(run_id).size == 0
            writer.flush()
            assert reader.get_run(run_id).steps_done == 7
            assert reader.snapshot_steps(run_id).tolist() == [1, 2, 3, 4, 5, 6, 7]
            state = reader.world_state(run_id, 7)
        writer.finish("stopped")
    alive = model.snapshot()["agent_alive"]
    assert state["agent_id"].tolist() == model.snapshot()["agent_id"][alive].tolist()


def test_batches_commit_every_batch_steps_while_snapshot_parts_come_in_between(db_path, monkeypatch):
    monkeypatch.setattr(writer_module, "_PART_INTERVAL_S", 0.0)  # a part per snapshot
    config = small_config(simulation_steps=1000, snapshot_every=3)
    with open_store(db_path) as store:
        run_id, _model, writer = _start_recording(store, config, 25, batch_steps=10, batch_seconds=1000)
        with open_store(db_path, readonly=True) as reader:
            _wait_for(lambda: reader.get_run(run_id).steps_done == 20)
            time.sleep(0.2)
            assert reader.get_run(run_id).steps_done == 20  # steps 21-25 wait for their batch
            assert reader.snapshot_steps(run_id).tolist() == [3, 6, 9, 12, 15, 18]
            assert writer.finish("finished") == "finished"
            assert reader.get_run(run_id).steps_done == 25
            assert reader.snapshot_steps(run_id).tolist() == [3, 6, 9, 12, 15, 18, 21, 24]


def test_parts_are_handed_over_at_most_every_part_interval(db_path, monkeypatch):
    monkeypatch.setattr(writer_module, "_PART_INTERVAL_S", 1000.0)
    config = small_config(simulation_steps=1000, snapshot_every=1)
    with open_store(db_path) as store:
        run_id, model, writer = _start_recording(store, config, 0, batch_steps=1000, batch_seconds=1000)
        handed = _record_handovers(writer, monkeypatch)
        _record_steps(writer, model, 30, snapshot_every=1)
        assert handed == []  # thirty snapshots, no part yet: the writer was not woken
        writer.flush()
        assert handed[0] is True  # one committing batch with everything
        with open_store(db_path, readonly=True) as reader:
            assert reader.snapshot_steps(run_id).tolist() == list(range(1, 31))
        writer.finish("stopped")


def test_a_run_of_known_length_commits_its_batch_before_the_end(db_path):
    config = small_config(simulation_steps=100, snapshot_every=0)
    with open_store(db_path) as store:
        run_id = store.create_run(config)
        model = build_model(config)
        writer = store.writer(run_id, batch_steps=60, batch_seconds=1000)
        writer.start()
        writer.expect_end(99)  # the index of the last step; the lead is 60 // 4 = 15 steps
        _record_steps(writer, model, 85, snapshot_every=10**9)
        with open_store(db_path, readonly=True) as reader:
            # Without expect_end the second batch would wait for step 120 (here: finish).
            _wait_for(lambda: reader.get_run(run_id).steps_done == 85)
            _record_steps(writer, model, 14, snapshot_every=10**9)
            time.sleep(0.2)
            assert reader.get_run(run_id).steps_done == 85
            _record_steps(writer, model, 1, snapshot_every=10**9)
            assert writer.finish("finished") == "finished"
            assert reader.get_run(run_id).steps_done == 100
            assert len(reader.metrics(run_id)["step"]) == 100


def test_snapshots_of_the_last_steps_go_to_the_writer_at_once(db_path, monkeypatch):
    monkeypatch.setattr(writer_module, "_PART_INTERVAL_S", 1000.0)
    config = small_config(simulation_steps=100, snapshot_every=1)
    with open_store(db_path) as store:
        _run_id, model, writer = _start_recording(store, config, 0, batch_steps=60, batch_seconds=1000)
        writer.expect_end(99)  # the last batch: steps 85-99
        handed = _record_handovers(writer, monkeypatch)
        _record_steps(writer, model, 85, snapshot_every=1)
        assert handed == [True, True]  # batches at steps 59 and 84, no parts in between
        _record_steps(writer, model, 14, snapshot_every=1)
        assert handed[2:] == [False] * 14  # each snapshot of the last batch at once
        writer.finish("finished")


def _heartbeat(db_path, run_id: int) -> str:
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        return conn.execute("SELECT heartbeat_at FROM runs WHERE id = ?", (run_id,)).fetchone()[0]


def test_idle_writer_keeps_its_heartbeat_fresh(db_path, monkeypatch):
    monkeypatch.setattr(writer_module, "HEARTBEAT_S", 0.05)
    config = small_config(simulation_steps=100, snapshot_every=2)
    with open_store(db_path) as store:
        run_id, _model, writer = _start_recording(store, config, 3)
        writer.flush()
        first = _heartbeat(db_path, run_id)
        _wait_for(lambda: _heartbeat(db_path, run_id) > first)
        writer.set_status("paused")  # the writer still answers
        assert writer.finish("stopped") == "stopped"
        assert store.get_run(run_id).status == "stopped"


def test_prepared_statements_raise_sqlalchemy_errors_and_respect_event_listeners(db_path):
    with open_store(db_path) as store:
        run_id = store.create_run(small_config())
        statement = backend.Prepared(store.engine, runs, ("id", "name", "model", "config_json", "seed",
                                                         "status", "total_steps", "steps_done",
                                                         "created_at"))
        row = (run_id, "copy", "foraging", "{}", 1, "pending", 10, 0, store.get_run(run_id).created_at)
        with store.engine.connect() as conn:
            with pytest.raises(IntegrityError, match="UNIQUE"):
                statement(conn, [row])
            seen: list[str] = []
            event.listen(conn, "before_cursor_execute",
                         lambda _c, _cur, sql, *_rest: seen.append(sql))
            statement(conn, [(run_id + 1, *row[1:])])
            # Rows may be lists (the writer's integer rows are), also through SQLAlchemy.
            births = backend.Prepared(store.engine, agents, ("run_id", *BIRTH_KEYS))
            births(conn, [[run_id, 7, 0, 0, -1, 0], [run_id, 8, 1, 0, -1, 0]])
            conn.commit()
        assert [sql for sql in seen if sql.startswith("INSERT")] == [statement.sql, births.sql]
        copy = store.get_run(run_id + 1)
        assert copy.name == "copy" and copy.created_at == store.get_run(run_id).created_at
        assert store.agents_frame(run_id)["agent_id"].tolist() == [7, 8]


def test_prepared_inserts_go_many_rows_to_a_statement_and_store_every_row(db_path):
    with open_store(db_path) as store:
        run_id = store.create_run(small_config())
        lives = backend.Prepared(store.engine, agents, ("run_id", *BIRTH_KEYS, "death_step", "death_cause"),
                                 many_per_statement=True)
        per = lives.rows_per_statement
        assert per > 1 and per * 8 <= 999  # 8 columns a row, SQLite's oldest parameter limit
        n = 2 * per + per // 2  # two full statements and a part of one
        rows = [[run_id, i, i % 3, i, -1, 0, None if i % 2 else i + 5, None if i % 2 else 1]
                for i in range(n)]
        with store.engine.connect() as conn:
            with conn.begin():
                lives(conn, rows)
            with pytest.raises(IntegrityError, match="UNIQUE"), conn.begin():  # one row already there
                lives(conn, [[run_id, n + 1 + i, 0, 0, -1, 0, None, None] for i in range(per)] + [rows[0]])
        with store.engine.connect() as conn:
            stored = conn.execute(sa.select(agents).where(agents.c.run_id == run_id)
                                  .order_by(agents.c.agent_id)).all()
        assert [list(row) for row in stored] == rows
        # without asking, and for an UPDATE, one execution a row
        assert backend.Prepared(store.engine, agents, ("run_id", *BIRTH_KEYS)).rows_per_statement == 1
        deaths = backend.Prepared(store.engine, agents.update()
                                  .where(agents.c.run_id == sa.bindparam("b_run"),
                                         agents.c.agent_id == sa.bindparam("b_agent"))
                                  .values(death_step=sa.bindparam("b_step")),
                                  ("b_step", "b_run", "b_agent"), many_per_statement=True)
        assert deaths.rows_per_statement == 1
