"""Where an analysis gets its data: a run in a Store, or frames built in memory
(tests, notebooks). Loading goes in chunks (of steps, or of agents) so a module
can report progress and honour pause/stop while a long run is read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from farm_gui.core.model import ModelSpec, RunParameters
from farm_gui.core.registry import DEFAULT_MODEL

from .base import AnalysisError, Control
from .design import DesignPoint, ExperimentDesign, design_point_of, experiment_design_of
from .requirements import count_metrics

if TYPE_CHECKING:
    from farm_gui.store import Store

LEGACY_STORAGE = "foraging_v1"  # ModelSpec.storage of runs kept in the first release's tables

AGENT_COLUMNS = ("agent_id", "agent_type", "birth_step", "parent_id", "generation", "death_step",
                 "death_cause")

# Read per query: small enough that one chunk takes well under 100 ms.
METRIC_CHUNK_STEPS = 5_000
AGENT_CHUNK_ROWS = 5_000  # agents per query: ~10 ms

Layers = dict[str, dict[str, np.ndarray]]


class RunSource(Protocol):
    run_id: int | None
    label: str
    model: str  # the run's model name
    status: str  # finished, stopped, failed, ... (as the store's runs)

    @property
    def spec(self) -> ModelSpec: ...
    def steps_done(self) -> int: ...
    def parameters(self) -> RunParameters: ...
    def config(self) -> RunParameters: ...
    def metrics(self, start: int | None = None, stop: int | None = None) -> pd.DataFrame: ...
    def agents(self, start: int | None = None, stop: int | None = None, *,
               limit: int | None = None) -> pd.DataFrame: ...
    def snapshot_steps(self) -> np.ndarray: ...
    def layers(self, step: int) -> Layers: ...
    def design_point(self) -> DesignPoint | None: ...
    def experiment_design(self) -> ExperimentDesign | None: ...


def _spec_of(model: str | None) -> ModelSpec:
    from .runner import model_spec

    return model_spec(model)


class StoreRunSource:
    """One stored run, read through the Store's public queries."""

    def __init__(self, store: Store, run_id: int):
        self.store = store
        self.run_id = run_id
        info = store.get_run(run_id)
        self.label = f"run {run_id}" + (f" ({info.name})" if info.name else "")
        self.model = getattr(info, "model", None) or DEFAULT_MODEL
        self._steps = int(info.steps_done)
        self.status = str(info.status)
        self._params: RunParameters | None = None
        self._spec: ModelSpec | None = None

    @property
    def spec(self) -> ModelSpec:
        if self._spec is None:
            self._spec = _spec_of(self.model)
        return self._spec

    def steps_done(self) -> int:
        return self._steps

    def parameters(self) -> RunParameters:
        """The run's parameters, as the model's parameter class."""
        if self._params is None:
            read = getattr(self.store, "run_parameters", None)
            self._params = read(self.run_id) if read is not None else self.store.run_config(self.run_id)
        return self._params

    def config(self) -> RunParameters:
        return self.parameters()

    def metrics(self, start=None, stop=None) -> pd.DataFrame:
        data = self.store.metrics(self.run_id, start, stop)
        columns = ["step", *(n for n in self.spec.metric_names if n in data)]
        return pd.DataFrame({c: data[c] for c in columns}, columns=columns)

    def agents(self, start=None, stop=None, *, limit: int | None = None) -> pd.DataFrame:
        return named_agents(self.store.agents_frame(self.run_id, start, stop, limit=limit), self.spec)

    def snapshot_steps(self) -> np.ndarray:
        return np.asarray(self.store.snapshot_steps(self.run_id), dtype=np.int64)

    def layers(self, step: int) -> Layers:
        """The world layers stored for `step` (a snapshot step)."""
        if self.spec.storage == LEGACY_STORAGE:  # the first release's agent and node tables
            from farm_gui.store.legacy_layers import layers_from_world_state

            return layers_from_world_state(self.store.world_state(self.run_id, int(step)))
        read = getattr(self.store, "layers", None)
        if read is None:
            raise AnalysisError("this workspace's store cannot read world layers")
        return read(self.run_id, int(step))

    def design_point(self) -> DesignPoint | None:
        """The run's place in an experiment (None: not a run of an experiment)."""
        if not hasattr(self, "_design"):
            self._design = design_point_of(self.store, self.run_id)
        return self._design

    def experiment_design(self) -> ExperimentDesign | None:
        point = self.design_point()
        return None if point is None else experiment_design_of(self.store, point.experiment)

    # The foraging ecology's first-release tables (read by its own modules).
    def world_state(self, step: int) -> dict[str, np.ndarray]:
        return self.store.world_state(self.run_id, step)

    def action_counts(self, start=None, stop=None) -> pd.DataFrame:
        return self.store.action_counts_frame(self.run_id, start, stop)

    def action_count_arrays(self, start=None, stop=None, *, window: int = 1):
        return self.store.action_count_arrays(self.run_id, start, stop, window=window)


