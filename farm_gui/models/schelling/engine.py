"""The Schelling segregation engine: parameters, state and the generic Engine interface.

Each ``step()`` is one call into the numba kernel (moves, evaluation and metrics), so
the per-step Python cost is a few microseconds whatever the size of the world.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import model_validator

from farm_gui.core.model import RunParameters, group_field

from . import _kernel as k

MAX_CELLS = 16_000_000


class SchellingParameters(RunParameters):
    """Mesa 3.3's ``basic/schelling`` constructor defaults."""

    width: int = group_field(20, "Grid width (cells)", "World", ge=1, le=5000)
    height: int = group_field(20, "Grid height (cells)", "World", ge=1, le=5000)
    density: float = group_field(0.8, "Chance that a cell holds an agent at the start", "Agents",
                                 ge=0.0, le=1.0)
    minority_pc: float = group_field(0.5, "Chance that an agent belongs to group B (the minority)",
                                     "Agents", ge=0.0, le=1.0)
    homophily: float = group_field(0.4, "Smallest share of similar neighbours (of the occupied "
                                   "neighbour cells) an agent is happy with", "Agents", ge=0.0, le=1.0)
    radius: int = group_field(1, "Neighbourhood radius (cells, Moore, not wrapping at the edges)",
                              "Agents", ge=1, le=50)

    @model_validator(mode="after")
    def _not_too_large(self) -> SchellingParameters:
        if self.width * self.height > MAX_CELLS:
            raise ValueError(f"the grid has {self.width * self.height:,} cells; at most "
                             f"{MAX_CELLS:,} are allowed")
        return self


def _seed_state(seed: int) -> np.ndarray:
    return np.array([np.uint64(seed) ^ np.uint64(0x5C4E_11E6_5E67_1234)], dtype=np.uint64)


class SchellingEngine:
    """Schelling's segregation model on a bounded grid (see the package docstring)."""

    def __init__(self, params: SchellingParameters, seed: int | None = None, *,
                 _state: dict | None = None) -> None:
        self.params = params
        h, w = params.height, params.width
        self.homophily = float(params.homophily)
        self.radius = int(params.radius)
        self._sat_a = np.zeros((h + 1, w + 1), dtype=np.int32)
        self._sat_b = np.zeros((h + 1, w + 1), dtype=np.int32)
        self._out = np.zeros(k.N_METRICS, dtype=np.float64)
        self._mood = np.zeros((h, w), dtype=np.uint8)
        self._unhappy = np.zeros(h * w, dtype=np.int64)
        if _state is None:
            self._rng = _seed_state(params.seed if seed is None else seed)
            self._grid = np.zeros((h, w), dtype=np.uint8)
            empties = np.zeros(h * w, dtype=np.int64)
            n_agents, n_empty = k.populate(self._grid, float(params.density), float(params.minority_pc),
                                           self._rng, empties)
            self._empties = empties[:n_empty].copy()
            self.step_index = 0
        else:
            self._rng = np.array(_state["rng"], dtype=np.uint64).reshape(1)
            self._grid = np.array(_state["grid"], dtype=np.uint8).reshape(h, w)
            self._empties = np.array(_state["empties"], dtype=np.int64)
            self.step_index = int(_state["step_index"])
        self._n_unhappy = k.evaluate(self._grid, self.homophily, self.radius, self._sat_a, self._sat_b,
                                     self._unhappy, self._mood, self._out)
        self.n_agents = int(self._out[k.M_AGENTS])
        # Done is everyone happy after a step, judged from the grid (not the saved flag): a
        # fork with another homophily or radius may leave agents unhappy in a settled grid.
        self.done = self.step_index > 0 and self._n_unhappy == 0

    # ----- the Engine interface ------------------------------------------------------------
    def step(self) -> dict[str, float]:
        out = self._out
        self._n_unhappy = k.step(self._grid, self._empties, len(self._empties), self._unhappy,
                                 self._n_unhappy, self.homophily, self.radius, self._sat_a, self._sat_b,
                                 self._mood, self._rng, out)
        self.step_index += 1
        happy = int(out[k.M_HAPPY])
        self.done = happy == self.n_agents
        return {"happy": happy, "happy_share": float(out[k.M_HAPPY_SHARE]),
                "similar_share": float(out[k.M_SIMILAR_SHARE]), "moved": int(out[k.M_MOVED])}

    def metrics(self) -> dict[str, float]:
        """The metrics of the current state (after construction: step 0's world)."""
        out = self._out
        return {"happy": int(out[k.M_HAPPY]), "happy_share": float(out[k.M_HAPPY_SHARE]),
                "similar_share": float(out[k.M_SIMILAR_SHARE]), "moved": 0}

    def layers(self) -> dict[str, dict[str, np.ndarray]]:
        return {"groups": {"values": self._grid.copy()}, "mood": {"values": self._mood.copy()}}

    # ----- resume / fork ------------------------------------------------------------------
    def save_state(self) -> dict:
        """Everything a bit-identical continuation needs (the unhappy list and the mood
        raster are recomputed from the grid on restore)."""
        return {"rng": self._rng.copy(), "grid": self._grid.copy(), "empties": self._empties.copy(),
                "step_index": int(self.step_index), "done": int(self.done)}

    @classmethod
    def restore(cls, params: SchellingParameters, state: dict) -> SchellingEngine:
        return cls(params, _state=state)

    # ----- for tests and benchmarks --------------------------------------------------------
    @property
    def grid(self) -> np.ndarray:
        """The live grid (uint8 codes, rows = y); tests may edit it before the first step
        and then call ``reevaluate()``."""
        return self._grid

    def reevaluate(self) -> None:
        """Rebuild the empty-cell list and the happiness from the grid (after an edit)."""
        flat = self._grid.reshape(-1)
        self._empties = np.flatnonzero(flat == k.EMPTY).astype(np.int64)
        self._n_unhappy = k.evaluate(self._grid, self.homophily, self.radius, self._sat_a, self._sat_b,
                                     self._unhappy, self._mood, self._out)
        self.n_agents = int(self._out[k.M_AGENTS])


def create_engine(params: Any, seed: int) -> SchellingEngine:
    if params.seed != seed:
        params = params.model_copy(update={"seed": seed})
    return SchellingEngine(params)


def restore_engine(params: Any, state: dict) -> SchellingEngine:
    return SchellingEngine.restore(params, state)
