"""A recorded run, reopened, matches the same run recomputed step by step."""

import numpy as np
import pandas as pd
import pytest

from farm_gui.config import ACTIONS, AGENT_TYPES
from farm_gui.runtime.session import RunSession
from farm_gui.sim import METRIC_NAMES, SNAPSHOT_NODE_KEYS, build_model
from farm_gui.sim.protocol import DEATH_CAUSES
from farm_gui.store import open_store

from .conftest import alive_only, record_run, small_config


def replay(config):
    """Re-run the model, collecting what the store should hold."""
    model = build_model(config)
    births, deaths = model.drain_agent_events()
    events = [(births, deaths)]
    snapshots = {0: alive_only(model.snapshot())}
    metrics, counts = [], []
    while not model.done:
        metrics.append(model.step())
        counts.append(model.action_counts().copy())
        events.append(model.drain_agent_events())
        k = model.step_index
        if k % config.snapshot_every == 0 or model.done:
            snapshots[k] = alive_only(model.snapshot())
    return metrics, counts, events, snapshots


def test_reopened_run_matches_a_fresh_replay(db_path):
    config = small_config()
    with open_store(db_path) as store:
        run_id = record_run(store, config, batch_steps=9)
    metrics, counts, events, snapshots = replay(config)

    with open_store(db_path) as store:
        info = store.get_run(run_id)
        assert info.status == "finished" and info.error is None
        assert info.steps_done == len(metrics) == config.simulation_steps
        assert info.last_alive == metrics[-1]["alive"]
        assert store.run_config(run_id) == config

        stored = store.metrics(run_id)
        assert list(stored) == list(METRIC_NAMES)
        np.testing.assert_array_equal(stored["step"], np.arange(len(metrics)))
        for name in METRIC_NAMES:
            np.testing.assert_array_equal(stored[name], [m[name] for m in metrics], err_msg=name)
        frame = store.metrics_frame(run_id, 10, 20)
        assert list(frame["step"]) == list(range(10, 20))
        assert frame["alive"].tolist() == [m["alive"] for m in metrics[10:20]]

        steps = store.snapshot_steps(run_id)
        assert steps.dtype == np.int64
        assert steps.tolist() == sorted(snapshots)
        for step, expected in snapshots.items():
            state = store.world_state(run_id, step)
            assert int(state["step"]) == step
            for key, value in expected.items():
                np.testing.assert_array_equal(state[key], value, err_msg=f"{key} at step {step}")
        # Between snapshots: the latest stored one at or before the step.
        between = store.world_state(run_id, 10)
        assert int(between["step"]) == 7
        assert set(SNAPSHOT_NODE_KEYS) <= set(between)

        actions = store.action_counts_frame(run_id)
        expected_rows = [(s, AGENT_TYPES[t], ACTIONS[a], int(c[t, a]))
                         for s, c in enumerate(counts) for t, a in zip(*np.nonzero(c), strict=True)]
        got_rows = list(actions.itertuples(index=False, name=None))
        assert got_rows == expected_rows
        assert store.action_counts_frame(run_id, 5, 6)["step"].unique().tolist() == [5]

        agents = store.agents_frame(run_id).set_index("agent_id")
        births = pd.concat([pd.DataFrame(b) for b, _ in events]).set_index("agent_id")
        deaths = pd.concat([pd.DataFrame(d) for _, d in events]).set_index("agent_id")
        assert len(agents) == len(births)
        assert agents["birth_step"].equals(births["birth_step"].astype(np.int64))
        assert agents["parent_id"].tolist() == births["parent_id"].tolist()
        assert agents["agent_type"].tolist() == [AGENT_TYPES[t] for t in births["agent_type"]]
        died = agents.loc[deaths.index]
        assert died["death_step"].tolist() == deaths["death_step"].astype(float).tolist()
        assert died["death_cause"].tolist() == [DEATH_CAUSES[c] for c in deaths["cause"]]
        alive_ids = agents.index.difference(deaths.index)
        assert agents.loc[alive_ids, "death_step"].isna().all()
        assert agents.loc[alive_ids, "death_cause"].isna().all()
        assert len(alive_ids) == metrics[-1]["alive"]


def test_names_with_quotes_and_sql_round_trip(store):
    names = ["it's a \"test\"", "x'); DROP TABLE runs; --", "naïve ☃ run", "  spaced  "]
    ids = [store.create_run(small_config(), name=n) for n in names]
    assert [store.get_run(i).name for i in ids] == names
    assert {r.name for r in store.list_runs()} == set(names)


def test_list_runs_is_newest_first_and_unnamed_runs_get_a_name(store):
    first = store.create_run(small_config())
    second = store.create_run(small_config(seed=7))
    assert [r.id for r in store.list_runs()] == [second, first]
    assert store.get_run(first).name == f"Run {first}"
    assert store.get_run(second).seed == 7
    assert store.get_run(first).status == "pending"


