"""8 runs and 4 analyses at once under a seeded random sequence of UI actions: no
deadlock, no unhandled exception, every run ends in a terminal status with
contiguous steps in the database."""

from __future__ import annotations

import pytest

from .stress import Stress, record_dialogs
from .support import collect_unhandled


@pytest.mark.timeout(240)
def test_seeded_stress_of_runs_analyses_and_ui_actions(qtbot, make_gui, workdir):
    db = workdir / "stress.db"
    window = make_gui(db=db)
    stress = Stress(window, db, workdir / "exports", seed=20261129, n_runs=8, n_analyses=4,
                    n_actions=150, budget_s=25.0)
    restore = record_dialogs(stress.report)
    try:
        with collect_unhandled() as errors:
            report = stress.run()
    finally:
        restore()
    stress.check_database()
    figures = report.figures()
    print("stress:", figures, dict(report.actions), "analyses:", report.analyses)
    for title, text in report.dialogs:
        print("dialog:", title, "|", text.splitlines()[0] if text else "")
    assert errors == [], errors[0]
    assert report.deadlocks == 0, report.stuck
    assert len(report.runs) == 8
    assert all(status in ("finished", "stopped") for status, _ in report.runs.values()), report.runs
    assert len(report.analyses) >= 1
    assert all(s in ("finished", "failed", "stopped") for s in report.analyses.values()), report.analyses
    assert not any("Traceback" in text or "unexpected" in text.lower() for _, text in report.dialogs), \
        report.dialogs
    assert report.applied >= 100
