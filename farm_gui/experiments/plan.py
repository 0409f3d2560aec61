"""From a spec to the runs of an experiment: each run's parameters (base + the design
point's factor values + its seed), design point, replicate and seed; and the checks of a
spec against the model's declaration (parameter names and bounds, presets, metrics)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from farm_gui.config.io import did_you_mean
from farm_gui.core.model import ModelSpec, RunParameters
from farm_gui.core.registry import get_model

from .designs import design_points, run_seeds
from .spec import ExperimentSpec, StopSpec


@dataclass(frozen=True)
class RunTask:
    """One run of an experiment, as sent to a worker (picklable, no database)."""

    index: int  # point * replications + replicate
    point: int
    replicate: int
    seed: int
    factors: dict[str, Any]
    model: str
    params: dict[str, Any]  # the model's parameters, JSON-ready (seed included)
    steps: int
    keep_every: int = 0
    stop: StopSpec | None = None


def _set_path(data: dict[str, Any], dotted: str, value: Any) -> bool:
    """Set ``a.b.c`` in nested dicts; False when a level on the way is not a mapping."""
    parts = dotted.split(".")
    node = data
    for p in parts[:-1]:
        nxt = node.get(p)
        if not isinstance(nxt, dict):
            return False
        node = nxt
    node[parts[-1]] = value
    return True


def _merge(into: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            _merge(into[k], v)
        else:
            into[k] = v
    return into


def _messages(err: ValidationError) -> list[tuple[str, str]]:
    out = []
    for e in err.errors(include_url=False):
        path = ".".join(str(p) for p in e["loc"])
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "not a parameter of this model"
        out.append((path, msg))
    return out


def base_parameters(spec: ExperimentSpec, model: ModelSpec) -> dict[str, Any]:
    """The base parameters as a JSON-ready dict: preset, then ``base``, then steps and keep."""
    data = model.preset(spec.preset or "default").model_dump(mode="json", by_alias=True)
    _merge(data, copy.deepcopy(spec.base))
    if spec.steps is not None:
        data["simulation_steps"] = spec.steps
    data["snapshot_every"] = spec.keep.snapshot_every
    return data


def model_problems(spec: ExperimentSpec) -> list[tuple[str, str]]:
    """What is wrong with ``spec`` for its model (empty when it can run)."""
    try:
        model = get_model(spec.model)
    except KeyError as err:
        return [("model", str(err))]
    if spec.preset is not None and spec.preset not in model.preset_names:
        return [("preset", f"model {model.name!r} has no preset {spec.preset!r}; available: "
                 f"{', '.join(model.preset_names)}")]
    out: list[tuple[str, str]] = []
    base = base_parameters(spec, model)
    try:
        model.parameters.model_validate(base)
    except ValidationError as err:
        for path, msg in _messages(err):
            top = path.split(".")[0]
            where = "steps" if top == "simulation_steps" and spec.steps is not None else \
                "keep.snapshot_every" if top == "snapshot_every" else f"base.{path}" if path else "base"
            out.append((where, msg))
        return out
    for name, factor in spec.factors.items():
        where = f"factors.{name}"
        hint = did_you_mean(name, model.parameters.model_fields)
        unknown = f"not a parameter of model {model.name!r}{hint}"
        if name == "seed":
            out.append((where, "the seed is not a factor: each run's seed comes from the experiment's seed"))
            continue
        for value in factor.endpoints():
            data = copy.deepcopy(base)
            if not _set_path(data, name, value):
                out.append((where, unknown))
                break
            try:
                model.parameters.model_validate(data)
            except ValidationError as err:
                msgs = _messages(err)
                if any(m == "not a parameter of this model" for _, m in msgs):
                    out.append((where, unknown))
                    break
                out.append((where, f"value {value!r}: " + "; ".join(
                    m if p in (name, "") else f"{p}: {m}" for p, m in msgs)))  # "": the whole model's
    if spec.stop is not None and spec.stop.metric not in model.metric_names:
        out.append(("stop.metric", f"model {model.name!r} has no metric {spec.stop.metric!r}; "
                    f"available: {', '.join(model.metric_names)}"))
    if out:
        return out
    bad = 0
    for i, point in enumerate(design_points(spec)):
        data = copy.deepcopy(base)
        for name, value in point.items():
            _set_path(data, name, value)
        try:
            model.parameters.model_validate(data)
        except ValidationError as err:
            text = ", ".join(f"{k}={v!r}" for k, v in point.items())
            out.append(("factors", f"design point {i} ({text}) is not valid: "
                        + "; ".join(f"{p}: {m}" for p, m in _messages(err))))
            bad += 1
            if bad >= 5:
                break
    return out


@dataclass(frozen=True)
class ExperimentPlan:
    spec: ExperimentSpec
    model: ModelSpec
    points: list[dict[str, Any]]
    tasks: list[RunTask]

    @property
    def n_runs(self) -> int:
        return len(self.tasks)


def build_plan(spec: ExperimentSpec) -> ExperimentPlan:
    """Every run of the experiment, in order (run index = point * replications + replicate)."""
    model = get_model(spec.model)
    base = base_parameters(spec, model)
    points = design_points(spec)
    seeds = run_seeds(spec.seed, len(points) * spec.replications)
    tasks = []
    for p, point in enumerate(points):
        data = copy.deepcopy(base)
        for name, value in point.items():
            _set_path(data, name, value)
        params: RunParameters = model.parameters.model_validate(data)
        for r in range(spec.replications):
            index = p * spec.replications + r
            run_params = params.model_copy(update={"seed": seeds[index]})
            tasks.append(RunTask(
                index=index, point=p, replicate=r, seed=seeds[index], factors=dict(point), model=model.name,
                params=run_params.model_dump(mode="json", by_alias=True),
                steps=int(run_params.simulation_steps), keep_every=spec.keep.snapshot_every, stop=spec.stop))
    return ExperimentPlan(spec, model, points, tasks)
