"""Resume, bit for bit: a run stopped at step k and resumed in a new process stores
exactly what a run that was never interrupted stores (metrics at every step, the world at
every snapshot, births and deaths); also after kill -9 at a random moment."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from farm_gui.config import RunConfig, config_to_dict

from .support import REPO, assert_same, child_env, cli, run_stopped_at, run_whole, small_config, stored_run

N = 60


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    db = tmp_path_factory.mktemp("ref") / "ref.db"
    run_id = run_whole(db, small_config(N))
    return stored_run(db, run_id)


@pytest.mark.parametrize("k", [0, 1, N // 2 + 3, N - 1])
def test_stopped_at_k_and_resumed_in_a_new_process_equals_an_uninterrupted_run(tmp_path, reference, k):
    db = tmp_path / "w.db"
    run_id = run_stopped_at(db, small_config(N), k)
    before = stored_run(db, run_id)
    assert before["run"][:2] == ("stopped", k)
    assert before["checkpoint_steps"][-1] == k  # a checkpoint at the stop
    done = cli("resume", str(run_id), "--db", str(db), "--quiet")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(run_id)]
    after = stored_run(db, run_id)
    assert after["run"] == ("finished", N, N, reference["run"][3])
    # same run record: no duplicated steps, every stored thing equal to the reference
    assert len(after["metric_rows"]) == N
    assert_same(reference, after, skip=("checkpoint_steps",))
    assert set(reference["checkpoint_steps"]) <= set(after["checkpoint_steps"])


def test_a_finished_run_continues_for_more_steps_as_a_longer_run_would(tmp_path):
    longer = tmp_path / "longer.db"
    reference = stored_run(longer, run_whole(longer, small_config(N + 25)))
    db = tmp_path / "w.db"
    run_id = run_whole(db, small_config(N))
    refused = cli("resume", str(run_id), "--db", str(db))
    assert refused.returncode == 2 and "--steps" in refused.stderr
    done = cli("resume", str(run_id), "--steps", "25", "--db", str(db), "--quiet")
    assert done.returncode == 0, done.stderr
    after = stored_run(db, run_id)
    assert after["run"][:3] == ("finished", N + 25, N + 25)
    assert_same(reference, after, skip=("checkpoint_steps",))


def test_resume_refuses_a_run_without_checkpoint_and_a_running_one(tmp_path):
    from farm_gui.store import open_store

    db = tmp_path / "w.db"
    with open_store(db) as store:
        pending = store.create_run(small_config(N), name="never started")
        running = store.create_run(small_config(N), name="live")
        store.set_status(running, "running")
    con = sqlite3.connect(db)
    con.execute("UPDATE runs SET writer_pid = ?, writer_host = ?, heartbeat_at = datetime('now') "
                "WHERE id = ?",
                (os.getpid(), os.uname().nodename, running))
    con.commit()
    con.close()
    no_checkpoint = cli("resume", str(pending), "--db", str(db))
    assert no_checkpoint.returncode == 2
    assert "no checkpoint" in no_checkpoint.stderr
    live = cli("resume", str(running), "--db", str(db))
    assert live.returncode == 2
    assert "still running" in live.stderr


_LONG = """
import json, sys
from farm_gui.config import config_from_dict
from farm_gui.runtime.session import RunSession
from farm_gui.store import open_store
config = config_from_dict(json.loads(sys.argv[2]), source="test")
store = open_store(sys.argv[1])
run_id = store.create_run(config, name="killed")
RunSession(store, run_id, config, batch_steps=50).run()
"""


def test_killed_at_a_random_moment_resumes_from_the_last_committed_checkpoint(tmp_path):
    config = RunConfig.preset("1k").model_copy(update={
        "simulation_steps": 3000, "seed": 5, "snapshot_every": 50, "checkpoint_every": 100})
    ref_db = tmp_path / "ref.db"
    reference = stored_run(ref_db, run_whole(ref_db, config))
    db = tmp_path / "w.db"
    import json

    # Killed at a random step well inside the run (not after a random delay, which a fast
    # machine could outlast): the run's steps_done is committed with every batch.
    kill_at = random.Random().randrange(150, config.simulation_steps // 2)
    proc = subprocess.Popen([sys.executable, "-c", _LONG, str(db), json.dumps(config_to_dict(config))],
                            env=child_env(), cwd=REPO, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if db.exists():
                try:
                    con = sqlite3.connect(db)
                    row = con.execute("SELECT steps_done FROM runs WHERE id = 1").fetchone()
                    con.close()
                except sqlite3.OperationalError:
                    row = None
                if row and (row[0] or 0) >= kill_at:
                    break
            time.sleep(0.005)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    con = sqlite3.connect(db)
    last_checkpoint, steps_done = con.execute(
        "SELECT (SELECT max(step) FROM checkpoints WHERE run_id = 1), steps_done FROM runs WHERE id = 1"
    ).fetchone()
    con.close()
    assert last_checkpoint is not None and 0 < last_checkpoint <= steps_done
    assert steps_done < config.simulation_steps, f"killed at step {kill_at}, yet the run finished"
    done = cli("resume", "1", "--db", str(db), "--quiet")
    assert done.returncode == 0, done.stderr
    assert_same(reference, stored_run(db, 1), skip=("checkpoint_steps",))
