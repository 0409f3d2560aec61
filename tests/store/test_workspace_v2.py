"""A workspace written by the release before models became plug-ins opens with every run,
snapshot, event, checkpoint, imported run and analysis result intact, and a copy of it as it
was is kept before it is brought up to date.

tests/store/data/workspace_v2.db was written by that release's code (commit b18e617) with
its command line: runs 1-2 (`run --preset default --steps 60 --seed 7/8 --snapshot-every
10/20`; run 2 renamed and given notes), run 3 (`fork 1 --at 60 --set simulation_steps=90`),
run 4 (`import-agentfarm` of tests/fixtures/agentfarm/sample_60_steps.db), and the analyses
population (runs 1, 2), survival (run 1) and actions (run 3). The expected values are read
from the fixture with the sqlite3 module, not through the store.
"""

import json
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from farm_gui import cli
from farm_gui.store import open_store
from farm_gui.store.schema import SCHEMA_VERSION
from farm_gui.store.side_tables import read_extra_metrics, read_run_source

V2_WORKSPACE = Path(__file__).parent / "data" / "workspace_v2.db"


def _raw(sql: str, *args):
    con = sqlite3.connect(f"file:{V2_WORKSPACE}?mode=ro", uri=True)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    path = tmp_path / "old.db"
    shutil.copy(V2_WORKSPACE, path)
    return path


def test_every_run_opens_with_its_metrics_snapshots_events_and_checkpoints(workspace):
    with open_store(workspace) as store:
        runs = {r.id: r for r in store.list_runs()}
        assert {i: (r.name, r.status, r.steps_done, r.notes, r.parent_run, r.parent_step)
                for i, r in runs.items()} == {
            i: (name, status, done, notes, parent, pstep)
            for i, name, status, done, notes, parent, pstep in _raw(
                "SELECT id, name, status, steps_done, notes, parent_run, parent_step FROM runs")}
        assert runs[2].notes == "kept for the migration test" and runs[3].parent_run == 1
        for run_id in runs:
            metrics = store.metrics(run_id)
            columns = [row[1] for row in _raw("PRAGMA table_info(step_metrics)") if row[1] != "run_id"]
            rows = np.array(_raw(f"SELECT {', '.join(columns)} FROM step_metrics WHERE run_id=? "
                                 "ORDER BY step", run_id), dtype=float)
            # a fork stores its own steps only
            assert len(rows) == runs[run_id].steps_done - (runs[run_id].parent_step or 0)
            for j, name in enumerate(columns):
                np.testing.assert_array_equal(metrics[name].astype(float), rows[:, j], err_msg=name)
            steps = [s for (s,) in _raw("SELECT step FROM agent_snapshots WHERE run_id=? ORDER BY step",
                                        run_id)]
            assert list(store.snapshot_steps(run_id)) == steps
            for step, n_agents in _raw("SELECT step, n_agents FROM agent_snapshots WHERE run_id=?", run_id):
                assert store.world_state(run_id, step)["agent_id"].size == n_agents
            agents = store.agents_frame(run_id)
            assert len(agents) == _raw("SELECT count(*) FROM agents WHERE run_id=?", run_id)[0][0]
            assert store.checkpoint_steps(run_id) == [
                s for (s,) in _raw("SELECT step FROM checkpoints WHERE run_id=? ORDER BY step", run_id)]
        assert read_run_source(store, 4).kind == "agentfarm"
        extra = read_extra_metrics(store, 4)
        assert sum(len(v) for k, v in extra.items() if k != "step") == \
            _raw("SELECT count(*) FROM extra_metrics WHERE run_id=4")[0][0]


def test_every_analysis_result_is_kept(workspace):
    expected = {i: (module, json.loads(runs), payload) for i, module, runs, payload in _raw(
        "SELECT id, module, run_ids_json, payload_json FROM analyses")}
    assert sorted(m for m, _, _ in expected.values()) == ["actions", "population", "survival"]
    with open_store(workspace) as store:
        for info in store.list_analyses():
            module, run_ids, payload = expected.pop(info.id)
            assert (info.module, list(info.run_ids)) == (module, run_ids)
            assert store.load_analysis(info.id)[1] == payload
    assert expected == {}


def test_a_fork_from_an_old_checkpoint_continues_bit_for_bit(workspace, capsys):
    """Run 3 was forked from run 1 at step 60 by the old release; the same fork made now
    from the same stored checkpoint gives the same steps."""
    assert cli.main(["fork", "1", "--at", "60", "--set", "simulation_steps=90", "--quiet",
                     "--db", str(workspace)]) == 0
    new_id = int(capsys.readouterr().out.split()[-1])
    with open_store(workspace, readonly=True) as store:
        old, new = store.metrics(3), store.metrics(new_id)
    assert list(new["step"]) == list(old["step"])
    for name in old:
        np.testing.assert_array_equal(new[name], old[name], err_msg=name)


def test_a_copy_of_the_workspace_as_it_was_is_kept_when_it_is_brought_up_to_date(workspace):
    version = int(_raw("SELECT value FROM schema_info WHERE key='schema_version'")[0][0])
    with open_store(workspace) as store:
        backup = store.backup
    if version == SCHEMA_VERSION:
        assert backup is None  # nothing to migrate, nothing copied
        return
    assert backup == workspace.with_name(f"old.db.before-schema-{SCHEMA_VERSION}.bak")
    con = sqlite3.connect(backup)
    try:
        assert con.execute("SELECT value FROM schema_info WHERE key='schema_version'").fetchone()[0] == \
            str(version)
        assert con.execute("SELECT count(*), sum(steps_done) FROM runs").fetchone() == \
            tuple(_raw("SELECT count(*), sum(steps_done) FROM runs")[0])
    finally:
        con.close()
