"""What the window's experiment charts show, computed without Qt: each finished run's final
value of a metric against a factor (one point per run), and per design point the mean over
its replicates of the metric per step with a Student-t confidence band.

``read_new_runs`` reads the runs that finished since the last read (call it off the GUI
thread): their final values of every metric and, for the design points drawn as curves,
their whole per-step metrics. Switching the metric or factor then needs no store read.
``factor_scatter`` and ``point_bands`` are pure functions over what was read.

Runs are read through ``StoreRunSource`` / ``load_metrics`` and bands made with
``stats.mean_ci`` and ``comparison.aligned`` (runs that ended early padded as
``comparison.padding`` says), exactly as the comparison analysis does.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from farm_gui.core.model import ModelSpec

from .base import NullControl
from .comparison import aligned, ended_itself, padding
from .design import DesignPoint, experiment_design_of
from .requirements import count_metrics
from .source import StoreRunSource, downsample, load_metrics
from .stats import mean_ci

MAX_CURVE_POINTS = 12  # design points drawn as mean curves (the first ones, in design order)


@dataclass(frozen=True)
class RunOutcome:
    """One finished run of an experiment, as the charts need it."""

    run_id: int
    point: int
    replicate: int
    factors: dict[str, Any]
    finals: dict[str, float]  # the last recorded value of each metric (NaN: no step recorded)
    extinct: bool = False  # every counted category was at 0 at the end
    curves: dict[str, np.ndarray] | None = None  # "step" and each metric per step (drawn points only)
    settled: bool = False  # its model ended it before its steps, in a state that stays (ModelSpec.settles)


@dataclass(frozen=True)
class ExperimentRead:
    """What one read found: the runs that finished since the last read, how many runs had a
    stored result (finished or failed) then, and the design points planned, in order."""

    runs: list[RunOutcome]
    done: int
    points: list[int]
    more: bool = False  # more new runs than ``limit``: read again for the rest
    factors: tuple[str, ...] | None = None  # the design's factors in order (first read only)
    levels: dict[str, list[Any]] | None = None  # each factor's planned values, in plan order (first read)


@dataclass(frozen=True)
class Scatter:
    x: np.ndarray  # the factor's value per run (or its category's index, see ``categories``)
    y: np.ndarray  # the run's final value of the metric
    run_ids: np.ndarray
    categories: list[str] | None = None  # a factor whose values are not numbers: x indexes these


@dataclass(frozen=True)
class PointBand:
    point: int
    label: str  # "point 3 (rate=0.1, size=20)"
    runs: int  # replicates that finished
    x: np.ndarray  # steps
    mean: np.ndarray
    lo: np.ndarray  # NaN where fewer than two replicates have a value
    hi: np.ndarray


def drawn_points(points: Iterable[int], most: int = MAX_CURVE_POINTS) -> list[int]:
    """The design points drawn as curves: the first ``most`` in design order."""
    return sorted(set(points))[:most]


def _columns(frame) -> dict[str, np.ndarray]:
    """A metrics frame as float arrays (one conversion, not one per column)."""
    values = frame.to_numpy(dtype=float)
    return {str(c): values[:, i] for i, c in enumerate(frame.columns)}


def _extinct(finals: dict[str, float], spec: ModelSpec) -> bool:
    counted = [finals.get(m.name, float("nan")) for m in count_metrics(spec)]
    return bool(counted) and all(v == 0 for v in counted)


def read_outcome(store: Any, row: Any, with_curves: bool) -> RunOutcome:
    """One finished experiment run (a ``Store.experiment_runs`` row): its final values, and
    its per-step metrics when ``with_curves`` (otherwise only its last step is read)."""
    source = StoreRunSource(store, int(row.run_id))
    names = source.spec.metric_names
    n = source.steps_done()
    if with_curves:
        frame = load_metrics(source, NullControl())
    else:
        frame = source.metrics(max(0, n - 1), None)  # the metrics row of the n-th step is step n - 1
        if not len(frame) and n > 0:
            frame = load_metrics(source, NullControl())
    columns = _columns(frame)
    finals = {n: float(columns[n][-1]) if len(frame) else float("nan") for n in names if n in columns}
    curves = columns if with_curves else None
    settled = with_curves and source.spec.settles and ended_itself(source)
    return RunOutcome(int(row.run_id), int(row.point), int(row.replicate), dict(row.factors), finals,
                      _extinct(finals, source.spec), curves, settled)


def read_new_runs(store: Any, experiment_id: int, known: Collection[int] = (),
                  most: int = MAX_CURVE_POINTS, limit: int | None = None) -> ExperimentRead:
    """The experiment's finished runs not in ``known`` (run ids), read from ``store``, at
    most ``limit`` of them (in run order; ``more`` says whether some were left). Reads the
    experiment's run list, then only the new runs' metrics: whole for the first ``most``
    design points (their curves are drawn), the last step for the others. Blocking: call it
    off the GUI thread."""
    if not known:  # the first read: scipy.stats loads lazily; let that happen here, not when drawing
        mean_ci(np.zeros((2, 1)), 0.95)
    rows = store.experiment_runs(experiment_id)
    points = sorted({int(r.point) for r in rows})
    drawn = set(drawn_points(points, most))
    new = [r for r in rows if r.status == "finished" and r.run_id is not None and int(r.run_id) not in known]
    more = limit is not None and len(new) > limit
    runs = [read_outcome(store, r, r.point in drawn) for r in (new[:limit] if more else new)]
    done = sum(r.status in ("finished", "failed") for r in rows)
    factors = levels = None
    if not known:
        factors = experiment_design_of(store, experiment_id).factors or \
            (tuple(rows[0].factors) if rows else ())
        levels = {f: list(dict.fromkeys(r.factors.get(f) for r in rows)) for f in factors}
    return ExperimentRead(runs, done, points, more, factors, levels)


def is_numeric(values: Iterable[Any]) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def factor_scatter(runs: Sequence[RunOutcome], factor: str, metric: str,
                   levels: Sequence[Any] | None = None) -> Scatter:
    """x: each run's value of ``factor``; y: its final value of ``metric``; one point per
    run, in the order given. Values that are not all numbers (``values: [a, b]``) become the
    index of the value among ``categories``: ``levels`` (the planned values, so that a value
    keeps its place while runs arrive) followed by any other, in order of appearance.
    No factor (an experiment of replications only): ``replicate_scatter``."""
    if not factor:
        return replicate_scatter(runs, metric)
    values = [r.factors.get(factor) for r in runs]
    y = np.array([r.finals.get(metric, np.nan) for r in runs], dtype=float)
    ids = np.array([r.run_id for r in runs], dtype=np.int64)
    if is_numeric(values) and (levels is None or is_numeric(levels)):
        return Scatter(np.array(values, dtype=float), y, ids)
    categories = list(dict.fromkeys([*(str(v) for v in levels or ()), *(str(v) for v in values)]))
    x = np.array([categories.index(str(v)) for v in values], dtype=float)
    return Scatter(x, y, ids, categories)


def replicate_scatter(runs: Sequence[RunOutcome], metric: str) -> Scatter:
    """An experiment without factors (replications only): x is each run's replicate
    index, y its final value of ``metric``; the spread of the outcome over the seeds."""
    return Scatter(np.array([r.replicate for r in runs], dtype=float),
                   np.array([r.finals.get(metric, np.nan) for r in runs], dtype=float),
                   np.array([r.run_id for r in runs], dtype=np.int64))


def point_bands(runs: Sequence[RunOutcome], metric: str, spec: ModelSpec | None = None,
                points: Iterable[int] | None = None, confidence: float = 0.95,
                max_points: int = 2000) -> list[PointBand]:
    """Per design point (``points``, default: every point with curves, in order), the mean
    over its finished replicates of ``metric`` at each step and a Student-t ``confidence``
    band (``stats.mean_ci``). Replicates that ended early are padded at their end as
    ``comparison.padding`` says (their last value when they settled, 0 for a population
    that died out, else NaN: the mean of the others goes on). Curves longer than
    ``max_points`` are thinned."""
    by_point: dict[int, list[RunOutcome]] = {}
    for run in runs:
        if run.curves is not None and metric in run.curves:
            by_point.setdefault(run.point, []).append(run)
    out = []
    for point in (sorted(by_point) if points is None else points):
        members = sorted(by_point.get(point, []), key=lambda r: r.replicate)
        if not members:
            continue
        pads = [padding(spec, metric, r.curves[metric], extinct=r.extinct, settled=r.settled)
                if spec is not None else float("nan") for r in members]
        matrix = aligned([r.curves[metric] for r in members], pads)
        longest = max(members, key=lambda r: len(r.curves[metric]))
        steps = longest.curves.get("step")
        x = np.asarray(steps, dtype=float) if steps is not None and len(steps) == matrix.shape[1] \
            else np.arange(matrix.shape[1], dtype=float)
        mean, lo, hi = mean_ci(matrix, confidence)
        x, mean, lo, hi = downsample(x, mean, lo, hi, max_points=max_points)
        label = DesignPoint(0, point, 0, members[0].factors).label()
        out.append(PointBand(point, label, len(members), x, mean, lo, hi))
    return out
