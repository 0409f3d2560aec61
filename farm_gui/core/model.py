"""What a model declares, so that the store, the window, the command line and the analyses
learn everything model-specific from it (and from nothing else).

A model is a ``ModelSpec``: its parameters (a pydantic model deriving from
``RunParameters``), named presets, the metrics its engine reports each step, the world
layers it can hand out for snapshots, whether it has agent life events, and the default
charts. ``spec.create_engine(params, seed)`` builds a ready-to-step ``Engine``.

Conventions every engine follows (the runtime relies on them):
- ``engine.step()`` performs one step and returns that step's metrics: a mapping with a
  finite number for every declared metric (extra keys are ignored). The runtime numbers
  the step itself: the row of the n-th step performed has ``step = n - 1``, holding the
  state *after* that step.
- ``engine.step_index`` is the number of steps performed so far; ``engine.done`` turns
  True when the model has nothing more to do (Schelling: everyone is happy); the runtime
  also stops at ``params.simulation_steps``.
- ``engine.layers()`` returns copies of the world's current layers, by layer name: a
  point layer as ``{"x": float64[n], "y": float64[n], <declared fields>: [n]}``, a raster
  layer as ``{"values": array[height, width]}`` (uint8 codes for a category raster,
  float for a value raster).
- ``engine.drain_events()`` (models with ``events=True``): births and deaths since the
  previous call, as two dicts of arrays with the keys BIRTH_KEYS / DEATH_KEYS below; the
  first call also returns the initial agents (birth_step 0, parent_id -1).
- Optional, for bit-identical resume and fork: ``engine.save_state() -> dict`` (NumPy
  arrays and int/float/str scalars) and ``spec.restore_engine(params, state)``.
- Optional, for speed: ``engine.step_many(max_steps)`` makes up to ``max_steps`` steps (fewer
  when done) exactly as ``step()`` would and returns their metrics as a float array, a row
  per step and a column per declared metric (``spec.metric_names`` order). Headless runs
  (experiments) then step in blocks unless a stop condition must see every step.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

BIRTH_KEYS: tuple[str, ...] = ("agent_id", "agent_type", "birth_step", "parent_id", "generation")
DEATH_KEYS: tuple[str, ...] = ("agent_id", "death_step", "cause")

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def group_field(default: Any, description: str, group: str, **bounds: Any) -> Any:
    """A parameter with a description and the form group it is shown in."""
    return Field(default, description=description, json_schema_extra={"group": group}, **bounds)


class RunParameters(BaseModel):
    """The fields every model's parameters have (a model's parameter class derives from
    this one and adds its own, each with a description, a group and bounds)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    simulation_steps: int = group_field(1000, "Number of steps to simulate", "Run", ge=1, le=100_000_000)
    seed: int = group_field(1, "Random seed; the same seed and parameters give the same run", "Run",
                            ge=0, le=2**63 - 1)
    snapshot_every: int = group_field(10, "Store the world every N steps (0 = never)", "Run",
                                      ge=0, le=100_000_000)


@dataclass(frozen=True)
class Category:
    """One value of a categorical field or raster (code = its index in the declaration)."""

    name: str
    color: str  # "#rrggbb"
    label: str = ""

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    unit: str = ""
    integer: bool = False
    chart: str | None = None  # the default chart it is drawn in (a Chart.name), if any
    category: str | None = None  # the category it counts (a population count), if any
    color: str | None = None  # curve colour; defaults to its category's colour
    # It counts what happened during each step (moves, births): 0 in a state that stays.
    per_step: bool = False


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    y_label: str = ""


@dataclass(frozen=True)
class PointLayer:
    """Agents (or anything else) at positions. ``fields`` are the arrays besides x and y:
    any of "category" (codes into ``categories``), "size", "value", "id"."""

    name: str
    label: str
    fields: tuple[str, ...] = ()
    categories: tuple[Category, ...] = ()
    color: str = "#1f77b4"  # when there is no category
    kind: Literal["points"] = "points"
    size_means: str = ""  # what a point's size ("size" or "value") shows, for the key (default: the field)


@dataclass(frozen=True)
class RasterLayer:
    """A grid of cells covering the world: a category per cell (uint8 codes into
    ``categories``) or a value per cell drawn with ``colormap`` between ``value_range``."""

    name: str
    label: str
    mode: Literal["category", "value"] = "value"
    categories: tuple[Category, ...] = ()
    colormap: tuple[str, str] = ("#f7fbff", "#08306b")  # low, high
    value_range: tuple[float, float] | None = None  # None: the data's own range
    kind: Literal["raster"] = "raster"


Layer = PointLayer | RasterLayer


@runtime_checkable
class Engine(Protocol):
    step_index: int
    done: bool

    def step(self) -> Mapping[str, float]:
        ...

    def layers(self) -> dict[str, dict[str, np.ndarray]]:
        ...


