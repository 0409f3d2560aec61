"""What the main window knows about the world, without Qt: the open workspace, the rows
of its runs, which runs are shown and which one the world view follows, the step the
user scrubbed to, the speed for new runs, the last error, and the asyncio locks that
order the coroutines working on all that.

``WindowState`` is a plain object the window's controllers (``run_flows.RunController``,
``workspace_flows.WorkspaceController``, ``export_flows.ExportController``,
``continue_flows.ContinueController``) share instead of the window's attributes. It
imports no Qt (an import-linter contract in ``pyproject.toml`` keeps it so) and is unit
tested without a QApplication (tests/ui/test_window_state.py).

The selection is not here: the run table's selection model is its only source (a
refresh may drop selected rows without a signal), read with ``run_table.selected_ids()``.

Observers are plain callbacks (``Callbacks``), called in the thread that changes the
state, which for the window is always the GUI thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

RATE_EVERY_S = 0.5  # a live run's steps/s is measured over at least this long


@dataclass
class RunRow:
    """One run as the run table shows it (the store's ``RunInfo``, or a live run's state)."""

    run_id: int
    name: str
    status: str
    steps_done: int
    total_steps: int
    alive: int | None
    steps_per_s: float | None
    started_at: datetime | None
    duration_s: float | None
    error: str | None = None
    model: str = "foraging"
    parent: str = ""  # a fork's lineage: "run P @ step"

    @classmethod
    def from_info(cls, info) -> RunRow:
        parent_run = getattr(info, "parent_run", None)
        parent = "" if parent_run is None else f"run {parent_run} @ {info.parent_step}"
        return cls(info.id, info.name, info.status, info.steps_done, info.total_steps, info.last_alive,
                   info.steps_per_s, info.started_at, info.duration_s, info.error, info.model, parent)


class Callbacks:
    """A list of plain callables that ``emit`` calls in order (a Qt-free signal)."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[..., Any]] = []

    def connect(self, callback: Callable[..., Any]) -> Callable[..., Any]:
        self._callbacks.append(callback)
        return callback

    def disconnect(self, callback: Callable[..., Any]) -> None:
        self._callbacks.remove(callback)

    def emit(self, *args: Any) -> None:
        for callback in list(self._callbacks):
            callback(*args)


def workspace_name(url: str) -> str:
    """How the status bar names a workspace: a server's URL whole, a file by its name."""
    return url if "://" in url else Path(url).name


class WindowState:
    """The main window's model of the world (see the module's docstring).

    Workspace: ``store`` (None while none is open; ``store_changed`` is emitted with the
    new one). Runs: ``run_rows`` (run id -> the stored row, as last listed), ``rates``
    (run id -> (time, steps, steps/s) of the last rate measurement of a live run),
    ``stored_series`` (run id -> the metrics of a stored run, loaded once). Shown:
    ``shown_ids`` (the runs the charts show), ``wanted_ids`` (the runs the latest request
    asked for: they differ while it loads), ``display_generation`` (bumped by every
    request to show other runs: an older request that finds it changed shows nothing).
    World view: ``world_run`` (the run it follows), ``world_version`` (of the world slot
    state shown; -1: none yet), ``world_config`` (that run's parameters),
    ``scrub_target`` (the stored step the user asked for; None: follow the run),
    ``scrub_running`` (a load of stored steps is under way). ``speed`` (steps/s for the
    selected and new runs; None: as fast as possible; ``speed_changed`` is emitted),
    ``last_error`` ((title, text) of the last message shown), ``closing``.

    Locks (asyncio, one loop): ``store_lock`` (the store, the run list), ``display_lock``
    (which runs are shown, chart bindings), ``world_lock`` (world loads), ``export_lock``.
    """

    def __init__(self) -> None:
        self._store: Any = None
        self.store_changed = Callbacks()
        self._speed: float | None = None
        self.speed_changed = Callbacks()
        self.last_error: tuple[str, str] | None = None
        self.closing = False
        self.run_rows: dict[int, RunRow] = {}
        self.rates: dict[int, tuple[float, int, float]] = {}
        self.stored_series: dict[int, Any] = {}
        self.shown_ids: list[int] = []
        self.wanted_ids: list[int] = []  # what the latest request to show runs asked for
        self.display_generation = 0
        self.world_run: int | None = None
        self.world_version = -1
        self.world_config: Any = None
        self.scrub_target: int | None = None
        self.scrub_running = False
        self.store_lock = asyncio.Lock()
        self.display_lock = asyncio.Lock()
        self.world_lock = asyncio.Lock()
        self.export_lock = asyncio.Lock()

    # ---- workspace ---------------------------------------------------------------------
    @property
    def store(self) -> Any:
        return self._store

    @store.setter
    def store(self, store: Any) -> None:
        changed = store is not self._store
        self._store = store
        if changed:
            self.store_changed.emit(store)

    def forget_workspace(self) -> None:
        """Drop everything known by run id: run ids belong to a workspace, and the next one
        has its own run 1, 2, 3. A request to show runs under way shows nothing."""
        self.display_generation += 1
        self.stored_series.clear()
        self.run_rows.clear()
        self.rates.clear()
        self.shown_ids = []
        self.wanted_ids = []
        self.world_run = None
        self.world_version = -1
        self.scrub_target = None
        self.world_config = None

    # ---- speed and errors ----------------------------------------------------------------
    @property
    def speed(self) -> float | None:
        return self._speed

    def set_speed(self, steps_per_s: float | None) -> None:
        """Set the speed and tell the observers (also when it is unchanged: the selected
        runs take it again)."""
        self._speed = steps_per_s
        self.speed_changed.emit(steps_per_s)

    def report_error(self, title: str, text: str) -> None:
        self.last_error = (title, text)

    # ---- runs ----------------------------------------------------------------------------
    def set_run_rows(self, rows: list[RunRow]) -> None:
        self.run_rows = {row.run_id: row for row in rows}

    def stored_status(self, run_id: int) -> str | None:
        row = self.run_rows.get(run_id)
        return row.status if row else None

    def step_rate(self, run_id: int, now: float, started: float, steps: int, active: bool) -> float:
        """A live run's steps/s, measured again when the last measurement is
        ``RATE_EVERY_S`` old (0.0 before the first)."""
        t, n, rate = self.rates.get(run_id, (started, 0, 0.0))
        if now - t >= RATE_EVERY_S and active:
            rate = (steps - n) / (now - t)
            self.rates[run_id] = (now, steps, rate)
        return rate

    # ---- what is shown -------------------------------------------------------------------
    def next_display(self) -> int:
        """A new request to show runs; its generation (see ``display_is_current``)."""
        self.display_generation += 1
        return self.display_generation

    def display_is_current(self, generation: int) -> bool:
        return generation == self.display_generation

    def show(self, ids: list[int]) -> None:
        """The charts show ``ids``; the world view follows the first (a step scrubbed to in
        another run's world is dropped) and shows its next state whatever its version."""
        self.shown_ids = list(ids)
        first = ids[0] if ids else None
        if self.world_run != first:
            self.scrub_target = None
        self.world_run = first
        self.world_version = -1

    def scrub_to(self, step: int) -> bool:
        """The user asks for the stored world at ``step``; False when no run is followed."""
        if self.world_run is None or self.store is None:
            return False
        self.scrub_target = int(step)
        return True

    def waits_for_first_world(self) -> bool:
        """A run shown a moment ago whose first world state has not been shown yet."""
        return self.world_version < 0 and self.world_run is not None
