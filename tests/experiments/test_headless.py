"""farm_gui.core.headless.run_engine: metrics, snapshots, events, stop, failure."""

from __future__ import annotations

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
