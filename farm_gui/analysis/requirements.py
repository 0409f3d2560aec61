"""What an analysis module needs from a run, checked against the run's model declaration.

A module lists its ``requires`` (count metrics per category, agent lifespans, a point
layer, the metric named by a parameter, ...). ``missing(spec, params)`` says, in words a
user can act on, what a model does not provide; a module is offered for a run (in the
window, by ``farm-gui analyze``) only when nothing is missing. Every check reads only
the declaration (``farm_gui.core.model.ModelSpec``) and the module's parameters, never
the store, so the window can filter its module list on the GUI thread.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from farm_gui.core.model import Metric, ModelSpec, PointLayer


class Requirement(ABC):
    """One thing a module needs. ``what`` names it ("agent lifespans (birth and death
    events)"); ``missing`` returns why a model does not provide it, or None."""

    what: str = ""

    @abstractmethod
    def missing(self, spec: ModelSpec, params: Any = None) -> str | None: ...

    def missing_in_run(self, source: Any) -> str | None:
        """A check of the run's own records (not its model), made before a module runs
        (not when the window lists modules): None when the run provides it."""
        return None


def count_metrics(spec: ModelSpec) -> list[Metric]:
    """The metrics that count a category, the first one per category, in the order of
    the model's categories (then any category the model did not list)."""
    first: dict[str, Metric] = {}
    for metric in spec.metrics:
        if metric.category is not None and metric.category not in first:
            first[metric.category] = metric
    order = [c.name for c in spec.categories if c.name in first]
    order += [c for c in first if c not in order]
    return [first[c] for c in order]


def point_layers(spec: ModelSpec, fields: Sequence[str] = ()) -> list[PointLayer]:
    return [layer for layer in spec.layers
            if isinstance(layer, PointLayer) and all(f in layer.fields for f in fields)]


@dataclass(frozen=True)
class CategoryCounts(Requirement):
    what: str = "count metrics per category (metrics declared with a category)"

    def missing(self, spec: ModelSpec, params: Any = None) -> str | None:
        if count_metrics(spec):
            return None
        return f"model {spec.name!r} declares no metric that counts a category"


@dataclass(frozen=True)
class AgentEvents(Requirement):
    what: str = "agent lifespans (birth and death events)"

    def missing(self, spec: ModelSpec, params: Any = None) -> str | None:
        return None if spec.events else f"model {spec.name!r} records no agent birth and death events"


@dataclass(frozen=True)
class PointLayerWith(Requirement):
    """A point layer (positions x, y) with these fields; when the module's parameters name
    a layer (``layer_param``), that layer must be one."""

    fields: tuple[str, ...] = ()
    layer_param: str = "layer"

    @property
    def what(self) -> str:  # type: ignore[override]
        if not self.fields:
            return "a point layer with positions"
        names = " and ".join(f"a {f} field" for f in self.fields)
        return f"a point layer with {names}"

    def missing(self, spec: ModelSpec, params: Any = None) -> str | None:
        wanted = getattr(params, self.layer_param, None) if params is not None else None
        fitting = point_layers(spec, self.fields)
        if wanted is not None:
            if any(layer.name == wanted for layer in fitting):
                return None
            names = ", ".join(layer.name for layer in fitting) or "none"
            return (f"model {spec.name!r} has no {self.what[2:]} named {wanted!r} "
                    f"(layers that fit: {names})")
        if fitting:
            return None
        return f"model {spec.name!r} has no {self.what[2:]}"


@dataclass(frozen=True)
class MetricNamed(Requirement):
    """The metric a parameter names (None: the module picks one, see ``default_metric``)."""

    param: str = "metric"

    @property
    def what(self) -> str:  # type: ignore[override]
        return f"the metric named by the {self.param!r} parameter"

    def missing(self, spec: ModelSpec, params: Any = None) -> str | None:
        name = getattr(params, self.param, None) if params is not None else None
        if name is None:
            return None if spec.metrics else f"model {spec.name!r} declares no metrics"
        if name in spec.metric_names:
            return None
        return (f"model {spec.name!r} has no metric {name!r} (its metrics: "
                f"{', '.join(spec.metric_names)})")


@dataclass(frozen=True)
class ModelIs(Requirement):
    """A model's own module: only that model's runs."""

    models: tuple[str, ...] = ()

    @property
    def what(self) -> str:  # type: ignore[override]
        return "a run of model " + " or ".join(repr(m) for m in self.models)

    def missing(self, spec: ModelSpec, params: Any = None) -> str | None:
        return None if spec.name in self.models else f"the run's model is {spec.name!r}"


@dataclass(frozen=True)
class ExperimentRuns(Requirement):
    """Runs of an experiment (their design points and the experiment's design)."""

    what: str = "runs of an experiment (design points)"

    def missing(self, spec: ModelSpec, params: Any = None) -> str | None:
        return None

    def missing_in_run(self, source: Any) -> str | None:
        design = getattr(source, "design_point", None)
        if design is not None and design() is not None:
            return None
        return f"{source.label} is not a run of an experiment"


def default_metric(spec: ModelSpec) -> str:
    """The metric a module uses when none is named: the model's first declared metric."""
    return spec.metrics[0].name


def unmet(requirements: Sequence[Requirement], spec: ModelSpec, params: Any = None) -> list[tuple[str, str]]:
    """(what is needed, why the model does not provide it) for each unmet requirement."""
    out = []
    for requirement in requirements:
        reason = requirement.missing(spec, params)
        if reason is not None:
            out.append((requirement.what, reason))
    return out