@dataclass(frozen=True)
class ModelSpec:
    """A model's declaration. ``create_engine(params, seed)`` builds a ready-to-step engine."""

    name: str
    version: str
    description: str
    parameters: type[RunParameters]
    create_engine: Callable[[RunParameters, int], Engine]
    metrics: tuple[Metric, ...]
    charts: tuple[Chart, ...] = ()
    layers: tuple[Layer, ...] = ()
    presets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # (width, height) of the world for given parameters: the extent layers are drawn in.
    world_size: Callable[[RunParameters], tuple[float, float]] | None = None
    categories: tuple[Category, ...] = ()  # the agent categories metrics and events refer to
    events: bool = False  # drain_events() gives births and deaths
    death_causes: tuple[str, ...] = ()
    restore_engine: Callable[[RunParameters, dict], Engine] | None = None
    title: str = ""  # shown in the model picker; defaults to the name
    # Where step data goes: "generic" (metric chunks, per-model metrics table, layer
    # snapshots, events) or "foraging_v1" (the first release's tables, kept for the
    # foraging ecology so its workspaces and SQL queries keep working).
    storage: str = "generic"
    # Modules holding the model's numba kernels (cache=True): `make`'s warm-up compiles them
    # and the window checks at start whether they are compiled for this computer.
    kernel_modules: tuple[str, ...] = ()
    # The model's own analysis modules, beside the generic ones (which apply to any model
    # with the data they need): "package.module:ATTRIBUTE" paths, each naming an
    # ``farm_gui.analysis.AnalysisModule`` or a sequence of them; imported only when
    # analyses are listed, and offered only for this model's runs.
    analyses: tuple[str, ...] = ()
    # A run the model ends itself (done before its last step) has reached a state that no
    # longer changes (Schelling: every agent happy): where runs are averaged, it goes on
    # with its last values, and 0 for per-step metrics, instead of leaving the average.
    settles: bool = False

    # ----- lookups -----------------------------------------------------------------------
    @property
    def label(self) -> str:
        return self.title or self.name.replace("_", " ").capitalize()

    @cached_property
    def metric_names(self) -> tuple[str, ...]:  # asked after every step of a run
        return tuple(m.name for m in self.metrics)

    @cached_property
    def metric_getter(self) -> Callable[[Mapping[str, Any]], tuple]:
        """A step's declared metric values as a tuple, in ``metric_names`` order (KeyError
        for a missing one)."""
        names = self.metric_names
        if len(names) == 1:
            only = names[0]
            return lambda metrics: (metrics[only],)
        return operator.itemgetter(*names) if names else (lambda metrics: ())

    def metric(self, name: str) -> Metric:
        for m in self.metrics:
            if m.name == name:
                return m
        raise KeyError(f"model {self.name!r} has no metric {name!r}")

    def layer(self, name: str) -> Layer:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(f"model {self.name!r} has no world layer {name!r}")

    def chart_metrics(self, chart: str) -> tuple[Metric, ...]:
        return tuple(m for m in self.metrics if m.chart == chart)

    def preset(self, name: str) -> RunParameters:
        """The parameters of a named preset ("default": the parameter class's defaults)."""
        if name not in self.presets and name != "default":
            raise KeyError(f"model {self.name!r} has no preset {name!r}; "
                           f"available: {', '.join(self.preset_names)}")
        return self.parameters.model_validate(dict(self.presets.get(name, {})))

    @property
    def preset_names(self) -> tuple[str, ...]:
        names = list(self.presets)
        if "default" not in names:
            names.insert(0, "default")
        return tuple(names)

    def size(self, params: RunParameters) -> tuple[float, float]:
        if self.world_size is None:
            return (1.0, 1.0)
        w, h = self.world_size(params)
        return float(w), float(h)

    # ----- validation --------------------------------------------------------------------
    def problems(self) -> list[str]:
        """What is wrong with this declaration (empty when it is valid)."""
        out: list[str] = []
        if not _NAME.match(self.name or ""):
            out.append(f"name {self.name!r} must be lower-case letters, digits and '_' (a letter first)")
        if not isinstance(self.parameters, type) or not issubclass(self.parameters, RunParameters):
            out.append("parameters must be a class deriving from farm_gui.core.model.RunParameters")
        if not callable(self.create_engine):
            out.append("create_engine must be callable")
        if not self.metrics:
            out.append("it declares no metrics")
        seen: set[str] = set()
        charts = {c.name for c in self.charts}
        categories = {c.name for c in self.categories}
        for m in self.metrics:
            if not isinstance(m, Metric):
                out.append(f"metric {m!r} is not a Metric")
                continue
            if not _NAME.match(m.name) or m.name == "step" or m.name == "run_id":
                out.append(f"metric name {m.name!r} is not allowed "
                           "(a lower-case identifier, not 'step' or 'run_id')")
            if m.name in seen:
                out.append(f"metric {m.name!r} is declared twice")
            seen.add(m.name)
            if m.chart is not None and m.chart not in charts:
                out.append(f"metric {m.name!r} names chart {m.chart!r}, which is not declared")
            if m.category is not None and m.category not in categories:
                out.append(f"metric {m.name!r} counts category {m.category!r}, which is not declared")
        layer_names: set[str] = set()
        for layer in self.layers:
            if not isinstance(layer, PointLayer | RasterLayer):
                out.append(f"layer {layer!r} is neither a PointLayer nor a RasterLayer")
                continue
            if not _NAME.match(layer.name) or layer.name in layer_names:
                out.append(f"layer name {layer.name!r} is invalid or repeated")
            layer_names.add(layer.name)
            if isinstance(layer, PointLayer):
                bad = set(layer.fields) - {"category", "size", "value", "id"}
                if bad:
                    out.append(f"layer {layer.name!r}: unknown fields {sorted(bad)}")
                if "category" in layer.fields and not layer.categories:
                    out.append(f"layer {layer.name!r} has a category field but no categories")
            elif layer.mode == "category" and not layer.categories:
                out.append(f"raster layer {layer.name!r} is categorical but declares no categories")
        if isinstance(self.parameters, type) and issubclass(self.parameters, RunParameters):
            for name in self.preset_names:
                try:
                    self.preset(name)
                except Exception as err:  # noqa: BLE001 - reported as a problem of the declaration
                    out.append(f"preset {name!r} is not valid: {err}")
        return out


