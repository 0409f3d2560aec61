"""The foraging model's arrays: agents (structure of arrays that grows by
doubling), the agent event log, and the config turned into kernel inputs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from farm_gui.config import ACTIONS, AGENT_TYPES, RunConfig

from . import _layout as L
from ._snapshot import copy_snapshot
from .protocol import SNAPSHOT_AGENT_KEYS

_NO_NODES = np.zeros((0, 3), dtype=np.float64)


def parameter_vector(c: RunConfig) -> np.ndarray:
    """Every scalar parameter the kernel reads, at the _layout.P_* positions."""
    p = np.zeros(L.N_PARAMS, dtype=np.float64)
    p[L.P_WIDTH] = c.width
    p[L.P_HEIGHT] = c.height
    p[L.P_CONSUMPTION] = c.base_consumption_rate
    p[L.P_STARVE_THRESHOLD] = c.starvation_threshold
    p[L.P_PERCEPTION] = c.perception_radius
    p[L.P_MAX_RESOURCE] = c.max_resource_amount
    p[L.P_REGEN_RATE] = c.resource_regen_rate
    p[L.P_REGEN_AMOUNT] = c.resource_regen_amount
    p[L.P_GATHER_RANGE] = c.gathering_range
    p[L.P_MAX_GATHER] = c.max_gather_amount
    p[L.P_SHARE_RANGE] = c.share_range
    p[L.P_SHARE_AMOUNT] = c.share_amount
    p[L.P_MIN_SHARE] = c.min_share_resources
    p[L.P_ATTACK_RANGE] = c.attack_range
    p[L.P_ATTACK_STRENGTH] = c.base_attack_strength
    p[L.P_DEFENSE_DURATION] = c.defense_duration
    p[L.P_DEFENSE_HEAL] = c.defense_heal
    p[L.P_MOVE_DISTANCE] = c.move_distance
    p[L.P_MIN_REPRO] = c.min_reproduction_resources
    p[L.P_OFFSPRING_COST] = c.offspring_cost
    p[L.P_OFFSPRING_RES] = c.offspring_initial_resources
    p[L.P_REPRO_CHANCE] = c.reproduction_chance
    p[L.P_STARTING_HEALTH] = c.starting_health
    p[L.P_MAX_POP] = c.max_population
    p[L.P_MOVE_MULT_NO_RES] = c.move_mult_no_resources
    p[L.P_GATHER_MULT_LOW] = c.gather_mult_low_resources
    p[L.P_SHARE_MULT_WEALTHY] = c.share_mult_wealthy
    p[L.P_SHARE_MULT_POOR] = c.share_mult_poor
    p[L.P_ATTACK_STARVE_FRAC] = c.attack_starvation_threshold
    p[L.P_ATTACK_MULT_DESPERATE] = c.attack_mult_desperate
    p[L.P_ATTACK_MULT_STABLE] = c.attack_mult_stable
    p[L.P_REPRO_MULT_WEALTHY] = c.reproduce_mult_wealthy
    p[L.P_REPRO_MULT_POOR] = c.reproduce_mult_poor
    return p


def type_weight_matrix(c: RunConfig) -> np.ndarray:
    """Base action weights per type (share and attack replaced), normalised."""
    base = np.asarray(c.action_weights.as_array_order(), dtype=np.float64)
    w = np.tile(base, (L.N_TYPES, 1))
    for t, name in enumerate(AGENT_TYPES):
        tw = c.type_weights(name)
        w[t, L.A_SHARE] = tw.share_weight
        w[t, L.A_ATTACK] = tw.attack_weight
    totals = w.sum(axis=1, keepdims=True)
    return np.divide(w, totals, out=np.zeros_like(w), where=totals > 0)


def _column(columns: Mapping[str, Any], key: str, n: int, default: float, dtype: Any) -> np.ndarray:
    value = columns.get(key)
    arr = np.full(n, default, dtype=dtype) if value is None else np.asarray(value, dtype=dtype)
    if arr.shape != (n,):
        raise ValueError(f"agents: {key!r} has {arr.size} values, expected {n}")
    return arr


def _types(columns: Mapping[str, Any], n: int) -> np.ndarray:
    value = columns.get("type")
    if value is None:
        return np.zeros(n, dtype=np.int64)
    codes = [AGENT_TYPES.index(v) if isinstance(v, str) and v in AGENT_TYPES else v for v in value]
    arr = np.asarray(codes)
    if arr.shape != (n,) or arr.dtype.kind not in "iu" or np.any((arr < 0) | (arr >= L.N_TYPES)):
        raise ValueError(f"agents: 'type' must be {n} names from {AGENT_TYPES} or indices 0..{L.N_TYPES - 1}")
    return arr.astype(np.int64)


class AgentArrays:
    """Agent slots 0..n_slots-1 (living agents, plus those that died in the
    last step until the next step drops them). Slots are reordered every step
    (into that step's turn order): find an agent by its id, not by its slot."""

    def __init__(self, capacity: int):
        capacity = max(int(capacity), 8)
        self.capacity = capacity
        self.n_slots = 0
        self.fstate = np.zeros((L.N_FLOAT_FIELDS, capacity), dtype=np.float64)
        self.istate = np.zeros((L.N_INT_FIELDS, capacity), dtype=np.int64)
        self.grid_index = np.zeros((2, capacity), dtype=np.int64)
        self.grid_xy = np.zeros((capacity, 2), dtype=np.float64)
        self.scratch = np.zeros((2, capacity), dtype=np.int64)
        self.fscratch = np.zeros(capacity, dtype=np.float64)

    @classmethod
    def from_columns(cls, c: RunConfig, columns: Mapping[str, Any]) -> AgentArrays:
        x = np.asarray(columns["x"], dtype=np.float64)
        n = x.size
        y = _column(columns, "y", n, 0.0, np.float64)
        if np.any((x < 0) | (x > c.width) | (y < 0) | (y > c.height)):
            raise ValueError(f"agents: every position must lie in [0, {c.width}] x [0, {c.height}]")
        ag = cls(2 * n)
        ag.n_slots = n
        ag.fstate[L.F_X, :n] = x
        ag.fstate[L.F_Y, :n] = y
        ag.fstate[L.F_RES, :n] = _column(columns, "resources", n, c.initial_resource_level, np.float64)
        ag.fstate[L.F_HEALTH, :n] = _column(columns, "health", n, c.starting_health, np.float64)
        ag.istate[L.I_ID, :n] = np.arange(n)
        ag.istate[L.I_TYPE, :n] = _types(columns, n)
        ag.istate[L.I_STARVE, :n] = _column(columns, "starvation", n, 0, np.int64)
        ag.istate[L.I_DEFEND, :n] = _column(columns, "defend_timer", n, 0, np.int64)
        ag.istate[L.I_GEN, :n] = _column(columns, "generation", n, 0, np.int64)
        ag.istate[L.I_BIRTH, :n] = 0
        ag.istate[L.I_PARENT, :n] = -1
        ag.istate[L.I_ALIVE, :n] = 1
        ag.istate[L.I_FORCED, :n] = -1
        return ag

    def grow(self, need: int) -> None:
        """Amortised doubling; keeps the first n_slots entries."""
        cap = max(int(need), 2 * self.capacity)
        n = self.n_slots
        fs = np.zeros((L.N_FLOAT_FIELDS, cap), dtype=np.float64)
        ist = np.zeros((L.N_INT_FIELDS, cap), dtype=np.int64)
        fs[:, :n] = self.fstate[:, :n]
        ist[:, :n] = self.istate[:, :n]
        self.fstate, self.istate = fs, ist
        self.grid_index = np.zeros((2, cap), dtype=np.int64)
        self.grid_xy = np.zeros((cap, 2), dtype=np.float64)
        self.scratch = np.zeros((2, cap), dtype=np.int64)
        self.fscratch = np.zeros(cap, dtype=np.float64)
        self.capacity = cap

    def table(self) -> dict[str, np.ndarray]:
        n = self.n_slots
        agent_columns = copy_snapshot(self.fstate, self.istate, n, _NO_NODES)[: len(SNAPSHOT_AGENT_KEYS)]
        out = dict(zip(SNAPSHOT_AGENT_KEYS, agent_columns, strict=True))
        ist = self.istate
        out["agent_starvation"] = ist[L.I_STARVE, :n].copy()
        out["agent_defend_timer"] = ist[L.I_DEFEND, :n].copy()
        out["agent_birth_step"] = ist[L.I_BIRTH, :n].copy()
        out["agent_parent_id"] = ist[L.I_PARENT, :n].copy()
        out["agent_forced_action"] = ist[L.I_FORCED, :n].copy()
        return out

    def set_forced(self, ids: np.ndarray, code: int) -> None:
        if not -1 <= code < len(ACTIONS):
            raise ValueError(f"unknown action code {code}")
        n = self.n_slots
        slots = np.flatnonzero(np.isin(self.istate[L.I_ID, :n], ids))
        missing = np.setdiff1d(ids, self.istate[L.I_ID, slots])
        if missing.size:
            raise ValueError(f"no agent with id {int(missing[0])} in the model")
        self.istate[L.I_FORCED, slots] = code


class EventLog:
    """Birth and death events, appended by the kernel, drained by the caller."""

    def __init__(self, capacity: int):
        self.births = np.zeros((5, capacity), dtype=np.int64)
        self.deaths = np.zeros((3, capacity), dtype=np.int64)

    def record_initial(self, agents: AgentArrays, counters: np.ndarray) -> None:
        n = agents.n_slots
        self.reserve(counters, n)
        ist = agents.istate
        self.births[L.B_ID, :n] = ist[L.I_ID, :n]
        self.births[L.B_TYPE, :n] = ist[L.I_TYPE, :n]
        self.births[L.B_STEP, :n] = 0
        self.births[L.B_PARENT, :n] = -1
        self.births[L.B_GEN, :n] = ist[L.I_GEN, :n]
        counters[L.C_N_BIRTH_EVENTS] = n

    def room(self, counters: np.ndarray) -> int:
        """Free entries left in both buffers."""
        return min(self.births.shape[1] - int(counters[L.C_N_BIRTH_EVENTS]),
                   self.deaths.shape[1] - int(counters[L.C_N_DEATH_EVENTS]))

    def reserve(self, counters: np.ndarray, events: int) -> int:
        """Make room for ``events`` more of each kind (amortised doubling); return the room."""
        nb = int(counters[L.C_N_BIRTH_EVENTS]) + events
        if nb > self.births.shape[1]:
            self.births = _grown(self.births, nb)
        nd = int(counters[L.C_N_DEATH_EVENTS]) + events
        if nd > self.deaths.shape[1]:
            self.deaths = _grown(self.deaths, nd)
        return self.room(counters)

    def drain(self, counters: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        nb = int(counters[L.C_N_BIRTH_EVENTS])
        nd = int(counters[L.C_N_DEATH_EVENTS])
        births = self.births[:, :nb].copy()
        deaths = self.deaths[:, :nd].copy()
        counters[L.C_N_BIRTH_EVENTS] = 0
        counters[L.C_N_DEATH_EVENTS] = 0
        return births, deaths


def _grown(buf: np.ndarray, need: int) -> np.ndarray:
    out = np.zeros((buf.shape[0], max(need, 2 * buf.shape[1])), dtype=buf.dtype)
    out[:, : buf.shape[1]] = buf
    return out
