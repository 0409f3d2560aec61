"""What 'nothing lost, nothing corrupt' means for one stored run, checked both with
plain sqlite3 (independent of the store code) and through the store's public API."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

from .support import assert_contiguous, integrity_check


def raw_steps(db: Path, run_id: int, table: str = "step_metrics") -> np.ndarray:
    con = sqlite3.connect(str(db), timeout=30)
    try:
        rows = con.execute(f"SELECT DISTINCT step FROM {table} WHERE run_id = ? ORDER BY step",
                           (run_id,)).fetchall()
    finally:
        con.close()
    return np.array([r[0] for r in rows], dtype=np.int64)


def raw_run_row(db: Path, run_id: int) -> dict:
    con = sqlite3.connect(str(db), timeout=30)
    con.row_factory = sqlite3.Row
    try:
        row = con.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
    finally:
        con.close()
    return dict(row) if row else {}


def committed_step_count(db: Path, run_id: int) -> int:
    """Number of steps whose metrics are committed (0 if the table is not there yet)."""
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return int(con.execute("SELECT COUNT(*) FROM step_metrics WHERE run_id = ?",
                                   (run_id,)).fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def check_run_intact(db: Path, store, run_id: int) -> int:
    """Assert the database is healthy and run `run_id` holds steps 0..k-1 with nothing
    missing or dangling; returns k."""
    verdict = integrity_check(db)
    assert verdict == "ok", f"integrity_check of {db}: {verdict}"
    raw = raw_steps(db, run_id)
    k = assert_contiguous(raw, "step_metrics steps")
    api = store.metrics(run_id)["step"]
    assert np.array_equal(np.asarray(api, dtype=np.int64), raw), "store.metrics disagrees with step_metrics"
    acts = raw_steps(db, run_id, "action_counts")
    assert set(acts.tolist()) <= set(raw.tolist()), "action counts for steps without metrics"
    agent_snaps = raw_steps(db, run_id, "agent_snapshots")
    node_snaps = raw_steps(db, run_id, "node_snapshots")
    assert np.array_equal(agent_snaps, node_snaps), "agent and node snapshots disagree"
    # Snapshot k is the world after k steps: it can only exist once step k-1 is stored.
    assert not len(agent_snaps) or agent_snaps.max() <= k, (agent_snaps.max(), k)
    assert np.array_equal(np.asarray(store.snapshot_steps(run_id), dtype=np.int64), agent_snaps)
    for s in agent_snaps[-2:]:
        world = store.world_state(run_id, int(s))
        assert int(world["step"]) == s
        assert len(world["agent_x"]) == len(world["agent_id"])
    info = store.get_run(run_id)
    assert info.steps_done == k, f"runs.steps_done={info.steps_done} but {k} steps are stored"
    return k
