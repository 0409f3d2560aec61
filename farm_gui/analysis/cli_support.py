"""The `farm-gui analyze` command's work, kept beside the modules it runs (cli.py
only parses arguments and resolves run references)."""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from farm_gui.store import StoreError

from .base import AnalysisError
from .runner import analyse_stored_runs, available_modules
from .serialize import default_stem, write_result_files

EXPERIMENT_REF = re.compile(r"^(?:experiment|exp):(\d+)$", re.IGNORECASE)


def parse_param_options(items: list[str] | None, json_text: str | None = None) -> dict[str, Any]:
    """``--params-json '{...}'`` and repeated ``--param key=value`` (value read as JSON
    when it parses, else as text) into one dict."""
    params: dict[str, Any] = {}
    if json_text:
        try:
            loaded = json.loads(json_text)
        except json.JSONDecodeError as err:
            raise AnalysisError(f"--params-json is not valid JSON: {err}") from None
        if not isinstance(loaded, dict):
            raise AnalysisError("--params-json must be a JSON object, e.g. '{\"min_prominence\": 2}'")
        params.update(loaded)
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise AnalysisError(f"--param expects KEY=VALUE, got {item!r}")
        try:
            params[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            params[key.strip()] = value
    return params


def expand_run_refs(store: Any, refs: list[str], find_run: Callable[[Any, str], int]) -> list[int]:
    """Run references to run ids: ``experiment:ID`` (or ``exp:ID``) stands for the finished
    runs of that experiment, in design order; any other reference goes to ``find_run``."""
    ids: list[int] = []
    for ref in refs:
        match = EXPERIMENT_REF.match(ref.strip())
        if match is None:
            ids.append(find_run(store, ref))
            continue
        experiment = int(match.group(1))
        read = getattr(store, "experiment_runs", None)
        if read is None:
            raise AnalysisError("this workspace has no experiments")
        try:
            runs = [r.run_id for r in read(experiment) if r.status == "finished" and r.run_id is not None]
            if not runs:
                store.get_experiment(experiment)  # an unknown experiment says so
        except StoreError as err:
            raise AnalysisError(str(err)) from None
        if not runs:
            raise AnalysisError(f"experiment {experiment} has no finished runs yet")
        ids += runs
    return list(dict.fromkeys(ids))


def module_help() -> str:
    return "\n".join(f"  {m.name:<12} {m.description}" for m in available_modules().values()
                     if not m.name.startswith("_"))


class ProgressLine:
    """Progress of one analysis on a terminal, at most 10 updates a second."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.enabled = stream.isatty()
        self.last = 0.0

    def checkpoint(self, fraction: float, message: str = "") -> None:
        now = time.monotonic()
        if self.enabled and (now - self.last >= 0.1 or fraction >= 1.0):
            self.last = now
            self.stream.write(f"\r{100 * fraction:5.1f}%  {message[:60]:<60}")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def format_value(value: Any) -> str:
    if isinstance(value, float):
        return "-" if value != value else f"{value:.6g}"
    return str(value)


def analyze_runs(store: Any, run_ids: list[int], module: str, params: dict[str, Any], out_dir: str | Path,
                 out: TextIO | None = None, err: TextIO | None = None) -> list[Path]:
    """Run ``module`` on stored runs, keep the result in the store, print its summary
    and write its files; returns the written paths. Bad input raises AnalysisError."""
    out = out or sys.stdout
    err = err or sys.stderr
    progress = ProgressLine(err)
    try:
        analysis_id, result = analyse_stored_runs(store, module, run_ids, params, progress)
    finally:
        progress.close()
    paths = write_result_files(result, out_dir, default_stem(result))
    runs = ", ".join(str(r) for r in run_ids)
    plural = "s" if len(run_ids) > 1 else ""
    out.write(f"{module} of run{plural} {runs} (saved as analysis {analysis_id} in {store.url})\n")
    width = max((len(k) for k in result.summary), default=0)
    for key, value in result.summary.items():
        out.write(f"  {key:<{width}}  {format_value(value)}\n")
    for name, table in result.tables.items():
        out.write(f"  table {name}: {len(table)} rows\n")
    for path in paths:
        out.write(f"{path}\n")
    return paths
