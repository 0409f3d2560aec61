"""Hand-built runs for the analysis tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from farm_gui.config import ACTIONS, AGENT_TYPES, RunConfig
from farm_gui.sim import METRIC_NAMES


def metrics_frame(n_steps: int, **columns) -> pd.DataFrame:
    """A metrics frame with every metric column, zero unless given."""
    data = {name: np.zeros(n_steps) for name in METRIC_NAMES}
    data["step"] = np.arange(n_steps)
    for name, values in columns.items():
        assert name in data, name
        data[name] = np.asarray(values, dtype=float)
    if "alive" not in columns:
        data["alive"] = sum(data[f"alive_{t}"] for t in AGENT_TYPES)
    if not any(f"action_{a}" in columns for a in ACTIONS):
        data["action_pass"] = data["alive"]
    return pd.DataFrame(data)


def config(**overrides) -> RunConfig:
    counts = {f"{t}_agents": 0 for t in AGENT_TYPES}
    counts.update(overrides)
    return RunConfig(**counts)
