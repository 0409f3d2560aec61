"""Fixtures of the fault-injection suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from farm_gui.config import RunConfig


def small_config(steps: int = 200, **overrides) -> RunConfig:
    """The default preset with a chosen number of steps (a fast run)."""
    return RunConfig(simulation_steps=steps, **overrides)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A private folder for databases, exports and child-process output."""
    d = tmp_path / "work"
    d.mkdir()
    return d