def test_delete_run_removes_all_its_rows(store, db_path):
    keep = record_run(store, small_config(simulation_steps=12))
    gone = record_run(store, small_config(simulation_steps=12, seed=3))
    store.delete_run(gone)
    assert [r.id for r in store.list_runs()] == [keep]
    import sqlite3

    conn = sqlite3.connect(db_path)
    for table in ("step_metrics", "metric_chunks", "agent_snapshots", "node_snapshots", "action_counts",
                  "agents"):
        assert conn.execute(f"SELECT count(*) FROM {table} WHERE run_id=?", (gone,)).fetchone()[0] == 0
        assert conn.execute(f"SELECT count(*) FROM {table} WHERE run_id=?", (keep,)).fetchone()[0] > 0
    conn.close()


def test_unknown_run_and_missing_world_state_raise_store_error(store):
    from farm_gui.store import StoreError

    with pytest.raises(StoreError, match="no run with id 99"):
        store.get_run(99)
    with pytest.raises(StoreError, match="no run with id 99"):
        store.metrics(99)
    run_id = store.create_run(small_config())
    with pytest.raises(StoreError, match="no stored world state"):
        store.world_state(run_id, 5)
    with pytest.raises(StoreError, match="unknown run status"):
        store.set_status(run_id, "bogus")


def test_analyses_round_trip(store):
    from datetime import UTC, datetime

    run_id = store.create_run(small_config())
    started = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    aid = store.save_analysis("population", [run_id], {"window": 5}, "finished", '{"x": [1, 2]}',
                              started_at=started, finished_at=started)
    failed = store.save_analysis("survival", [run_id, run_id], {}, "failed", None, error="boom")
    listed = store.list_analyses()
    assert [a.id for a in listed] == [failed, aid]
    info, payload = store.load_analysis(aid)
    assert (info.module, info.run_ids, info.params, info.status) == ("population", [run_id], {"window": 5},
                                                                      "finished")
    assert info.started_at == started
    assert payload == '{"x": [1, 2]}'
    info, payload = store.load_analysis(failed)
    assert payload is None and info.error == "boom"


@pytest.mark.parametrize("codec", ["raw1", "zstd1", "lz4", "zlib1"])
def test_every_snapshot_codec_round_trips(db_path, codec):
    config = small_config(simulation_steps=15, snapshot_every=5)
    _, _, _, snapshots = replay(config)
    with open_store(db_path) as store:
        run_id = store.create_run(config)
        original = store.writer
        store.writer = lambda rid, **kw: original(rid, codec=codec, **kw)
        assert RunSession(store, run_id, config).run() == "finished"
    with open_store(db_path) as store:
        for step, expected in snapshots.items():
            state = store.world_state(run_id, step)
            for key, value in expected.items():
                np.testing.assert_array_equal(state[key], value, err_msg=f"{codec} {key} at {step}")


@pytest.mark.parametrize(("agents", "codec"), [(30, "lz4"), (400, "zstd1")])
def test_readme_recipe_decodes_a_snapshot_blob(db_path, agents, codec):
    """The README shows how to decode a blob without Farm GUI; keep it true for every codec
    the writer picks (by the world's size)."""
    import sqlite3

    import pyarrow as pa

    config = small_config(simulation_steps=10, snapshot_every=5, system_agents=agents, max_population=1000,
                          independent_agents=0, control_agents=0)
    with open_store(db_path) as store:
        run_id = record_run(store, config)
        expected = store.world_state(run_id, 5)
    con = sqlite3.connect(db_path)
    n, stored_codec, data = con.execute("SELECT n_agents, codec, data FROM agent_snapshots "
                                        "WHERE run_id = ? AND step = 5", (run_id,)).fetchone()
    con.close()
    assert stored_codec == codec
    # the README's recipe from here on
    if codec in ("zstd1", "lz4"):
        data = pa.Codec(codec.rstrip("1")).decompress(data, decompressed_size=45 * n, asbytes=True)
    layout = [("agent_id", "<i8"), ("x", "<f8"), ("y", "<f8"), ("resources", "<f8"), ("health", "<f8"),
              ("generation", "<i4"), ("agent_type", "i1")]
    offset, agents = 0, {}
    for name, dtype in layout:
        agents[name] = np.frombuffer(data, dtype, n, offset)
        offset += n * np.dtype(dtype).itemsize
    np.testing.assert_array_equal(agents["agent_id"], expected["agent_id"])
    np.testing.assert_array_equal(agents["x"], expected["agent_x"])
    np.testing.assert_array_equal(agents["agent_type"], expected["agent_type"])
