"""A run recorded in blocks of steps (the window's and the CLI's way) stores exactly what the
same run stored one step at a time does: metrics (rows and chunks), action counts, agents,
worlds and checkpoints."""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd

from farm_gui.config import preset
from farm_gui.runtime.session import RunSession
from farm_gui.sim import METRIC_NAMES
from farm_gui.store import open_store


def recorded(path, config, **callbacks):
    blocks: list[int] = []
    with open_store(path) as store:
        run_id = store.create_run(config, name="run")
        session = RunSession(store, run_id, config, **callbacks)
        if "on_block" in callbacks:
            seen = callbacks["on_block"]
            session.on_block = lambda block, model: (blocks.append(len(block)), seen(block, model))
        assert session.run() == "finished"
        worlds = {int(s): store.world_state(run_id, int(s)) for s in store.snapshot_steps(run_id)}
        stored = {
            "metrics": store.metrics_frame(run_id),
            "actions": store.action_counts_frame(run_id),
            "agents": store.agents_frame(run_id),
            "checkpoints": [store.load_checkpoint(run_id, s) for s in store.checkpoint_steps(run_id)],
        }
    con = sqlite3.connect(path)
    stored["chunks"] = np.concatenate([
        np.frombuffer(data, "<f8").reshape(len(METRIC_NAMES), n)
        for n, data in con.execute("SELECT n_steps, data FROM metric_chunks ORDER BY first_step")], axis=1)
    con.close()
    return stored, worlds, blocks


def test_a_run_recorded_in_blocks_stores_what_single_steps_store(tmp_path):
    config = preset("default").model_copy(update={"simulation_steps": 2500, "snapshot_every": 10,
                                                  "checkpoint_every": 700, "seed": 9})
    rows: list[dict] = []
    single, single_worlds, _ = recorded(tmp_path / "single.db", config, on_step=lambda m, _: rows.append(m))
    table: list[np.ndarray] = []
    blocked, blocked_worlds, sizes = recorded(tmp_path / "blocks.db", config,
                                              on_block=lambda block, _: table.append(block.table))
    assert max(sizes) > 1, "the run stepped in blocks"
    np.testing.assert_array_equal(np.concatenate(table), pd.DataFrame(rows).to_numpy(dtype=float))
    pd.testing.assert_frame_equal(blocked["metrics"], single["metrics"])
    assert (blocked["metrics"].dtypes == single["metrics"].dtypes).all()
    np.testing.assert_array_equal(blocked["chunks"], single["chunks"])
    np.testing.assert_array_equal(blocked["chunks"].T, single["metrics"][list(METRIC_NAMES)].to_numpy(float))
    pd.testing.assert_frame_equal(blocked["actions"], single["actions"])
    pd.testing.assert_frame_equal(blocked["agents"], single["agents"])
    assert blocked_worlds.keys() == single_worlds.keys() and len(single_worlds) == 251
    for step, world in single_worlds.items():
        for key, value in world.items():
            np.testing.assert_array_equal(blocked_worlds[step][key], value, err_msg=f"{key} at {step}")
    assert [s for s, _ in blocked["checkpoints"]] == [s for s, _ in single["checkpoints"]] == [0, 700, 1400,
                                                                                                 2100, 2500]
    for (_, got), (_, expected) in zip(blocked["checkpoints"], single["checkpoints"], strict=True):
        assert got.keys() == expected.keys()
        for key, value in expected.items():
            if isinstance(value, np.ndarray):
                np.testing.assert_array_equal(got[key], value, err_msg=key)
            else:
                assert got[key] == value, key
