"""The experiment specification: a YAML file (or a mapping) saying which model, from which
parameters, which factors vary and how, the design, replications, steps, seed, an optional
stop condition and what each run keeps.

    model: foraging
    preset: default              # or base: {parameter: value, ...}; both: base overrides the preset
    factors:
      base_consumption_rate: {values: [0.1, 0.2]}
      max_resource_amount: {range: [10, 30, 10]}      # start, stop (included), step
      gather_efficiency: {uniform: [0.2, 0.8]}        # sampled designs only
      reproduction_cost: {loguniform: [1, 100]}
      initial_resources: {integer: [10, 40]}          # low, high (both included)
    design: grid                  # grid | lhs | sobol
    samples: 16                   # lhs: points; sobol: base sample N (a power of 2)
    replications: 3
    steps: 300
    seed: 42
    stop: {metric: alive, op: "<=", value: 0}        # optional
    keep: {snapshot_every: 0}     # world snapshots: 0 = none (default), k = every k steps

Every problem is reported with its field path (``factors.x.range``, ``base.width``, ...)
in a ``SpecError`` (a ``ConfigError``: the command line exits 2 with it).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from farm_gui.config import ConfigError
from farm_gui.config.io import parse_yaml, read_config_text

MAX_RUNS = 1_000_000
DISTRIBUTIONS = ("uniform", "loguniform", "integer")
KINDS = ("values", "range", *DISTRIBUTIONS)


class SpecError(ConfigError):
    """An experiment specification is not valid; ``problems`` are (field path, message)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Factor(_Strict):
    """One varied parameter: exactly one of the five ways of giving its values."""

    values: list[Any] | None = Field(None, min_length=1)
    range: list[float] | None = None
    uniform: list[float] | None = None
    loguniform: list[float] | None = None
    integer: list[int] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Factor:
        given = [k for k in KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of {', '.join(KINDS)} (got {', '.join(given) or 'none'})")
        return self

    @field_validator("range")
    @classmethod
    def _range(cls, v: list[float] | None) -> list[float] | None:
        if v is None:
            return v
        if len(v) != 3:
            raise ValueError("range is [start, stop, step]")
        start, stop, step = v
        if step <= 0:
            raise ValueError(f"the step must be positive (got {step})")
        if stop < start:
            raise ValueError(f"stop {stop} is below start {start}")
        if (stop - start) / step > 100_000:
            raise ValueError("more than 100,000 values: use a larger step")
        return v

    @field_validator("uniform", "loguniform", "integer")
    @classmethod
    def _bounds(cls, v: list[float] | None, info) -> list[float] | None:
        if v is None:
            return v
        if len(v) != 2:
            raise ValueError(f"{info.field_name} is [low, high]")
        low, high = v
        if not high > low:
            raise ValueError(f"high ({high}) must be above low ({low})")
        if info.field_name == "loguniform" and low <= 0:
            raise ValueError(f"a log-uniform factor needs low > 0 (got {low})")
        return v

    @property
    def kind(self) -> str:
        return next(k for k in KINDS if getattr(self, k) is not None)

    @property
    def is_distribution(self) -> bool:
        return self.kind in DISTRIBUTIONS

    def levels(self) -> list[Any]:
        """The discrete values (``values`` or an expanded ``range``); [] for a distribution."""
        if self.values is not None:
            return list(self.values)
        if self.range is not None:
            start, stop, step = self.range
            n = int(math.floor((stop - start) / step + 1e-9)) + 1
            ints = all(float(x).is_integer() for x in self.range)
            out = [start + i * step for i in range(n)]
            return [int(round(x)) for x in out] if ints else [round(x, 12) for x in out]
        return []

    def endpoints(self) -> list[Any]:
        """Values to check against the parameter's bounds."""
        if self.is_distribution:
            return list(getattr(self, self.kind))
        return self.levels()


_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq,
        "!=": operator.ne}


class StopSpec(_Strict):
    """Stop a run early once ``metric op value`` holds after a step."""

    metric: str
    op: Literal["<", "<=", ">", ">=", "==", "!="] = "<="
    value: float

    def __call__(self, metrics: Mapping[str, float]) -> bool:
        return bool(_OPS[self.op](float(metrics[self.metric]), self.value))


class KeepSpec(_Strict):
    snapshot_every: int = Field(0, ge=0, le=100_000_000)


class ExperimentSpec(_Strict):
    name: str | None = Field(None, max_length=200)
    model: str = "foraging"
    preset: str | None = None
    base: dict[str, Any] = Field(default_factory=dict)
    factors: dict[str, Factor] = Field(default_factory=dict)
    design: Literal["grid", "lhs", "sobol"] = "grid"
    samples: int | None = Field(None, ge=1, le=MAX_RUNS)
    second_order: bool = False  # sobol: also the second-order indices (N * (2D + 2) points)
    replications: int = Field(1, ge=1, le=100_000)
    steps: int | None = Field(None, ge=1, le=100_000_000)
    seed: int = Field(0, ge=0, le=2**63 - 1)
    stop: StopSpec | None = None
    keep: KeepSpec = Field(default_factory=KeepSpec)

    @model_validator(mode="after")
    def _design_needs(self) -> ExperimentSpec:
        from .designs import design_problems

        problems = design_problems(self)
        if problems:
            raise _FieldsProblems(problems)
        return self


class _FieldsProblems(ValueError):
    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(f"{p}: {m}" for p, m in problems))
        self.problems = problems


def _problems(err: ValidationError) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for e in err.errors(include_url=False):
        cause = e.get("ctx", {}).get("error")
        if isinstance(cause, _FieldsProblems):
            out += cause.problems
            continue
        path = ".".join(str(p) for p in e["loc"]) or "(spec)"
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown key"
        elif e["type"] == "missing":
            msg = "is required"
        elif "input" in e and not isinstance(e["input"], (dict, list)):
            msg = f"{msg} (got {e['input']!r})"
        out.append((path, msg))
    return out


def spec_from_dict(data: Any, source: str | None = None, *, check_model: bool = True) -> ExperimentSpec:
    """Validate a mapping into an ExperimentSpec; ``check_model`` also checks it against the
    model's declaration (parameters, their bounds, metrics, presets). SpecError otherwise."""
    if not isinstance(data, Mapping):
        kind = "empty" if data is None else f"a {type(data).__name__}, not a mapping"
        raise SpecError(source, [("", f"the experiment specification is {kind}")])
    try:
        spec = ExperimentSpec.model_validate(dict(data))
    except ValidationError as err:
        raise SpecError(source, _problems(err)) from None
    if check_model:
        from .plan import model_problems

        problems = model_problems(spec)
        if problems:
            raise SpecError(source, problems)
    return spec


def load_spec(path, *, check_model: bool = True) -> ExperimentSpec:
    src, text = read_config_text(path, kind="YAML")
    return spec_from_dict(parse_yaml(text, src), src, check_model=check_model)


def spec_from_text(text: str, source: str | None = None, *, check_model: bool = True) -> ExperimentSpec:
    return spec_from_dict(parse_yaml(text, source or "(spec)"), source, check_model=check_model)


def spec_to_text(spec: ExperimentSpec) -> str:
    """YAML text of the spec (what an experiment records, and reads back on resume)."""
    data = spec.model_dump(mode="json", exclude_none=True)
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=None)
