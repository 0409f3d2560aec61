"""The experiment spec (field-level errors, exit 2 naming the field), designs and seeds."""

from __future__ import annotations

import numpy as np
import pytest

from farm_gui import cli
from farm_gui.experiments.designs import design_points, run_seeds
from farm_gui.experiments.plan import build_plan
from farm_gui.experiments.spec import SpecError, spec_from_text

from . import toy_model

GRID = f"""
model: {toy_model.NAME}
preset: tiny
factors:
  step_size: {{values: [0.5, 1.0, 2.0]}}
  n_walkers: {{range: [10, 30, 10]}}
replications: 4
steps: 12
seed: 42
"""


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ("factors: {nope: {values: [1]}}", "factors.nope", "not a parameter"),
        ("factors: {step_sise: {values: [1]}}", "factors.step_sise", "did you mean step_size?"),
        ("factors: {step_size: {values: [-1]}}", "factors.step_size", "greater than 0"),
        (
            "factors: {step_size: {values: [1]}}\nreplications: 0",
            "replications",
            "greater than or equal to 1",
        ),
        ("design: lhs\nfactors: {step_size: {uniform: [0.1, 1]}}", "samples", "required"),
        ("design: sobol\nsamples: 12\nfactors: {step_size: {uniform: [0.1, 1]}}", "samples", "power of 2"),
        ("factors: {step_size: {uniform: [0.1, 1]}}", "factors.step_size", "sampled design"),
        ("factors: {step_size: {range: [1, 0, 1]}}", "factors.step_size.range", "below start"),
        (
            "factors: {step_size: {loguniform: [0, 1]}}\ndesign: lhs\nsamples: 4",
            "factors.step_size.loguniform",
            "low > 0",
        ),
        ("factors: {step_size: {values: [1], uniform: [0, 1]}}", "factors.step_size", "exactly one"),
        ("stop: {metric: nope, value: 1}", "stop.metric", "no metric"),
        ("base: {n_walkers: 0}", "base.n_walkers", "greater than or equal to 1"),
        ("steps: 0", "steps", "greater than or equal to 1"),
        ("desing: grid", "desing", "unknown key"),
        ("factors: {seed: {values: [1, 2]}}", "factors.seed", "not a factor"),
        ("preset: huge", "preset", "no preset"),
    ],
)
def test_bad_spec_names_the_field(text, field, words):
    with pytest.raises(SpecError) as err:
        spec_from_text(f"model: {toy_model.NAME}\n{text}")
    assert any(path == field and words in msg for path, msg in err.value.problems), err.value.problems


def test_unknown_model_is_named():
    with pytest.raises(SpecError) as err:
        spec_from_text("model: no_such_model")
    assert err.value.problems[0][0] == "model"


