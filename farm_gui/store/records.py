"""Plain records returned by the store, and the store's one error type."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

STATUSES: tuple[str, ...] = ("pending", "running", "paused", "finished", "stopped", "failed", "interrupted")
LIVE_STATUSES: frozenset[str] = frozenset({"running", "paused"})
FINAL_STATUSES: frozenset[str] = frozenset({"finished", "stopped", "failed", "interrupted"})


class StoreError(Exception):
    """A database could not be opened, read or written; ``str(err)`` is a user-facing
    sentence that names the database (file) and what is wrong."""


def utcnow() -> datetime:
    """Naive UTC timestamp, the form every DateTime column holds."""
    return datetime.now(UTC).replace(tzinfo=None)


def naive_utc(value: datetime | None) -> datetime | None:
    """An aware timestamp as the naive UTC every DateTime column holds (naive: as it is)."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def as_utc(value: datetime | None) -> datetime | None:
    """Attach UTC to a naive timestamp read back from the database."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class RunInfo:
    id: int
    name: str
    model: str
    status: str
    seed: int
    total_steps: int
    steps_done: int
    last_alive: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None
    notes: str | None = None
    parent_run: int | None = None  # a fork: the run and checkpoint step it started from
    parent_step: int | None = None
    model_version: str | None = None  # the model's declared version when the run was created
    paused_s: float | None = None  # seconds spent paused (as of the last resume, or the end)
    start_step: int | None = None  # steps done when it started (resumed, or a fork: its first step)

    @property
    def duration_s(self) -> float | None:
        """Seconds the run ran, its pauses left out (the window's Duration, live or reopened)."""
        if self.started_at is None:
            return None
        end = self.finished_at or datetime.now(UTC)
        return max(0.0, (end - self.started_at).total_seconds() - (self.paused_s or 0.0))

    @property
    def steps_per_s(self) -> float | None:
        duration = self.duration_s
        steps = self.steps_done - (self.start_step or 0)  # the steps of this duration
        if not duration or steps <= 0:
            return None
        return steps / duration


@dataclass(frozen=True)
class AnalysisInfo:
    id: int
    module: str
    run_ids: list[int]
    params: dict[str, Any]
    status: str
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    size_bytes: int = 0  # space its stored text takes (result, parameters, error)

    @property
    def duration_s(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return max(0.0, (self.finished_at - self.started_at).total_seconds())
