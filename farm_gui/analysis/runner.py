"""Running a module by name over runs, and keeping its result in a Store."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .base import AnalysisError, AnalysisModule, AnalysisResult, Control, NullControl, registered_modules
from .serialize import result_from_json, result_to_json
from .source import RunSource, StoreRunSource

if TYPE_CHECKING:
    from farm_gui.core.model import ModelSpec
    from farm_gui.store import Store

log = logging.getLogger(__name__)


def _model_modules() -> dict[str, AnalysisModule]:
    """The models' own modules (``ModelSpec.analyses``), each limited to its model's runs.
    A path that fails to import is logged and left out: the other modules stay available."""
    from dataclasses import replace

    from farm_gui.core.registry import models

    from .requirements import ModelIs

    found: dict[str, AnalysisModule] = {}
    for spec in models().values():
        for path in spec.analyses:
            key = (spec.name, path)
            if key not in _MODEL_MODULES:
                try:
                    loaded = _import_modules(path)
                except Exception as err:  # noqa: BLE001 - a broken plug-in analysis is reported, not raised
                    log.warning("analysis modules %s of model %s are not available: %s: %s",
                                path, spec.name, type(err).__name__, err)
                    loaded = []
                owned = []
                for module in loaded:
                    if not any(isinstance(r, ModelIs) for r in module.requires):
                        module = replace(module, requires=(ModelIs((spec.name,)), *module.requires))
                    owned.append(module)
                _MODEL_MODULES[key] = owned
            for module in _MODEL_MODULES[key]:
                found.setdefault(module.name, module)
    return found


def _import_modules(path: str) -> list[AnalysisModule]:
    import importlib

    module_path, _, attribute = path.partition(":")
    obj = importlib.import_module(module_path)
    for part in filter(None, attribute.split(".")):
        obj = getattr(obj, part)
    items = [obj] if isinstance(obj, AnalysisModule) else list(obj)
    bad = [item for item in items if not isinstance(item, AnalysisModule)]
    if bad:
        raise TypeError(f"{path} gives {type(bad[0]).__name__}, not an AnalysisModule")
    return items


_MODEL_MODULES: dict[tuple[str, str], list[AnalysisModule]] = {}


def available_modules() -> dict[str, AnalysisModule]:
    """Every module: the generic ones, then the models' own (a generic name wins)."""
    from .registry import ORDER  # importing it registers the built-in modules

    registered = registered_modules()
    rank = {name: i for i, name in enumerate(ORDER)}
    modules = {n: registered[n] for n in sorted(registered, key=lambda n: rank.get(n, len(rank)))}
    for name, module in _model_modules().items():
        modules.setdefault(name, module)
    return modules


def get_module(name: str) -> AnalysisModule:
    modules = available_modules()
    if name not in modules:
        raise AnalysisError(f"unknown analysis module {name!r}; available: {', '.join(sorted(modules))}")
    return modules[name]


def model_spec(model: str | None) -> ModelSpec:
    """A run's model declaration; AnalysisError when the model is not available. Runs
    imported into the first release's tables (an AgentFarm simulation) read as the model
    that keeps its runs there."""
    from farm_gui.core.registry import UnknownModelError, get_model, models
    from farm_gui.store.side_tables import READ_ONLY_MODELS

    try:
        return get_model(model)
    except UnknownModelError as err:
        if model in READ_ONLY_MODELS:
            from .source import LEGACY_STORAGE

            for spec in models().values():
                if spec.storage == LEGACY_STORAGE:
                    return spec
        raise AnalysisError(str(err)) from None


def applicable_modules(models: Iterable[str | None]) -> dict[str, AnalysisModule]:
    """The modules that apply to runs of every one of these models (with default
    parameters), in the order of available_modules(); models that are not available
    leave nothing applicable."""
    specs = []
    for name in dict.fromkeys(models):
        try:
            specs.append(model_spec(name))
        except AnalysisError:
            return {}
    out = {}
    for name, module in available_modules().items():
        if name.startswith("_"):
            continue
        try:
            params = module.parse_params({})
        except AnalysisError:
            params = None
        if all(module.applies_to(spec, params) for spec in specs):
            out[name] = module
    return out


