"""Recording a run: the simulation thread hands each step's data to a RunWriter, which
collects it into batches and commits them from a dedicated writer thread.

The simulation thread only appends references to lists (and copies the small action
count array); packing snapshots, building rows and the SQL inserts happen on the
writer thread, one transaction per batch (every `batch_steps` steps or `batch_seconds`,
whichever comes first). A part of a batch that holds a snapshot is handed over at once,
uncommitted, so that the writer compresses it while the run goes on: when the run ends,
only the last batch's inserts are left to wait for. The queue between the two is
bounded, so a database that cannot keep up slows the simulation instead of filling memory.
"""

from __future__ import annotations

import operator
import queue
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import bindparam, update
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from farm_gui.config import ACTIONS
from farm_gui.sim.protocol import BIRTH_KEYS, DEATH_KEYS, INTEGER_METRICS, METRIC_NAMES, StepBlock
from farm_gui.thread_priority import lower_this_thread_priority

from . import backend
from .checkpoint_format import FORMAT_VERSION, encode_state
from .liveness import HEARTBEAT_S, this_writer
from .packing import AGENT_BYTES, CODEC, codec_for, pack_agents, pack_floats
from .records import STATUSES, StoreError, utcnow
from .schema import (
    action_counts,
    agent_snapshots,
    agents,
    checkpoints,
    metric_chunks,
    node_snapshots,
    runs,
    step_metrics,
)

# When the simulation outruns the database (tiny worlds: ~20k steps/s, a commit every 10
# ms), it waits for the writer once this many batches and parts are queued. Everything
# queued is lost if the process is killed: 64 let a kill -9 lose 0.6 s of such a run.
_MAX_QUEUED_PARTS = 16
# A part is handed over at most this often: each handover wakes the writer thread, which
# takes the GIL (and at times the simulation's CPU) right away; at the 1k preset a part
# per snapshot cost the simulation ~40 us each, 100 times per 1000 steps.
_PART_INTERVAL_S = 0.02
# expect_end: the last batch holds batch_steps / 4 steps. The writer stores a step's rows
# in about an eighth of the time the simulation takes to make it (1k preset), so it has
# committed the batch before last by the time the run ends.
_END_LEAD_FRACTION = 4
_COMMAND_TIMEOUT_S = 120.0
# A write lock held by a busy (GIL-starved) or foreign connection can outlast SQLite's busy
# timeout; the transaction is then retried rather than failing the run.
_LOCKED_RETRY_S = 300.0


@dataclass
class _Batch:
    # a step's dict (add_step) or a block's table (add_block), in step order
    metrics: list[dict[str, float] | np.ndarray] = field(default_factory=list)
    actions: list[np.ndarray] = field(default_factory=list)  # (types, actions) or a block's (steps, ...)
    births: list[dict[str, np.ndarray]] = field(default_factory=list)
    deaths: list[dict[str, np.ndarray]] = field(default_factory=list)
    snapshots: list[tuple[int, dict[str, np.ndarray]]] = field(default_factory=list)
    states: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # checkpoints
    # packed on the writer thread when the part arrives
    agent_rows: list[tuple] = field(default_factory=list)
    node_rows: list[tuple] = field(default_factory=list)
    layer_rows: list[tuple] = field(default_factory=list)  # a generic model's world layers
    checkpoint_rows: list[tuple] = field(default_factory=list)
    commit: bool = True  # False: a part; the writer keeps it until a committing part comes

    def __bool__(self) -> bool:
        return bool(self.metrics or self.births or self.deaths or self.snapshots or self.layer_rows
                    or self.agent_rows or self.node_rows or self.states or self.checkpoint_rows)

    def absorb(self, part: _Batch) -> None:
        for name in ("metrics", "actions", "births", "deaths", "snapshots", "agent_rows", "node_rows",
                     "layer_rows", "states", "checkpoint_rows"):
            getattr(self, name).extend(getattr(part, name))


@dataclass
class _Command:
    kind: str
    args: tuple[Any, ...] = ()
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


_metric_values = operator.itemgetter(*METRIC_NAMES)
_INT_COLUMNS = [i for i, name in enumerate(METRIC_NAMES) if name in INTEGER_METRICS]