class FrameRunSource:
    """A run given as frames in memory (tests, notebooks); what is not given is empty.

    ``layers`` maps snapshot steps to the world's layers ({layer: {field: array}});
    ``snapshots`` and ``action_counts`` are the foraging ecology's first-release forms
    (world_state dicts, long action counts), read by its own modules. The model is
    ``spec`` (a declaration, registered or not) or the registered model named ``model``
    (default: the default model)."""

    def __init__(
        self,
        metrics: pd.DataFrame,
        *,
        agents: pd.DataFrame | None = None,
        action_counts: pd.DataFrame | None = None,
        snapshots: dict[int, dict[str, np.ndarray]] | None = None,
        layers: dict[int, Layers] | None = None,
        config: RunParameters | None = None,
        model: str | None = None,
        spec: ModelSpec | None = None,
        run_id: int | None = None,
        label: str | None = None,
        design_point: DesignPoint | None = None,
        experiment_design: ExperimentDesign | None = None,
        status: str = "finished",
    ):
        self._metrics = metrics.reset_index(drop=True)
        if "step" not in self._metrics:
            self._metrics.insert(0, "step", np.arange(len(self._metrics)))
        self._agents = agents if agents is not None else pd.DataFrame(columns=list(AGENT_COLUMNS))
        self._actions = action_counts
        self._snapshots = dict(sorted((snapshots or {}).items()))
        self._layers = dict(sorted((layers or {}).items()))
        self._spec = spec
        self.model = spec.name if spec is not None else (model or DEFAULT_MODEL)
        self._config = config
        self.run_id = run_id
        self._design_point = design_point
        self._experiment_design = experiment_design
        self.label = label or (f"run {run_id}" if run_id is not None else "run")
        self.status = status

    @property
    def spec(self) -> ModelSpec:
        if self._spec is None:
            self._spec = _spec_of(self.model)
        return self._spec

    def steps_done(self) -> int:
        return len(self._metrics)

    def parameters(self) -> RunParameters:
        if self._config is None:
            self._config = self.spec.parameters()
        return self._config

    def config(self) -> RunParameters:
        return self.parameters()

    def metrics(self, start=None, stop=None) -> pd.DataFrame:
        return _step_slice(self._metrics, start, stop)

    def action_counts(self, start=None, stop=None) -> pd.DataFrame:
        if self._actions is None:
            return pd.DataFrame(columns=["step", "agent_type", "action", "count"])
        return _step_slice(self._actions, start, stop)

    def agents(self, start=None, stop=None, *, limit: int | None = None) -> pd.DataFrame:
        agents = named_agents(self._agents, self.spec) if len(self._agents) else self._agents
        if start is None and stop is None and limit is None:
            return agents.copy()
        ids = pd.to_numeric(agents["agent_id"]).to_numpy()
        keep = np.ones(len(ids), dtype=bool)
        if start is not None:
            keep &= ids >= start
        if stop is not None:
            keep &= ids < stop
        part = agents.loc[keep].sort_values("agent_id", kind="stable")
        return (part if limit is None else part.head(max(0, int(limit)))).reset_index(drop=True)

    def snapshot_steps(self) -> np.ndarray:
        steps = self._layers or self._snapshots
        return np.array(list(steps), dtype=np.int64)

    def layers(self, step: int) -> Layers:
        if int(step) not in self._layers:
            raise KeyError(f"no world layers stored at step {step}")
        return self._layers[int(step)]

    def design_point(self) -> DesignPoint | None:
        return self._design_point

    def experiment_design(self) -> ExperimentDesign | None:
        return self._experiment_design

    def world_state(self, step: int) -> dict[str, np.ndarray]:
        candidates = [s for s in self._snapshots if s <= step]
        if not candidates:
            raise KeyError(f"no snapshot at or before step {step}")
        state = dict(self._snapshots[candidates[-1]])
        state["step"] = np.array(candidates[-1], dtype=np.int64)
        return state


