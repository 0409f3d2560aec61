"""The Boltzmann wealth engine: parameters, state and the generic Engine interface.

Each ``step()`` is one call into the numba kernel (every agent's turn and the step's
metrics), so the per-step Python cost is a few microseconds whatever the population.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import model_validator

from farm_gui.core.model import RunParameters, group_field

from . import _kernel as k

MAX_AGENTS = 10_000_000
MAX_CELLS = 16_000_000
# Agents sharing a cell are drawn apart by a fixed offset per agent (the R2 low-discrepancy
# sequence of the agent's index, scaled to +-JITTER of a cell), the same at every step.
JITTER = 0.35
_R2_X = 0.7548776662466927  # 1 / plastic number
_R2_Y = 0.5698402909980532  # 1 / plastic number squared


class BoltzmannParameters(RunParameters):
    """Mesa 3.3's ``basic/boltzmann_wealth_model`` constructor defaults."""

    n: int = group_field(100, "Number of agents (each starts with one unit of wealth)", "Agents",
                         ge=1, le=MAX_AGENTS)
    width: int = group_field(10, "Grid width (cells)", "World", ge=1, le=5000)
    height: int = group_field(10, "Grid height (cells)", "World", ge=1, le=5000)

    @model_validator(mode="after")
    def _not_too_large(self) -> BoltzmannParameters:
        if self.width * self.height > MAX_CELLS:
            raise ValueError(f"the grid has {self.width * self.height:,} cells; at most "
                             f"{MAX_CELLS:,} are allowed")
        return self


def _seed_state(seed: int) -> np.ndarray:
    return np.array([np.uint64(seed) ^ np.uint64(0xB017_2A4E_0000_0001)], dtype=np.uint64)


def jitter(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Each agent's fixed offset from its cell's centre, in cells (|offset| <= JITTER)."""
    i = np.arange(1, n + 1, dtype=np.float64)
    jx = (0.5 + _R2_X * i) % 1.0 - 0.5
    jy = (0.5 + _R2_Y * i) % 1.0 - 0.5
    return 2 * JITTER * jx, 2 * JITTER * jy


class BoltzmannEngine:
    """The Boltzmann wealth model on a bounded grid (see the package docstring)."""

    def __init__(self, params: BoltzmannParameters, seed: int | None = None, *,
                 _state: dict | None = None) -> None:
        self.params = params
        n, w, h = params.n, params.width, params.height
        self.width, self.height, self.n_agents = w, h, n
        if _state is None:
            self._rng = _seed_state(params.seed if seed is None else seed)
            self._ag = np.zeros((n, 4), dtype=np.int32)
            k.place(self._ag, w * h, self._rng)
            self._ag[:, k.WEALTH] = 1
            self._ids = np.arange(n, dtype=np.int32)
            self._cl = np.empty((w * h, 2), dtype=np.int32)
            k.link_all(self._ag, self._cl)
            self.step_index = 0
        else:
            self._rng = np.array(_state["rng"], dtype=np.uint64).reshape(1)
            self._ag = np.array(_state["agents"], dtype=np.int32)
            self._ids = np.array(_state["ids"], dtype=np.int32)
            self._cl = np.array(_state["cells"], dtype=np.int32)
            self.step_index = int(_state["step_index"])
            if self._ag.shape != (n, 4) or self._cl.shape != (w * h, 2):
                raise ValueError("the saved state does not match the parameters (agents or grid size)")
        self.done = False  # the model has no end (Mesa's never stops either)
        self._order = np.empty(n, dtype=np.int32)
        self._inv = np.empty(n, dtype=np.int32)
        self._ag2 = np.empty((n, 4), dtype=np.int32)
        self._ids2 = np.empty(n, dtype=np.int32)
        self._hist = np.zeros(int(self._ag[:, k.WEALTH].sum()) + 1, dtype=np.int64)
        self._out = np.zeros(k.N_METRICS, dtype=np.float64)
        k.wealth_metrics(self._ag, self._hist, self._out)

    # ----- the Engine interface ------------------------------------------------------------
    def step(self) -> dict[str, float]:
        out = self._out
        k.step(self._ag, self._ids, self._cl, self.width, self.height, self._order, self._inv,
               self._ag2, self._ids2, self._hist, self._rng, out)
        self.step_index += 1
        return {"gini": float(out[k.M_GINI]), "max_wealth": int(out[k.M_MAX_WEALTH]),
                "zero_share": float(out[k.M_ZERO_SHARE]), "transfers": int(out[k.M_TRANSFERS])}

    def metrics(self) -> dict[str, float]:
        """The metrics of the current state (after construction: step 0's world)."""
        out = self._out
        return {"gini": float(out[k.M_GINI]), "max_wealth": int(out[k.M_MAX_WEALTH]),
                "zero_share": float(out[k.M_ZERO_SHARE]),
                "transfers": int(out[k.M_TRANSFERS]) if self.step_index else 0}

    def _by_id(self, column: int) -> np.ndarray:
        values = np.empty(self.n_agents, dtype=np.int64)
        values[self._ids] = self._ag[:, column]
        return values

    @property
    def wealth(self) -> np.ndarray:
        """Every agent's wealth, by agent id (a copy)."""
        return self._by_id(k.WEALTH)

    @property
    def positions(self) -> tuple[np.ndarray, np.ndarray]:
        """(col, row) of every agent, by agent id (copies)."""
        cell = self._by_id(k.CELL)
        return cell % self.width, cell // self.width

    def layers(self) -> dict[str, dict[str, np.ndarray]]:
        jx, jy = jitter(self.n_agents)
        col, row = self.positions
        wealth = self.wealth
        cell_wealth = np.bincount(row * self.width + col, weights=wealth, minlength=self.width * self.height)
        return {
            "agents": {"x": col + 0.5 + jx, "y": row + 0.5 + jy, "value": wealth.astype(np.float64),
                       "id": np.arange(self.n_agents, dtype=np.int64)},
            "cell_wealth": {"values": cell_wealth.reshape(self.height, self.width)},
        }

    # ----- resume / fork ------------------------------------------------------------------
    def save_state(self) -> dict:
        """Everything a bit-identical continuation needs (the per-cell lists included:
        their order decides which cellmate a draw picks)."""
        return {"rng": self._rng.copy(), "agents": self._ag.copy(), "ids": self._ids.copy(),
                "cells": self._cl.copy(), "step_index": int(self.step_index)}

    @classmethod
    def restore(cls, params: BoltzmannParameters, state: dict) -> BoltzmannEngine:
        return cls(params, _state=state)

    # ----- for tests --------------------------------------------------------------------------
    def place_agents(self, col, row, wealth) -> None:
        """Put the agents (by id) on given cells with given wealth (hand-built worlds)."""
        self._ids[:] = np.arange(self.n_agents)
        self._ag[:, k.CELL] = np.asarray(row, dtype=np.int64) * self.width + np.asarray(col, dtype=np.int64)
        self._ag[:, k.WEALTH] = np.asarray(wealth, dtype=np.int64)
        k.link_all(self._ag, self._cl)
        self._hist = np.zeros(int(self._ag[:, k.WEALTH].sum()) + 1, dtype=np.int64)
        k.wealth_metrics(self._ag, self._hist, self._out)


def create_engine(params: Any, seed: int) -> BoltzmannEngine:
    if params.seed != seed:
        params = params.model_copy(update={"seed": seed})
    return BoltzmannEngine(params)


def restore_engine(params: Any, state: dict) -> BoltzmannEngine:
    return BoltzmannEngine.restore(params, state)
