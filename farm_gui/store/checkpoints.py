"""Checkpoints in the store: listing and loading them, and the two ways a run goes on
from one: resume (the same run record; its data after the checkpoint is removed, to be
written again) and fork (a new run record that names its parent and step).

Checkpoint rows are written by the RunWriter, in the transaction of the batch they end
(writer.py, ``add_checkpoint``); the blob format is in checkpoint_format.py.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from sqlalchemy import and_, delete, insert, literal, or_, select, update

from farm_gui import __version__
from farm_gui.config import RunConfig, config_to_dict

from .checkpoint_format import FORMAT_VERSION, CheckpointFormatError, decode_state
from .model_tables import delete_model_rows
from .records import LIVE_STATUSES, StoreError, utcnow
from .schema import (
    action_counts,
    agent_snapshots,
    agents,
    checkpoints,
    layer_snapshots,
    metric_chunks,
    node_snapshots,
    runs,
    step_metrics,
)

# why a run may have none, and what to do then (in the messages of the CLI and the window)
NO_CHECKPOINT_HINT = ("an experiment's runs, and runs recorded by releases before checkpoints, keep none; "
                      "re-running it with its configuration records them: `farm-gui run --from-run RUN`, "
                      "or in the window, right-click > Re-run with this Configuration")


class CheckpointError(StoreError):
    """A run cannot go on from a checkpoint: none there, still running, damaged or newer
    format (the message says which)."""


def nearest(steps: list[int], step: int, k: int = 3) -> list[int]:
    """The `k` stored steps nearest to `step`, in step order."""
    return sorted(sorted(steps, key=lambda s: (abs(s - step), s))[:k])


class CheckpointTable:
    """Mixed into Store; relies on its _read(), _write(), get_run() and url."""

    def checkpoint_steps(self, run_id: int) -> list[int]:
        """Steps with a stored checkpoint (step k = the state after k steps), sorted."""
        self.get_run(run_id)
        if self.readonly and not self.has_table("checkpoints"):
            return []  # an older workspace, not migrated when opened read-only
        c = checkpoints.c
        with self._read(f"reading the checkpoints of run {run_id}") as conn:
            return [int(s) for s in conn.execute(
                select(c.step).where(c.run_id == int(run_id)).order_by(c.step)).scalars()]

    def load_checkpoint(self, run_id: int, step: int | None = None) -> tuple[int, dict[str, Any]]:
        """(step, engine state) of the checkpoint at `step` (None: the last one). Raises
        CheckpointError when there is none there, or it is damaged or of a newer format."""
        info = self.get_run(run_id)
        c = checkpoints.c
        query = select(c.step, c.format_version, c.data).where(c.run_id == int(run_id))
        query = query.order_by(c.step.desc()).limit(1) if step is None else query.where(c.step == int(step))
        with self._read(f"reading a checkpoint of run {run_id}") as conn:
            row = conn.execute(query).first()
        if row is None:
            if step is None:
                raise CheckpointError(f"run {run_id} ({info.name}) has no checkpoint to continue from "
                                      f"({NO_CHECKPOINT_HINT})")
            steps = self.checkpoint_steps(run_id)
            near = ", ".join(map(str, nearest(steps, int(step)))) or "none"
            raise CheckpointError(f"run {run_id} ({info.name}) has no checkpoint at step {step}; "
                                  f"nearest checkpoints: {near}")
        where = f"the checkpoint of run {run_id} at step {row.step}"
        if row.format_version > FORMAT_VERSION:
            raise CheckpointError(f"{where} has format version {row.format_version}, newer than this "
                                  f"Farm GUI reads ({FORMAT_VERSION}); update Farm GUI to use it")
        try:
            state = decode_state(row.data)
        except CheckpointFormatError as err:
            raise CheckpointError(f"{where} cannot be used: {err}") from None
        if state.get("step_index") != row.step:
            raise CheckpointError(f"{where} cannot be used: it holds the state of step "
                                  f"{state.get('step_index')} (the checkpoint is damaged)")
        return int(row.step), state

    def prepare_resume(self, run_id: int, step: int, config: RunConfig, last_alive: int | None) -> None:
        """Make run `run_id` ready to go on from its checkpoint at `step`: everything it
        stored after that step (metrics, action counts, births, deaths, snapshots, later
        checkpoints) is removed in one transaction, to be written again by the resumed
        run; its configuration (e.g. a longer run) is `config`."""
        info = self.get_run(run_id)
        if info.status in LIVE_STATUSES:
            raise CheckpointError(f"run {run_id} ({info.name}) is still {info.status}; stop it first")
        rid, k = int(run_id), int(step)
        with self._write(f"preparing run {run_id} to resume") as conn:
            _truncate_chunks(conn, rid, k)
            m = step_metrics.c
            conn.execute(delete(step_metrics).where(m.run_id == rid, m.step >= k))
            ac = action_counts.c
            conn.execute(delete(action_counts).where(ac.run_id == rid, ac.step >= k))
            conn.execute(delete(agents).where(agents.c.run_id == rid, agents.c.birth_step > k))
            conn.execute(update(agents).where(agents.c.run_id == rid, agents.c.death_step >= k)
                         .values(death_step=None, death_cause=None))
            for table in (agent_snapshots, node_snapshots, layer_snapshots):
                conn.execute(delete(table).where(table.c.run_id == rid, table.c.step >= k))
            delete_model_rows(conn, info.model, rid, from_step=k)
            conn.execute(delete(checkpoints).where(checkpoints.c.run_id == rid, checkpoints.c.step > k))
            conn.execute(update(runs).where(runs.c.id == rid).values(
                status="pending", steps_done=k, last_alive=_count(last_alive), error=None, finished_at=None,
                total_steps=config.simulation_steps, config_json=json.dumps(config_to_dict(config)),
                writer_pid=None, writer_host=None, heartbeat_at=utcnow()))

    def create_fork(self, parent_id: int, step: int, config: RunConfig, name: str | None,
                    last_alive: int | None) -> int:
        """A new run that continues run `parent_id` from its checkpoint at `step` with
        `config`. It holds a copy of that checkpoint and the agents alive at `step`
        (their births stay as the parent recorded them); its own steps start at `step`."""
        parent = self.get_run(parent_id)
        pid, k = int(parent_id), int(step)
        now = utcnow()
        with self._write(f"forking run {parent_id}") as conn:
            run_id = int(conn.execute(insert(runs).values(
                name=name or "", model=parent.model, config_json=json.dumps(config_to_dict(config)),
                seed=config.seed, status="pending", total_steps=config.simulation_steps, steps_done=k,
                last_alive=_count(last_alive), created_at=now, app_version=__version__,
                parent_run=pid, parent_step=k, model_version=parent.model_version)).inserted_primary_key[0])
            if not name:
                base = f"{parent.name} fork@{k}"
                alike = select(runs.c.name).where(runs.c.name.startswith(base, autoescape=True))
                taken = set(conn.execute(alike).scalars())
                # a second fork from the same step gets "(2)": two alike names could not be told apart
                default = next(n for n in (base, *(f"{base} ({i})" for i in range(2, len(taken) + 2)))
                               if n not in taken)
                conn.execute(update(runs).where(runs.c.id == run_id).values(name=default))
            c = checkpoints.c
            conn.execute(insert(checkpoints).from_select(
                ["run_id", "step", "format_version", "engine", "size", "data", "created_at"],
                select(literal(run_id), c.step, c.format_version, c.engine, c.size, c.data, literal(now))
                .where(c.run_id == pid, c.step == k)))
            a = agents.c
            conn.execute(insert(agents).from_select(
                ["run_id", "agent_id", "agent_type", "birth_step", "parent_id", "generation"],
                select(literal(run_id), a.agent_id, a.agent_type, a.birth_step, a.parent_id, a.generation)
                .where(a.run_id == pid, a.birth_step <= k,
                       or_(a.death_step.is_(None), a.death_step >= k))))
        return run_id

    def lineage(self, run_id: int) -> tuple[int | None, int | None]:
        """(parent run, fork step) of a run; (None, None) for a run that was not forked."""
        with self._read(f"reading run {run_id}") as conn:
            row = conn.execute(select(runs.c.parent_run, runs.c.parent_step)
                               .where(runs.c.id == int(run_id))).first()
        if row is None:
            raise StoreError(f"{self.url} has no run with id {run_id}")
        return row.parent_run, row.parent_step


def _truncate_chunks(conn, rid: int, k: int) -> None:
    """Drop the metric chunks at or after step k; cut one that straddles it."""
    c = metric_chunks.c
    conn.execute(delete(metric_chunks).where(c.run_id == rid, c.first_step >= k))
    rows = conn.execute(select(c.first_step, c.n_steps, c.columns, c.data)
                        .where(c.run_id == rid, and_(c.first_step < k, c.first_step + c.n_steps > k))).all()
    for first, n, columns, data in rows:
        keep = k - int(first)
        table = np.frombuffer(data, dtype="<f8").reshape(len(columns.split(",")), int(n))[:, :keep]
        conn.execute(update(metric_chunks).where(c.run_id == rid, c.first_step == first).values(
            n_steps=keep, data=np.ascontiguousarray(table).tobytes()))


def _count(alive: int | None) -> int | None:
    """A run's agents alive as stored: None for a model that counts no population."""
    return None if alive is None else int(alive)
