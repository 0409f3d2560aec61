"""Models as plug-ins from the command line: the example plug-in (examples/random_walk_plugin,
installed by the Makefile) is listed, runs, is stored, shown and exported; broken plug-ins
are reported by name and reason while the others keep working; an engine that raises or
hands out wrong arrays fails its run with a clear message and keeps its stored steps."""

import json
import sqlite3
from dataclasses import replace
from importlib.metadata import EntryPoint

import numpy as np
import pandas as pd
import pytest
from farm_gui_random_walk import SPEC as WALK
from farm_gui_random_walk import RandomWalk

from farm_gui.core import registry
from farm_gui.runtime.session import RunSession
from farm_gui.store import open_store

from .conftest import run_cli


def test_models_lists_the_example_plugin_with_its_parameters_and_metrics(capsys):
    assert run_cli("models", "--json") == 0
    listed = {m["name"]: m for m in json.loads(capsys.readouterr().out)}
    walk = listed["random_walk"]
    assert walk["version"] == "0.1.0"
    assert walk["metrics"] == ["red", "blue", "mean_distance", "visited_share"]
    params = {p["name"]: p for p in walk["parameters"]}
    assert params["walkers"]["default"] == 200 and params["walkers"]["group"] == "World"
    assert (params["red_share"]["minimum"], params["red_share"]["maximum"]) == (0.0, 1.0)
    assert walk["presets"] == ["default", "crowd", "turnover"]
    assert [layer["name"] for layer in walk["layers"]] == ["visits", "walkers"]
    assert "foraging" in listed and list(listed)[0] == "foraging"


def test_a_plugin_model_runs_is_stored_shown_and_exported(tmp_path, capsys):
    db = tmp_path / "runs.db"
    assert run_cli("run", "--model", "random_walk", "--preset", "turnover", "--steps", 50, "--seed", 1,
                   "--set", "walkers=30", "--db", db, "--quiet") == 0
    run_id = capsys.readouterr().out.strip()
    assert run_cli("show", run_id, "--db", db) == 0
    shown = capsys.readouterr().out
    assert "random_walk (version 0.1.0)" in shown and "walkers: 30" in shown
    # the last step's values of the model's own metrics (red + blue walkers = 30)
    last = next(line for line in shown.splitlines() if line.strip().startswith("last step"))
    values = dict(part.split() for part in last.split(None, 2)[2].split(", "))
    assert int(values["red"]) + int(values["blue"]) == 30, last
    assert run_cli("runs", "--db", db) == 0
    assert "random_walk" in capsys.readouterr().out
    # the per-model table, as a researcher reads it
    frame = pd.read_sql("SELECT * FROM metrics_random_walk", f"sqlite:///{db}")
    assert list(frame.columns) == ["run_id", "step", "red", "blue", "mean_distance", "visited_share"]
    assert len(frame) == 50 and (frame["red"] + frame["blue"] == 30).all()
    out = tmp_path / "out"
    assert run_cli("export", run_id, "--format", "csv", "--out", out, "--db", db) == 0
    metrics = pd.read_csv(next(out.glob("*_metrics.csv")))
    assert list(metrics.columns) == ["run_id", "step", "red", "blue", "mean_distance", "visited_share"]
    assert list(metrics["step"]) == list(range(50))
    walkers = pd.read_csv(next(out.glob("*_layer_walkers.csv")))
    assert set(walkers["category"]) <= {"red", "blue"}
    assert sorted(set(walkers["step"])) == list(range(0, 51, 10))
    visits = pd.read_csv(next(out.glob("*_layer_visits.csv")))
    assert len(visits) == 6 * 40 * 30
    meta = json.loads(next(out.glob("*_metadata.json")).read_text())
    assert meta["run"]["model"] == "random_walk" and meta["config"]["walkers"] == 30


def test_the_progress_line_shows_the_models_first_metric(tmp_path, capsys):
    db = tmp_path / "runs.db"
    assert run_cli("run", "--model", "random_walk", "--steps", 20, "--set", "walkers=30", "--db", db) == 0
    final = capsys.readouterr().err.strip().splitlines()[-1]
    assert "20/20 steps" in final and "alive" not in final
    red = int(final.split(" red ")[1].split()[0])
    assert 0 <= red <= 30, final


