"""The engine state and its blob: round trips exactly, and refuses what it cannot use."""

from __future__ import annotations

import numpy as np
import pytest

from farm_gui.sim import build_model, restore_model
from farm_gui.sim.state_io import StateError
from farm_gui.store.checkpoint_format import CheckpointFormatError, decode_state, encode_state

from .support import small_config


def _run(model, steps):
    return [model.step() for _ in range(steps) if not model.done]


def test_a_state_through_the_blob_continues_exactly_with_pending_events():
    config = small_config(80)
    whole = build_model(config)
    reference = _run(whole, 80)
    ref_births, ref_deaths = whole.drain_agent_events()
    model = build_model(config)
    _run(model, 33)  # events of steps 0..32 not drained: they travel in the state
    state = decode_state(encode_state(model.save_state()))
    assert state["birth_events"].shape[1] > 0
    restored = restore_model(config, state)
    assert _run(restored, 80) == reference[33:]
    births, deaths = restored.drain_agent_events()
    for key in births:
        assert np.array_equal(births[key], ref_births[key])
    for key in deaths:
        assert np.array_equal(deaths[key], ref_deaths[key])
    snap_a, snap_b = restored.snapshot(), whole.snapshot()
    for key in snap_a:
        assert np.array_equal(snap_a[key], snap_b[key])


def test_the_blob_keeps_dtypes_shapes_and_scalars():
    state = {"engine": "x", "state_version": 3, "ratio": 0.1 + 0.2, "u": np.array([2**64 - 1], np.uint64),
             "grid": np.arange(12, dtype=np.int64).reshape(3, 4), "empty": np.zeros((5, 0)), "flag": True}
    back = decode_state(encode_state(state))
    assert back["ratio"] == 0.1 + 0.2 and back["state_version"] == 3 and back["flag"] is True
    for key in ("u", "grid", "empty"):
        assert back[key].dtype == state[key].dtype and np.array_equal(back[key], state[key])
    with pytest.raises(CheckpointFormatError, match="damaged"):
        decode_state(b"not a checkpoint")


def test_restore_refuses_another_engine_a_newer_state_and_an_inconsistent_one():
    config = small_config()
    state = build_model(config).save_state()
    with pytest.raises(StateError, match="engine"):
        restore_model(config, {**state, "engine": "other"})
    with pytest.raises(StateError, match="newer"):
        restore_model(config, {**state, "state_version": 99})
    with pytest.raises(StateError, match="inconsistent"):
        restore_model(config, {**state, "istate": state["istate"][:, :3]})
    with pytest.raises(StateError, match="size"):
        restore_model(config.model_copy(update={"width": 50.0}), state)
