"""Run a single-run computation over several runs and merge the results: tables
get a leading "run" column, series and summary entries are labelled per run."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .base import AnalysisResult, Control, ScaledControl
from .source import RunSource

OneRunFn = Callable[[RunSource, Any, Control], AnalysisResult]


ComputeFn = Callable[[Sequence[RunSource], Any, Control], AnalysisResult]


def per_run(module: str, compute_one: OneRunFn) -> ComputeFn:
    def compute(sources: Sequence[RunSource], params: Any, ctl: Control) -> AnalysisResult:
        n = len(sources)
        parts = []
        for i, source in enumerate(sources):
            prefix = f"{source.label}: " if n > 1 else ""
            parts.append(compute_one(source, params, ScaledControl(ctl, i / n, (i + 1) / n, prefix)))
        if n == 1:
            parts[0].module = module
            return parts[0]
        return merge_runs(module, parts, [s.label for s in sources])

    return compute


def merge_runs(module: str, parts: list[AnalysisResult], labels: list[str]) -> AnalysisResult:
    import pandas as pd

    merged = AnalysisResult(module=module)
    table_names = list(dict.fromkeys(name for p in parts for name in p.tables))
    for name in table_names:
        frames = []
        for part, label in zip(parts, labels, strict=True):
            if name in part.tables:
                frame = part.tables[name].copy()
                frame.insert(0, "run", label)
                frames.append(frame)
        merged.tables[name] = pd.concat(frames, ignore_index=True)
    for part, label in zip(parts, labels, strict=True):
        for name, data in part.series.items():
            plot, _, curve = name.partition("/")
            merged.series[f"{plot}/{label} {curve}".rstrip()] = data
        for key, value in part.summary.items():
            merged.summary[f"{label}: {key}"] = value
    return merged