def test_a_run_its_model_ended_says_so(tmp_path, capsys):
    """A Schelling run that settles after a few steps left the progress bar at a few percent
    with no word why; it says the model ended it, and at which values. A run that goes to
    its last step says nothing more."""
    db = tmp_path / "runs.db"
    assert run_cli("run", "--model", "schelling", "--steps", 500, "--db", db) == 0
    out = capsys.readouterr()
    run_id = int(out.out.strip())
    with open_store(db) as store:
        info = store.get_run(run_id)
    assert info.status == "finished" and info.steps_done < 500
    assert (f"run {run_id} ended itself after {info.steps_done} of 500 steps" in out.err
            and "happy_share 1" in out.err), out.err
    assert run_cli("run", "--model", "schelling", "--steps", 3, "--db", db, "--quiet") == 0
    assert "ended itself" not in capsys.readouterr().err


def test_a_config_file_names_its_model_and_bad_input_is_refused(tmp_path, capsys):
    db = tmp_path / "runs.db"
    config = tmp_path / "walk.yaml"
    config.write_text("model: random_walk\nwalkers: 12\nsimulation_steps: 4\n")
    assert run_cli("run", "--config", config, "--db", db, "--quiet") == 0
    with open_store(db) as store:
        (info,) = store.list_runs()
        assert (info.model, store.run_parameters(info.id).walkers, info.steps_done) == ("random_walk", 12, 4)
    capsys.readouterr()
    assert run_cli("run", "--model", "nope", "--db", db) == 2
    assert "unknown model 'nope'; available: foraging" in capsys.readouterr().err
    assert run_cli("run", "--model", "random_walk", "--set", "walkers=many", "--db", db) == 2
    assert "walkers" in capsys.readouterr().err
    assert run_cli("run", "--model", "random_walk", "--set", "speed=3", "--db", db) == 2
    assert "speed: unknown setting" in capsys.readouterr().err
    with open_store(db) as store:
        assert len(store.list_runs()) == 1


def _entry_points_with(extra):
    real = registry.entry_points

    def fake(group=None, **kw):
        return [*real(group=group, **kw), *extra]

    return fake


def test_broken_plugins_are_reported_by_name_and_the_others_still_work(monkeypatch, tmp_path, capsys):
    broken = [EntryPoint("missing_mod", "no_such_package_xyz:SPEC", registry.GROUP),
              EntryPoint("not_a_spec", "json:dumps", registry.GROUP),
              EntryPoint("invalid", "tests.cli.test_model_plugins:INVALID", registry.GROUP)]
    monkeypatch.setattr(registry, "entry_points", _entry_points_with(broken))
    registry.reload()
    try:
        assert run_cli("models", "--json") == 0
        captured = capsys.readouterr()
        names = [m["name"] for m in json.loads(captured.out)]
        assert "random_walk" in names and "foraging" in names
        assert not {"missing_mod", "not_a_spec", "invalid"} & set(names)
        assert "'missing_mod'" in captured.err and "No module named 'no_such_package_xyz'" in captured.err
        assert "'invalid'" in captured.err and "declares no metrics" in captured.err
        assert "'not_a_spec'" in captured.err
        db = tmp_path / "runs.db"
        assert run_cli("run", "--model", "invalid", "--db", db) == 2
        assert "model 'invalid' is not available" in capsys.readouterr().err
        assert run_cli("run", "--model", "random_walk", "--steps", 3, "--db", db, "--quiet") == 0
    finally:
        monkeypatch.undo()
        registry.reload()


INVALID = replace(WALK, name="invalid", metrics=())


class _Failing(RandomWalk):
    fail_at = 7

    def step(self):
        if self.step_index == self.fail_at:
            raise ZeroDivisionError("the walkers fell off the torus")
        return super().step()


class _BadLayer(RandomWalk):
    def layers(self):
        out = super().layers()
        if self.step_index >= 10:  # the first snapshots are right
            out["walkers"]["category"] = out["walkers"]["category"][:-1]
        return out


@pytest.mark.parametrize("engine, steps, message", [
    (_Failing, 7, "model 'failing': step 8 raised ZeroDivisionError: the walkers fell off the torus"),
    (_BadLayer, 10, "model 'failing': layer 'walkers' field 'category' has 19 entries, x has 20"),
])
def test_an_engine_that_fails_fails_its_run_and_keeps_its_steps(tmp_path, engine, steps, message):
    spec = replace(WALK, name="failing", create_engine=engine)
    registry.register(spec)
    try:
        with open_store(tmp_path / "runs.db") as store:
            params = spec.parameters(simulation_steps=30, walkers=20, snapshot_every=10)
            run_id = store.create_run(params, model="failing")
            assert RunSession(store, run_id, params).run() == "failed"
            info = store.get_run(run_id)
            assert (info.status, info.error) == ("failed", message)
            assert info.steps_done == steps
            assert list(store.metrics(run_id)["step"]) == list(range(steps))
        con = sqlite3.connect(tmp_path / "runs.db")
        assert con.execute("SELECT count(*) FROM metrics_failing").fetchone()[0] == steps
        con.close()
    finally:
        registry.unregister("failing")


