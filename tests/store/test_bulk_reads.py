"""Bulk reads in pieces (agent-id ranges, step ranges, windows summed by the database)
give exactly what the whole read gives."""

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import delete

from farm_gui.config import ACTIONS, AGENT_TYPES
from farm_gui.sim import METRIC_NAMES
from farm_gui.store import StoreError, open_store
from farm_gui.store.schema import metric_chunks

from .conftest import record_run, small_config

AGENT_COLUMNS = ["agent_id", "agent_type", "birth_step", "parent_id", "generation", "death_step",
                 "death_cause"]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    store = open_store(tmp_path_factory.mktemp("bulk") / "runs.db")
    # Little food: agents are born and starve, so some lives end and some are censored.
    config = small_config(simulation_steps=80, seed=5, initial_resource_level=0.0, starvation_threshold=3)
    run_id = record_run(store, config, batch_steps=13)
    yield store, run_id
    store.close()


def test_agents_frame_types_and_missing_values(recorded):
    store, run_id = recorded
    agents = store.agents_frame(run_id)
    assert list(agents.columns) == AGENT_COLUMNS
    for column in ("agent_id", "birth_step", "parent_id", "generation"):
        assert agents[column].dtype == np.int64, column
    assert agents["death_step"].dtype == np.float64 and agents["death_cause"].dtype == object
    assert agents["agent_id"].is_monotonic_increasing
    assert set(agents["agent_type"]) <= set(AGENT_TYPES)
    alive = agents["death_step"].isna()
    assert alive.any() and (~alive).any(), "the run should have both dead and living agents"
    assert all(v is None for v in agents.loc[alive, "death_cause"])
    assert all(isinstance(v, str) for v in agents.loc[~alive, "death_cause"])


