"""Two small models declared like any plug-in, registered in-process for the window's
tests (the built-in models land on their own branches): a grid of two kinds of cells
with walkers on it (a category raster and points with category and size), and a
wealth exchange (points with a value)."""

from __future__ import annotations

import numpy as np

from farm_gui.core import registry
from farm_gui.core.model import (
    Category,
    Chart,
    Metric,
    ModelSpec,
    PointLayer,
    RasterLayer,
    RunParameters,
    group_field,
)

CELLS = (Category("empty", "#f0f0f0"), Category("grass", "#2ca02c"), Category("rock", "#7f7f7f"))
WALKERS = (Category("red", "#d62728"), Category("blue", "#1f77b4"))


class GridParams(RunParameters):
    width: int = group_field(20, "Cells across", "World", ge=2, le=500)
    height: int = group_field(12, "Cells down", "World", ge=2, le=500)
    walkers: int = group_field(15, "Walkers", "Agents", ge=0, le=10_000)
    grow: float = group_field(0.1, "Chance that an empty cell grows grass", "World", ge=0, le=1)


class GridEngine:
    def __init__(self, p: GridParams, seed: int):
        self.p, self.rng = p, np.random.default_rng(seed)
        self.cells = self.rng.integers(0, 3, size=(p.height, p.width)).astype(np.uint8)
        self.x = self.rng.uniform(0, p.width, p.walkers)
        self.y = self.rng.uniform(0, p.height, p.walkers)
        self.kind = (np.arange(p.walkers) % 2).astype(np.uint8)
        self.size = self.rng.uniform(1, 3, p.walkers)
        self.step_index, self.done = 0, False

    def step(self):
        empty = self.cells == 0
        self.cells[empty & (self.rng.random(self.cells.shape) < self.p.grow)] = 1
        eaten = self.rng.random(self.cells.shape) < 0.05
        self.cells[(self.cells == 1) & eaten] = 0
        self.x = np.clip(self.x + self.rng.normal(0, 0.5, self.x.size), 0, self.p.width)
        self.y = np.clip(self.y + self.rng.normal(0, 0.5, self.y.size), 0, self.p.height)
        self.step_index += 1
        return {"grass": float((self.cells == 1).sum()), "empty": float((self.cells == 0).sum()),
                "red": float((self.kind == 0).sum()), "blue": float((self.kind == 1).sum()),
                "spread": float(self.x.std())}

    def layers(self):
        return {"cells": {"values": self.cells.copy()},
                "walkers": {"x": self.x.copy(), "y": self.y.copy(), "category": self.kind.copy(),
                            "size": self.size.copy()}}


GRID = ModelSpec(
    name="toy_grid", version="0.1", title="Toy grid", description="Walkers on a grid of grass.",
    parameters=GridParams, create_engine=GridEngine,
    metrics=(Metric("grass", "grass cells", "cells", integer=True, chart="cells", color="#2ca02c"),
             Metric("empty", "empty cells", "cells", integer=True, chart="cells", color="#bbbbbb"),
             Metric("red", "red walkers", "walkers", integer=True, chart="walkers", category="red"),
             Metric("blue", "blue walkers", "walkers", integer=True, chart="walkers", category="blue"),
             Metric("spread", "spread", "cells")),
    charts=(Chart("cells", "Cells", "cells"), Chart("walkers", "Walkers", "walkers")),
    layers=(RasterLayer("cells", "Cells", mode="category", categories=CELLS),
            PointLayer("walkers", "Walkers", fields=("category", "size"), categories=WALKERS)),
    presets={"small": {"width": 8, "height": 6, "walkers": 4}, "crowded": {"walkers": 400}},
    world_size=lambda p: (p.width, p.height), categories=WALKERS,
)


class WealthParams(RunParameters):
    agents: int = group_field(50, "Agents", "Agents", ge=1, le=100_000)
    side: float = group_field(10.0, "World side", "World", gt=0, le=1000)


class WealthEngine:
    def __init__(self, p: WealthParams, seed: int):
        self.rng = np.random.default_rng(seed)
        self.x = self.rng.uniform(0, p.side, p.agents)
        self.y = self.rng.uniform(0, p.side, p.agents)
        self.wealth = np.ones(p.agents)
        self.step_index, self.done = 0, False

    def step(self):
        giver = self.rng.integers(0, self.wealth.size, self.wealth.size)
        taker = self.rng.integers(0, self.wealth.size, self.wealth.size)
        for g, t in zip(giver, taker, strict=True):
            if self.wealth[g] >= 1:
                self.wealth[g] -= 1
                self.wealth[t] += 1
        self.step_index += 1
        w = np.sort(self.wealth)
        n = w.size
        gini = float((2 * np.arange(1, n + 1) - n - 1) @ w / (n * w.sum()))
        return {"gini": gini, "spread": float(self.x.std()), "richest": float(w[-1])}

    def layers(self):
        return {"agents": {"x": self.x.copy(), "y": self.y.copy(), "value": self.wealth.copy()}}


WEALTH = ModelSpec(
    name="toy_wealth", version="0.1", title="Toy wealth", description="Agents give each other money.",
    parameters=WealthParams, create_engine=WealthEngine,
    metrics=(Metric("gini", "Gini", "", chart="inequality", color="#9467bd"),
             Metric("richest", "richest", "money", chart="inequality", color="#ff7f0e"),
             Metric("spread", "spread", "cells", chart="space", color="#1f77b4")),
    charts=(Chart("inequality", "Inequality", "Gini"), Chart("space", "Space", "spread")),
    layers=(PointLayer("agents", "Agents", fields=("value",), color="#e377c2"),),
    world_size=lambda p: (p.side, p.side),
)


def register_toys() -> None:
    registry.register(GRID)
    registry.register(WEALTH)


def unregister_toys() -> None:
    registry.unregister(GRID.name)
    registry.unregister(WEALTH.name)
