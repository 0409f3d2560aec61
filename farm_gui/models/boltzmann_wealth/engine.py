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
MAX_CELLS = 25_000_000
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
            self._col = np.zeros(n, dtype=np.int64)
            self._row = np.zeros(n, dtype=np.int64)
            k.place(self._col, self._row, w, h, self._rng)
            self.wealth = np.ones(n, dtype=np.int64)
            self._head = np.empty(w * h, dtype=np.int64)
            self._nxt = np.empty(n, dtype=np.int64)
            self._prv = np.empty(n, dtype=np.int64)
            self._count = np.empty(w * h, dtype=np.int64)
            k.link_all(self._col, self._row, w, self._head, self._nxt, self._prv, self._count)
            self.step_index = 0
        else:
            self._rng = np.array(_state["rng"], dtype=np.uint64).reshape(1)
            self._col = np.array(_state["col"], dtype=np.int64)
            self._row = np.array(_state["row"], dtype=np.int64)
            self.wealth = np.array(_state["wealth"], dtype=np.int64)
            self._head = np.array(_state["head"], dtype=np.int64)
            self._nxt = np.array(_state["nxt"], dtype=np.int64)
            self._prv = np.array(_state["prv"], dtype=np.int64)
            self._count = np.array(_state["count"], dtype=np.int64)
            self.step_index = int(_state["step_index"])
            if self._col.shape != (n,) or self._head.shape != (w * h,):
                raise ValueError("the saved state does not match the parameters (agents or grid size)")
        self.done = False  # the model has no end (Mesa's never stops either)
        self._order = np.empty(n, dtype=np.int64)
        self._hist = np.zeros(int(self.wealth.sum()) + 1, dtype=np.int64)
        self._out = np.zeros(k.N_METRICS, dtype=np.float64)
        k.wealth_metrics(self.wealth, self._hist, self._out)

    # ----- the Engine interface ------------------------------------------------------------
    def step(self) -> dict[str, float]:
        out = self._out
        k.step(self._col, self._row, self.wealth, self.width, self.height, self._head, self._nxt,
               self._prv, self._count, self._order, self._hist, self._rng, out)
        self.step_index += 1
        return {"gini": float(out[k.M_GINI]), "max_wealth": int(out[k.M_MAX_WEALTH]),
                "zero_share": float(out[k.M_ZERO_SHARE]), "transfers": int(out[k.M_TRANSFERS])}

    def metrics(self) -> dict[str, float]:
        """The metrics of the current state (after construction: step 0's world)."""
        out = self._out
        return {"gini": float(out[k.M_GINI]), "max_wealth": int(out[k.M_MAX_WEALTH]),
                "zero_share": float(out[k.M_ZERO_SHARE]),
                "transfers": int(out[k.M_TRANSFERS]) if self.step_index else 0}

    def layers(self) -> dict[str, dict[str, np.ndarray]]:
        jx, jy = jitter(self.n_agents)
        cell_wealth = np.bincount(self._row * self.width + self._col, weights=self.wealth,
                                  minlength=self.width * self.height)
        return {
            "agents": {"x": self._col + 0.5 + jx, "y": self._row + 0.5 + jy,
                       "value": self.wealth.astype(np.float64),
                       "id": np.arange(self.n_agents, dtype=np.int64)},
            "cell_wealth": {"values": cell_wealth.reshape(self.height, self.width)},
        }

    # ----- resume / fork ------------------------------------------------------------------
    def save_state(self) -> dict:
        """Everything a bit-identical continuation needs (the per-cell lists included:
        their order decides which cellmate a draw picks)."""
        return {"rng": self._rng.copy(), "col": self._col.copy(), "row": self._row.copy(),
                "wealth": self.wealth.copy(), "head": self._head.copy(), "nxt": self._nxt.copy(),
                "prv": self._prv.copy(), "count": self._count.copy(), "step_index": int(self.step_index)}

    @classmethod
    def restore(cls, params: BoltzmannParameters, state: dict) -> BoltzmannEngine:
        return cls(params, _state=state)

    # ----- for tests --------------------------------------------------------------------------
    def place_agents(self, col, row, wealth) -> None:
        """Put the agents on given cells with given wealth (hand-built worlds in tests)."""
        self._col[:] = np.asarray(col, dtype=np.int64)
        self._row[:] = np.asarray(row, dtype=np.int64)
        self.wealth[:] = np.asarray(wealth, dtype=np.int64)
        k.link_all(self._col, self._row, self.width, self._head, self._nxt, self._prv, self._count)
        self._hist = np.zeros(int(self.wealth.sum()) + 1, dtype=np.int64)
        k.wealth_metrics(self.wealth, self._hist, self._out)

    @property
    def positions(self) -> tuple[np.ndarray, np.ndarray]:
        """(col, row) of every agent (copies)."""
        return self._col.copy(), self._row.copy()


def create_engine(params: Any, seed: int) -> BoltzmannEngine:
    if params.seed != seed:
        params = params.model_copy(update={"seed": seed})
    return BoltzmannEngine(params)


def restore_engine(params: Any, state: dict) -> BoltzmannEngine:
    return BoltzmannEngine.restore(params, state)
