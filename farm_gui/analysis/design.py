"""What an analysis knows of an experiment's runs: each run's design point (experiment,
point, replicate, factor values) and the experiment's design (grid, lhs or sobol; the
factors in design order; Sobol second order). Read from the workspace's experiment
records (``Store.experiment_of_run``, ``Store.experiment_spec_text``) without importing
the experiments package (it sits above the analyses)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from .base import AnalysisError


@dataclass(frozen=True)
class DesignPoint:
    experiment: int
    point: int
    replicate: int
    factors: dict[str, Any] = field(default_factory=dict)

    def label(self) -> str:
        values = ", ".join(f"{k}={_short(v)}" for k, v in self.factors.items())
        return f"point {self.point}" + (f" ({values})" if values else "")


@dataclass(frozen=True)
class ExperimentDesign:
    experiment: int
    design: str  # grid | lhs | sobol
    factors: tuple[str, ...]  # in design order (SALib's variable order for a Sobol design)
    second_order: bool = False
    points: int | None = None  # design points planned (None: unknown)


def _short(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def design_point_of(store: Any, run_id: int) -> DesignPoint | None:
    read = getattr(store, "experiment_of_run", None)
    if read is None:
        return None
    info = read(run_id)
    if info is None:
        return None
    return DesignPoint(int(info.experiment_id), int(info.point), int(info.replicate), dict(info.factors))


def experiment_design_of(store: Any, experiment_id: int) -> ExperimentDesign:
    """The design of a stored experiment, from its spec as written."""
    try:
        spec = yaml.safe_load(store.experiment_spec_text(experiment_id)) or {}
    except yaml.YAMLError as err:
        raise AnalysisError(f"the spec of experiment {experiment_id} is unreadable: {err}") from None
    runs = getattr(store, "experiment_runs", None)
    points = None
    if runs is not None:
        points = len({r.point for r in runs(experiment_id)})
    return ExperimentDesign(experiment_id, str(spec.get("design", "grid")), tuple(spec.get("factors") or {}),
                            bool(spec.get("second_order", False)), points)


def one_experiment(sources: Sequence[Any]) -> tuple[ExperimentDesign, list[DesignPoint]]:
    """The experiment all these runs belong to and each run's design point; AnalysisError
    naming the first run that is not from it."""
    points = []
    for source in sources:
        point = source.design_point()
        if point is None:
            raise AnalysisError(f"{source.label} is not a run of an experiment (the module needs the runs "
                                "of one experiment: farm-gui analyze experiment:ID ...)")
        points.append(point)
    ids = sorted({p.experiment for p in points})
    if len(ids) > 1:
        raise AnalysisError(f"the runs come from experiments {', '.join(map(str, ids))}; "
                            "choose the runs of one experiment")
    return sources[0].experiment_design(), points