def _metric_table(items: list[dict[str, float] | np.ndarray]) -> np.ndarray:
    """A batch's metrics as one float64 table (steps, METRIC_NAMES)."""
    parts: list[np.ndarray] = []
    dicts: list[tuple[float, ...]] = []
    for item in items:
        if isinstance(item, np.ndarray):
            if dicts:
                parts.append(np.array(dicts, dtype=np.float64))
                dicts = []
            parts.append(item)
        else:
            dicts.append(_metric_values(item))
    if dicts:
        parts.append(np.array(dicts, dtype=np.float64))
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _metric_rows(run_id: int, table: np.ndarray) -> list[list]:
    """step_metrics rows (run id, METRIC_NAMES) of a metric table, counts as int: made
    by NumPy, not value by value in Python."""
    rows = np.empty((len(table), 1 + table.shape[1]), dtype=object)
    rows[:, 0] = run_id
    rows[:, 1:] = table
    rows[:, [1 + i for i in _INT_COLUMNS]] = table[:, _INT_COLUMNS].astype(np.int64)
    return rows.tolist()


def _int_rows(*columns: np.ndarray | int) -> list[list[int]]:
    """Rows of integer columns (an int is a constant column, e.g. the run id; a 2-D array
    is several columns), turned into Python ints by NumPy in one go rather than value by
    value: the writer holds the GIL meanwhile, which the simulation thread needs after
    every step."""
    n = next(len(c) for c in columns if not isinstance(c, int))
    stacked = np.column_stack([np.full(n, c, dtype=np.int64) if isinstance(c, int) else c for c in columns])
    return stacked.astype(np.int64, copy=False).tolist()


# Agent events are turned into Python rows this many at a time: a run of 10 million agents
# logs 10 million births at step 0, and as one list of rows (~330 bytes an agent with the
# snapshot) they took the process from 5.4 GB to beyond the machine's memory in the flush
# after Stop, and the kernel killed it without a word.
_EVENT_ROWS_PER_CALL = 50_000


def _in_chunks(n: int) -> range:
    return range(0, n, _EVENT_ROWS_PER_CALL)


def _has_rows(events: dict[str, np.ndarray] | None) -> bool:
    return bool(events) and len(next(iter(events.values()))) > 0


class _Statements:
    """The writer's statements, compiled once per database engine (~3.5 ms) and shared
    by the writers of all its runs; each row names its run."""

    def __init__(self, engine) -> None:
        # many rows a statement: the driver lets the GIL go (and waits to get it back from a
        # busy simulation thread) once per statement executed
        self.insert_metrics = backend.Prepared(engine, step_metrics, ("run_id", *METRIC_NAMES),
                                               many_per_statement=True)
        self.insert_chunk = backend.Prepared(engine, metric_chunks,
                                             ("run_id", "first_step", "n_steps", "columns", "data"))
        self.insert_actions = backend.Prepared(engine, action_counts,
                                               ("run_id", "step", "agent_type", *ACTIONS),
                                               many_per_statement=True)
        self.insert_agents = backend.Prepared(engine, agents, ("run_id", *BIRTH_KEYS))
        self.insert_agent_snaps = backend.Prepared(engine, agent_snapshots,
                                                   ("run_id", "step", "n_agents", "codec", "data"))
        self.insert_node_snaps = backend.Prepared(
            engine, node_snapshots, ("run_id", "step", "n_nodes", "codec", "amounts", "positions"))
        self.insert_checkpoints = backend.Prepared(
            engine, checkpoints, ("run_id", "step", "format_version", "engine", "size", "data", "created_at"))
        deaths = (update(agents)
                  .where(agents.c.run_id == bindparam("b_run"), agents.c.agent_id == bindparam("b_agent"))
                  .values(death_step=bindparam("b_step"), death_cause=bindparam("b_cause")))
        self.update_deaths = backend.Prepared(engine, deaths, ("b_step", "b_cause", "b_run", "b_agent"))
        this_run = runs.c.id == bindparam("b_run")
        self.update_heartbeat = backend.Prepared(
            engine, update(runs).where(this_run).values(heartbeat_at=bindparam("b_beat")),
            ("b_beat", "b_run"))
        self.update_progress = backend.Prepared(
            engine, update(runs).where(this_run).values(heartbeat_at=bindparam("b_beat"),
                                                        steps_done=bindparam("b_steps"),
                                                        last_alive=bindparam("b_alive")),
            ("b_beat", "b_steps", "b_alive", "b_run"))


