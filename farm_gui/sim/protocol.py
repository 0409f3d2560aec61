"""The model protocol every simulation model implements, and the names of the
foraging ecology's metrics and snapshot arrays.

A model is driven one step at a time by whoever owns it (the CLI loop, a GUI
worker thread, a test). It never touches a database or Qt; callers pull
metrics, snapshots and agent events from it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from farm_gui.config import ACTIONS, AGENT_TYPES

# Keys of the dict returned by Model.step(), in a stable order. "step" is the
# 0-based index of the step just performed.
METRIC_NAMES: tuple[str, ...] = (
    "step",
    "alive",
    *(f"alive_{t}" for t in AGENT_TYPES),
    "births",
    "deaths",
    "deaths_starvation",
    "deaths_combat",
    "resources_in_nodes",
    "mean_agent_resources",
    "mean_health",
    "mean_age",
    "max_generation",
    *(f"action_{a}" for a in ACTIONS),
    "resources_gathered",
    "resources_shared",
    "resources_consumed",
)

# Metrics that are counts (whole numbers): int in Model.step()'s dict, INTEGER in the store.
INTEGER_METRICS: frozenset[str] = frozenset(
    name for name in METRIC_NAMES
    if name in ("step", "alive", "births", "deaths", "max_generation")
    or name.startswith(("alive_", "deaths_", "action_"))
)
_INTEGER_POSITIONS = tuple(i for i, name in enumerate(METRIC_NAMES) if name in INTEGER_METRICS)

# Keys of the dict returned by Model.snapshot(). Agent arrays have one entry per
# agent slot the engine holds (living agents and possibly some dead ones: filter
# with agent_alive); node arrays have one entry per resource node.
SNAPSHOT_AGENT_KEYS: tuple[str, ...] = (
    "agent_id",  # int64, unique within a run, never reused
    "agent_type",  # int8 index into AGENT_TYPES
    "agent_x",  # float64
    "agent_y",  # float64
    "agent_resources",  # float64
    "agent_health",  # float64
    "agent_generation",  # int32
    "agent_alive",  # bool
)
SNAPSHOT_NODE_KEYS: tuple[str, ...] = ("node_x", "node_y", "node_amount")  # float64 each

# Agent life events, drained with Model.drain_agent_events().
BIRTH_KEYS: tuple[str, ...] = ("agent_id", "agent_type", "birth_step", "parent_id", "generation")
DEATH_KEYS: tuple[str, ...] = ("agent_id", "death_step", "cause")  # cause: DEATH_CAUSES index
DEATH_CAUSES: tuple[str, ...] = ("starvation", "combat")


@dataclass(frozen=True)
class StepBlock:
    """Several consecutive steps' metrics and action counts, as arrays."""

    table: np.ndarray  # float64 (steps, len(METRIC_NAMES)); whole-number metrics are exact
    actions: np.ndarray  # int64 (steps, len(AGENT_TYPES), len(ACTIONS))

    def __len__(self) -> int:
        return len(self.table)

    def last_row(self) -> dict[str, float]:
        """The block's last step's metrics, as ``rows()`` gives them."""
        return next(StepBlock(self.table[-1:], self.actions[-1:]).rows())

    def rows(self) -> Iterator[dict[str, float]]:
        """Each step's metrics as ``Model.step()`` returns them (whole numbers as int)."""
        for values in self.table.tolist():
            for i in _INTEGER_POSITIONS:
                values[i] = int(values[i])
            yield dict(zip(METRIC_NAMES, values, strict=True))


@runtime_checkable
class Model(Protocol):
    """What the runtime, the store and the CLI rely on."""

    step_index: int  # number of steps performed so far
    done: bool  # True once simulation_steps are done or no agent is alive

    def step(self) -> dict[str, float]:
        """Advance one step and return that step's metrics (METRIC_NAMES)."""
        ...

    def snapshot(self) -> dict[str, np.ndarray]:
        """Copies of the current state (SNAPSHOT_AGENT_KEYS + SNAPSHOT_NODE_KEYS)."""
        ...

    def action_counts(self) -> np.ndarray:
        """Actions taken in the last step: int64 array (len(AGENT_TYPES), len(ACTIONS))."""
        ...

    def drain_agent_events(self) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Births (BIRTH_KEYS) and deaths (DEATH_KEYS) since the previous call.

        The first call also returns the initial agents, with birth_step 0 and
        parent_id -1. A child born during step t has birth_step t + 1 (the first
        step it acts in); death_step is the step during which the agent died.
        """
        ...


@runtime_checkable
class Checkpointable(Protocol):
    """A model whose complete state can be saved and continued bit for bit (checkpoints,
    resume, fork). The state is a flat dict of NumPy arrays and int/float/str scalars with
    at least "engine" (str) and "state_version" (int); the engine's module-level
    ``restore_state(config, state)`` (``farm_gui.sim.restore_model``) builds it back."""

    def save_state(self) -> dict[str, object]:
        ...
