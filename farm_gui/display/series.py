"""What a chart draws from: the metric series of one run, live or stored."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from farm_gui.config import AGENT_TYPES, RunConfig
from farm_gui.core.model import ModelSpec
from farm_gui.core.registry import get_model
from farm_gui.runtime.live_buffer import LiveBuffer, SeriesSnapshot

TYPE_COLORS = {
    "system": "#1f77b4",
    "independent": "#d62728",
    "control": "#2ca02c",
    "order": "#9467bd",
    "chaos": "#8c564b",
}
RUN_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")


class StoredSeries:
    """Metrics loaded from the store, presented like a live buffer snapshot."""

    def __init__(self, metrics: dict[str, np.ndarray]):
        names = tuple(metrics)
        length = len(next(iter(metrics.values()))) if metrics else 0
        data = np.empty((len(names), length))
        for i, name in enumerate(names):
            data[i] = metrics[name]
        self._snapshot = SeriesSnapshot(length, names, data)

    def snapshot(self) -> SeriesSnapshot:
        return self._snapshot

    def __len__(self) -> int:
        return self._snapshot.length


@dataclass
class RunSeries:
    """One run as the charts see it."""

    run_id: int
    name: str
    source: LiveBuffer | StoredSeries
    types: tuple[str, ...] = field(default_factory=lambda: AGENT_TYPES[:3])
    color: str = RUN_COLORS[0]
    model: ModelSpec | None = None  # the run's model (None: the default model)

    @property
    def spec(self) -> ModelSpec:
        return self.model if self.model is not None else get_model(None)

    @property
    def live(self) -> bool:
        return isinstance(self.source, LiveBuffer)

    @staticmethod
    def types_of(config: RunConfig | None) -> tuple[str, ...]:
        """The foraging ecology's agent types present in a run (its first three by default)."""
        if config is None or not isinstance(config, RunConfig):
            return AGENT_TYPES[:3]
        present = tuple(t for t, n in config.agent_counts().items() if n > 0)
        return present or AGENT_TYPES[:3]
