"""Experiments in the workspace: the ``experiments`` and ``experiment_runs`` tables.

An experiment is recorded with its spec (YAML text), status and counts, and one row per
planned run (design point, replicate, seed, factor values, status). A run's results are an
ordinary run (``runs``), created when its result arrives from a worker; ``run_id`` links
it. The one process that owns the workspace writes all of this (workers hold no database).

Statuses: experiment queued -> running <-> paused -> finished | cancelled; one left
running or paused by a process that is gone reads as ``interrupted`` (resumable);
experiment runs queued -> finished | failed (a run in flight when the experiment stopped
stays queued, and runs again on resume).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from .liveness import this_writer, writer_gone
from .records import StoreError, as_utc, utcnow
from .schema import experiment_runs, experiments

EXPERIMENT_STATUSES = ("queued", "running", "paused", "finished", "cancelled", "interrupted")
EXPERIMENT_LIVE = frozenset({"running", "paused"})
EXPERIMENT_RUN_STATUSES = ("queued", "finished", "failed")
INSERT_CHUNK = 5000


@dataclass(frozen=True)
class ExperimentInfo:
    id: int
    name: str
    model: str
    design: str
    status: str
    seed: int
    runs_total: int
    runs_finished: int  # runs that finished (status "finished")
    runs_failed: int  # runs that failed (recorded with their error)
    backend: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None

    @property
    def runs_done(self) -> int:
        """Runs whose result is stored, failed ones included."""
        return self.runs_finished + self.runs_failed

    @property
    def runs_queued(self) -> int:
        return self.runs_total - self.runs_done


@dataclass(frozen=True)
class ExperimentRunInfo:
    experiment_id: int
    index: int
    point: int
    replicate: int
    seed: int
    factors: dict[str, Any]
    status: str
    run_id: int | None
    error: str | None


def _info(row) -> ExperimentInfo:
    status = row.status
    if status in EXPERIMENT_LIVE and writer_gone(row.writer_pid, row.writer_host, row.heartbeat_at, utcnow()):
        status = "interrupted"
    return ExperimentInfo(
        id=row.id, name=row.name, model=row.model, design=row.design, status=status, seed=row.seed,
        runs_total=row.runs_total, runs_finished=row.runs_finished, runs_failed=row.runs_failed,
        backend=row.backend, created_at=as_utc(row.created_at), started_at=as_utc(row.started_at),
        finished_at=as_utc(row.finished_at), error=row.error)


def _run_info(row) -> ExperimentRunInfo:
    return ExperimentRunInfo(
        experiment_id=row.experiment_id, index=row.run_index, point=row.point, replicate=row.replicate,
        seed=row.seed, factors=json.loads(row.factors_json), status=row.status, run_id=row.run_id,
        error=row.error)


# Written once per finished experiment run: built once (a statement built per call spent
# more in SQLAlchemy's construction and cache key than in the database).
_THIS_RUN = (experiment_runs.c.experiment_id == bindparam("b_experiment")) & \
    (experiment_runs.c.run_index == bindparam("b_index"))
_RECORD_RUN = update(experiment_runs).where(_THIS_RUN, experiment_runs.c.status == "queued").values(
    status=bindparam("b_status"), run_id=bindparam("b_run"), error=bindparam("b_error"))
# counters, not a recount: a GROUP BY over the experiment's runs made recording 10,000
# runs quadratic
_COUNT_RUN = update(experiments).where(experiments.c.id == bindparam("b_experiment")).values(
    runs_finished=experiments.c.runs_finished + bindparam("b_finished"),
    runs_failed=experiments.c.runs_failed + bindparam("b_failed"),
    heartbeat_at=bindparam("b_now"))
_ATTACH_RUN = update(experiment_runs).where(_THIS_RUN).values(run_id=bindparam("b_run"))


class ExperimentTable:
    """Mixed into Store; relies on its _read() and _write()."""

    def create_experiment(self, name: str, model: str, spec_text: str, design: str, seed: int,
                          runs: Iterable[dict[str, Any]]) -> int:
        """Record an experiment and its planned runs (dicts with index, point, replicate,
        seed, factors) in one transaction; returns its id."""
        rows = [{"run_index": int(r["index"]), "point": int(r["point"]), "replicate": int(r["replicate"]),
                 "seed": int(r["seed"]), "factors_json": json.dumps(r["factors"], sort_keys=True),
                 "status": "queued"} for r in runs]
        with self._write("creating an experiment") as conn:
            new_id = int(conn.execute(insert(experiments).values(
                name=name, model=model, spec_text=spec_text, design=design, status="queued", seed=int(seed),
                runs_total=len(rows), runs_finished=0, runs_failed=0, created_at=utcnow(),
            )).inserted_primary_key[0])
            for start in range(0, len(rows), INSERT_CHUNK):
                chunk = rows[start:start + INSERT_CHUNK]
                conn.execute(insert(experiment_runs), [{**r, "experiment_id": new_id} for r in chunk])
        return new_id

    def list_experiments(self) -> list[ExperimentInfo]:
        """All experiments, newest first."""
        with self._read("listing experiments") as conn:
            rows = conn.execute(select(experiments).order_by(experiments.c.id.desc())).all()
        return [_info(r) for r in rows]

    def get_experiment(self, experiment_id: int) -> ExperimentInfo:
        with self._read(f"reading experiment {experiment_id}") as conn:
            row = conn.execute(select(experiments).where(experiments.c.id == int(experiment_id))).first()
        if row is None:
            raise StoreError(f"{self.url} has no experiment with id {experiment_id}")
        return _info(row)

    def experiment_spec_text(self, experiment_id: int) -> str:
        with self._read(f"reading experiment {experiment_id}") as conn:
            text = conn.execute(select(experiments.c.spec_text)
                                .where(experiments.c.id == int(experiment_id))).scalar()
        if text is None:
            raise StoreError(f"{self.url} has no experiment with id {experiment_id}")
        return text

    def experiment_runs(self, experiment_id: int, status: str | None = None) -> list[ExperimentRunInfo]:
        """The experiment's planned runs in run-index order (only those with ``status``)."""
        query = select(experiment_runs).where(experiment_runs.c.experiment_id == int(experiment_id))
        if status is not None:
            query = query.where(experiment_runs.c.status == status)
        with self._read(f"reading the runs of experiment {experiment_id}") as conn:
            rows = conn.execute(query.order_by(experiment_runs.c.run_index)).all()
        return [_run_info(r) for r in rows]

    def experiment_of_run(self, run_id: int) -> ExperimentRunInfo | None:
        """The experiment run behind ``run_id`` (design point, replicate, seed, factors), if any."""
        with self._read(f"reading run {run_id}") as conn:
            row = conn.execute(select(experiment_runs).where(experiment_runs.c.run_id == int(run_id))).first()
        return None if row is None else _run_info(row)

    def set_experiment_status(self, experiment_id: int, status: str, error: str | None = None,
                              backend: str | None = None) -> None:
        if status not in EXPERIMENT_STATUSES:
            raise StoreError(f"unknown experiment status {status!r}; expected one of "
                             f"{', '.join(EXPERIMENT_STATUSES)}")
        now = utcnow()
        values: dict[str, Any] = {"status": status, "error": error}
        if status in EXPERIMENT_LIVE:
            pid, host = this_writer()
            values.update(writer_pid=pid, writer_host=host, heartbeat_at=now, finished_at=None)
        else:
            values["finished_at"] = now
        if backend is not None:
            values["backend"] = backend
        with self._write(f"updating experiment {experiment_id}") as conn:
            if status == "running":
                conn.execute(update(experiments).where(experiments.c.id == int(experiment_id),
                                                       experiments.c.started_at.is_(None))
                             .values(started_at=now))
            found = conn.execute(update(experiments).where(experiments.c.id == int(experiment_id))
                                 .values(**values)).rowcount
        if not found:
            raise StoreError(f"{self.url} has no experiment with id {experiment_id}")

    def experiment_heartbeat(self, experiment_id: int) -> None:
        with self._write(f"updating experiment {experiment_id}") as conn:
            conn.execute(update(experiments).where(experiments.c.id == int(experiment_id))
                         .values(heartbeat_at=utcnow()))

    def record_experiment_run(self, experiment_id: int, index: int, run_id: int, status: str,
                              error: str | None = None) -> None:
        """Link the stored run ``run_id`` to planned run ``index`` with its final status
        (finished or failed) and update the experiment's counts, in one transaction."""
        if status not in ("finished", "failed"):
            raise StoreError(f"an experiment run ends finished or failed, not {status!r}")
        with self._write(f"recording run {index} of experiment {experiment_id}") as conn:
            found = conn.execute(_RECORD_RUN, {"b_experiment": int(experiment_id), "b_index": int(index),
                                               "b_status": status, "b_run": int(run_id),
                                               "b_error": error}).rowcount
            if not found:
                raise StoreError(f"experiment {experiment_id} has no queued run {index} "
                                 "(unknown, or its result is already stored)")
            conn.execute(_COUNT_RUN, {"b_experiment": int(experiment_id),
                                      "b_finished": 1 if status == "finished" else 0,
                                      "b_failed": 1 if status == "failed" else 0, "b_now": utcnow()})

    def attach_experiment_run(self, experiment_id: int, index: int, run_id: int) -> None:
        """Note the run created for planned run ``index`` before its result is written (so
        that a crash in between leaves no unknown run behind: resume removes it)."""
        with self._write(f"recording run {index} of experiment {experiment_id}") as conn:
            conn.execute(_ATTACH_RUN, {"b_experiment": int(experiment_id), "b_index": int(index),
                                       "b_run": int(run_id)})

    def unfinished_runs_with_data(self, experiment_id: int) -> list[int]:
        """Run ids of queued experiment runs whose run was created but whose result was not
        recorded (the owning process stopped in between): resume deletes them."""
        with self._read(f"reading the runs of experiment {experiment_id}") as conn:
            return [int(r) for r in conn.execute(select(experiment_runs.c.run_id).where(
                experiment_runs.c.experiment_id == int(experiment_id), experiment_runs.c.status == "queued",
                experiment_runs.c.run_id.is_not(None))).scalars()]

    def detach_experiment_run(self, experiment_id: int, run_id: int) -> None:
        with self._write(f"updating experiment {experiment_id}") as conn:
            conn.execute(update(experiment_runs).where(
                experiment_runs.c.experiment_id == int(experiment_id),
                experiment_runs.c.run_id == int(run_id),
                experiment_runs.c.status == "queued").values(run_id=None))
