"""A seeded, bounded stress scenario on the real main window: several runs and
analyses at once while a random sequence of UI actions is applied through the
window's own actions and widgets. Used by the test suite (small) and by
bench/reliability.py (bigger).

Waiting pumps the Qt event loop (QTest.qWait), so it works under pytest-qt and in a
plain script alike.
"""

from __future__ import annotations

import faulthandler
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QMessageBox, QSlider, QTableWidget, QWidget

from farm_gui.store import open_store

from .db_checks import check_run_intact

FINAL = ("finished", "stopped", "failed", "interrupted")
RUN_LENGTHS = (2_000, 5_000, 20_000)


def pump_until(predicate, timeout_s: float, step_ms: int = 20) -> bool:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            return False
        QTest.qWait(step_ms)
    return True


@dataclass
class StressReport:
    actions: Counter = field(default_factory=Counter)
    effective: Counter = field(default_factory=Counter)
    runs: dict[int, tuple[str, int]] = field(default_factory=dict)  # run_id -> (status, steps)
    analyses: dict[int, str] = field(default_factory=dict)  # job id -> status
    dialogs: list[tuple[str, str]] = field(default_factory=list)
    worst_gap_ms: float = 0.0
    seconds: float = 0.0
    deadlocks: int = 0
    lost_selections: int = 0  # the window changed a selection the scenario had just made
    stuck: list[str] = field(default_factory=list)  # what had not ended when a deadlock was declared

    @property
    def applied(self) -> int:
        return sum(self.actions.values())

    def figures(self) -> dict[str, object]:
        return {
            "stress_actions_applied": self.applied,
            "stress_actions_effective": sum(self.effective.values()),
            "stress_runs": len(self.runs),
            "stress_runs_finished": sum(1 for s, _ in self.runs.values() if s == "finished"),
            "stress_runs_stopped": sum(1 for s, _ in self.runs.values() if s == "stopped"),
            "stress_steps_stored": sum(n for _, n in self.runs.values()),
            "stress_analyses": len(self.analyses),
            "stress_analyses_finished": sum(1 for s in self.analyses.values() if s == "finished"),
            "stress_dialogs": len(self.dialogs),
            "stress_worst_ui_gap_ms": round(self.worst_gap_ms, 1),
            "stress_seconds": round(self.seconds, 1),
            "deadlocks": self.deadlocks,
            "lost_selections": self.lost_selections,
        }


class GapMeter:
    """Worst interval between ticks of a 10 ms GUI timer (a blocked loop shows here)."""

    def __init__(self, parent: QWidget):
        self.worst = 0.0
        self._last = time.perf_counter()
        self.timer = QTimer(parent)
        self.timer.timeout.connect(self._tick)
        self.timer.start(10)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, (now - self._last) * 1000)
        self._last = now

    def stop(self) -> None:
        self.timer.stop()


