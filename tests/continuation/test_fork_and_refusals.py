"""Fork from a checkpoint (unchanged settings give the parent's run from the fork step
on; changed ones a different run with its lineage recorded) and the refusals of resume
and fork: no checkpoint at that step, a damaged checkpoint, one of a newer format."""

from __future__ import annotations

import json
import sqlite3
import struct

import pytest

from farm_gui.store import open_store

from .support import assert_same, cli, run_stopped_at, run_whole, small_config, stored_run

N = 60


@pytest.fixture(scope="module")
def parent(tmp_path_factory):
    db = tmp_path_factory.mktemp("fork") / "w.db"
    run_id = run_whole(db, small_config(N))
    return db, run_id


def test_a_fork_with_unchanged_settings_equals_its_parent_from_the_fork_step_on(parent):
    db, run_id = parent
    done = cli("fork", str(run_id), "--at", "20", "--name", "same", "--db", str(db), "--quiet")
    assert done.returncode == 0, done.stderr
    fork_id = int(done.stdout.strip())
    theirs, ours = stored_run(db, run_id, from_step=20), stored_run(db, fork_id, from_step=20)
    assert len(ours["metric_rows"]) == N - 20 and ours["metric_rows"][0][0] == 20
    assert_same(theirs, ours, skip=("snapshot_steps", "worlds", "checkpoint_steps"))
    # the fork also keeps the world it started from
    assert ours["snapshot_steps"] == [20, *theirs["snapshot_steps"]]
    for step in theirs["snapshot_steps"]:
        assert ours["worlds"][step] == theirs["worlds"][step], step
    with open_store(db, readonly=True) as store:
        assert store.lineage(fork_id) == (run_id, 20)
        assert store.checkpoint_steps(fork_id)[0] == 20


def test_a_fork_with_changed_settings_records_its_lineage(parent):
    db, run_id = parent
    done = cli("fork", str(run_id), "--at", "40", "--set", "base_consumption_rate=0.5",
               "--set", "action_weights.move=0.9", "--db", str(db), "--quiet")
    assert done.returncode == 0, done.stderr
    fork_id = int(done.stdout.strip())
    with open_store(db, readonly=True) as store:
        config = store.run_config(fork_id)
        assert config.base_consumption_rate == 0.5 and config.action_weights.move == 0.9
        theirs, ours = store.metrics(run_id, start=40), store.metrics(fork_id)
    assert ours["step"][0] == 40
    assert not (ours["resources_consumed"] == theirs["resources_consumed"]).all()
    listed = json.loads(cli("runs", "--json", "--db", str(db)).stdout)
    by_id = {r["id"]: r for r in listed}
    assert (by_id[fork_id]["parent_run"], by_id[fork_id]["parent_step"]) == (run_id, 40)
    assert (by_id[run_id]["parent_run"], by_id[run_id]["parent_step"]) == (None, None)
    shown = cli("show", str(fork_id), "--db", str(db)).stdout
    assert f"forked from run {run_id} at step 40" in shown
    out = db.parent / "out"
    exported = cli("export", str(fork_id), "--format", "csv", "--out", str(out), "--db", str(db))
    assert exported.returncode == 0, exported.stderr
    meta = json.loads(next(out.glob("*_metadata.json")).read_text())
    assert (meta["run"]["parent_run"], meta["run"]["parent_step"]) == (run_id, 40)


def test_fork_at_a_step_without_checkpoint_names_the_nearest(parent):
    db, run_id = parent
    before = len(json.loads(cli("runs", "--json", "--db", str(db)).stdout))
    done = cli("fork", str(run_id), "--at", "25", "--db", str(db))
    assert done.returncode == 2
    assert "no checkpoint at step 25" in done.stderr and "20, 40" in done.stderr
    bad_setting = cli("fork", str(run_id), "--at", "20", "--set", "width=50", "--db", str(db))
    assert bad_setting.returncode == 2 and "size" in bad_setting.stderr
    unknown = cli("fork", str(run_id), "--at", "20", "--set", "no_such=1", "--db", str(db))
    assert unknown.returncode == 2 and "no_such" in unknown.stderr
    assert len(json.loads(cli("runs", "--json", "--db", str(db)).stdout)) == before


def _everything(db) -> list:
    con = sqlite3.connect(db)
    try:
        return [con.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
                for t in ("runs", "step_metrics", "metric_chunks", "agents", "action_counts",
                          "agent_snapshots", "node_snapshots", "checkpoints")]
    finally:
        con.close()


