"""The wolf-sheep engine: the world as NumPy arrays, one numba kernel call per step.

Setup follows Mesa 3.3's example draw by draw in kind (not in stream): sheep energies
uniform in [0, 2 x gain) on uniformly random cells (with replacement), then wolves the
same way, then each grass patch grown with probability 1/2, else a countdown uniform in
0 .. R-1 (0 = grown, Mesa's quirk), a countdown c growing the patch back from step c + 1.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from farm_gui.core.model import BIRTH_KEYS, DEATH_KEYS

from . import _kernel as K
from .parameters import WolfSheepParameters

_STATE_VERSION = 1


class WolfSheepEngine:
    """One run of the model. ``step()`` returns that step's metrics (the state after it)."""

    def __init__(self, params: WolfSheepParameters, seed: int | None = None, *, _state: dict | None = None):
        self.params = params
        self.seed = int(params.seed if seed is None else seed)
        w, h = params.width, params.height
        self.width, self.height = w, h
        self._p = np.zeros(K.N_P, np.float64)
        self._p[K.P_W], self._p[K.P_H] = w, h
        self._p[K.P_SHEEP_REPRO] = params.sheep_reproduce
        self._p[K.P_WOLF_REPRO] = params.wolf_reproduce
        self._p[K.P_SHEEP_GAIN] = params.sheep_gain_from_food
        self._p[K.P_WOLF_GAIN] = params.wolf_gain_from_food
        self._p[K.P_GRASS] = 1.0 if params.grass else 0.0
        self._p[K.P_REGROW] = params.grass_regrowth_time
        self._p[K.P_EVENTS] = 1.0
        cells = w * h
        self._wolf_cnt = np.zeros(cells, np.int32)
        self._ccount = np.zeros(cells, np.int32)
        self._cstart = np.zeros(cells, np.int32)
        self._out = np.zeros(K.N_M, np.float64)
        if _state is not None:
            self._load(_state)
        else:
            self._build()
        K.count_wolves(self._ai, self._cnt[K.C_N], self._wolf_cnt, w)
        self.done = self._is_done()

    # ----- world building -----------------------------------------------------------------
    def _build(self) -> None:
        p = self.params
        rng = np.random.default_rng(self.seed)
        cells = p.width * p.height
        ns, nw = p.initial_sheep, p.initial_wolves
        n = ns + nw
        self._alloc(max(64, 2 * n), max(64, 2 * n))
        ai, energy = self._ai, self._energy
        sheep_energy = rng.random(ns) * 2 * p.sheep_gain_from_food
        sheep_cell = rng.integers(0, cells, ns)
        wolf_energy = rng.random(nw) * 2 * p.wolf_gain_from_food
        wolf_cell = rng.integers(0, cells, nw)
        cell = np.concatenate([sheep_cell, wolf_cell])
        ai[K.A_X, :n] = cell % p.width
        ai[K.A_Y, :n] = cell // p.width
        ai[K.A_KIND, :n] = np.repeat([K.SHEEP, K.WOLF], [ns, nw])
        ai[K.A_ID, :n] = np.arange(n)
        ai[K.A_GEN, :n] = 0
        ai[K.A_ALIVE, :n] = 1
        energy[:n] = np.concatenate([sheep_energy, wolf_energy])
        if p.grass:
            grown = rng.random(cells) < 0.5
            countdown = rng.integers(0, p.grass_regrowth_time, cells)
            self._regrow_at = np.where(grown | (countdown == 0), 0, countdown + 1).astype(np.int64)
        else:
            self._regrow_at = np.full(cells, np.iinfo(np.int64).max, np.int64)
        self._cnt = np.zeros(K.N_CNT, np.int64)
        self._cnt[K.C_N] = n
        self._cnt[K.C_NEXT_ID] = n
        self._cnt[K.C_SHEEP] = ns
        self._cnt[K.C_WOLVES] = nw
        # the first drain_events() returns the initial animals
        self._bev[K.B_ID, :n] = ai[K.A_ID, :n]
        self._bev[K.B_TYPE, :n] = ai[K.A_KIND, :n]
        self._bev[K.B_STEP, :n] = 0
        self._bev[K.B_PARENT, :n] = -1
        self._bev[K.B_GEN, :n] = 0
        self._cnt[K.C_NB] = n
        self._rng = np.array([rng.integers(0, 2**63, dtype=np.uint64)], dtype=np.uint64)

    def _alloc(self, capacity: int, room: int) -> None:
        self._ai = np.zeros((K.N_AI, capacity), np.int64)
        self._energy = np.zeros(capacity, np.float64)
        self._order = np.zeros(capacity, np.int64)
        self._cmembers = np.zeros(capacity, np.int32)
        self._bev = np.zeros((len(BIRTH_KEYS), room), np.int64)
        self._dev = np.zeros((len(DEATH_KEYS), 2 * room), np.int64)

    def _ensure_room(self) -> None:
        """Room for the coming step: every living animal may have one child, and die."""
        n = int(self._cnt[K.C_N])
        if 2 * n > self._ai.shape[1]:
            cap = max(2 * n, 2 * self._ai.shape[1])
            ai = np.zeros((K.N_AI, cap), np.int64)
            ai[:, :n] = self._ai[:, :n]
            energy = np.zeros(cap, np.float64)
            energy[:n] = self._energy[:n]
            self._ai, self._energy = ai, energy
            self._order = np.zeros(cap, np.int64)
            self._cmembers = np.zeros(cap, np.int32)
        nb, nd = int(self._cnt[K.C_NB]), int(self._cnt[K.C_ND])
        if nb + n > self._bev.shape[1]:
            bev = np.zeros((len(BIRTH_KEYS), max(nb + n, 2 * self._bev.shape[1])), np.int64)
            bev[:, :nb] = self._bev[:, :nb]
            self._bev = bev
        if nd + 2 * n > self._dev.shape[1]:
            dev = np.zeros((len(DEATH_KEYS), max(nd + 2 * n, 2 * self._dev.shape[1])), np.int64)
            dev[:, :nd] = self._dev[:, :nd]
            self._dev = dev

    # ----- the Engine protocol --------------------------------------------------------------
    @property
    def step_index(self) -> int:
        return int(self._cnt[K.C_STEP])

    @property
    def sheep_count(self) -> int:
        return int(self._cnt[K.C_SHEEP])

    @property
    def wolf_count(self) -> int:
        return int(self._cnt[K.C_WOLVES])

    @property
    def alive_count(self) -> int:
        """Animals alive now (the agents of the next step)."""
        return int(self._cnt[K.C_N])

    def _is_done(self) -> bool:
        n = int(self._cnt[K.C_N])
        return n == 0 or n > self.params.max_animals

    def step(self) -> dict[str, float]:
        self._ensure_room()
        K.step_kernel(self._ai, self._energy, self._cnt, self._rng, self._p, self._regrow_at,
                      self._wolf_cnt, self._ccount, self._cstart, self._cmembers, self._order,
                      self._bev, self._dev, self._out)
        self.done = self._is_done()
        return dict(zip(K.METRIC_NAMES, self._out.tolist(), strict=True))

    def metrics(self) -> dict[str, float]:
        """The current counts (births and deaths of the last step performed)."""
        out = dict(zip(K.METRIC_NAMES, self._out.tolist(), strict=True))
        out.update(wolves=float(self.wolf_count), sheep=float(self.sheep_count),
                   grass=float(int((self._regrow_at <= self.step_index).sum())))
        return out

    def grass_grown(self) -> np.ndarray:
        """bool [height, width]: the patches grown in the current state."""
        return (self._regrow_at <= self.step_index).reshape(self.height, self.width)

    def grass_countdown(self) -> np.ndarray:
        """int64 [height, width]: steps until each patch is grown (0 = grown; huge = grass off)."""
        return np.maximum(self._regrow_at - self.step_index, 0).reshape(self.height, self.width)

    def animals(self) -> dict[str, np.ndarray]:
        """Copies of the living animals' arrays: x, y (cells), kind (0 sheep, 1 wolf), id,
        generation, energy."""
        n = int(self._cnt[K.C_N])
        ai = self._ai
        return {"x": ai[K.A_X, :n].copy(), "y": ai[K.A_Y, :n].copy(), "kind": ai[K.A_KIND, :n].copy(),
                "id": ai[K.A_ID, :n].copy(), "generation": ai[K.A_GEN, :n].copy(),
                "energy": self._energy[:n].copy()}

    def layers(self) -> dict[str, dict[str, np.ndarray]]:
        n = int(self._cnt[K.C_N])
        ai = self._ai
        ids = ai[K.A_ID, :n]
        # animals sharing a cell would hide each other at its centre: each is drawn at a
        # fixed offset (from its id) within +-0.3 of the centre
        h = (ids.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(40)
        jx = (h & np.uint64(0xFFF)).astype(np.float64) / 4096.0 * 0.6 - 0.3
        jy = ((h >> np.uint64(12)) & np.uint64(0xFFF)).astype(np.float64) / 4096.0 * 0.6 - 0.3
        grass = np.where(self.grass_grown(), 0, 1).astype(np.uint8)  # codes: 0 grown, 1 eaten
        return {
            "grass": {"values": grass},
            "animals": {"x": ai[K.A_X, :n] + 0.5 + jx, "y": ai[K.A_Y, :n] + 0.5 + jy,
                        "category": ai[K.A_KIND, :n].astype(np.uint8),
                        "value": self._energy[:n].copy(), "id": ids.copy()},
        }

    def drain_events(self) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Births and deaths since the previous call (the first call: the initial animals)."""
        nb, nd = int(self._cnt[K.C_NB]), int(self._cnt[K.C_ND])
        births = {key: self._bev[k, :nb].copy() for k, key in enumerate(BIRTH_KEYS)}
        deaths = {key: self._dev[k, :nd].copy() for k, key in enumerate(DEATH_KEYS)}
        self._cnt[K.C_NB] = 0
        self._cnt[K.C_ND] = 0
        return births, deaths

    # ----- save / restore -----------------------------------------------------------------
    def save_state(self) -> dict[str, Any]:
        n = int(self._cnt[K.C_N])
        nb, nd = int(self._cnt[K.C_NB]), int(self._cnt[K.C_ND])
        return {"version": _STATE_VERSION, "ai": self._ai[:, :n].copy(), "energy": self._energy[:n].copy(),
                "cnt": self._cnt.copy(), "rng": self._rng.copy(), "regrow_at": self._regrow_at.copy(),
                "births": self._bev[:, :nb].copy(), "deaths": self._dev[:, :nd].copy(),
                "last_metrics": self._out.copy()}

    def _load(self, state: dict) -> None:
        if int(state.get("version", -1)) != _STATE_VERSION:
            raise ValueError(f"wolf-sheep state version {state.get('version')!r} is not "
                             f"{_STATE_VERSION}: this state was saved by another version of the model")
        ai = np.asarray(state["ai"], np.int64)
        regrow_at = np.asarray(state["regrow_at"], np.int64)
        if ai.shape[0] != K.N_AI or regrow_at.shape != (self.width * self.height,):
            raise ValueError("the saved wolf-sheep state does not fit these parameters "
                             f"(world of {regrow_at.size} cells, parameters give {self.width * self.height})")
        n = ai.shape[1]
        births = np.asarray(state["births"], np.int64)
        deaths = np.asarray(state["deaths"], np.int64)
        self._alloc(max(64, 2 * n), max(64, 2 * n, births.shape[1], deaths.shape[1]))
        self._ai[:, :n] = ai
        self._energy[:n] = np.asarray(state["energy"], np.float64)
        self._cnt = np.asarray(state["cnt"], np.int64).copy()
        self._rng = np.asarray(state["rng"], np.uint64).copy()
        self._regrow_at = regrow_at.copy()
        self._bev[:, :births.shape[1]] = births
        self._dev[:, :deaths.shape[1]] = deaths
        self._out[:] = np.asarray(state["last_metrics"], np.float64)


def create_engine(params: WolfSheepParameters, seed: int) -> WolfSheepEngine:
    return WolfSheepEngine(params, seed)


def restore_engine(params: WolfSheepParameters, state: dict) -> WolfSheepEngine:
    return WolfSheepEngine(params, _state=state)