class Stress:
    def __init__(self, window, db: Path, export_root: Path, seed: int, n_runs: int = 8,
                 n_analyses: int = 4, n_actions: int = 150, budget_s: float = 30.0):
        self.w = window
        self.db = db
        self.export_root = export_root
        self.rng = random.Random(seed)
        self.n_runs, self.n_analyses = n_runs, n_analyses
        self.n_actions, self.budget_s = n_actions, budget_s
        self.report = StressReport()
        self.started = 0
        self.jobs: list[int] = []
        self.panel = window.findChild(QWidget, "analysis_panel")
        self.jobs_table = window.findChild(QTableWidget, "analysis_jobs_table")
        self.slider = window.findChild(QSlider, "step_slider")
        self.table = window.findChild(QWidget, "run_table")

    # ---- helpers -----------------------------------------------------------------------
    def action(self, name: str) -> QAction:
        act = self.w.findChild(QAction, name)
        assert act is not None, f"no action {name}"
        return act

    def trigger(self, name: str) -> None:
        act = self.action(name)
        self.report.actions[name] += 1
        if act.isEnabled():
            self.report.effective[name] += 1
        act.trigger()

    def run_ids(self) -> list[int]:
        return [r.run_id for r in self.w.registry.runs()]

    def select_some(self) -> None:
        ids = self.run_ids()
        if ids:
            pick = self.rng.sample(ids, k=self.rng.randint(1, min(3, len(ids))))
            self.table.select_ids(pick)
            self.report.actions["select"] += 1
            self.report.effective["select"] += 1

    # ---- the actions ---------------------------------------------------------------------
    def do_start(self) -> None:
        if self.started >= self.n_runs:
            return self.do_select()
        self.w.config_form.set_value("simulation_steps", self.rng.choice(RUN_LENGTHS))
        self.w.config_form.set_value("snapshot_every", self.rng.choice((0, 10, 50)))
        before = len(self.w.registry.runs())
        self.trigger("action_start")
        if pump_until(lambda: len(self.w.registry.runs()) > before, 30):
            self.started += 1

    def do_select(self) -> None:
        self.select_some()

    def do_control(self) -> None:
        self.select_some()
        self.trigger(self.rng.choice(("action_pause", "action_resume", "action_step", "action_step",
                                      "action_resume", "action_stop")))

    def do_speed(self) -> None:
        names = ["action_speed_max", "action_speed_1000", "action_speed_100", "action_speed_30"]
        self.trigger(self.rng.choice(names))

    def do_scrub(self) -> None:
        self.report.actions["scrub"] += 1
        if self.slider.isEnabled() and self.slider.maximum() > self.slider.minimum():
            self.report.effective["scrub"] += 1
            for _ in range(self.rng.randint(1, 5)):
                self.slider.setValue(self.rng.randint(self.slider.minimum(), self.slider.maximum()))
                QTest.qWait(5)

    def do_export(self) -> None:
        self.select_some()
        self.trigger(self.rng.choice(("action_export_csv", "action_export_parquet", "action_export_json")))

    def do_analysis(self) -> None:
        if self.panel is None or len(self.jobs) >= self.n_analyses:
            return self.do_open_result()
        ids = self.run_ids()
        if not ids:
            return self.do_start()
        self.panel.refresh_runs()
        modules = [self.panel.module_combo.itemData(i) for i in range(self.panel.module_combo.count())]
        self.panel.set_module(self.rng.choice(modules))
        self.panel.set_checked_runs(self.rng.sample(ids, k=min(len(ids), self.rng.randint(1, 2))))
        before = len(self.panel.manager.jobs()) if self.panel.manager else 0
        self.trigger("action_run_analysis")
        if self.panel.manager is not None and len(self.panel.manager.jobs()) > before:
            self.jobs.append(self.panel.manager.jobs()[-1].id)

    def do_open_result(self) -> None:
        self.report.actions["open_result"] += 1
        if self.jobs_table is not None and self.jobs_table.rowCount():
            self.report.effective["open_result"] += 1
            self.jobs_table.selectRow(self.rng.randrange(self.jobs_table.rowCount()))

    # ---- the scenario ----------------------------------------------------------------------
    def run(self) -> StressReport:
        t0 = time.monotonic()
        meter = GapMeter(self.w)
        export_count = [0]

        def next_folder(*_a, **_k) -> str:
            export_count[0] += 1
            folder = self.export_root / f"export_{export_count[0]:03d}"
            folder.mkdir(parents=True, exist_ok=True)
            return str(folder)

        real_dir = QFileDialog.getExistingDirectory
        QFileDialog.getExistingDirectory = staticmethod(next_folder)
        choices = ([self.do_start] * 3 + [self.do_control] * 6 + [self.do_select] * 2 + [self.do_scrub] * 3
                   + [self.do_export] * 2 + [self.do_analysis] * 2 + [self.do_open_result] + [self.do_speed])
        try:
            while self.started < 2:
                self.do_start()
            while (self.report.applied < self.n_actions and time.monotonic() - t0 < self.budget_s) \
                    or self.started < self.n_runs or len(self.jobs) < min(self.n_analyses, 1):
                if time.monotonic() - t0 > self.budget_s * 2:
                    break
                self.rng.choice(choices)()
                QTest.qWait(self.rng.randint(5, 60))
            self.finish()
        finally:
            QFileDialog.getExistingDirectory = real_dir
            meter.stop()
        self.report.worst_gap_ms = meter.worst
        self.report.seconds = time.monotonic() - t0
        return self.report

    def finish(self) -> None:
        """Resume and stop everything still going, then wait for every run and analysis."""
        # A run started just before this lands in the table a moment later: select only
        # once the table lists every run, or Stop would not reach the newest one.
        pump_until(lambda: all(self.table.table_model.row_of(i) is not None for i in self.run_ids()), 10)
        ids = self.run_ids()
        self.table.select_ids(ids)
        QTest.qWait(50)
        if sorted(self.table.selected_ids()) != sorted(ids):  # something took the selection away
            self.report.lost_selections += 1
            self.table.select_ids(ids)
        self.trigger("action_resume")
        self.trigger("action_stop")
        runs_done = pump_until(lambda: all(self.w.registry.state(i) in FINAL for i in self.run_ids()), 60)
        manager = self.panel.manager if self.panel is not None else None
        jobs_done = pump_until(lambda: manager is None or all(j.final for j in manager.jobs()), 90)
        if not (runs_done and jobs_done):
            self.report.deadlocks += 1
            self.report.stuck = (
                [f"run {r.run_id}: {r.state}, {len(r.buffer)} steps" for r in self.w.registry.runs()
                 if r.state not in FINAL]
                + [f"analysis {j.id}: {j.status}" for j in (manager.jobs() if manager else [])
                   if not j.final])
            faulthandler.dump_traceback(all_threads=True)  # where each thread waits
        if manager is not None:
            self.report.analyses = {j.id: j.status for j in manager.jobs()}

    def check_database(self) -> None:
        """Every run ended in a terminal status with contiguous steps."""
        store = open_store(self.db, readonly=True)
        try:
            for info in store.list_runs():
                steps = check_run_intact(self.db, store, info.id)
                self.report.runs[info.id] = (info.status, steps)
        finally:
            store.close()


def record_dialogs(report: StressReport):
    """Replace message boxes by a recorder for the duration (returns a restore function)."""
    saved = {name: getattr(QMessageBox, name) for name in ("warning", "critical", "information", "question")}

    def record(_parent, title, text, *a, **k):
        report.dialogs.append((title, text))
        return QMessageBox.StandardButton.Ok

    for name in ("warning", "critical", "information"):
        setattr(QMessageBox, name, staticmethod(record))
    QMessageBox.question = staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes)

    def restore() -> None:
        for name, fn in saved.items():
            setattr(QMessageBox, name, fn)

    return restore
