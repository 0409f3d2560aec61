"""A finished run's results held in memory: what a headless worker (an experiment's
process-pool or Dask worker) sends back to the one process that owns the workspace,
which writes it with ``Store.save_result(run_id, result)``."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class RunResult:
    model: str
    model_version: str
    seed: int
    # metric name -> one value per step performed, plus "step" (0, 1, ... n-1); the row of
    # step k holds the state after k + 1 steps (the project's step numbering).
    metrics: dict[str, np.ndarray]
    status: str = "finished"  # finished | stopped | failed
    error: str | None = None
    # (step, layers) world snapshots kept by the spec: step = steps performed (0 = initial world)
    snapshots: list[tuple[int, dict[str, dict[str, np.ndarray]]]] = field(default_factory=list)
    births: dict[str, np.ndarray] | None = None  # BIRTH_KEYS arrays (models with events)
    deaths: dict[str, np.ndarray] | None = None  # DEATH_KEYS arrays
    elapsed_s: float = 0.0

    @property
    def steps_done(self) -> int:
        steps = self.metrics.get("step")
        return 0 if steps is None else int(len(steps))
