"""``ForagingModel.step_block`` makes the very steps ``step()`` makes one by one: the same
metrics, action counts, events and final state, also when the agent arrays and event
buffers must grow in the middle of a block."""

from __future__ import annotations

import numpy as np
import pytest

from farm_gui.config import preset
from farm_gui.sim import METRIC_NAMES, build_model
from farm_gui.sim.protocol import INTEGER_METRICS


def stepped_one_by_one(config):
    model = build_model(config)
    rows, actions = [], []
    while not model.done:
        rows.append(model.step())
        actions.append(model.action_counts())
    return model, rows, np.array(actions)


def stepped_in_blocks(config, sizes):
    model = build_model(config)
    blocks = []
    while not model.done:
        blocks.append(model.step_block(int(next(sizes))))
    return model, blocks


def assert_same_state(a, b):
    sa, sb = a.save_state(), b.save_state()
    assert sa.keys() == sb.keys()
    for key, value in sa.items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(value, sb[key], err_msg=key)
        else:
            assert value == sb[key], key
    for got, expected in zip(a.drain_agent_events(), b.drain_agent_events(), strict=True):
        for key in expected:
            np.testing.assert_array_equal(got[key], expected[key], err_msg=key)


def growing():
    # every agent may reproduce at every step: the population (and the arrays) keep growing
    return preset("default").model_copy(update={
        "simulation_steps": 120, "reproduction_chance": 1.0, "min_reproduction_resources": 0.0,
        "offspring_cost": 0.0, "max_population": 20_000, "seed": 11})


@pytest.mark.parametrize("config", [
    preset("default").model_copy(update={"simulation_steps": 600, "seed": 5}),
    growing(),
], ids=["default", "growing"])
def test_blocks_make_the_same_steps_as_single_steps(config):
    single, rows, actions = stepped_one_by_one(config)
    sizes = iter(np.random.default_rng(0).integers(1, 40, size=10_000))
    blocked, blocks = stepped_in_blocks(config, sizes)
    got = [row for block in blocks for row in block.rows()]
    assert got == rows  # values and types (counts are int)
    assert all(type(got[0][name]) is int for name in INTEGER_METRICS)
    np.testing.assert_array_equal(np.concatenate([b.actions for b in blocks]), actions)
    assert blocked.step_index == single.step_index and blocked.done
    np.testing.assert_array_equal(blocked.action_counts(), single.action_counts())
    assert_same_state(blocked, single)
    if config.max_population == 20_000:  # the arrays grew (the kernel stopped a block for it)
        fresh = build_model(config)
        assert blocked.agents.capacity > 4 * fresh.agents.capacity
        assert blocked.events.births.shape[1] > 4 * fresh.events.births.shape[1]


def test_a_block_stops_at_the_end_of_the_run_and_a_finished_model_refuses():
    model = build_model(preset("default").model_copy(update={"simulation_steps": 25}))
    block = model.step_block(1000)
    assert len(block) == 25 and model.done
    assert block.table.shape == (25, len(METRIC_NAMES))
    assert block.table[:, 0].tolist() == list(range(25))
    assert block.last_row() == list(block.rows())[-1]
    with pytest.raises(RuntimeError, match="finished"):
        model.step_block(1)