class EngineOutputError(RuntimeError):
    """An engine handed out metrics or layers that do not match its declaration."""


def check_metrics(spec: ModelSpec, metrics: Mapping[str, float]) -> None:
    """Raise EngineOutputError when a declared metric is missing, not a number or not
    finite. Called after every step: math.isfinite, not NumPy's (a NumPy call per metric
    took ~1 us each, more than the small world's whole step)."""
    names = spec.metric_names
    missing = [n for n in names if n not in metrics]
    if missing:
        raise EngineOutputError(f"model {spec.name!r}: step() did not report {', '.join(missing)}")
    for n in names:
        v = metrics[n]
        try:
            f = float(v)
        except (TypeError, ValueError, OverflowError):
            raise EngineOutputError(f"model {spec.name!r}: metric {n!r} is {v!r}, not a number") from None
        if not math.isfinite(f):
            raise EngineOutputError(f"model {spec.name!r}: metric {n!r} is {f} (not finite)")


def metric_values(spec: ModelSpec, metrics: Mapping[str, float]) -> tuple:
    """A step's declared metrics in ``spec.metric_names`` order, checked as check_metrics
    does (EngineOutputError names what is wrong). A good step passes on one lookup of all
    names and a finite sum, ~4 us for the foraging ecology's 26 metrics against ~13 us for
    check_metrics and a copy name by name, which took a third of its small world's step;
    only a step that fails that test is checked name by name."""
    try:
        values = spec.metric_getter(metrics)
        if math.isfinite(sum(values)):
            return values
    except (KeyError, TypeError, ValueError, OverflowError):
        pass
    check_metrics(spec, metrics)
    return tuple(float(metrics[n]) for n in spec.metric_names)  # all finite: only their sum was not


def check_layers(spec: ModelSpec, params: RunParameters,
                 layers: Mapping[str, Mapping[str, np.ndarray]]) -> None:
    """Raise EngineOutputError when a layer's arrays have the wrong shape or dtype."""
    for layer in spec.layers:
        data = layers.get(layer.name)
        if data is None:
            raise EngineOutputError(f"model {spec.name!r}: layers() has no layer {layer.name!r}")
        if isinstance(layer, PointLayer):
            keys = ("x", "y", *layer.fields)
            n = None
            for key in keys:
                arr = data.get(key)
                if not isinstance(arr, np.ndarray) or arr.ndim != 1:
                    raise EngineOutputError(f"model {spec.name!r}: layer {layer.name!r} field {key!r} "
                                            "must be a one-dimensional NumPy array")
                if arr.dtype.kind not in "iufb":
                    raise EngineOutputError(f"model {spec.name!r}: layer {layer.name!r} field {key!r} "
                                            f"has dtype {arr.dtype}, not numeric")
                if n is None:
                    n = arr.shape[0]
                elif arr.shape[0] != n:
                    raise EngineOutputError(f"model {spec.name!r}: layer {layer.name!r} field {key!r} "
                                            f"has {arr.shape[0]} entries, x has {n}")
        else:
            arr = data.get("values")
            if not isinstance(arr, np.ndarray) or arr.ndim != 2:
                raise EngineOutputError(f"model {spec.name!r}: raster {layer.name!r} must be a 2-D array")
            if layer.mode == "category" and arr.dtype != np.uint8:
                raise EngineOutputError(f"model {spec.name!r}: category raster {layer.name!r} has dtype "
                                        f"{arr.dtype}, expected uint8")
            if layer.mode == "value" and arr.dtype.kind not in "iuf":
                raise EngineOutputError(f"model {spec.name!r}: raster {layer.name!r} has dtype {arr.dtype}")
            if spec.world_size is not None:
                w, h = spec.size(params)
                if arr.shape != (int(round(h)), int(round(w))):
                    raise EngineOutputError(f"model {spec.name!r}: raster {layer.name!r} has shape "
                                            f"{arr.shape}, the world is {int(h)} x {int(w)} (rows x columns)")
