"""Stored analysis results. The payload is opaque JSON text produced by farm_gui.analysis."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import insert, select

from .records import AnalysisInfo, StoreError, as_utc, utcnow
from .schema import analyses


def _naive_utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def _info(row) -> AnalysisInfo:
    return AnalysisInfo(
        id=row.id, module=row.module, run_ids=[int(r) for r in json.loads(row.run_ids_json)],
        params=json.loads(row.params_json), status=row.status, error=row.error,
        created_at=as_utc(row.created_at), started_at=as_utc(row.started_at),
        finished_at=as_utc(row.finished_at),
    )


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
                started_at=_naive_utc(started_at), finished_at=_naive_utc(finished_at),
            )).inserted_primary_key[0]
        return int(new_id)

    def list_analyses(self) -> list[AnalysisInfo]:
        """All stored analyses, newest first (without payloads)."""
        cols = [c for c in analyses.c if c.name != "payload_json"]
        with self._read("listing analyses") as conn:
            rows = conn.execute(select(*cols).order_by(analyses.c.id.desc())).all()
        return [_info(r) for r in rows]

    def load_analysis(self, analysis_id: int) -> tuple[AnalysisInfo, str | None]:
        with self._read(f"reading analysis {analysis_id}") as conn:
            row = conn.execute(select(analyses).where(analyses.c.id == int(analysis_id))).first()
        if row is None:
            raise StoreError(f"{self.url} has no analysis with id {analysis_id}")
        return _info(row), row.payload_json