def test_cli_bad_spec_exits_2_naming_the_field(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    spec = tmp_path / "bad.yaml"
    spec.write_text("model: foraging\nfactors:\n  base_consumption_rate: {values: [-3]}\nsteps: 5\n")
    db = tmp_path / "x.db"
    assert cli.main(["experiment", "run", str(spec), "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "factors.base_consumption_rate" in err and "bad.yaml" in err
    assert not db.exists()  # nothing created for a bad spec


def test_cli_unreadable_spec_exits_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    spec = tmp_path / "broken.yaml"
    spec.write_text("factors: [unclosed\n")
    assert cli.main(["experiment", "run", str(spec), "--db", str(tmp_path / "x.db")]) == 2
    assert "not valid YAML" in capsys.readouterr().err


def test_grid_is_the_full_product_with_distinct_reproducible_seeds():
    plan = build_plan(spec_from_text(GRID))
    assert plan.n_runs == 3 * 3 * 4
    combos = {(t.factors["step_size"], t.factors["n_walkers"]) for t in plan.tasks}
    assert combos == {(s, n) for s in (0.5, 1.0, 2.0) for n in (10, 20, 30)}
    seeds = [t.seed for t in plan.tasks]
    assert len(set(seeds)) == len(seeds)
    assert all(0 <= s < 2**63 for s in seeds)
    again = build_plan(spec_from_text(GRID))
    assert [t.seed for t in again.tasks] == seeds
    assert [t.params for t in again.tasks] == [t.params for t in plan.tasks]
    # the params carry the factor values, the run's seed and the steps
    t = plan.tasks[5]
    assert t.params["step_size"] == t.factors["step_size"] and t.params["n_walkers"] == t.factors["n_walkers"]
    assert t.params["seed"] == t.seed and t.steps == 12 and t.params["simulation_steps"] == 12
    assert (t.index, t.point, t.replicate) == (5, 1, 1)
    other = build_plan(spec_from_text(GRID.replace("seed: 42", "seed: 43")))
    assert not set(seeds) & {t.seed for t in other.tasks}


def test_seeds_come_from_seed_sequence_spawn():
    expected = [
        int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
        for c in np.random.SeedSequence(7).spawn(5)
    ]
    assert run_seeds(7, 5) == expected


def test_lhs_stays_in_bounds_and_stratifies():
    spec = spec_from_text(f"""
model: {toy_model.NAME}
design: lhs
samples: 20
factors:
  step_size: {{uniform: [0.5, 1.5]}}
  n_walkers: {{integer: [5, 8]}}
  fail_at: {{values: [0, 100]}}
seed: 3
""")
    points = design_points(spec)
    assert len(points) == 20
    sizes = np.array([p["step_size"] for p in points])
    assert sizes.min() >= 0.5 and sizes.max() < 1.5
    # Latin hypercube: exactly one point in each of the 20 equal strata
    assert sorted(np.floor((sizes - 0.5) / 1.0 * 20).astype(int)) == list(range(20))
    assert {p["n_walkers"] for p in points} == {5, 6, 7, 8}
    assert {p["fail_at"] for p in points} == {0, 100}
    assert design_points(spec) == points


def test_sobol_follows_saltelli_and_maps_loguniform():
    spec = spec_from_text(f"""
model: {toy_model.NAME}
design: sobol
samples: 16
factors:
  step_size: {{loguniform: [0.01, 10]}}
  n_walkers: {{integer: [1, 100]}}
replications: 2
""")
    plan = build_plan(spec)
    assert len(plan.points) == 16 * (2 + 2) and plan.n_runs == 2 * 64
    sizes = np.array([p["step_size"] for p in plan.points])
    assert sizes.min() >= 0.01 and sizes.max() <= 10
    # log-uniform: about as many below 0.1 as between 1 and 10 (each a third of the log range)
    assert abs(np.mean(sizes < 0.1) - np.mean(sizes > 1)) < 0.2
    assert len({t.seed for t in plan.tasks}) == plan.n_runs
    second = build_plan(
        spec_from_text(
            f"model: {toy_model.NAME}\ndesign: sobol\nsamples: 16\nsecond_order: true\n"
            "factors: {step_size: {uniform: [0.5, 1]}, n_walkers: {integer: [1, 9]}}"
        )
    )
    assert len(second.points) == 16 * (2 * 2 + 2)


def test_range_includes_stop_and_rounds():
    spec = spec_from_text(f"model: {toy_model.NAME}\nfactors: {{step_size: {{range: [0.1, 0.5, 0.1]}}}}")
    assert [p["step_size"] for p in design_points(spec)] == [0.1, 0.2, 0.3, 0.4, 0.5]


def test_a_factor_value_the_whole_model_rejects_is_told_in_one_sentence():
    """A check of the parameters together (the foraging ecology's initial agents against its
    population cap) has no field of its own: its sentence follows the value, with no empty
    field name (": :") before it."""
    with pytest.raises(SpecError) as err:
        spec_from_text("model: foraging\nfactors: {max_population: {values: [10, 300]}}")
    ((path, msg),) = err.value.problems
    assert path == "factors.max_population"
    assert msg.startswith("value 10: the initial agents (30 in all) exceed the population cap"), msg
    assert ": :" not in msg