_statements_lock = threading.Lock()
_statements_by_engine: weakref.WeakKeyDictionary[Any, _Statements] = weakref.WeakKeyDictionary()


def _statements_for(engine) -> _Statements:
    with _statements_lock:
        found = _statements_by_engine.get(engine)
        if found is None:
            found = _statements_by_engine[engine] = _Statements(engine)
        return found


class PauseClock:
    """The time a run spends paused, kept by the writer from the statuses it records: the
    run's duration in the store leaves its pauses out, as the window's does."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.total_s = 0.0
        self._since: datetime | None = None

    def enter(self, status: str, now: datetime) -> bool:
        """The run's status becomes ``status`` at ``now``; True when a pause ended."""
        if status == "paused":
            if self._since is None:
                self._since = now
            return False
        if self._since is None:
            return False
        self.total_s += max(0.0, (now - self._since).total_seconds())
        self._since = None
        return True


class RunWriter:
    """Records one run. Use it from ONE thread (the simulation thread)."""

    def __init__(self, store, run_id: int, *, batch_steps: int = 200, batch_seconds: float = 0.25,
                 codec: str = CODEC):
        self._store = store
        self.run_id = run_id
        self.batch_steps = max(1, int(batch_steps))
        self.batch_seconds = float(batch_seconds)
        self.codec = codec
        self._batch = _Batch()
        self._last_handover = self._last_part = time.monotonic()
        self._steps_in_batch = 0  # since the last committing handover, parts included
        self._early_handover_step: int | None = None
        self._queue: queue.Queue[_Batch | _Command] = queue.Queue(maxsize=_MAX_QUEUED_PARTS)
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None
        self._snapshot_steps: set[int] = set()
        self._checkpoint_steps: set[int] = set()
        self._event_source: Callable[[], tuple[dict[str, np.ndarray], dict[str, np.ndarray]]] | None = None
        self._finished = False
        self._final_status = "pending"
        self.cpu_seconds = 0.0  # CPU time the writer thread used (set when it ends)
        # writer-thread state
        self._last_node_xy: tuple[np.ndarray, np.ndarray] | None = None
        self._pending = _Batch()  # parts received since the last commit

    # ----- simulation-thread side ---------------------------------------------------
    def start(self) -> None:
        """Start the writer thread, which marks the run running (started now). Does not
        wait for it: the writer connects while the simulation takes its first steps, and
        a failure to do so is raised by the next add_step, flush or set_status (finish
        records the run as failed)."""
        self._ensure_thread()
        self._put(_Command("start"))

    def take_events_from(self, source: Callable[[], tuple[dict[str, np.ndarray], dict[str, np.ndarray]]]
                         ) -> None:
        """Collect births and deaths by calling ``source()`` (e.g. a model's
        drain_agent_events) once per batch, right before it is handed over, instead of
        receiving them with every step: each committed batch still holds every event up
        to its last step, and the simulation saves a drain per step."""
        self._event_source = source

    def expect_end(self, last_step: int) -> None:
        """The run ends after step `last_step` (metrics["step"] counts from 0) unless it
        is stopped early. The writer then commits its batch a few steps before that, so
        that finish() waits for the rows of those few steps only, not of a whole batch;
        in those last steps every snapshot goes to the writer at once, to be packed before
        the end."""
        self._early_handover_step = last_step - max(1, self.batch_steps // _END_LEAD_FRACTION)

    def add_step(self, metrics: dict[str, float], action_counts: np.ndarray,
                 births: dict[str, np.ndarray] | None, deaths: dict[str, np.ndarray] | None,
                 snapshot: dict[str, np.ndarray] | None) -> None:
        """Buffer one step. `snapshot` (if given) is the world after this step, stored as
        step metrics["step"] + 1."""
        self._raise_failure()
        batch = self._batch
        batch.metrics.append(metrics)
        if action_counts is not None:  # None: a model-generic run (generic_writer.py)
            batch.actions.append(np.array(action_counts, dtype=np.int64))
        self._steps_in_batch += 1
        if births is not None or deaths is not None:
            self.add_agent_events(births, deaths)
        step = int(metrics["step"])
        if snapshot is not None:
            self.add_snapshot(step + 1, snapshot)
        self._hand_over_when_due(step, step)

    def add_block(self, block: StepBlock, snapshot: dict[str, np.ndarray] | None) -> None:
        """Buffer consecutive steps (Model.step_block); `snapshot` (if given) is the world
        after the block's last step."""
        self._raise_failure()
        batch = self._batch
        batch.metrics.append(block.table)
        batch.actions.append(block.actions)
        self._steps_in_batch += len(block)
        first, last = int(block.table[0, 0]), int(block.table[-1, 0])
        if snapshot is not None:
            self.add_snapshot(last + 1, snapshot)
        self._hand_over_when_due(first, last)

    def _hand_over_when_due(self, first: int, last: int) -> None:
        """After buffering steps first..last: hand the batch (or a part holding snapshots)
        over when it is due."""
        now = time.monotonic()
        early = self._early_handover_step
        if (self._steps_in_batch >= self.batch_steps
                or now - self._last_handover >= self.batch_seconds
                or early is not None and first <= early <= last):
            self._handover()
        elif self._batch.snapshots and (now - self._last_part >= _PART_INTERVAL_S
                                        or early is not None and last > early):
            self._hand_over_part()

    def add_agent_events(self, births: dict[str, np.ndarray] | None,
                         deaths: dict[str, np.ndarray] | None) -> None:
        if _has_rows(births):
            self._batch.births.append(births)
        if _has_rows(deaths):
            self._batch.deaths.append(deaths)

    def add_snapshot(self, step: int, snapshot: dict[str, np.ndarray]) -> None:
        """Buffer the world after `step` steps (step 0 = the initial world); a second
        snapshot for the same step is ignored."""
        if step not in self._snapshot_steps:
            self._snapshot_steps.add(step)
            self._batch.snapshots.append((step, snapshot))

    def has_snapshot(self, step: int) -> bool:
        return step in self._snapshot_steps

    def add_checkpoint(self, step: int, capture: Callable[[], dict[str, Any]]) -> None:
        """Checkpoint the engine after `step` steps: the batch so far (every step before
        `step`) is handed over for commit together with the state ``capture()`` returns,
        in one transaction, so a stored checkpoint is never ahead of the stored steps.
        Pending births and deaths are drained into the batch first, so the state holds
        none that are also stored. A second checkpoint for the same step is ignored."""
        if step in self._checkpoint_steps:
            return
        self._raise_failure()
        self._checkpoint_steps.add(step)
        if self._event_source is not None:
            self.add_agent_events(*self._event_source())
        self._batch.states.append((step, capture()))
        self._handover()

    def known_checkpoint(self, step: int) -> None:
        """A checkpoint for `step` is already stored (a resumed run's starting point)."""
        self._checkpoint_steps.add(step)

    def has_checkpoint(self, step: int) -> bool:
        return step in self._checkpoint_steps

    def flush(self) -> None:
        """Commit everything buffered so far; returns once it is in the database."""
        self._handover()
        self._call("sync")

    def set_status(self, status: str) -> None:
        if status not in STATUSES:
            raise StoreError(f"unknown run status {status!r}")
        self._handover()
        self._call("status", status)

    def finish(self, status: str, error: str | None = None) -> str:
        """Flush, record the final status (and error), stop the writer thread. Returns the
        status recorded: "failed" instead of "finished" if a batch could not be written."""
        if self._finished:
            return self._final_status
        self._finished = True
        self._ensure_thread()
        if self._failure is None:
            self._handover()
        try:
            self._call("finish", status, error)
        finally:
            if self._thread is not None:
                self._thread.join(timeout=_COMMAND_TIMEOUT_S)
        return self._final_status

    def _hand_over_part(self) -> None:
        self._last_part = time.monotonic()
        if self._failure is None:
            part, self._batch = self._batch, _Batch()
            part.commit = False
            self._put(part)

    def _handover(self) -> None:
        """Hand the batch over for commit (with every part handed over before it)."""
        self._last_handover = self._last_part = time.monotonic()
        self._steps_in_batch = 0
        if self._event_source is not None and self._failure is None:
            self.add_agent_events(*self._event_source())
        if self._batch and self._failure is None:
            batch, self._batch = self._batch, _Batch()
            batch.commit = True
            self._put(batch)

    def _ensure_thread(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name=f"run-{self.run_id}-writer", daemon=True)
            self._thread.start()

    def _put(self, item: _Batch | _Command) -> None:
        while True:
            if self._thread is None or not self._thread.is_alive():
                raise StoreError(f"the writer of run {self.run_id} has stopped"
                                 + (f": {self._failure}" if self._failure else ""))
            try:
                self._queue.put(item, timeout=1.0)
                return
            except queue.Full:
                continue

    def _call(self, kind: str, *args: Any) -> None:
        """Run a command on the writer thread and wait for it. Raises the command's own
        error, or (except for "finish") an earlier failure to record a batch."""
        command = _Command(kind, args)
        self._put(command)
        deadline = time.monotonic() + _COMMAND_TIMEOUT_S
        while not command.done.wait(timeout=0.5):
            if self._thread is None or not self._thread.is_alive() or time.monotonic() > deadline:
                raise StoreError(f"the writer of run {self.run_id} stopped responding")
        if command.error is not None:
            raise command.error
        if kind != "finish":
            self._raise_failure()

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise StoreError(f"recording run {self.run_id} failed: {self._failure}") from self._failure

    # ----- writer-thread side -------------------------------------------------------
    def _loop(self) -> None:
        # the simulation and the window come first when cores are short
        lower_this_thread_priority()
        cpu_start = time.thread_time()
        try:
            self._serve()
        finally:
            self.cpu_seconds = time.thread_time() - cpu_start

    def _serve(self) -> None:
        engine = self._store.engine
        try:
            self._sql = _statements_for(engine)
            conn = engine.connect().execution_options(**{backend.WRITE_OPTION: True})
        except SQLAlchemyError as err:
            self._failure = err
            return
        started = False
        pauses = PauseClock()
        with conn:
            while True:
                try:
                    item = self._queue.get(timeout=HEARTBEAT_S)
                except queue.Empty:
                    if started and self._failure is None:
                        self._guarded(conn, self._sql.update_heartbeat, [(utcnow(), self.run_id)])
                    continue
                if isinstance(item, _Batch):
                    if self._failure is None:
                        self._receive(conn, item)
                    continue
                if self._pending and self._failure is None:
                    self._commit_pending(conn)
                if item.kind == "start":
                    started = True
                    pauses.reset()
                    pid, host = this_writer()
                    item.error = self._guarded(conn, self._run_update, {
                        "status": "running", "started_at": utcnow(), "finished_at": None, "error": None,
                        "paused_s": None, "start_step": runs.c.steps_done, "writer_pid": pid,
                        "writer_host": host})
                elif item.kind == "status":
                    values = {"status": item.args[0]}
                    if pauses.enter(item.args[0], utcnow()):
                        values["paused_s"] = pauses.total_s
                    item.error = self._guarded(conn, self._run_update, values)
                elif item.kind == "finish":
                    status, error = item.args
                    if self._failure is not None and status == "finished":
                        status, error = "failed", f"recording failed: {self._failure}"
                    self._final_status = status
                    now = utcnow()
                    pauses.enter("finished", now)
                    values = {"status": status, "error": error, "finished_at": now,
                              "paused_s": pauses.total_s or None}
                    item.error = self._guarded(conn, self._run_update, values, record=False)
                item.done.set()
                if item.kind == "finish":
                    return

    def _receive(self, conn, part: _Batch) -> None:
        try:
            self._pack_snapshots(part)
        except (OSError, ValueError, KeyError, TypeError) as err:
            self._failure = StoreError(f"{self._store.url}: cannot record run {self.run_id}: {err}")
            return
        self._pending.absorb(part)
        if part.commit:
            self._commit_pending(conn)

    def _commit_pending(self, conn) -> None:
        batch, self._pending = self._pending, _Batch()
        self._guarded(conn, self._write_batch, batch)

    def _guarded(self, conn, fn, arg, record: bool = True) -> BaseException | None:
        deadline = time.monotonic() + _LOCKED_RETRY_S
        try:
            while True:
                try:
                    with conn.begin():
                        fn(conn, arg)
                    return None
                except OperationalError as err:
                    if "locked" not in str(err.orig) or time.monotonic() > deadline:
                        raise
        except (SQLAlchemyError, OSError, ValueError, KeyError, TypeError) as err:
            detail = getattr(err, "orig", None) or err
            failure = StoreError(f"{self._store.url}: cannot record run {self.run_id}: {detail}")
            if record and self._failure is None:
                self._failure = failure
            return failure

    def _run_update(self, conn, values: dict[str, Any]) -> None:
        conn.execute(update(runs).where(runs.c.id == self.run_id).values(heartbeat_at=utcnow(), **values))

    def _write_batch(self, conn, batch: _Batch) -> None:
        rid = self.run_id
        if batch.births:
            born = [np.concatenate([b[k] for b in batch.births]) for k in BIRTH_KEYS]
            for i in _in_chunks(len(born[0])):
                self._sql.insert_agents(conn, _int_rows(rid, *(c[i:i + _EVENT_ROWS_PER_CALL] for c in born)))
        progress: tuple[int, int] | None = None
        if batch.metrics:
            table = _metric_table(batch.metrics)
            self._sql.insert_metrics(conn, _metric_rows(rid, table))
            first = int(table[0, 0])
            self._sql.insert_chunk(conn, [(rid, first, len(table), ",".join(METRIC_NAMES),
                                       np.ascontiguousarray(table.T, dtype="<f8").tobytes())])
            counts = np.concatenate([a if a.ndim == 3 else a[None] for a in batch.actions])
            step_idx, type_idx = np.nonzero(counts.any(axis=2))
            if len(step_idx):
                steps = table[step_idx, 0].astype(np.int64)
                self._sql.insert_actions(conn, _int_rows(rid, steps, type_idx, counts[step_idx, type_idx]))
            progress = (first + len(table), int(table[-1, 1]))
        if batch.deaths:
            agent_id, step, cause = (np.concatenate([d[k] for d in batch.deaths]) for k in DEATH_KEYS)
            for i in _in_chunks(len(agent_id)):
                part = slice(i, i + _EVENT_ROWS_PER_CALL)
                self._sql.update_deaths(conn, _int_rows(step[part], cause[part], rid, agent_id[part]))
        self._sql.insert_agent_snaps(conn, batch.agent_rows)
        self._sql.insert_node_snaps(conn, batch.node_rows)
        if batch.checkpoint_rows:
            self._sql.insert_checkpoints(conn, batch.checkpoint_rows)
        if progress is None:
            self._sql.update_heartbeat(conn, [(utcnow(), rid)])
        else:
            self._sql.update_progress(conn, [(utcnow(), *progress, rid)])

    def _pack_snapshots(self, part: _Batch) -> None:
        """Pack the part's snapshots into its agent and node rows (outside any
        transaction: a retried commit stores the same rows)."""
        agent_rows, node_rows = part.agent_rows, part.node_rows
        for step, snapshot in part.snapshots:
            codec = codec_for(self.codec, len(snapshot["agent_id"]) * AGENT_BYTES)
            n_agents, blob = pack_agents(snapshot, codec)
            agent_rows.append((self.run_id, step, n_agents, codec, blob))
            x = np.asarray(snapshot["node_x"], dtype=np.float64)
            y = np.asarray(snapshot["node_y"], dtype=np.float64)
            positions = None
            codec = codec_for(self.codec, 3 * x.nbytes)
            last = self._last_node_xy
            if last is None or not (np.array_equal(last[0], x) and np.array_equal(last[1], y)):
                positions = pack_floats(x, y, codec=codec)
                self._last_node_xy = (x, y)
            amounts = pack_floats(np.asarray(snapshot["node_amount"]), codec=codec)
            node_rows.append((self.run_id, step, len(x), codec, amounts, positions))
        part.snapshots = []
        for step, state in part.states:
            blob = encode_state(state)
            part.checkpoint_rows.append((self.run_id, step, FORMAT_VERSION, str(state.get("engine", "")),
                                         len(blob), blob, utcnow()))
        part.states = []
