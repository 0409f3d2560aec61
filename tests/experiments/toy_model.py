"""A tiny model for the experiment tests, registered in-process (``registry.register``);
experiment workers import this module first (``preload``) so that they know it too.

Walkers take Gaussian steps; ``fail_at`` > 0 makes step ``fail_at`` raise; ``step_sleep``
slows every step (for cancel tests); ``exit_at`` > 0 ends the worker process at that step
(a crash: only in a child process, never in the test's own)."""

from __future__ import annotations

import multiprocessing
import os
import time

import numpy as np

from farm_gui.core import registry
from farm_gui.core.model import Metric, ModelSpec, PointLayer, RunParameters, group_field

NAME = "exp_toy"
MODULE = __name__


class ToyParameters(RunParameters):
    n_walkers: int = group_field(20, "walkers", "Model", ge=1, le=10_000)
    step_size: float = group_field(1.0, "step size", "Model", gt=0, le=100)
    fail_at: int = group_field(0, "raise at this step (0 = never)", "Model", ge=0)
    step_sleep: float = group_field(0.0, "seconds slept per step", "Model", ge=0, le=5)
    exit_at: int = group_field(0, "end the worker process at this step (0 = never)", "Model", ge=0)


class ToyEngine:
    def __init__(self, params: ToyParameters, seed: int):
        self.p = params
        self.rng = np.random.default_rng(seed)
        self.x = np.zeros(params.n_walkers)
        self.y = np.zeros(params.n_walkers)
        self.step_index = 0
        self.done = False

    def step(self):
        if self.p.step_sleep:
            time.sleep(self.p.step_sleep)
        if self.p.fail_at and self.step_index + 1 >= self.p.fail_at:
            raise RuntimeError(f"toy failure at step {self.step_index + 1}")
        if self.p.exit_at and self.step_index + 1 >= self.p.exit_at and multiprocessing.parent_process():
            os._exit(3)
        self.x += self.rng.normal(0, self.p.step_size, self.x.size)
        self.y += self.rng.normal(0, self.p.step_size, self.y.size)
        self.step_index += 1
        self.done = self.step_index >= self.p.simulation_steps
        r = np.hypot(self.x, self.y)
        return {"mean_distance": float(r.mean()), "far": int((r > 3 * self.p.step_size).sum())}

    def layers(self):
        return {"walkers": {"x": self.x.copy(), "y": self.y.copy()}}


SPEC = ModelSpec(
    name=NAME,
    version="1",
    description="Gaussian walkers (tests)",
    parameters=ToyParameters,
    create_engine=lambda params, seed: ToyEngine(params, seed),
    metrics=(Metric("mean_distance", "mean distance"), Metric("far", "far walkers", integer=True)),
    layers=(PointLayer("walkers", "Walkers"),),
    presets={"tiny": {"n_walkers": 5, "simulation_steps": 10}},
)

registry.register(SPEC)
