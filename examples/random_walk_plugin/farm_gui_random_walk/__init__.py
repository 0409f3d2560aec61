"""Random walkers of two colours on a torus: the example Farm GUI model plug-in.

Each step every walker moves by a random offset; with probability ``turnover`` a walker
leaves (dies) and a new one of a random colour arrives at a random place (is born). The
model reports how many walkers of each colour there are, how far they are from where
they started, and what share of the grid's cells has been visited.
"""

from __future__ import annotations

import json

import numpy as np

from farm_gui.core.model import (
    BIRTH_KEYS,
    DEATH_KEYS,
    Category,
    Chart,
    Metric,
    ModelSpec,
    PointLayer,
    RasterLayer,
    RunParameters,
    group_field,
)

COLOURS = (Category("red", "#d62728"), Category("blue", "#1f77b4"))


class RandomWalkParameters(RunParameters):
    walkers: int = group_field(200, "Number of walkers", "World", ge=1, le=1_000_000)
    red_share: float = group_field(0.5, "Share of red walkers", "World", ge=0.0, le=1.0)
    width: int = group_field(40, "Width of the torus (cells)", "World", ge=2, le=2000)
    height: int = group_field(30, "Height of the torus (cells)", "World", ge=2, le=2000)
    step_size: float = group_field(1.0, "Largest move per step along each axis", "Walk", ge=0.0, le=100.0)
    turnover: float = group_field(0.0, "Chance per step that a walker leaves and a new one arrives",
                                  "Walk", ge=0.0, le=1.0)


class RandomWalk:
    """The engine: ``step()`` moves everyone and returns the step's metrics."""

    def __init__(self, params: RandomWalkParameters, seed: int):
        self.p = params
        self.rng = np.random.default_rng(seed)
        n = params.walkers
        self.x = self.rng.uniform(0, params.width, n)
        self.y = self.rng.uniform(0, params.height, n)
        self.colour = (self.rng.random(n) >= params.red_share).astype(np.uint8)  # 0 red, 1 blue
        self.id = np.arange(n, dtype=np.int64)
        self.x0, self.y0 = self.x.copy(), self.y.copy()
        self.visits = np.zeros((params.height, params.width), dtype=np.int64)
        self.next_id = n
        self.step_index = 0
        self.done = False
        self._births = [self._born(np.arange(n), parent=-1)]
        self._deaths: list[dict[str, np.ndarray]] = []

    def _born(self, rows: np.ndarray, parent: int) -> dict[str, np.ndarray]:
        k = len(rows)
        return {"agent_id": self.id[rows].copy(), "agent_type": self.colour[rows].astype(np.int64),
                "birth_step": np.full(k, self.step_index, np.int64),
                "parent_id": np.full(k, parent, np.int64), "generation": np.zeros(k, np.int64)}

    def step(self) -> dict[str, float]:
        p, rng = self.p, self.rng
        self.x = (self.x + rng.uniform(-p.step_size, p.step_size, self.x.size)) % p.width
        self.y = (self.y + rng.uniform(-p.step_size, p.step_size, self.y.size)) % p.height
        self.step_index += 1
        leaving = np.flatnonzero(rng.random(self.x.size) < p.turnover)
        if leaving.size:
            self._deaths.append({"agent_id": self.id[leaving].copy(),
                                 "death_step": np.full(leaving.size, self.step_index, np.int64),
                                 "cause": np.zeros(leaving.size, np.int64)})
            self.id[leaving] = np.arange(self.next_id, self.next_id + leaving.size)
            self.next_id += leaving.size
            self.colour[leaving] = (rng.random(leaving.size) >= p.red_share).astype(np.uint8)
            self.x[leaving] = self.x0[leaving] = rng.uniform(0, p.width, leaving.size)
            self.y[leaving] = self.y0[leaving] = rng.uniform(0, p.height, leaving.size)
            self._births.append(self._born(leaving, parent=-1))
        np.add.at(self.visits, (self.y.astype(np.int64) % p.height, self.x.astype(np.int64) % p.width), 1)
        dx = np.abs(self.x - self.x0)
        dy = np.abs(self.y - self.y0)
        dx, dy = np.minimum(dx, p.width - dx), np.minimum(dy, p.height - dy)  # distance on the torus
        red = int((self.colour == 0).sum())
        return {"red": red, "blue": int(self.colour.size - red),
                "mean_distance": float(np.hypot(dx, dy).mean()),
                "visited_share": float((self.visits > 0).mean())}

    def layers(self) -> dict[str, dict[str, np.ndarray]]:
        return {"walkers": {"x": self.x.copy(), "y": self.y.copy(), "category": self.colour.copy(),
                            "id": self.id.copy()},
                "visits": {"values": self.visits.astype(np.float64)}}

    def drain_events(self):
        births, deaths = self._births, self._deaths
        self._births, self._deaths = [], []
        return _joined(births, BIRTH_KEYS), _joined(deaths, DEATH_KEYS)

    # Optional: bit-identical resume and fork from a checkpoint.
    def save_state(self) -> dict:
        return {"engine": "random_walk", "step_index": self.step_index, "next_id": self.next_id,
                "rng": json.dumps(self.rng.bit_generator.state), "x": self.x, "y": self.y,
                "x0": self.x0, "y0": self.y0, "colour": self.colour, "id": self.id, "visits": self.visits}


def _joined(parts: list[dict[str, np.ndarray]], keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([p[k] for p in parts]) if parts else np.zeros(0, np.int64) for k in keys}


def restore(params: RandomWalkParameters, state: dict) -> RandomWalk:
    if state.get("engine") != "random_walk":
        raise ValueError(f"the state is of engine {state.get('engine')!r}, not random_walk")
    engine = RandomWalk(params, params.seed)
    engine.rng.bit_generator.state = json.loads(state["rng"])
    for key in ("x", "y", "x0", "y0", "colour", "id", "visits"):
        setattr(engine, key, np.array(state[key]))
    engine.step_index, engine.next_id = int(state["step_index"]), int(state["next_id"])
    engine._births = []
    return engine


SPEC = ModelSpec(
    name="random_walk",
    title="Random walk (example plug-in)",
    version="0.1.0",
    description="Walkers of two colours wander on a torus; the template for writing a model plug-in.",
    parameters=RandomWalkParameters,
    create_engine=RandomWalk,
    restore_engine=restore,
    metrics=(
        Metric("red", "red walkers", "walkers", integer=True, chart="walkers", category="red"),
        Metric("blue", "blue walkers", "walkers", integer=True, chart="walkers", category="blue"),
        Metric("mean_distance", "mean distance from start", "cells", chart="spread", color="#ff7f0e"),
        Metric("visited_share", "share of cells visited", "", chart="spread", color="#2ca02c"),
    ),
    charts=(Chart("walkers", "Walkers", "walkers"), Chart("spread", "Spread", "")),
    layers=(RasterLayer("visits", "Visits", mode="value"),
            PointLayer("walkers", "Walkers", fields=("category", "id"), categories=COLOURS)),
    presets={"crowd": {"walkers": 5000, "width": 200, "height": 150},
             "turnover": {"turnover": 0.02, "simulation_steps": 500}},
    world_size=lambda p: (p.width, p.height),
    categories=COLOURS,
    events=True,
    death_causes=("left",),
)
