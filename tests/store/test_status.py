"""Run status is truthful: running/paused runs whose writer is gone become interrupted,
failures are recorded with their error, stopping keeps contiguous committed data."""

import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from datetime import timedelta

import numpy as np
import pytest

from farm_gui.core.jobs import JobControl
from farm_gui.runtime import session as session_module
from farm_gui.runtime.session import RunSession
from farm_gui.store import StoreError, open_store
from farm_gui.store.liveness import HOST, STALE_AFTER_S
from farm_gui.store.records import utcnow

from .conftest import small_config


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _set_writer(path, run_id, status, pid, host, heartbeat):
    conn = sqlite3.connect(path)
    conn.execute("UPDATE runs SET status=?, writer_pid=?, writer_host=?, heartbeat_at=? WHERE id=?",
                 (status, pid, host, heartbeat.isoformat(sep=" "), run_id))
    conn.commit()
    conn.close()


def test_dead_writer_on_this_host_becomes_interrupted(db_path):
    with open_store(db_path) as store:
        running = store.create_run(small_config())
        paused = store.create_run(small_config())
        alive = store.create_run(small_config())
        pending = store.create_run(small_config())
    _set_writer(db_path, running, "running", _dead_pid(), HOST, utcnow())
    _set_writer(db_path, paused, "paused", _dead_pid(), HOST, utcnow())
    import os

    _set_writer(db_path, alive, "running", os.getpid(), HOST, utcnow())
    with open_store(db_path) as store:
        assert store.get_run(running).status == "interrupted"
        assert store.get_run(paused).status == "interrupted"
        assert store.get_run(alive).status == "running"
        assert store.get_run(pending).status == "pending"
        assert "stopped unexpectedly" in store.get_run(running).error
    # Persisted in the file, not just reported.
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT status FROM runs WHERE id=?", (running,)).fetchone()[0] == "interrupted"
    conn.close()


def test_stale_heartbeat_from_another_host_becomes_interrupted(db_path):
    with open_store(db_path) as store:
        stale = store.create_run(small_config())
        fresh = store.create_run(small_config())
    _set_writer(db_path, stale, "running", 1, "other-host",
                utcnow() - timedelta(seconds=STALE_AFTER_S + 5))
    _set_writer(db_path, fresh, "running", 1, "other-host", utcnow())
    with open_store(db_path) as store:
        assert store.get_run(stale).status == "interrupted"
        assert store.get_run(fresh).status == "running"
        with pytest.raises(StoreError, match="stop it before deleting"):
            store.delete_run(fresh)


def test_crashed_process_leaves_an_interrupted_run_with_contiguous_steps(db_path):
    script = textwrap.dedent(f"""
        import os, sqlite3, time
        from farm_gui.config import RunConfig
        from farm_gui.runtime.session import RunSession
        from farm_gui.store import open_store
        store = open_store({str(db_path)!r})
        config = RunConfig(simulation_steps=100000, snapshot_every=5, seed=3, max_population=200)
        run_id = store.create_run(config)
        def crash(metrics, model):
            if metrics["step"] == 120:
                # Die once the writer thread has committed a batch (waited for, not assumed:
                # a fixed second was not always enough on a loaded machine).
                db = sqlite3.connect({str(db_path)!r})
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline and db.execute(
                        "SELECT count(*) FROM step_metrics").fetchone()[0] < 25:
                    time.sleep(0.01)
                os._exit(9)
        RunSession(store, run_id, config, on_step=crash, batch_steps=25).run()
    """)
    proc = subprocess.run([sys.executable, "-c", script], timeout=120)
    assert proc.returncode == 9
    with open_store(db_path) as store:
        (info,) = store.list_runs()
        assert info.status == "interrupted"
        steps = store.metrics(info.id)["step"]
        assert len(steps) == info.steps_done and 25 <= info.steps_done <= 121
        np.testing.assert_array_equal(steps, np.arange(info.steps_done))
        assert store.snapshot_steps(info.id).max() <= info.steps_done


def test_model_error_marks_the_run_failed(store, monkeypatch):
    from farm_gui.sim import build_model

    class Exploding:
        def __init__(self, model):
            self._model = model

        def __getattr__(self, name):
            return getattr(self._model, name)

        def step_block(self, max_steps):  # the run's fifth step raises
            if self._model.step_index == 4:
                raise RuntimeError("numerical trouble")
            return self._model.step_block(min(max_steps, 4 - self._model.step_index))

    monkeypatch.setattr(session_module, "build_model", lambda config, name: Exploding(build_model(config)))
    config = small_config()
    run_id = store.create_run(config)
    states = []
    status = RunSession(store, run_id, config, on_state=states.append).run()
    assert status == "failed"
    info = store.get_run(run_id)
    assert info.status == "failed" and info.error == "RuntimeError: numerical trouble"
    assert info.steps_done == 4 and info.finished_at is not None
    assert states == ["running", "failed"]
    assert store.metrics(run_id)["step"].tolist() == [0, 1, 2, 3]


