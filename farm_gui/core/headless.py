"""Running one model headless, in memory: what an experiment's workers do (a process-pool
or Dask worker holds no database; it sends the ``RunResult`` back to the process that owns
the workspace). Model-generic: everything model-specific comes from the ``ModelSpec``.

    result = run_engine(spec, params, seed=7, steps=300, keep_every=50)

Step numbering follows ``core/model.py``: the metrics row of the n-th step performed has
``step = n - 1``; snapshots are keyed by steps performed (0 = the initial world).
An engine that raises gives a result with ``status="failed"`` and the error, keeping the
steps it did.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from .model import (
    BIRTH_KEYS,
    DEATH_KEYS,
    EngineOutputError,
    ModelSpec,
    RunParameters,
    check_metrics,
    metric_values,
)
from .results import RunResult

log = logging.getLogger(__name__)

StopCondition = Callable[[Mapping[str, float]], bool]
# How often (in steps) ``cancelled`` is asked at most; it is also asked at least every
# CANCEL_CHECK_S seconds of running, whichever comes first.
CANCEL_CHECK_S = 0.25
EVENTS_EVERY = 256  # steps between drains of an engine's births and deaths
# An engine with step_many steps in blocks of about this long, at most this many steps.
BLOCK_S = 0.02
MAX_BLOCK_STEPS = 4096


class _Columns:
    """Per-metric float64 columns that double when full (no Python list per step)."""

    def __init__(self, names: tuple[str, ...], capacity: int):
        self.names = names
        self.n = 0
        self.data = np.empty((len(names), max(1, capacity)), dtype=np.float64)

    def append(self, values: Sequence[float]) -> None:
        """Add a step's values, in ``names`` order (metric_values gives them)."""
        self._make_room(1)
        self.data[:, self.n] = values
        self.n += 1

    def extend(self, table: np.ndarray) -> None:
        """Add several steps' values: a row per step, columns in ``names`` order."""
        self._make_room(len(table))
        self.data[:, self.n:self.n + len(table)] = table.T
        self.n += len(table)

    def _make_room(self, k: int) -> None:
        if self.n + k > self.data.shape[1]:
            grown = np.empty((self.data.shape[0], max(2 * self.data.shape[1], self.n + k)), dtype=np.float64)
            grown[:, :self.n] = self.data[:, :self.n]
            self.data = grown

    def arrays(self, integer: frozenset[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {"step": np.arange(self.n, dtype=np.int64)}
        for i, name in enumerate(self.names):
            values = self.data[i, :self.n].copy()
            out[name] = values.astype(np.int64) if name in integer else values
        return out


def checked_block(spec: ModelSpec, table: np.ndarray, most: int) -> np.ndarray:
    """``engine.step_many(most)``'s table, checked: a row per step (1 to ``most``), a finite
    number for every declared metric (EngineOutputError names the first that is not)."""
    table = np.asarray(table, dtype=np.float64)
    if table.ndim != 2 or table.shape[1] != len(spec.metric_names) or not 1 <= len(table) <= most:
        raise EngineOutputError(f"model {spec.name!r}: step_many({most}) returned an array of shape "
                                f"{table.shape}, expected (1 to {most} steps, "
                                f"{len(spec.metric_names)}) in the declared metrics' order")
    if not np.isfinite(table).all():
        for row in table:
            check_metrics(spec, dict(zip(spec.metric_names, row.tolist(), strict=True)))
    return table


def _merge_events(parts: list[dict[str, np.ndarray]], keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    if not parts:
        return {k: np.empty(0, dtype=np.int64) for k in keys}
    return {k: np.concatenate([np.asarray(p[k]) for p in parts]) for k in keys}


def run_engine(spec: ModelSpec, params: RunParameters, seed: int, steps: int, keep_every: int = 0,
               stop: StopCondition | None = None, *,
               cancelled: Callable[[], bool] | None = None) -> RunResult:
    """Build ``spec.create_engine(params, seed)`` and step it ``steps`` times (fewer when the
    engine is done, ``stop(metrics)`` says so, or ``cancelled()`` turns True: then the
    result's status is "stopped"). ``keep_every`` > 0 keeps the world (``engine.layers()``)
    at step 0, every ``keep_every`` steps and at the end. Never raises for a failing engine:
    the result says "failed" and carries the error."""
    started = time.perf_counter()
    names = spec.metric_names
    integer = frozenset(m.name for m in spec.metrics if m.integer)
    columns = _Columns(names, min(int(steps), 100_000))
    snapshots: list[tuple[int, dict[str, dict[str, np.ndarray]]]] = []
    births: list[dict[str, np.ndarray]] = []
    deaths: list[dict[str, np.ndarray]] = []
    status, error = "finished", None
    engine = None

    def drain() -> None:
        if engine is None or not spec.events or not hasattr(engine, "drain_events"):
            return
        b, d = engine.drain_events()
        if b is not None and len(b.get(BIRTH_KEYS[0], ())):
            births.append(b)
        if d is not None and len(d.get(DEATH_KEYS[0], ())):
            deaths.append(d)

    try:
        engine = spec.create_engine(params, int(seed))
        drain()
        if keep_every > 0:
            snapshots.append((int(engine.step_index), engine.layers()))
        next_check = time.perf_counter() + CANCEL_CHECK_S
        done = 0
        # An engine that makes many steps in one call does so unless a stop condition must
        # see every step's metrics: the same steps, without Python around each one.
        step_many = getattr(engine, "step_many", None) if stop is None else None
        block = 1
        while done < steps and not engine.done:
            if step_many is not None:
                limit = min(block, steps - done)
                if keep_every > 0:
                    limit = min(limit, keep_every - int(engine.step_index) % keep_every)
                began = time.perf_counter()
                table = checked_block(spec, step_many(limit), limit)
                columns.extend(table)
                made = len(table)
                if made == limit:  # blocks of about BLOCK_S
                    per_step = (time.perf_counter() - began) / made
                    block = max(1, min(MAX_BLOCK_STEPS, int(BLOCK_S / max(per_step, 1e-7))))
            else:
                metrics = engine.step()
                columns.append(metric_values(spec, metrics))
                made = 1
            done += made
            if spec.events and (done - made) // EVENTS_EVERY != done // EVENTS_EVERY:
                drain()
            if keep_every > 0 and (engine.step_index % keep_every == 0):
                snapshots.append((int(engine.step_index), engine.layers()))
            if stop is not None and stop(metrics):
                break
            if cancelled is not None and time.perf_counter() >= next_check:
                next_check = time.perf_counter() + CANCEL_CHECK_S
                if cancelled():
                    status = "stopped"
                    break
        drain()
        if keep_every > 0 and (not snapshots or snapshots[-1][0] != engine.step_index):
            snapshots.append((int(engine.step_index), engine.layers()))
    except Exception as err:  # the run fails; what it did so far is kept
        log.debug("headless run of %s (seed %s) failed", spec.name, seed, exc_info=True)
        status, error = "failed", f"{type(err).__name__}: {err}"
    return RunResult(
        model=spec.name, model_version=spec.version, seed=int(seed), metrics=columns.arrays(integer),
        status=status, error=error, snapshots=snapshots,
        births=_merge_events(births, BIRTH_KEYS) if spec.events else None,
        deaths=_merge_events(deaths, DEATH_KEYS) if spec.events else None,
        elapsed_s=time.perf_counter() - started,
    )
