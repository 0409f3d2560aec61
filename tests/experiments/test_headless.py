"""farm_gui.core.headless.run_engine: metrics, snapshots, events, stop, failure."""

from __future__ import annotations

import dataclasses

import numpy as np

from farm_gui.core.headless import run_engine
from farm_gui.core.registry import get_model
from farm_gui.experiments.spec import StopSpec

from . import toy_model


def test_runs_the_steps_and_keeps_snapshots():
    spec = toy_model.SPEC
    params = spec.preset("tiny")
    result = run_engine(spec, params, seed=5, steps=10, keep_every=4)
    assert result.status == "finished" and result.error is None
    assert result.steps_done == 10
    assert list(result.metrics["step"]) == list(range(10))
    assert result.metrics["far"].dtype == np.int64 and result.metrics["mean_distance"].dtype == np.float64
    assert [s for s, _ in result.snapshots] == [0, 4, 8, 10]
    assert result.snapshots[0][1]["walkers"]["x"].shape == (5,)
    again = run_engine(spec, params, seed=5, steps=10)
    assert np.array_equal(again.metrics["mean_distance"], result.metrics["mean_distance"])
    assert again.snapshots == []
    other = run_engine(spec, params, seed=6, steps=10)
    assert not np.array_equal(other.metrics["mean_distance"], result.metrics["mean_distance"])


def test_a_failing_engine_gives_a_failed_result_with_the_steps_done():
    spec = toy_model.SPEC
    params = spec.parameters(fail_at=7, simulation_steps=50)
    result = run_engine(spec, params, seed=1, steps=50)
    assert result.status == "failed"
    assert "toy failure at step 7" in result.error and "RuntimeError" in result.error
    assert result.steps_done == 6


def test_stop_condition_ends_the_run_early():
    spec = toy_model.SPEC
    params = spec.parameters(simulation_steps=500, step_size=1.0)
    result = run_engine(
        spec, params, seed=2, steps=500, stop=StopSpec(metric="mean_distance", op=">=", value=3)
    )
    assert result.status == "finished"
    assert 1 <= result.steps_done < 500
    assert result.metrics["mean_distance"][-1] >= 3 and (result.metrics["mean_distance"][:-1] < 3).all()


def test_cancel_stops_the_run():
    spec = toy_model.SPEC
    params = spec.parameters(simulation_steps=10_000, step_sleep=0.01)
    result = run_engine(spec, params, seed=2, steps=10_000, cancelled=lambda: True)
    assert result.status == "stopped" and 0 < result.steps_done < 100


def test_foraging_events_and_layers():
    spec = get_model("foraging")
    params = spec.preset("default").model_copy(update={"simulation_steps": 30})
    result = run_engine(spec, params, seed=3, steps=30, keep_every=10)
    assert result.steps_done == 30 and result.status == "finished"
    assert len(result.births["agent_id"]) >= params.system_agents  # the initial agents at least
    assert set(result.deaths) == {"agent_id", "death_step", "cause"}
    assert [s for s, _ in result.snapshots] == [0, 10, 20, 30]
    assert set(result.snapshots[-1][1]) == {"resources", "agents"}


def test_an_engine_that_steps_in_blocks_gives_the_same_run():
    """The foraging engine offers step_many: run_engine then steps in blocks (ending at the
    kept worlds) unless a stop condition must see every step; both ways give one run."""
    spec = get_model("foraging")
    params = spec.preset("default").model_copy(update={"simulation_steps": 3000})
    blocks = run_engine(spec, params, seed=4, steps=3000, keep_every=70)
    steps = run_engine(spec, params, seed=4, steps=3000, keep_every=70,
                       stop=StopSpec(metric="alive", op="<", value=-1))  # never true: one step at a time
    assert blocks.status == steps.status == "finished" and blocks.steps_done == 3000
    assert blocks.metrics.keys() == steps.metrics.keys()
    for name, values in steps.metrics.items():
        np.testing.assert_array_equal(blocks.metrics[name], values, err_msg=name)
        assert blocks.metrics[name].dtype == values.dtype
    assert [s for s, _ in blocks.snapshots] == [s for s, _ in steps.snapshots] == [*range(0, 3000, 70), 3000]
    for (_, a), (_, b) in zip(blocks.snapshots, steps.snapshots, strict=True):
        for layer in b:
            for key in b[layer]:
                np.testing.assert_array_equal(a[layer][key], b[layer][key])
    for got, expected in ((blocks.births, steps.births), (blocks.deaths, steps.deaths)):
        for key in expected:
            np.testing.assert_array_equal(got[key], expected[key])


def test_a_block_with_a_bad_value_fails_the_run_naming_the_metric():
    spec = toy_model.SPEC

    class Blocky(toy_model.ToyEngine):
        def step_many(self, max_steps):
            rows = [[float(v) for v in self.step().values()] for _ in range(max_steps)]
            if self.step_index >= 5:
                rows[-1][spec.metric_names.index("mean_distance")] = float("nan")
            return np.array(rows)

    blocky = dataclasses.replace(spec, create_engine=lambda params, seed: Blocky(params, seed))
    result = run_engine(blocky, spec.preset("tiny"), seed=1, steps=10)
    assert result.status == "failed" and "mean_distance" in result.error
    assert result.steps_done < 10


def test_a_block_of_the_wrong_shape_fails_the_run_saying_so():
    spec = toy_model.SPEC

    class TooMany(toy_model.ToyEngine):
        def step_many(self, max_steps):  # one step more than asked for
            return np.array([[float(v) for v in self.step().values()] for _ in range(max_steps + 1)])

    result = run_engine(dataclasses.replace(spec, create_engine=lambda p, seed: TooMany(p, seed)),
                        spec.preset("tiny"), seed=1, steps=10)
    assert result.status == "failed" and "step_many(1) returned an array of shape (2, 2)" in result.error