def test_store_failure_marks_the_run_failed(store, db_path):
    config = small_config(simulation_steps=40)
    run_id = store.create_run(config)
    # Another writer already holds step 10 of this run: the batch holding it fails.
    conn = sqlite3.connect(db_path)
    from farm_gui.sim import METRIC_NAMES

    columns = ", ".join(METRIC_NAMES)
    values = ", ".join("10" if name == "step" else "0" for name in METRIC_NAMES)
    conn.execute(f"INSERT INTO step_metrics (run_id, {columns}) VALUES (?, {values})", (run_id,))
    conn.commit()
    conn.close()
    status = RunSession(store, run_id, config, batch_steps=5).run()
    assert status == "failed"
    info = store.get_run(run_id)
    assert info.status == "failed" and "UNIQUE" in info.error
    # the batches before the one holding step 10 are kept, whole: how many steps they hold
    # depends on how fast the blocks went (a block ends at a world, every 7 steps; a batch
    # is handed over after 5 steps, or sooner after 0.25 s)
    assert 1 <= info.steps_done <= 10
    stored = store.metrics(run_id)["step"].tolist()
    assert stored == list(range(info.steps_done))


def test_pause_step_once_resume_and_stop(store):
    config = small_config(simulation_steps=100_000, snapshot_every=50)
    run_id = store.create_run(config)
    control = JobControl()
    steps, states = [], []
    control.pause()
    session = RunSession(store, run_id, config, control, on_step=lambda m, _: steps.append(m["step"]),
                         on_state=states.append)
    worker = threading.Thread(target=session.run)
    worker.start()
    deadline = time.monotonic() + 60
    while "paused" not in states and time.monotonic() < deadline:
        time.sleep(0.01)
    assert steps == [] and store.get_run(run_id).status == "paused"
    control.step_once()
    control.step_once()
    while len(steps) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    assert steps == [0, 1] and control.paused
    control.resume()
    while len(steps) < 50 and time.monotonic() < deadline:
        time.sleep(0.01)
    control.stop()
    worker.join(timeout=60)
    assert not worker.is_alive()
    info = store.get_run(run_id)
    assert info.status == "stopped" and session.status == "stopped"
    assert states[:2] == ["running", "paused"] and states[-1] == "stopped"
    assert info.steps_done == len(steps)
    np.testing.assert_array_equal(store.metrics(run_id)["step"], np.arange(len(steps)))
    # The world at the stop is kept, even between snapshot steps.
    assert store.snapshot_steps(run_id)[-1] == len(steps)


def test_speed_limit_paces_the_run(store):
    config = small_config(simulation_steps=15, snapshot_every=0)
    run_id = store.create_run(config)
    control = JobControl()
    control.set_speed(50.0)
    started = time.perf_counter()
    assert RunSession(store, run_id, config, control).run() == "finished"
    assert time.perf_counter() - started >= 15 / 50.0 * 0.9
    assert store.snapshot_steps(run_id).size == 0


def test_flush_makes_steps_visible_to_other_readers_while_running(db_path):
    config = small_config(simulation_steps=100_000)
    with open_store(db_path) as store:
        run_id = store.create_run(config)
        from farm_gui.sim import build_model

        model = build_model(config)
        writer = store.writer(run_id, batch_steps=1000, batch_seconds=1000)
        writer.start()
        for _ in range(7):
            metrics = model.step()
            births, deaths = model.drain_agent_events()
            writer.add_step(metrics, model.action_counts(), births, deaths, None)
        with open_store(db_path, readonly=True) as reader:
            assert reader.get_run(run_id).steps_done == 0
            writer.flush()
            assert reader.get_run(run_id).steps_done == 7
            assert reader.get_run(run_id).status == "running"
            writer.set_status("paused")
            assert reader.get_run(run_id).status == "paused"
        writer.finish("stopped")
        assert store.get_run(run_id).status == "stopped"


def test_model_that_cannot_be_built_marks_the_run_failed(store, monkeypatch):
    def refuse(config, name):
        raise ValueError("no such world")

    monkeypatch.setattr(session_module, "build_model", refuse)
    config = small_config()
    run_id = store.create_run(config)
    assert RunSession(store, run_id, config).run() == "failed"
    info = store.get_run(run_id)
    assert info.status == "failed" and info.error == "ValueError: no such world"
    assert info.started_at is None and info.steps_done == 0