def named_agents(agents: pd.DataFrame, spec: ModelSpec) -> pd.DataFrame:
    """Agent events with agent_type and death_cause as names: codes (integers) are read
    as indexes into the model's categories and death causes."""
    out = agents
    for column, names in (("agent_type", [c.name for c in spec.categories]),
                          ("death_cause", list(spec.death_causes))):
        if column not in out or not len(out) or not names:
            continue
        values = out[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            codes = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
            ok = np.isfinite(codes) & (codes >= 0) & (codes < len(names))
            named = np.array([None] * len(codes), dtype=object)
            named[ok] = np.array(names, dtype=object)[codes[ok].astype(np.int64)]
            if column == "agent_type":
                named[~ok] = [str(int(c)) if np.isfinite(c) else "unknown" for c in codes[~ok]]
            if out is agents:
                out = agents.copy()
            out[column] = pd.Series(named, index=out.index, dtype=object)
    return out


def _step_slice(frame: pd.DataFrame, start, stop) -> pd.DataFrame:
    mask = np.ones(len(frame), dtype=bool)
    if start is not None:
        mask &= frame["step"].to_numpy() >= start
    if stop is not None:
        mask &= frame["step"].to_numpy() < stop
    return frame.loc[mask].reset_index(drop=True)


def _load_chunked(
    fetch: Callable[[int, int], pd.DataFrame], n_steps: int, chunk: int, ctl: Control, what: str
) -> list[pd.DataFrame]:
    parts = []
    for lo in range(0, max(n_steps, 1), chunk):
        parts.append(fetch(lo, lo + chunk))
        ctl.checkpoint(min(lo + chunk, n_steps) / max(n_steps, 1), f"reading {what}")
    return parts


def load_metrics(source: RunSource, ctl: Control) -> pd.DataFrame:
    """All of a run's per-step metrics, read in chunks with checkpoints between them."""
    parts = _load_chunked(source.metrics, source.steps_done(), METRIC_CHUNK_STEPS, ctl, "metrics")
    parts = [p for p in parts if len(p)]
    if not parts:
        return source.metrics(0, 0)
    return pd.concat(parts, ignore_index=True).sort_values("step", kind="stable").reset_index(drop=True)


def iter_agent_chunks(source: RunSource, ctl: Control, rows: int | None = None) -> Iterator[pd.DataFrame]:
    """Yield the run's agents in agent_id order, `rows` (default AGENT_CHUNK_ROWS) at a time
    (each piece starts after the last agent_id of the one before), with a checkpoint after
    each piece. Together the pieces are exactly source.agents(). Progress approaches 1
    (the total is unknown)."""
    rows = rows or AGENT_CHUNK_ROWS
    start, done = None, 0
    while True:
        part = source.agents(start, None, limit=rows)
        if len(part):
            done += len(part)
            yield part
        ctl.checkpoint(done / (done + rows), f"read {done} agents")
        if len(part) < rows:
            return
        start = int(part["agent_id"].iloc[-1]) + 1


def initial_counts(params: Any) -> dict[str, int]:
    """Agents per category at the start, when the model's parameters say (a parameter
    class may offer ``agent_counts() -> {category: n}``); empty otherwise."""
    counts = getattr(params, "agent_counts", None)
    if not callable(counts):
        return {}
    try:
        return {str(k): int(v) for k, v in counts().items()}
    except (TypeError, ValueError):
        return {}


def present_categories(metrics: pd.DataFrame, spec: ModelSpec, params: Any = None) -> list[str]:
    """Categories with a count metric that exist in a run: with agents at the start (when
    the parameters say), or ever counted above zero."""
    counts = initial_counts(params) if params is not None else {}
    present = []
    for metric in count_metrics(spec):
        col = metric.name
        ever = col in metrics and len(metrics) and float(metrics[col].max()) > 0
        if ever or counts.get(metric.category, 0) > 0:
            present.append(metric.category)
    return present


def category_metric(spec: ModelSpec) -> dict[str, str]:
    """Category -> the metric that counts it."""
    return {m.category: m.name for m in count_metrics(spec)}


def population_matrix(metrics: pd.DataFrame, spec: ModelSpec,
                      categories: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Steps and a (steps, categories) matrix of the counts after each step."""
    steps = metrics["step"].to_numpy(dtype=np.int64)
    if not categories:
        return steps, np.zeros((len(steps), 0))
    col = category_metric(spec)
    return steps, np.column_stack([metrics[col[c]].to_numpy(dtype=float) for c in categories])


def total_count(metrics: pd.DataFrame, spec: ModelSpec) -> np.ndarray:
    """The sum of every category count after each step."""
    cols = [m.name for m in count_metrics(spec) if m.name in metrics]
    if not cols:
        return np.zeros(len(metrics))
    return metrics[cols].to_numpy(dtype=float).sum(axis=1)


def pick_evenly(values: np.ndarray, most: int) -> np.ndarray:
    """At most `most` of the values, evenly spread, the first and last included."""
    if len(values) <= most:
        return values
    return values[np.unique(np.linspace(0, len(values) - 1, most).round().astype(int))]


def downsample(x: np.ndarray, *ys: np.ndarray, max_points: int) -> tuple[np.ndarray, ...]:
    """Every k-th point (keeping the last) so a curve has at most ~max_points points."""
    n = len(x)
    if max_points <= 0 or n <= max_points:
        return (np.asarray(x), *(np.asarray(y) for y in ys))
    stride = int(np.ceil(n / max_points))
    idx = np.arange(0, n, stride)
    if idx[-1] != n - 1:
        idx = np.append(idx, n - 1)
    return (np.asarray(x)[idx], *(np.asarray(y)[idx] for y in ys))