@pytest.mark.parametrize("limit", [1, 7, 50])
def test_agents_read_in_pieces_equal_the_whole_table(recorded, limit):
    store, run_id = recorded
    whole = store.agents_frame(run_id)
    pieces, start = [], None
    while True:
        part = store.agents_frame(run_id, start, limit=limit)
        assert len(part) <= limit
        if len(part):
            pieces.append(part)
        if len(part) < limit:
            break
        start = int(part["agent_id"].iloc[-1]) + 1
    assert len(pieces) == -(-len(whole) // limit)
    pd.testing.assert_frame_equal(pd.concat(pieces, ignore_index=True), whole)


def test_agents_by_id_range(recorded):
    store, run_id = recorded
    whole = store.agents_frame(run_id)
    ids = whole["agent_id"].to_numpy()
    lo, hi = int(ids[3]), int(ids[-4])
    expected = whole[(whole["agent_id"] >= lo) & (whole["agent_id"] < hi)].reset_index(drop=True)
    pd.testing.assert_frame_equal(store.agents_frame(run_id, lo, hi), expected)
    empty = store.agents_frame(run_id, int(ids[-1]) + 1)
    assert len(empty) == 0 and list(empty.columns) == AGENT_COLUMNS
    assert empty.dtypes.to_dict() == whole.dtypes.to_dict()
    assert len(store.agents_frame(run_id, limit=0)) == 0


def test_unknown_run_is_an_error_not_an_empty_table(recorded):
    store, _ = recorded
    for read in (store.agents_frame, store.action_counts_frame, store.action_count_arrays, store.metrics):
        with pytest.raises(StoreError, match="no run with id 999"):
            read(999)


def test_action_count_arrays_are_the_long_table(recorded):
    store, run_id = recorded
    arrays = store.action_count_arrays(run_id)
    assert arrays.counts.shape == (len(arrays.step), len(ACTIONS))
    assert arrays.step.dtype == arrays.agent_type.dtype == arrays.counts.dtype == np.int64
    assert np.all(np.diff(arrays.step) >= 0)
    long = store.action_counts_frame(run_id)
    rows, actions = np.nonzero(arrays.counts)
    assert list(long["step"]) == arrays.step[rows].tolist()
    assert list(long["agent_type"]) == [AGENT_TYPES[t] for t in arrays.agent_type[rows]]
    assert list(long["action"]) == [ACTIONS[a] for a in actions]
    assert list(long["count"]) == arrays.counts[rows, actions].tolist()
    # Every acting agent is counted once per step: the per-step totals match the metrics.
    metrics = store.metrics(run_id)
    per_step = np.bincount(arrays.step, weights=arrays.counts.sum(axis=1), minlength=len(metrics["step"]))
    acted = sum(metrics[f"action_{a}"] for a in ACTIONS)
    np.testing.assert_array_equal(per_step, acted)


@pytest.mark.parametrize("window", [2, 7, 80, 1000])
def test_windows_summed_by_the_database_match_numpy(recorded, window):
    store, run_id = recorded
    rows = store.action_count_arrays(run_id)
    summed = store.action_count_arrays(run_id, window=window)
    expected: dict[tuple[int, int], np.ndarray] = {}
    for step, agent_type, counts in zip(rows.step, rows.agent_type, rows.counts, strict=True):
        key = (int(step) // window * window, int(agent_type))
        expected[key] = expected.get(key, 0) + counts
    assert list(zip(summed.step.tolist(), summed.agent_type.tolist(), strict=True)) == sorted(expected)
    for step, agent_type, counts in zip(summed.step, summed.agent_type, summed.counts, strict=True):
        np.testing.assert_array_equal(counts, expected[(int(step), int(agent_type))])


def test_windowed_sums_over_step_chunks_add_up_to_the_whole(recorded):
    store, run_id = recorded
    whole = store.action_count_arrays(run_id, window=7)
    total = np.zeros((80 // 7 + 1, len(AGENT_TYPES), len(ACTIONS)), dtype=np.int64)
    for lo in range(0, 80, 11):  # chunk edges cut windows in two
        part = store.action_count_arrays(run_id, lo, lo + 11, window=7)
        assert np.all((part.step >= lo // 7 * 7) & (part.step < lo + 11))
        np.add.at(total, (part.step // 7, part.agent_type), part.counts)
    expected = np.zeros_like(total)
    np.add.at(expected, (whole.step // 7, whole.agent_type), whole.counts)
    np.testing.assert_array_equal(total, expected)
    with pytest.raises(StoreError, match="window"):
        store.action_count_arrays(run_id, window=0)


def test_action_counts_by_step_range_equal_a_slice_of_the_whole(recorded):
    store, run_id = recorded
    whole = store.action_counts_frame(run_id)
    pieces = [store.action_counts_frame(run_id, lo, lo + 9) for lo in range(0, 80, 9)]
    pd.testing.assert_frame_equal(pd.concat(pieces, ignore_index=True), whole)


def test_metrics_in_pieces_and_from_rows_equal_the_whole(db_path):
    with open_store(db_path) as store:
        run_id = record_run(store, small_config(simulation_steps=50), batch_steps=9)
        whole = store.metrics_frame(run_id)
        pieces = [store.metrics_frame(run_id, lo, lo + 8) for lo in range(0, 50, 8)]
        pd.testing.assert_frame_equal(pd.concat(pieces, ignore_index=True), whole)
        # Without the packed chunks the per-step rows give the same arrays and types.
        with store._write("dropping packed metrics") as conn:
            conn.execute(delete(metric_chunks).where(metric_chunks.c.run_id == run_id))
        from_rows = store.metrics(run_id)
        assert list(from_rows) == list(METRIC_NAMES)
        for name in METRIC_NAMES:
            np.testing.assert_array_equal(from_rows[name], whole[name].to_numpy(), err_msg=name)
            assert from_rows[name].dtype == whole[name].dtype, name
        pd.testing.assert_frame_equal(store.metrics_frame(run_id, 20, 30),
                                      whole.iloc[20:30].reset_index(drop=True))
        assert len(store.metrics_frame(run_id, 60, 70)) == 0


def test_database_errors_in_bulk_reads_are_store_errors(db_path):
    import sqlite3

    with open_store(db_path) as store:
        run_id = record_run(store, small_config(simulation_steps=5))
        con = sqlite3.connect(db_path)
        con.execute("DROP TABLE agents")
        con.commit()
        con.close()
        with pytest.raises(StoreError, match=f"reading agents of run {run_id}.*no such table: agents"):
            store.agents_frame(run_id)
