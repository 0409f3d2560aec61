"""Running a module by name over runs, and keeping its result in a Store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .base import AnalysisError, AnalysisModule, AnalysisResult, Control, NullControl, registered_modules
from .serialize import result_from_json, result_to_json
from .source import RunSource, StoreRunSource

if TYPE_CHECKING:
    from farm_gui.store import Store


def available_modules() -> dict[str, AnalysisModule]:
    from . import registry  # noqa: F401  (importing it registers the built-in modules)

    return registered_modules()


def get_module(name: str) -> AnalysisModule:
    modules = available_modules()
    if name not in modules:
        raise AnalysisError(f"unknown analysis module {name!r}; available: {', '.join(sorted(modules))}")
    return modules[name]


def run_analysis(name: str, sources: Sequence[RunSource], params: dict[str, Any] | None = None,
                 ctl: Control | None = None) -> AnalysisResult:
    """Validate the parameters, run the module and stamp the result with what produced it."""
    module = get_module(name)
    parsed = module.parse_params(params)
    if len(sources) < module.min_runs:
        raise AnalysisError(f"module {name!r} needs at least {module.min_runs} runs, got {len(sources)}")
    ctl = ctl or NullControl()
    result = module.compute(list(sources), parsed, ctl)
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
