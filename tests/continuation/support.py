"""Helpers for the resume / fork tests: runs stopped at a chosen step in a child process,
the CLI in a child process, and everything a run stored, read back for comparison."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np

from farm_gui.config import RunConfig, config_to_dict
from farm_gui.sim.protocol import METRIC_NAMES
from farm_gui.store import open_store

REPO = Path(__file__).resolve().parents[2]

# A small world with births, deaths, snapshots and checkpoints at steps that are not
# multiples of each other: 30 agents, 60 steps.
def small_config(steps: int = 60, **changes) -> RunConfig:
    values = {"simulation_steps": steps, "seed": 11, "snapshot_every": 7, "checkpoint_every": 20, **changes}
    return RunConfig.preset("default").model_copy(update=values)


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "farm_gui.cli", *args], capture_output=True, text=True,
                          env=child_env(), cwd=REPO, timeout=timeout)


_STOP_AT = """
import json, sys
from farm_gui.config import config_from_dict
from farm_gui.core.jobs import JobControl
from farm_gui.runtime.session import RunSession
from farm_gui.store import open_store
db, stop_at, config_json = sys.argv[1], int(sys.argv[2]), sys.argv[3]
config = config_from_dict(json.loads(config_json), source="test")
store = open_store(db)
run_id = store.create_run(config, name="stopped")
control = JobControl()
if stop_at == 0:
    control.stop()
def on_step(metrics, model):
    if model.step_index >= stop_at:
        control.stop()
status = RunSession(store, run_id, config, control, on_step=on_step, batch_steps=8).run()
store.close()
print(run_id, status)
"""


def run_stopped_at(db: Path, config: RunConfig, k: int) -> int:
    """Record a run of `config` in a child process, stopped after k steps; its run id."""
    args = [sys.executable, "-c", _STOP_AT, str(db), str(k), json.dumps(config_to_dict(config))]
    done = subprocess.run(args,
                          capture_output=True, text=True, env=child_env(), cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr
    run_id, status = done.stdout.split()
    assert status == "stopped" or (k >= config.simulation_steps and status == "finished"), status
    return int(run_id)


def run_whole(db: Path, config: RunConfig) -> int:
    from farm_gui.runtime.session import RunSession

    with open_store(db) as store:
        run_id = store.create_run(config, name="whole")
        assert RunSession(store, run_id, config, batch_steps=8).run() == "finished"
    return run_id


def stored_run(db: Path, run_id: int, from_step: int = 0) -> dict:
    """Everything run `run_id` stored from `from_step` on, raw from SQLite (bit for bit):
    metric rows, metric chunks unpacked, action counts, agents alive at or born after
    from_step, and every world snapshot as stored arrays."""
    out: dict = {}
    con = sqlite3.connect(db)
    try:
        cols = ", ".join(METRIC_NAMES)
        out["metric_rows"] = con.execute(
            f"SELECT {cols} FROM step_metrics WHERE run_id = ? AND step >= ? ORDER BY step",
            (run_id, from_step)).fetchall()
        out["action_counts"] = con.execute(
            "SELECT * FROM action_counts WHERE run_id = ? AND step >= ? ORDER BY step, agent_type",
            (run_id, from_step)).fetchall()
        out["action_counts"] = [r[1:] for r in out["action_counts"]]
        out["agents"] = [r[1:] for r in con.execute(
            "SELECT * FROM agents WHERE run_id = ? AND birth_step <= ? AND "
            "(death_step IS NULL OR death_step >= ?) ORDER BY agent_id", (run_id, 10**12, from_step))]
        steps = [s for (s,) in con.execute(
            "SELECT step FROM agent_snapshots WHERE run_id = ? AND step >= ? ORDER BY step",
            (run_id, from_step))]
        out["snapshot_steps"] = steps
        out["checkpoint_steps"] = [s for (s,) in con.execute(
            "SELECT step FROM checkpoints WHERE run_id = ? AND step >= ? ORDER BY step", (run_id, from_step))]
        out["run"] = con.execute("SELECT status, steps_done, total_steps, last_alive FROM runs WHERE id = ?",
                                 (run_id,)).fetchone()
    finally:
        con.close()
    with open_store(db, readonly=True) as store:
        metrics = store.metrics(run_id, start=from_step)
        out["metrics"] = {k: v.tobytes() for k, v in metrics.items()}
        worlds = {}
        for s in out["snapshot_steps"]:
            world = store.world_state(run_id, s)
            worlds[s] = {k: np.asarray(v).tobytes() for k, v in world.items()}
        out["worlds"] = worlds
    return out


def assert_same(a: dict, b: dict, skip: tuple[str, ...] = ()) -> None:
    for key in a:
        if key in skip:
            continue
        assert a[key] == b[key], f"{key} differs"
