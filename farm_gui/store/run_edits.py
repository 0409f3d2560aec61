"""Editing a stored run: its name and notes, and deleting it (optionally with the
analyses that used it) in one transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update

from .analyses_table import AnalysisTable
from .model_tables import delete_model_rows
from .records import LIVE_STATUSES, AnalysisInfo, StoreError, naive_utc
from .schema import runs

MAX_NAME = 200


class RunEdits:
    """Mixed into Store; relies on its _write(), _row_to_info() and RUN_DATA_TABLES."""

    def rename_run(self, run_id: int, name: str) -> None:
        name = (name or "").strip()
        if not name:
            raise StoreError("a run name cannot be empty")
        if len(name) > MAX_NAME:
            raise StoreError(f"a run name can be at most {MAX_NAME} characters (got {len(name)})")
        self._update_run(run_id, f"renaming run {run_id}", name=name)

    def set_run_notes(self, run_id: int, notes: str | None) -> None:
        """Replace the run's notes (empty text clears them)."""
        text = (notes or "").strip()
        self._update_run(run_id, f"writing the notes of run {run_id}", notes=text or None)

    def set_run_times(self, run_id: int, started_at: datetime, finished_at: datetime) -> None:
        """When an ended run ran (an imported run: when its source simulation did)."""
        if finished_at < started_at:
            raise StoreError(f"run {run_id} cannot end ({finished_at}) before it starts ({started_at})")
        self._update_run(run_id, f"recording when run {run_id} ran", started_at=naive_utc(started_at),
                         finished_at=naive_utc(finished_at), paused_s=None, start_step=None)

    def _update_run(self, run_id: int, doing: str, **values) -> None:
        with self._write(doing) as conn:
            found = conn.execute(update(runs).where(runs.c.id == int(run_id)).values(**values)).rowcount
        if not found:
            raise StoreError(f"{self.url} has no run with id {run_id}")

    def delete_run(self, run_id: int, with_analyses: bool = False) -> list[AnalysisInfo]:
        """Delete a run that is not running or paused, with all its data and, with
        ``with_analyses``, every stored analysis that used it; one transaction, so either
        all of it goes or (on any failure) nothing. Returns the analyses deleted."""
        from .store import RUN_DATA_TABLES

        with self._write(f"deleting run {run_id}") as conn:
            row = conn.execute(select(*self._present_columns(runs)).where(runs.c.id == int(run_id))).first()
            if row is None:
                raise StoreError(f"{self.url} has no run with id {run_id}")
            info = self._row_to_info(row)
            if info.status in LIVE_STATUSES:
                raise StoreError(f"run {run_id} ({info.name}) is {info.status}; stop it before deleting it")
            removed: list[AnalysisInfo] = []
            if with_analyses:
                removed = [a for a in AnalysisTable._analyses_in(conn) if int(run_id) in a.run_ids]
                AnalysisTable._delete_ids(conn, [a.id for a in removed])
            for table in RUN_DATA_TABLES:
                conn.execute(delete(table).where(table.c.run_id == int(run_id)))
            delete_model_rows(conn, info.model, int(run_id))
            conn.execute(delete(runs).where(runs.c.id == int(run_id)))
        return removed