@pytest.mark.parametrize("damage", ["newer column", "newer blob", "flipped byte", "truncated"])
def test_a_damaged_or_newer_checkpoint_is_refused_and_nothing_changes(tmp_path, damage):
    db = tmp_path / "w.db"
    run_id = run_stopped_at(db, small_config(N), 30)
    con = sqlite3.connect(db)
    (blob,) = con.execute("SELECT data FROM checkpoints WHERE run_id = ? AND step = 30", (run_id,)).fetchone()
    blob = bytearray(blob)
    if damage == "newer column":
        con.execute("UPDATE checkpoints SET format_version = 99 WHERE step = 30")
    else:
        if damage == "newer blob":
            struct.pack_into("<I", blob, 4, 99)
        elif damage == "flipped byte":
            blob[len(blob) // 2] ^= 0xFF
        else:
            blob = blob[: len(blob) - 100]
        con.execute("UPDATE checkpoints SET data = ? WHERE step = 30", (bytes(blob),))
    con.commit()
    con.close()
    before = _everything(db)
    done = cli("resume", str(run_id), "--db", str(db))
    assert done.returncode == 2
    expected = "newer" if damage.startswith("newer") else "damaged"
    assert expected in done.stderr and "step 30" in done.stderr, done.stderr
    forked = cli("fork", str(run_id), "--at", "30", "--db", str(db))
    assert forked.returncode == 2 and expected in forked.stderr
    assert _everything(db) == before


def test_forks_from_the_same_step_get_names_that_tell_them_apart(tmp_path):
    db = tmp_path / "w.db"
    run_id = run_whole(db, small_config(N))
    ids = [int(cli("fork", str(run_id), "--at", "20", "--db", str(db), "--quiet").stdout) for _ in range(3)]
    with open_store(db, readonly=True) as store:
        parent = store.get_run(run_id).name
        assert [store.get_run(i).name for i in ids] == [f"{parent} fork@20", f"{parent} fork@20 (2)",
                                                         f"{parent} fork@20 (3)"]


def test_a_settled_schelling_run_forks_with_a_setting_that_unsettles_it(tmp_path, capsys):
    # Every agent was happy at the last step (the run ended itself); the fork with a higher
    # homophily was refused because the saved state said "done" and "simulation_steps is
    # 1000" was named as the cause. The end state is judged again with the fork's settings.
    from farm_gui.cli import main

    db = str(tmp_path / "s.db")
    assert main(["run", "--model", "schelling", "--seed", "1", "--quiet", "--db", db]) == 0
    with open_store(db, readonly=True) as store:
        ended = store.get_run(1).steps_done
    assert ended < 1000
    capsys.readouterr()

    assert main(["fork", "1", "--at", str(ended), "--quiet", "--db", db]) == 2
    said = capsys.readouterr().err
    assert "end state" in said and "simulation_steps is" not in said
    assert main(["resume", "1", "--quiet", "--db", db]) == 2
    assert "ended itself" in capsys.readouterr().err

    assert main(["fork", "1", "--at", str(ended), "--set", "homophily=0.7", "--quiet", "--db", db]) == 0
    fork_id = int(capsys.readouterr().out.strip())
    with open_store(db, readonly=True) as store:
        fork = store.get_run(fork_id)
        metrics = store.metrics(fork_id)
    assert fork.status == "finished" and fork.steps_done > ended
    first = list(metrics["step"]).index(ended)  # the fork's first step
    assert metrics["moved"][first] > 0  # agents unhappy at 0.7 move at once


def test_a_run_of_a_model_without_a_population_continues_without_an_alive_count(tmp_path, capsys):
    """Resumed or forked, a Boltzmann wealth run (its model counts no population) read
    "Alive 0" in the run table until it ended: the checkpoint's missing count was stored
    as 0. A foraging run keeps its count."""
    from farm_gui.cli import main
    from farm_gui.runtime.continuation import prepare_fork, prepare_resume
    from farm_gui.store import open_store

    db = str(tmp_path / "w.db")
    assert main(["run", "--model", "boltzmann_wealth", "--steps", "40", "--quiet", "--db", db]) == 0
    assert main(["run", "--steps", "40", "--quiet", "--db", db]) == 0
    with open_store(db) as store:
        wealth, forage = sorted(r.id for r in store.list_runs())
        assert store.get_run(wealth).model == "boltzmann_wealth"
        prepare_resume(store, wealth, 10)
        assert store.get_run(wealth).last_alive is None
        fork = prepare_fork(store, wealth, 40)
        assert store.get_run(fork.run_id).last_alive is None
        prepare_resume(store, forage, 10)
        assert isinstance(store.get_run(forage).last_alive, int) and store.get_run(forage).last_alive > 0
