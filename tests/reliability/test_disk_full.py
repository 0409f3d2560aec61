"""Running out of disk while a run writes: the run ends as failed with a clear
message, and everything committed before stays readable."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import event

from farm_gui.config import RunConfig
from farm_gui.runtime.session import RunSession
from farm_gui.store import liveness, open_store

from .db_checks import check_run_intact, raw_run_row
from .support import integrity_check

DISK_FULL = "database or disk is full"


def _run_in_thread(session: RunSession, timeout: float) -> str:
    result: list[str] = []
    t = threading.Thread(target=lambda: result.append(session.run()), daemon=True)
    t.start()
    t.join(timeout)
    assert not t.is_alive(), f"run did not end within {timeout} s after the disk filled up"
    return result[0]


@contextlib.contextmanager
def tiny_filesystem(mountpoint: Path, size: str = "3m"):
    mountpoint.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mountpoint)],
                          capture_output=True, timeout=30)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], capture_output=True, timeout=30)


def test_real_disk_full_marks_run_failed_and_keeps_committed_steps(tmp_path, caplog):
    with tiny_filesystem(tmp_path / "tiny") as tiny:
        db = tiny / "runs.db"
        store = open_store(db)
        # Snapshots every step fill 3 MB within a few hundred steps of the default preset.
        config = RunConfig(simulation_steps=1_000_000, snapshot_every=1)
        run_id = store.create_run(config, name="fills the disk")
        status = _run_in_thread(RunSession(store, run_id, config, batch_steps=20), timeout=120)
        store.close()
        assert status == "failed"
        reopened = open_store(db, readonly=True)
        try:
            info = reopened.get_run(run_id)
            assert info.status == "failed", info
            assert info.error and "full" in info.error, info.error
            steps = check_run_intact(db, reopened, run_id)
        finally:
            reopened.close()
        assert steps > 0, "nothing was committed before the disk filled"
        print(f"disk full after {steps} committed steps; error: {info.error}")


def _fail_inserts_after(engine, n_batches: int) -> list[int]:
    """From the n-th INSERT into step_metrics on, every INSERT raises the error SQLite
    gives on a full disk (updates of the run row still succeed). Returns [batches seen,
    step rows inserted by the batches that got through] (a batch is cut by count or by
    time, so its size is counted, not assumed)."""
    seen = [0, 0]

    @event.listens_for(engine, "before_cursor_execute")
    def _full(conn, cursor, statement, parameters, context, executemany):
        is_metrics = statement.lstrip().upper().startswith("INSERT INTO STEP_METRICS")
        if is_metrics:
            seen[0] += 1
        if seen[0] > n_batches and statement.lstrip().upper().startswith("INSERT"):
            raise sqlite3.OperationalError(DISK_FULL)
        if is_metrics:
            seen[1] += len(parameters) if executemany else 1

    return seen


def test_injected_disk_full_marks_run_failed_with_message(workdir):
    db = workdir / "runs.db"
    store = open_store(db)
    config = RunConfig(simulation_steps=100_000)
    run_id = store.create_run(config, name="injected")
    seen = _fail_inserts_after(store.engine, 3)
    status = _run_in_thread(RunSession(store, run_id, config, batch_steps=25), timeout=60)
    assert status == "failed"
    store.close()
    row = raw_run_row(db, run_id)
    assert row["status"] == "failed"
    assert DISK_FULL in (row["error"] or ""), row["error"]
    reopened = open_store(db)
    try:
        assert reopened.get_run(run_id).status == "failed"
        # Exactly the steps of the three batches that got through, none of the failed one.
        assert seen[0] == 4 and seen[1] > 0
        assert check_run_intact(db, reopened, run_id) == seen[1]
    finally:
        reopened.close()


def test_injected_disk_full_on_every_write_leaves_no_live_run(workdir, monkeypatch):
    """When even the final status cannot be written, the run must not stay 'running'
    for ever: once its heartbeat is stale the next open reports it interrupted. (This
    process is still alive, so only the heartbeat can tell; its limit is shortened.)"""
    db = workdir / "runs.db"
    store = open_store(db)
    config = RunConfig(simulation_steps=100_000)
    run_id = store.create_run(config, name="all writes fail")
    calls = [0]

    @event.listens_for(store.engine, "before_cursor_execute")
    def _full(conn, cursor, statement, parameters, context, executemany):
        head = statement.lstrip().upper()
        if head.startswith(("INSERT", "UPDATE")):
            calls[0] += 1
            if calls[0] > 12:
                raise sqlite3.OperationalError(DISK_FULL)

    status = _run_in_thread(RunSession(store, run_id, config, batch_steps=25), timeout=60)
    assert status == "failed"
    store.close()
    assert integrity_check(db) == "ok"
    monkeypatch.setattr(liveness, "STALE_AFTER_S", 0.5)
    time.sleep(1.0)
    reopened = open_store(db)
    try:
        info = reopened.get_run(run_id)
        assert info.status not in ("running", "paused", "pending"), info
        check_run_intact(db, reopened, run_id)
    finally:
        reopened.close()
