"""Importing AgentFarm databases: the real sample (tests/fixtures/agentfarm) checked
against its own tables read independently with sqlite3, and generated files for what the
sample lacks (deaths, several simulations, missing tables and columns)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from farm_gui.agentfarm import AgentFarmError, import_agentfarm, sha256_of
from farm_gui.agentfarm.synthetic import write_database
from farm_gui.config import ACTIONS, AGENT_TYPES
from farm_gui.store import StoreError, open_store
from farm_gui.store.side_tables import read_extra_metrics, read_run_source, refuse_continuation

SAMPLE = Path(__file__).parents[1] / "fixtures" / "agentfarm" / "sample_60_steps.db"


def source_rows(path, sql, *args):
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


@pytest.fixture
def sample(tmp_path):
    copy = tmp_path / "sample.db"
    shutil.copy(SAMPLE, copy)
    return copy


@pytest.fixture
def imported(sample, tmp_path):
    store = open_store(tmp_path / "ws.db")
    before = sha256_of(sample)
    report = import_agentfarm(sample, store)
    yield store, report, sample, before
    store.close()


def test_sample_metrics_match_the_source(imported):
    store, report, sample, before = imported
    assert sha256_of(sample) == before == report.sha256
    (run_id,) = report.run_ids
    info = store.get_run(run_id)
    assert (info.model, info.status, info.steps_done) == ("agentfarm", "finished", 61)
    m = store.metrics(run_id)
    rows = source_rows(sample, "SELECT step_number, total_agents, agent_type_counts, births, deaths, "
                       "total_resources, average_agent_health, average_agent_resources FROM simulation_steps "
                       "ORDER BY step_number")
    assert m["step"].tolist() == [r[0] for r in rows]
    assert m["alive"].tolist() == [r[1] for r in rows]
    for t in ("system", "independent", "control"):
        assert m[f"alive_{t}"].tolist() == [json.loads(r[2]).get(t, 0) for r in rows]
    assert m["alive_order"].sum() == m["alive_chaos"].sum() == 0
    assert m["births"].tolist() == [r[3] for r in rows] and m["births"].sum() == 20
    assert m["deaths"].tolist() == [r[4] for r in rows]
    np.testing.assert_allclose(m["resources_in_nodes"], [r[5] for r in rows])
    np.testing.assert_allclose(m["mean_health"], [r[6] for r in rows])
    np.testing.assert_allclose(m["mean_agent_resources"], [r[7] for r in rows])


def test_sample_extra_metrics_keep_what_has_no_column(imported):
    store, report, sample, _ = imported
    extra = read_extra_metrics(store, report.run_ids[0])
    rows = source_rows(sample, "SELECT average_reward, genetic_diversity, resource_efficiency, "
                       "resource_distribution_entropy, dominant_genome_ratio FROM simulation_steps "
                       "ORDER BY step_number")
    assert len(extra) == 61
    for i, name in enumerate(("average_reward", "genetic_diversity", "resource_efficiency",
                              "resource_distribution_entropy", "dominant_genome_ratio")):
        np.testing.assert_allclose(extra[name], [r[i] for r in rows])


def test_sample_actions_leave_out_learning_rows(imported):
    store, report, sample, _ = imported
    run_id = report.run_ids[0]
    frame = store.action_counts_frame(run_id)
    expected = source_rows(sample, "SELECT a.step_number, g.agent_type, a.action_type, COUNT(*) "
                           "FROM agent_actions a JOIN agents g ON g.agent_id = a.agent_id "
                           "WHERE a.module_type IS NULL GROUP BY 1, 2, 3")
    assert frame["count"].sum() == 2388 == sum(r[3] for r in expected)
    got = {(int(r.step), r.agent_type, r.action): int(r.count) for r in frame.itertuples()}
    assert got == {(s, t, a): c for s, t, a, c in expected}
    m = store.metrics(run_id)
    for action in ACTIONS:
        per_step = frame[frame.action == action].groupby("step")["count"].sum()
        assert m[f"action_{action}"].sum() == per_step.sum()


def test_sample_world_every_step_is_the_source_states(imported):
    store, report, sample, _ = imported
    run_id = report.run_ids[0]
    assert store.snapshot_steps(run_id).tolist() == list(range(62))
    ids = json.loads(json.dumps(read_run_source(store, run_id).details["agent_ids"]))
    for af_step in (0, 17, 60):  # AgentFarm's step s = the world after s + 1 steps
        state = store.world_state(run_id, af_step + 1)
        rows = source_rows(sample, "SELECT agent_id, position_x, position_y, resource_level, current_health "
                           "FROM agent_states WHERE step_number = ? ORDER BY agent_id", af_step)
        got = sorted(zip((ids[i] for i in state["agent_id"]), state["agent_x"], state["agent_y"],
                         state["agent_resources"], state["agent_health"], strict=True))
        assert got == [tuple(r) for r in rows]
        nodes = source_rows(sample, "SELECT amount, position_x FROM resource_states WHERE step_number = ? "
                            "ORDER BY resource_id", af_step)
        np.testing.assert_allclose(state["node_amount"], [r[0] for r in nodes])
        np.testing.assert_allclose(state["node_x"], [r[1] for r in nodes])
    initial = store.world_state(run_id, 0)
    first = source_rows(sample, "SELECT agent_id, position_x, position_y, initial_resources FROM agents "
                        "WHERE birth_time = 0 AND genome_id NOT LIKE 'agent_%' ORDER BY agent_id")
    got = sorted(zip((ids[i] for i in initial["agent_id"]), initial["agent_x"], initial["agent_y"],
                     initial["agent_resources"], strict=True))
    assert got == [tuple(r) for r in first] and len(got) == 30


def test_sample_agents_births_and_parents(imported):
    store, report, sample, _ = imported
    run_id = report.run_ids[0]
    agents = store.agents_frame(run_id)
    ids = read_run_source(store, run_id).details["agent_ids"]
    source = {r[0]: r[1:] for r in source_rows(sample, "SELECT agent_id, agent_type, birth_time, genome_id, "
                                                       "generation FROM agents")}
    assert len(agents) == len(source) == 50
    for row in agents.itertuples():
        kind, born, genome, generation = source[ids[row.agent_id]]
        assert row.agent_type == kind and row.generation == generation
        child = genome.startswith("agent_")
        assert row.birth_step == born + (1 if child else 0)  # a child first acts the step after
        assert (ids[row.parent_id] == genome.split(":")[0]) if child else row.parent_id == -1
    assert agents["death_step"].isna().all()  # nobody died in the sample


def test_imported_runs_are_read_only_and_deleted_whole(imported):
    store, report, _, _ = imported
    run_id = report.run_ids[0]
    with pytest.raises(StoreError, match="imported from an AgentFarm database.*cannot be resumed"):
        refuse_continuation(store.get_run(run_id))
    assert read_run_source(store, run_id).details["notes"]
    store.delete_run(run_id)
    assert read_run_source(store, run_id) is None
    assert len(read_extra_metrics(store, run_id).columns) == 1


def test_read_only_source_file(sample, tmp_path):
    sample.chmod(0o444)
    tmp_path.chmod(0o555)  # not even a journal could be created next to it
    try:
        store = open_store(tmp_path.parent / f"{tmp_path.name}-ws.db")
        report = import_agentfarm(sample, store)
        store.close()
    finally:
        tmp_path.chmod(0o755)
    assert report.run_ids and sha256_of(sample) == report.sha256
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sample.db"]


def test_several_simulations_with_deaths(tmp_path):
    path = tmp_path / "two.db"
    sims = write_database(path, steps=40, agents=30, nodes=8, simulations=2, death_rate=0.05, seed=5)
    before = sha256_of(path)
    store = open_store(tmp_path / "ws.db")
    report = import_agentfarm(path, store)
    assert sha256_of(path) == before
    assert [r.simulation_id for r in report.results] == sims
    for result in report.results:
        run_id = result.run_id
        m = store.metrics(run_id)
        rows = source_rows(path, "SELECT step_number, total_agents, deaths FROM simulation_steps "
                           "WHERE simulation_id = ? ORDER BY step_number", result.simulation_id)
        assert m["alive"].tolist() == [r[1] for r in rows]
        assert m["deaths"].tolist() == [r[2] for r in rows] and m["deaths"].sum() > 0
        assert (m["deaths_starvation"] + m["deaths_combat"]).tolist() == m["deaths"].tolist()
        agents = store.agents_frame(run_id)
        died = source_rows(path, "SELECT COUNT(*) FROM agents WHERE simulation_id = ? AND death_time "
                           "IS NOT NULL", result.simulation_id)[0][0]
        assert agents["death_step"].notna().sum() == died
        counts = source_rows(path, "SELECT COUNT(*) FROM agent_actions WHERE simulation_id = ? AND "
                             "module_type IS NULL", result.simulation_id)[0][0]
        assert store.action_counts_frame(run_id)["count"].sum() == counts
        assert store.get_run(run_id).name == f"two (AgentFarm {result.simulation_id})"
    store.close()


def test_missing_tables_and_columns_import_what_is_there(tmp_path):
    path = tmp_path / "old.db"
    write_database(path, steps=30, agents=24, nodes=6, death_rate=0.03, drop_tables=("agent_actions",),
                   drop_columns={"simulation_steps": ("agent_type_counts", "average_reward", "births")})
    store = open_store(tmp_path / "ws.db")
    (result,) = import_agentfarm(path, store).results
    assert "table agent_actions" in result.missing
    assert "column simulation_steps.agent_type_counts" in result.missing
    assert "column simulation_steps.average_reward" in result.missing
    assert any("computed from the per-agent tables" in n and "alive per type" in n for n in result.notes)
    m = store.metrics(result.run_id)
    per_type = source_rows(path, "SELECT s.step_number, a.agent_type, COUNT(*) FROM agent_states s "
                           "JOIN agents a ON a.agent_id = s.agent_id GROUP BY 1, 2")
    for step, kind, count in per_type:
        assert m[f"alive_{kind}"][step] == count
    born = source_rows(path, "SELECT birth_time, COUNT(*) FROM agents WHERE genome_id LIKE '%agent_%' "
                       "GROUP BY 1")
    assert {s: int(m["births"][s]) for s, _ in born} == dict(born)
    assert sum(m[f"action_{a}"].sum() for a in ACTIONS) == 0
    assert store.snapshot_steps(result.run_id).tolist() == list(range(31))
    store.close()


@pytest.mark.parametrize("kind", ["text", "empty", "other_sqlite", "workspace", "folder", "missing"])
def test_not_an_agentfarm_database_is_refused_unchanged(tmp_path, kind):
    path = tmp_path / "thing.db"
    if kind == "text":
        path.write_text("step,alive\n0,1\n")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "other_sqlite":
        con = sqlite3.connect(path)
        con.execute("CREATE TABLE people (name TEXT)")
        con.commit()
        con.close()
    elif kind == "workspace":
        open_store(path).close()
    elif kind == "folder":
        path.mkdir()
    before = sha256_of(path) if path.is_file() else None
    store = open_store(tmp_path / "ws.db")
    with pytest.raises(AgentFarmError, match="thing.db"):
        import_agentfarm(path, store)
    assert store.list_runs() == []
    store.close()
    if before is not None:
        assert sha256_of(path) == before


def test_type_names_of_older_versions_are_normalised(tmp_path):
    path = tmp_path / "old_names.db"
    write_database(path, steps=10, agents=9, nodes=4)
    con = sqlite3.connect(path)
    con.execute("UPDATE agents SET agent_type = 'SystemAgent' WHERE agent_type = 'system'")
    con.execute("UPDATE simulation_steps SET agent_type_counts = replace(agent_type_counts, '\"system\"', "
                "'\"SystemAgent\"')")
    con.commit()
    con.close()
    store = open_store(tmp_path / "ws.db")
    (result,) = import_agentfarm(path, store).results
    m = store.metrics(result.run_id)
    assert m["alive_system"][0] == 3
    agents = store.agents_frame(result.run_id)
    assert (agents.agent_type == "system").sum() >= 3
    assert set(agents.agent_type) <= set(AGENT_TYPES)
    store.close()


def test_without_adbc_the_sqlite3_path_gives_the_same_run(sample, tmp_path, monkeypatch):
    from farm_gui.agentfarm.reader import AgentFarmFile

    store = open_store(tmp_path / "ws.db")
    with_arrow = import_agentfarm(sample, store).run_ids[0]
    monkeypatch.setattr(AgentFarmFile, "_fetch_arrow", lambda self, sql, args: None)
    without = import_agentfarm(sample, store).run_ids[0]
    a, b = store.metrics(with_arrow), store.metrics(without)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])
    assert store.action_counts_frame(with_arrow).equals(store.action_counts_frame(without))
    for step in (0, 1, 30, 61):
        x, y = store.world_state(with_arrow, step), store.world_state(without, step)
        for key in x:
            np.testing.assert_array_equal(x[key], y[key])
    store.close()


def test_an_imported_run_cannot_be_recorded_into_again(imported):
    store, report, _, _ = imported
    with pytest.raises(StoreError, match="cannot be resumed or re-run"):
        store.writer(report.run_ids[0])


def test_an_imported_run_ran_when_agentfarm_ran_it(imported):
    """Started, Duration and Steps/s of an imported run are the source simulation's (its
    start and end time in the simulations table, UTC), not the import's few tenths of a second."""
    from datetime import UTC, datetime

    store, report, sample, _before = imported
    (run_id,) = report.run_ids
    info = store.get_run(run_id)
    (start, end), = source_rows(sample, "SELECT start_time, end_time FROM simulations")
    assert info.started_at == datetime.fromisoformat(start).replace(tzinfo=UTC)
    assert info.finished_at == datetime.fromisoformat(end).replace(tzinfo=UTC)
    assert info.duration_s == pytest.approx(66.79, abs=0.01)
    assert info.steps_per_s == pytest.approx(61 / 66.79, rel=1e-3)
    assert info.created_at > info.finished_at  # imported today, run in November


def test_without_recorded_times_an_import_keeps_its_own(tmp_path):
    path = tmp_path / "untimed.db"
    write_database(path, steps=10, agents=6, nodes=3,
                   drop_columns={"simulations": ("start_time", "end_time")})
    store = open_store(tmp_path / "ws.db")
    (result,) = import_agentfarm(path, store).results
    info = store.get_run(result.run_id)
    assert info.started_at is not None and info.finished_at >= info.started_at >= info.created_at
    store.close()
