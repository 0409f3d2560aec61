"""Stored analysis results. The payload is opaque JSON text produced by farm_gui.analysis.

Besides saving and loading: listing with filters, statistics (counts by status and
module, durations, space taken), and removing results (by id, or a clean-up plan:
older than, statuses, keep the newest N). Every removal is one transaction: it
removes everything it planned or, when anything fails, nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, delete, func, insert, select

from .records import AnalysisInfo, StoreError, as_utc, naive_utc, utcnow
from .schema import analyses

# Analyses are recorded when they end, with one of these statuses; only these are ever removed.
ANALYSIS_STATUSES: tuple[str, ...] = ("finished", "stopped", "failed")
# Ids deleted per statement (IN lists stay well below every dialect's parameter limit).
DELETE_CHUNK = 500


def _size_column():
    text = func.coalesce
    return (func.length(text(analyses.c.payload_json, "")) + func.length(analyses.c.params_json)
            + func.length(analyses.c.run_ids_json)
            + func.length(text(analyses.c.error, ""))).label("size_bytes")


def _info(row) -> AnalysisInfo:
    return AnalysisInfo(
        id=row.id, module=row.module, run_ids=[int(r) for r in json.loads(row.run_ids_json)],
        params=json.loads(row.params_json), status=row.status, error=row.error,
        created_at=as_utc(row.created_at), started_at=as_utc(row.started_at),
        finished_at=as_utc(row.finished_at), size_bytes=int(getattr(row, "size_bytes", 0) or 0),
    )


def _listing():
    cols = [c for c in analyses.c if c.name != "payload_json"]
    return select(*cols, _size_column()).order_by(analyses.c.id.desc())


def _statuses(status: str | Iterable[str] | None) -> list[str] | None:
    if status is None:
        return None
    names = [status] if isinstance(status, str) else list(status)
    return [s.strip() for name in names for s in name.split(",") if s.strip()]


@dataclass(frozen=True)
class PrunePlan:
    """Which analyses a clean-up removes (newest first) and the space their text takes."""

    remove: list[AnalysisInfo]

    @property
    def ids(self) -> list[int]:
        return [a.id for a in self.remove]

    @property
    def size_bytes(self) -> int:
        return sum(a.size_bytes for a in self.remove)


def plan_prune(infos: Sequence[AnalysisInfo], *, older_than: timedelta | None = None,
               statuses: Iterable[str] | None = None, keep_last: int | None = None,
               now: datetime | None = None) -> PrunePlan:
    """The analyses (of ``infos``, newest first) a clean-up removes: those created more than
    ``older_than`` ago and with one of ``statuses`` (each filter only when given), except
    the ``keep_last`` newest of them. Analyses not yet ended are never removed."""
    if older_than is None and statuses is None and keep_last is None:
        raise StoreError("say what to clean up: an age, statuses or how many to keep")
    if keep_last is not None and keep_last < 0:
        raise StoreError(f"keep-last must be 0 or more, got {keep_last}")
    wanted = set(_statuses(statuses) or ANALYSIS_STATUSES)
    unknown = wanted - set(ANALYSIS_STATUSES)
    if unknown:
        raise StoreError(f"unknown analysis status {', '.join(sorted(unknown))}; "
                         f"expected {', '.join(ANALYSIS_STATUSES)}")
    cutoff = (now or datetime.now(UTC)) - older_than if older_than is not None else None
    ordered = sorted(infos, key=lambda a: (a.created_at, a.id), reverse=True)
    matching = [a for a in ordered if a.status in wanted and (cutoff is None or a.created_at < cutoff)]
    if keep_last:
        matching = matching[keep_last:]
    return PrunePlan(matching)


class AnalysisTable:
    """Mixed into Store; relies on its _read() and _write()."""

    def save_analysis(self, module: str, run_ids: list[int], params: dict, status: str,
                      payload_json: str | None, error: str | None = None,
                      started_at: datetime | None = None, finished_at: datetime | None = None) -> int:
        try:
            params_text = json.dumps(params, sort_keys=True)
        except (TypeError, ValueError) as err:
            raise StoreError(f"analysis parameters cannot be stored as JSON: {err}") from None
        with self._write("saving an analysis") as conn:
            new_id = conn.execute(insert(analyses).values(
                module=module, run_ids_json=json.dumps([int(r) for r in run_ids]), params_json=params_text,
                status=status, payload_json=payload_json, error=error, created_at=utcnow(),
                started_at=naive_utc(started_at), finished_at=naive_utc(finished_at),
            )).inserted_primary_key[0]
        return int(new_id)

    def list_analyses(self, module: str | None = None, run_id: int | None = None,
                      status: str | Iterable[str] | None = None,
                      since: datetime | None = None) -> list[AnalysisInfo]:
        """Stored analyses, newest first (without payloads), optionally only those of a
        module, of a run (among others), with a status (or comma-separated statuses) or
        created at or after ``since``."""
        query = _listing()
        if module:
            query = query.where(analyses.c.module == module)
        if (names := _statuses(status)) is not None:
            query = query.where(analyses.c.status.in_(names))
        if since is not None:
            query = query.where(analyses.c.created_at >= naive_utc(since))
        with self._read("listing analyses") as conn:
            rows = conn.execute(query).all()
        infos = [_info(r) for r in rows]
        if run_id is not None:
            infos = [a for a in infos if int(run_id) in a.run_ids]
        return infos

    def load_analysis(self, analysis_id: int) -> tuple[AnalysisInfo, str | None]:
        with self._read(f"reading analysis {analysis_id}") as conn:
            query = select(analyses, _size_column()).where(analyses.c.id == int(analysis_id))
            row = conn.execute(query).first()
        if row is None:
            raise StoreError(f"{self.url} has no analysis with id {analysis_id}")
        return _info(row), row.payload_json

    def analysis_stats(self) -> dict:
        """Counts by status and by module, total and mean duration (of those with both
        times), the oldest and newest, and the space their text takes."""
        infos = self.list_analyses()
        by_status: dict[str, int] = {}
        by_module: dict[str, int] = {}
        for a in infos:
            by_status[a.status] = by_status.get(a.status, 0) + 1
            by_module[a.module] = by_module.get(a.module, 0) + 1
        durations = [d for a in infos if (d := a.duration_s) is not None]
        created = [a.created_at for a in infos]
        return {
            "total": len(infos),
            "by_status": by_status,
            "by_module": by_module,
            "total_duration_s": float(sum(durations)),
            "mean_duration_s": float(sum(durations) / len(durations)) if durations else None,
            "oldest": min(created) if created else None,
            "newest": max(created) if created else None,
            "size_bytes": sum(a.size_bytes for a in infos),
        }

    # ----- removing ---------------------------------------------------------------------
    @staticmethod
    def _delete_ids(conn: Connection, ids: Sequence[int]) -> None:
        for start in range(0, len(ids), DELETE_CHUNK):
            conn.execute(delete(analyses).where(analyses.c.id.in_(list(ids[start:start + DELETE_CHUNK]))))

    @staticmethod
    def _analyses_in(conn: Connection) -> list[AnalysisInfo]:
        return [_info(r) for r in conn.execute(_listing()).all()]

    def delete_analyses(self, ids: Iterable[int]) -> list[AnalysisInfo]:
        """Remove these analyses (all, or none if one is unknown); returns what was removed."""
        wanted = sorted({int(i) for i in ids})
        with self._write("deleting analyses") as conn:
            found = {a.id: a for a in self._analyses_in(conn) if a.id in set(wanted)}
            missing = [i for i in wanted if i not in found]
            if missing:
                raise StoreError(f"{self.url} has no analysis with id {', '.join(map(str, missing))}")
            self._delete_ids(conn, wanted)
        return [found[i] for i in sorted(found, reverse=True)]

    def prune_analyses(self, *, older_than: timedelta | None = None, statuses: Iterable[str] | None = None,
                       keep_last: int | None = None, dry_run: bool = False) -> PrunePlan:
        """Remove old results (see ``plan_prune``) in one transaction; returns the plan
        (with ``dry_run`` only the plan, nothing removed)."""
        if dry_run:
            return plan_prune(self.list_analyses(), older_than=older_than, statuses=statuses,
                              keep_last=keep_last)
        with self._write("cleaning up analyses") as conn:
            plan = plan_prune(self._analyses_in(conn), older_than=older_than, statuses=statuses,
                              keep_last=keep_last)
            self._delete_ids(conn, plan.ids)
        return plan

    def analyses_of_run(self, run_id: int) -> list[AnalysisInfo]:
        return self.list_analyses(run_id=run_id)

    def run_ids_present(self) -> set[int]:
        """Ids of the runs that exist (to tell analyses whose runs were deleted)."""
        from .schema import runs

        with self._read("listing run ids") as conn:
            return {int(r) for r in conn.execute(select(runs.c.id)).scalars()}


def missing_runs(info: AnalysisInfo, present: set[int]) -> list[int]:
    """The runs of an analysis that no longer exist."""
    return [r for r in info.run_ids if r not in present]
