"""Simulation engines: pure NumPy (and numba kernels), no Qt, no database."""

from farm_gui.config import RunConfig

from .protocol import (
    BIRTH_KEYS,
    DEATH_CAUSES,
    DEATH_KEYS,
    METRIC_NAMES,
    SNAPSHOT_AGENT_KEYS,
    SNAPSHOT_NODE_KEYS,
    Model,
)

MODELS = ("foraging",)


def build_model(config: RunConfig, model: str = "foraging") -> Model:
    """Build a ready-to-step model for ``config``."""
    if model != "foraging":
        raise ValueError(f"unknown model {model!r}; available: {', '.join(MODELS)}")
    from .foraging import ForagingModel

    return ForagingModel(config)


def restore_model(config: RunConfig, state: dict, model: str = "foraging") -> Model:
    """A model continuing from ``state`` (what its ``save_state()`` returned, e.g. read
    back from a checkpoint). Raises ValueError (a message) for a state it cannot use."""
    if model != "foraging":
        raise ValueError(f"unknown model {model!r}; available: {', '.join(MODELS)}")
    from .foraging import ForagingModel

    return ForagingModel.restore_state(config, state)


__all__ = [
    "BIRTH_KEYS",
    "DEATH_CAUSES",
    "DEATH_KEYS",
    "METRIC_NAMES",
    "MODELS",
    "SNAPSHOT_AGENT_KEYS",
    "SNAPSHOT_NODE_KEYS",
    "Model",
    "build_model",
    "restore_model",
]