def test_the_run_loop_honours_stop_and_reports_each_step_with_its_number(tmp_path):
    registry.register(replace(WALK, name="walk2"))
    try:
        with open_store(tmp_path / "runs.db") as store:
            params = WALK.parameters(simulation_steps=1000, walkers=10, snapshot_every=0)
            run_id = store.create_run(params, model="walk2")
            seen = []
            session = RunSession(store, run_id, params)

            def on_step(metrics, engine):
                seen.append((metrics["step"], metrics["red"] + metrics["blue"]))
                if len(seen) == 25:
                    session.control.stop()

            session.on_step = on_step
            assert session.run() == "stopped"
            assert seen == [(k, 10) for k in range(25)]
            assert store.get_run(run_id).steps_done == 25
            assert store.checkpoint_steps(run_id) == [0, 25]
            assert np.array_equal(store.metrics(run_id)["step"], np.arange(25))
    finally:
        registry.unregister("walk2")


def test_a_plugin_run_resumes_and_forks_from_its_checkpoints_bit_identically(tmp_path, capsys):
    db = tmp_path / "runs.db"
    common = ("--model", "random_walk", "--preset", "turnover", "--seed", 4, "--db", db, "--quiet")
    assert run_cli("run", *common, "--steps", 40) == 0
    whole = int(capsys.readouterr().out)
    assert run_cli("run", *common, "--steps", 25) == 0
    short = int(capsys.readouterr().out)
    assert run_cli("resume", short, "--steps", 15, "--db", db) == 0
    capsys.readouterr()
    assert run_cli("fork", whole, "--at", 40, "--set", "simulation_steps=50", "--db", db) == 0
    fork = int(capsys.readouterr().out.strip().splitlines()[-1])
    with open_store(db) as store:
        a, b = store.metrics(whole), store.metrics(short)
        for name in a:
            np.testing.assert_array_equal(a[name], b[name])
        assert store.get_run(short).steps_done == 40
        forked = store.metrics(fork)
        assert list(forked["step"]) == list(range(40, 50))
        assert store.get_run(fork).parent_run == whole
        assert list(store.snapshot_steps(short)) == list(store.snapshot_steps(whole))


def test_a_mistyped_parameter_is_named_with_the_nearest_real_one(tmp_path, capsys):
    db = tmp_path / "runs.db"
    assert run_cli("run", "--set", "base_consumption_rat=0.3", "--db", db) == 2
    assert "base_consumption_rat: unknown setting (not a parameter of this model; did you mean " \
           "base_consumption_rate?)" in capsys.readouterr().err
    config = tmp_path / "typo.yaml"
    config.write_text("model: schelling\ndensty: 0.5\n")
    assert run_cli("run", "--config", config, "--db", db) == 2
    err = capsys.readouterr().err
    assert "densty: unknown key (not a parameter of this model; did you mean density?)" in err
    assert run_cli("run", "--model", "schelling", "--set", "zzz=1", "--db", db) == 2
    assert "zzz: unknown setting (not a parameter of this model)" in capsys.readouterr().err


def test_the_built_in_models_are_found_without_farm_guis_metadata(monkeypatch):
    """A source tree on sys.path without `pip install`, or a frozen build that left the
    package metadata out (the packaged build once did, and started with no model)."""
    from importlib.metadata import PackageNotFoundError

    def no_distribution(name):
        raise PackageNotFoundError(name)

    monkeypatch.setattr(registry, "entry_points", lambda group: [])
    monkeypatch.setattr(registry, "distribution", no_distribution)
    registry.reload()
    try:
        found = registry.models()
        assert {"foraging", "wolf_sheep", "schelling", "boltzmann_wealth"} <= set(found)
        assert next(iter(found)) == "foraging" and not registry.broken_models()
        assert registry.get_model("wolf_sheep").title == "Wolf-sheep predation"
    finally:
        monkeypatch.undo()
        registry.reload()
    assert "random_walk" in registry.models()  # the installed plug-in again, once metadata is back


def test_a_misspelt_model_gets_the_model_it_was_meant_to_be(tmp_path, capsys):
    assert run_cli("run", "--model", "wolfsheep", "--db", tmp_path / "w.db", "--quiet") == 2
    assert "unknown model 'wolfsheep' (did you mean wolf_sheep?); available: " in capsys.readouterr().err
