"""Modules that read in chunks (agents for survival, windowed action sums for actions)
give exactly the result of reading everything at once, from a store or from frames."""

import numpy as np
import pandas as pd
import pytest

from farm_gui.analysis import FrameRunSource, StoreRunSource, run_analysis
from farm_gui.analysis import source as source_module
from farm_gui.analysis.source import iter_agent_chunks
from farm_gui.config import ACTIONS, AGENT_TYPES, RunConfig
from farm_gui.models.foraging.analyses import action_counts as action_module
from farm_gui.models.foraging.analyses.action_counts import action_sums, wide_action_counts
from farm_gui.runtime.session import RunSession
from farm_gui.store import open_store

from .synthetic import config, metrics_frame
from .test_resources_actions import ACTIONS as ACTION_ROWS


class Recorder:
    def __init__(self):
        self.calls: list[tuple[float, str]] = []

    def checkpoint(self, fraction: float, message: str = "") -> None:
        self.calls.append((fraction, message))


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    store = open_store(tmp_path_factory.mktemp("chunks") / "runs.db")
    # Little food: births and starvation, so survival has deaths and censored lives.
    cfg = RunConfig(simulation_steps=90, seed=3, snapshot_every=30, initial_resource_level=0.0,
                    starvation_threshold=3)
    run_id = store.create_run(cfg, name="chunks")
    assert RunSession(store, run_id, cfg).run() == "finished"
    yield store, run_id
    store.close()


def assert_same_result(a, b):
    assert a.tables.keys() == b.tables.keys() and a.series.keys() == b.series.keys()
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name], obj=name)
    for name in a.series:
        for key in a.series[name]:
            np.testing.assert_array_equal(a.series[name][key], b.series[name][key], err_msg=name)
    assert a.summary.keys() == b.summary.keys()
    for key in a.summary:
        same = a.summary[key] == b.summary[key] or (a.summary[key] != a.summary[key]
                                                    and b.summary[key] != b.summary[key])
        assert same, key


@pytest.mark.parametrize("rows", [1, 4, 1000])
def test_agent_chunks_are_the_whole_table_with_a_checkpoint_after_each(stored, rows):
    store, run_id = stored
    source = StoreRunSource(store, run_id)
    ctl = Recorder()
    pieces = list(iter_agent_chunks(source, ctl, rows=rows))
    whole = source.agents()
    assert len(pieces) == -(-len(whole) // rows)
    assert all(len(p) <= rows for p in pieces)
    pd.testing.assert_frame_equal(pd.concat(pieces, ignore_index=True), whole)
    assert len(ctl.calls) in (len(pieces), len(pieces) + 1)  # + 1 when the last piece was full
    fractions = [f for f, _ in ctl.calls]
    assert fractions == sorted(fractions) and all(0 <= f < 1 for f in fractions)


def test_frame_source_agents_by_range_and_limit():
    agents = pd.DataFrame({"agent_id": [5, 1, 9, 3], "agent_type": ["system"] * 4, "birth_step": [0] * 4,
                           "parent_id": [-1] * 4, "generation": [0] * 4, "death_step": [np.nan] * 4,
                           "death_cause": [None] * 4})
    source = FrameRunSource(metrics_frame(3), agents=agents)
    assert source.agents()["agent_id"].tolist() == [5, 1, 9, 3]  # as given
    assert source.agents(2, 9)["agent_id"].tolist() == [3, 5]
    assert source.agents(limit=3)["agent_id"].tolist() == [1, 3, 5]
    chunks = list(iter_agent_chunks(source, Recorder(), rows=3))
    assert [c["agent_id"].tolist() for c in chunks] == [[1, 3, 5], [9]]


def test_survival_in_small_chunks_equals_one_read(stored, monkeypatch):
    store, run_id = stored
    source = StoreRunSource(store, run_id)
    monkeypatch.setattr(source_module, "AGENT_CHUNK_ROWS", 100_000)
    one_read = run_analysis("survival", [source])
    monkeypatch.setattr(source_module, "AGENT_CHUNK_ROWS", 3)
    ctl = Recorder()
    chunked = run_analysis("survival", [source], ctl=ctl)
    assert_same_result(chunked, one_read)
    assert sum("agents" in message for _, message in ctl.calls) >= len(source.agents()) // 3
    assert chunked.summary["deaths"] > 0 and chunked.summary["censored"] > 0


def test_actions_summed_by_the_database_equal_actions_from_the_long_table(stored, monkeypatch):
    store, run_id = stored
    stored_source = StoreRunSource(store, run_id)
    frames = FrameRunSource(store.metrics_frame(run_id), action_counts=store.action_counts_frame(run_id),
                            config=store.run_config(run_id))
    monkeypatch.setattr(action_module, "ACTION_CHUNK_ROWS", 10)  # chunks of 50 steps: windows cut
    for window in (0, 1, 7, 1000):
        assert_same_result(run_analysis("actions", [stored_source], {"window": window}),
                           run_analysis("actions", [frames], {"window": window}))


def test_wide_action_counts_sum_windows_of_the_long_table():
    wide = wide_action_counts(ACTION_ROWS, window=2)
    assert wide.step.tolist() == [0, 0, 2, 2]
    assert [AGENT_TYPES[t] for t in wide.agent_type] == ["system", "independent"] * 2
    share, attack, move = (ACTIONS.index(a) for a in ("share", "attack", "move"))
    assert wide.counts[0, [share, attack, move]].tolist() == [6, 1, 2]
    assert wide.counts[1, [share, attack]].tolist() == [0, 5]
    assert wide.counts[3, [share, attack]].tolist() == [1, 2]
    assert wide.counts.sum() == ACTION_ROWS["count"].sum()
    empty = wide_action_counts(ACTION_ROWS.iloc[:0])
    assert empty.counts.shape == (0, len(ACTIONS)) and len(empty.step) == 0
    source = FrameRunSource(metrics_frame(4, alive_system=[5, 4, 3, 1]), action_counts=ACTION_ROWS,
                            config=config(system_agents=5))
    part = action_sums(source, 1, 3, 1)
    assert part.step.tolist() == [1, 2, 2]


def test_spatial_checks_its_control_after_every_nearest_neighbour_pass(stored):
    store, run_id = stored
    ctl = Recorder()
    result = run_analysis("spatial", [StoreRunSource(store, run_id)], ctl=ctl)
    passes = len(result.tables["clustering"])  # one row per pass: all agents, then each type
    snapshot_calls = [f for f, message in ctl.calls if message.startswith("snapshot")]
    assert len(snapshot_calls) == passes > len(store.snapshot_steps(run_id))
    assert snapshot_calls == sorted(snapshot_calls) and snapshot_calls[-1] == 1.0