def check_models(name: str, run_models: dict[int, str | None], params: dict[str, Any] | None = None) -> None:
    """Before queueing: AnalysisError when module `name` does not apply to one of these
    runs (run id -> model name), naming what is missing (the parameters are only used to
    check what they name, e.g. a metric; a default left to the module is not checked)."""
    module = get_module(name)
    parsed = module.parse_params(params)
    for run_id, model in run_models.items():
        spec = model_spec(model)
        problems = module.unmet(spec, parsed)
        if problems:
            needs = "; ".join(f"{what}: {why}" for what, why in problems)
            raise AnalysisError(f"module {name!r} does not apply to run {run_id} (model {spec.name!r}): "
                                f"it needs {needs}")


def check_applies(module: AnalysisModule, sources: Sequence[RunSource], params: Any) -> None:
    """AnalysisError naming, for the first run it does not apply to, what is missing."""
    for source in sources:
        spec = source.spec
        problems = module.unmet(spec, params)
        for requirement in module.requires:
            reason = requirement.missing_in_run(source)
            if reason is not None:
                problems.append((requirement.what, reason))
        if problems:
            needs = "; ".join(f"{what}: {why}" for what, why in problems)
            raise AnalysisError(f"module {module.name!r} does not apply to {source.label} "
                                f"(model {spec.name!r}): it needs {needs}")


def run_analysis(name: str, sources: Sequence[RunSource], params: dict[str, Any] | None = None,
                 ctl: Control | None = None) -> AnalysisResult:
    """Validate the parameters, check that the module applies to every run, run the
    module and stamp the result with what produced it."""
    module = get_module(name)
    parsed = module.parse_params(params)
    if len(sources) < module.min_runs:
        raise AnalysisError(f"module {name!r} needs at least {module.min_runs} runs, got {len(sources)}")
    sources = list(sources)
    if module.prepare is not None:
        parsed = module.prepare(parsed, sources)
    check_applies(module, sources, parsed)
    ctl = ctl or NullControl()
    result = module.compute(sources, parsed, ctl)
    result.module = name
    result.params = parsed.model_dump(mode="json")
    result.run_ids = [s.run_id for s in sources if s.run_id is not None]
    ctl.checkpoint(1.0, "done")
    return result


def store_sources(store: Store, run_ids: Sequence[int]) -> list[StoreRunSource]:
    """Sources for stored runs; AnalysisError naming the first run that is missing."""
    from farm_gui.store import StoreError

    sources = []
    for run_id in run_ids:
        try:
            sources.append(StoreRunSource(store, int(run_id)))
        except StoreError as err:
            raise AnalysisError(f"run {run_id}: {err}") from None
    return sources


def now() -> datetime:
    return datetime.now(UTC)


def save_result(store: Store, result: AnalysisResult, started_at: datetime | None = None,
                finished_at: datetime | None = None) -> int:
    return store.save_analysis(result.module, list(result.run_ids), result.params, "finished",
                               result_to_json(result), None, started_at, finished_at or now())


def analyse_stored_runs(store: Store, name: str, run_ids: Sequence[int], params: dict[str, Any] | None = None,
                        ctl: Control | None = None) -> tuple[int, AnalysisResult]:
    """Run a module on stored runs and save the result; returns (analysis id, result)."""
    started = now()
    result = run_analysis(name, store_sources(store, run_ids), params, ctl)
    return save_result(store, result, started, now()), result


def load_result(store: Store, analysis_id: int) -> AnalysisResult | None:
    """A saved result, or None when the analysis has no payload (failed, stopped)."""
    _info, payload = store.load_analysis(analysis_id)
    return result_from_json(payload) if payload else None
