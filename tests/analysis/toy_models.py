"""Two small model declarations for the analysis tests (registered in-process by the
tests that store runs): a wealth-exchange model (a point layer with a value field, a
Gini metric, no categories, no events) and a two-species model (category counts,
birth and death events, a point layer with categories)."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from farm_gui.core.model import Category, Chart, Metric, ModelSpec, PointLayer, RunParameters


def gini_by_pairs(values: np.ndarray) -> float:
    """Gini as the mean absolute difference over all pairs / (2 * mean): independent of
    the sorted-rank formula the analysis uses."""
    v = np.asarray(values, dtype=float)
    return float(np.abs(v[:, None] - v[None, :]).sum() / (2 * len(v) ** 2 * v.mean()))


class ExchangeParams(RunParameters):
    agents: int = Field(50, ge=2, le=100_000, description="Agents")
    size: int = Field(10, ge=2, le=1000, description="Cells per side")


class ExchangeEngine:
    """Every agent with wealth moves to a random cell and gives one unit to a random agent."""

    def __init__(self, params: ExchangeParams, seed: int):
        self.params = params
        self.rng = np.random.default_rng(seed)
        self.wealth = np.ones(params.agents, dtype=np.int64)
        self.x = self.rng.integers(0, params.size, params.agents).astype(float)
        self.y = self.rng.integers(0, params.size, params.agents).astype(float)
        self.step_index = 0
        self.done = False

    def step(self) -> dict[str, float]:
        n = self.params.agents
        self.x = self.rng.integers(0, self.params.size, n).astype(float)
        self.y = self.rng.integers(0, self.params.size, n).astype(float)
        for giver in self.rng.permutation(n):
            if self.wealth[giver] > 0:
                self.wealth[giver] -= 1
                self.wealth[self.rng.integers(0, n)] += 1
        self.step_index += 1
        return {"gini": gini_by_pairs(self.wealth), "richest": float(self.wealth.max())}

    def layers(self) -> dict[str, dict[str, np.ndarray]]:
        return {"agents": {"x": self.x.copy(), "y": self.y.copy(), "value": self.wealth.astype(float)}}


EXCHANGE = ModelSpec(
    name="toy_exchange",
    version="1.0",
    description="Agents hand one unit of wealth to a random agent each step.",
    parameters=ExchangeParams,
    create_engine=lambda params, seed: ExchangeEngine(params, seed),
    metrics=(Metric("gini", "Gini coefficient", chart="inequality"),
             Metric("richest", "Wealth of the richest", integer=True, chart="inequality")),
    charts=(Chart("inequality", "Inequality"),),
    layers=(PointLayer("agents", "Agents", fields=("value",)),),
    world_size=lambda p: (p.size, p.size),
)

SPECIES = (Category("fox", "#d62728"), Category("hare", "#2ca02c"))


class TwoSpeciesParams(RunParameters):
    foxes: int = Field(5, ge=0, description="Foxes at the start")
    hares: int = Field(20, ge=0, description="Hares at the start")


TWO_SPECIES = ModelSpec(
    name="toy_species",
    version="1.0",
    description="Foxes and hares (data only: the tests build its runs by hand).",
    parameters=TwoSpeciesParams,
    create_engine=lambda params, seed: None,  # never stepped
    metrics=(Metric("foxes", "Foxes", integer=True, chart="population", category="fox"),
             Metric("hares", "Hares", integer=True, chart="population", category="hare"),
             Metric("animals", "Animals", integer=True, chart="population"),
             Metric("grass", "Grass", chart="grass")),
    charts=(Chart("population", "Animals"), Chart("grass", "Grass")),
    layers=(PointLayer("animals", "Animals", fields=("category", "id"), categories=SPECIES),),
    categories=SPECIES,
    events=True,
    death_causes=("eaten", "starved"),
    world_size=lambda p: (100.0, 100.0),
)
