"""Saving and restoring the foraging engine's complete state (checkpoints).

A state is a flat dict of named NumPy arrays and scalars (int, float, str), the form
every engine provides for checkpoints (``store/checkpoint_format.py`` turns it into a
versioned blob). It holds everything a step reads or writes that outlives the step:

- the agent slots in use (``fstate``/``istate`` columns 0..n_slots-1, in this step's
  slot order) and the arrays' capacity,
- the resource nodes and their grid (``node_start``/``node_items``) and the grid
  geometry (cell side and counts, which also decide ties),
- the counters (slots, next agent id, step, pending event counts, alive),
- the random state: the kernel's SplitMix64 word (``rng_state``); nothing is drawn
  from numba's or NumPy's global generators, so this one word is all the randomness,
- births and deaths logged but not yet drained, and the event log's capacity,
- the last step's metrics and action counts.

Per-step scratch (the agent grid, shuffle buffers) is rebuilt by every step and not
saved. Restoring with another config (a fork) takes every parameter from that config;
the world's size cannot change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from farm_gui.config import RunConfig

from . import _layout as L
from .state import AgentArrays, EventLog, parameter_vector, type_weight_matrix

ENGINE = "foraging"
STATE_VERSION = 1

# name -> (dtype, number of rows or None for 1-D)
_ARRAYS: dict[str, tuple[str, int | None]] = {
    "fstate": ("float64", L.N_FLOAT_FIELDS),
    "istate": ("int64", L.N_INT_FIELDS),
    "nodes": ("float64", None),
    "node_start": ("int64", None),
    "node_items": ("int64", None),
    "counters": ("int64", None),
    "rng_state": ("uint64", None),
    "birth_events": ("int64", 5),
    "death_events": ("int64", 3),
    "metrics_i": ("int64", None),
    "metrics_f": ("float64", None),
    "actions": ("int64", None),
}


class StateError(ValueError):
    """A saved state that this engine cannot continue from (the message says why)."""


def save_foraging(model) -> dict[str, Any]:
    ag = model.agents
    n = ag.n_slots
    cnt = model._counters
    nb, nd = int(cnt[L.C_N_BIRTH_EVENTS]), int(cnt[L.C_N_DEATH_EVENTS])
    p = model._params
    return {
        "engine": ENGINE,
        "state_version": STATE_VERSION,
        "step_index": int(model.step_index),
        "alive": int(model._alive),
        "capacity": int(ag.capacity),
        "event_capacity": int(min(model.events.births.shape[1], model.events.deaths.shape[1])),
        "width": float(p[L.P_WIDTH]),
        "height": float(p[L.P_HEIGHT]),
        "cell": float(p[L.P_CELL]),
        "grid_nx": int(p[L.P_NX]),
        "grid_ny": int(p[L.P_NY]),
        "fstate": ag.fstate[:, :n].copy(),
        "istate": ag.istate[:, :n].copy(),
        "nodes": model._nodes.copy(),
        "node_start": model._node_start.copy(),
        "node_items": model._node_items.copy(),
        "counters": cnt.copy(),
        "rng_state": model._rng_state.copy(),
        "birth_events": model.events.births[:, :nb].copy(),
        "death_events": model.events.deaths[:, :nd].copy(),
        "metrics_i": model._metrics_i.copy(),
        "metrics_f": model._metrics_f.copy(),
        "actions": model._actions.copy(),
    }


def _array(state: Mapping[str, Any], name: str) -> np.ndarray:
    dtype, rows = _ARRAYS[name]
    value = state.get(name)
    if not isinstance(value, np.ndarray):
        raise StateError(f"the saved state has no array {name!r}")
    if value.dtype != np.dtype(dtype) or (rows is not None and (value.ndim != 2 or value.shape[0] != rows)):
        raise StateError(f"the saved state's {name!r} is {value.dtype}{list(value.shape)}, "
                         f"expected {dtype} with {rows or 'any'} rows")
    return value


def _scalar(state: Mapping[str, Any], name: str, kind: type) -> Any:
    value = state.get(name)
    if isinstance(value, np.generic):
        value = value.item()
    if not isinstance(value, kind) or isinstance(value, bool):
        raise StateError(f"the saved state's {name!r} is missing or not {kind.__name__}")
    return value


def restore_foraging(cls, config: RunConfig, state: Mapping[str, Any]):
    engine = state.get("engine")
    if engine != ENGINE:
        raise StateError(f"the saved state belongs to the {engine!r} engine, not {ENGINE!r}")
    version = _scalar(state, "state_version", int)
    if version > STATE_VERSION:
        raise StateError(f"the saved state has version {version}, newer than this Farm GUI reads "
                         f"({STATE_VERSION}); update Farm GUI to continue it")
    arrays = {name: _array(state, name) for name in _ARRAYS}
    width, height = _scalar(state, "width", float), _scalar(state, "height", float)
    if (width, height) != (float(config.width), float(config.height)):
        raise StateError(f"the world is {width:g} x {height:g}; a continued run cannot change its size "
                         f"(width/height {config.width:g} x {config.height:g})")
    cnt = arrays["counters"]
    fstate, istate = arrays["fstate"], arrays["istate"]
    n = fstate.shape[1]
    capacity = _scalar(state, "capacity", int)
    event_capacity = _scalar(state, "event_capacity", int)
    births, deaths = arrays["birth_events"], arrays["death_events"]
    nx, ny = _scalar(state, "grid_nx", int), _scalar(state, "grid_ny", int)
    if (cnt.shape != (L.N_COUNTERS,) or istate.shape[1] != n or int(cnt[L.C_SLOTS]) != n or capacity < n
            or int(cnt[L.C_N_BIRTH_EVENTS]) != births.shape[1]
            or int(cnt[L.C_N_DEATH_EVENTS]) != deaths.shape[1]
            or event_capacity < max(births.shape[1], deaths.shape[1])
            or arrays["rng_state"].shape != (1,) or arrays["nodes"].ndim != 2 or arrays["nodes"].shape[1] != 3
            or arrays["node_start"].shape != (nx * ny + 1,)
            or arrays["actions"].shape != (L.N_TYPES, L.N_ACTIONS)
            or arrays["metrics_i"].shape != (len(L.INT_METRIC_NAMES),)
            or arrays["metrics_f"].shape != (len(L.FLOAT_METRIC_NAMES),)):
        raise StateError("the saved state is inconsistent (its array sizes and counters disagree)")

    model = cls.__new__(cls)
    model.config = config
    model.step_index = _scalar(state, "step_index", int)
    model._params = parameter_vector(config)
    model._params[L.P_CELL] = _scalar(state, "cell", float)
    model._params[L.P_NX] = nx
    model._params[L.P_NY] = ny
    model._type_w = type_weight_matrix(config)
    ag = AgentArrays(capacity)
    ag.n_slots = n
    ag.fstate[:, :n] = fstate
    ag.istate[:, :n] = istate
    model.agents = ag
    model._nodes = np.ascontiguousarray(arrays["nodes"], dtype=np.float64).copy()
    model._node_start = arrays["node_start"].copy()
    model._node_items = arrays["node_items"].copy()
    model._grid_start = np.zeros(nx * ny + 1, dtype=np.int64)
    model._counters = cnt.copy()
    model._rng_state = arrays["rng_state"].copy()
    model._alive = _scalar(state, "alive", int)
    model._metrics_i = arrays["metrics_i"].copy()
    model._metrics_f = arrays["metrics_f"].copy()
    model._actions = arrays["actions"].copy()
    model.events = EventLog(event_capacity)
    model.events.births[:, : births.shape[1]] = births
    model.events.deaths[:, : deaths.shape[1]] = deaths
    model._event_room = model.events.room(model._counters)
    model._max_pop = config.max_population
    model._steps = config.simulation_steps
    model.done = model._alive == 0 or model.step_index >= model._steps
    return model
