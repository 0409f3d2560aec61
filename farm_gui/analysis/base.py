"""What every analysis module shares: the progress/stop control a module reports
to, the result it returns, and the registry modules enter themselves in.

A module is a plain function ``compute(sources, params, ctl) -> AnalysisResult``
over one or more runs. It works in chunks and calls ``ctl.checkpoint(fraction,
message)`` between them; the caller's control may block there (paused) or raise
``Stopped`` (``farm_gui.core.jobs``, the control every job shares). Nothing here
knows about Qt or threads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from farm_gui.core.model import ModelSpec

    from .requirements import Requirement
    from .source import RunSource


class AnalysisError(ValueError):
    """Bad input to an analysis (unknown module, bad parameters, unusable data)."""


class Control(Protocol):
    def checkpoint(self, fraction: float, message: str = "") -> None:
        """Report progress (0..1); may block while paused or raise ``Stopped``."""
        ...


class NullControl:
    """A control that never pauses or stops (notebooks, the command line)."""

    def checkpoint(self, fraction: float, message: str = "") -> None:
        return None


class ScaledControl:
    """Maps a sub-task's 0..1 progress into ``[lo, hi]`` of a parent control."""

    def __init__(self, parent: Control, lo: float, hi: float, prefix: str = ""):
        self.parent, self.lo, self.hi, self.prefix = parent, lo, hi, prefix

    def checkpoint(self, fraction: float, message: str = "") -> None:
        fraction = min(max(fraction, 0.0), 1.0)
        text = f"{self.prefix}{message}" if self.prefix else message
        self.parent.checkpoint(self.lo + (self.hi - self.lo) * fraction, text)


class ModuleParams(BaseModel):
    """Base of every module's parameter schema (unknown keys are errors)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


@dataclass
class AnalysisResult:
    """Tables, plottable series and a short summary, plus what produced them.

    ``series`` maps "plot/curve" names to ``{"x": ..., "y": ...}`` (optionally
    "lo"/"hi" for a band) or, for a density map, ``{"image": 2-D array, "x": edges,
    "y": edges}``. Curves sharing the part before "/" belong on one plot.
    """

    module: str
    params: dict[str, Any] = field(default_factory=dict)
    run_ids: list[int] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    series: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    summary: dict[str, str | float] = field(default_factory=dict)

    def plot_groups(self) -> dict[str, list[str]]:
        """Series names grouped by plot (the part of the name before "/")."""
        groups: dict[str, list[str]] = {}
        for name in self.series:
            groups.setdefault(name.split("/", 1)[0], []).append(name)
        return groups


ComputeFn = Callable[[Sequence["RunSource"], Any, Control], AnalysisResult]


@dataclass(frozen=True)
class AnalysisModule:
    name: str
    title: str
    description: str
    params_model: type[ModuleParams]
    compute: ComputeFn
    min_runs: int = 1
    # What the module needs from a run's model (requirements.py); it is offered only for
    # runs whose model provides all of it.
    requires: tuple[Requirement, ...] = ()
    # Fills parameters left to the module from the runs' models (e.g. the metric to
    # compare), so the stored parameters say what was used: (params, sources) -> params.
    prepare: Callable[[Any, Sequence[RunSource]], Any] | None = None

    def unmet(self, spec: ModelSpec, params: Any = None) -> list[tuple[str, str]]:
        """(what is needed, why this model does not provide it) for each unmet requirement."""
        from .requirements import unmet

        return unmet(self.requires, spec, params)

    def applies_to(self, spec: ModelSpec, params: Any = None) -> bool:
        return not self.unmet(spec, params)

    def parse_params(self, params: dict[str, Any] | None) -> ModuleParams:
        """Validate ``params``; AnalysisError names each bad field."""
        from pydantic import ValidationError

        try:
            return self.params_model.model_validate(params or {})
        except ValidationError as err:
            problems = [
                f"{'.'.join(str(p) for p in e['loc']) or '(params)'}: {e['msg']}"
                for e in err.errors(include_url=False)
            ]
            raise AnalysisError(f"bad parameters for module {self.name!r}: " + "; ".join(problems)) from None


_REGISTRY: dict[str, AnalysisModule] = {}


def register(module: AnalysisModule) -> AnalysisModule:
    _REGISTRY[module.name] = module
    return module


def registered_modules() -> dict[str, AnalysisModule]:
    return dict(_REGISTRY)
