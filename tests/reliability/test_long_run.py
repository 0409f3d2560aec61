"""A long run in the window keeps memory bounded (a short run here; bench/reliability.py
runs the long one and reports chart frame time, whose flatness is a speed target and
so no assertion of this suite)."""

from __future__ import annotations

import pytest

from .long_run import long_run_in_window

STEPS = 25_000
# Target for the 1,000,000-step run: <= 200 MB growth, i.e. 200 bytes per step, plus
# allocator noise that does not scale with the run.
BYTES_PER_STEP = 200
SLACK_MB = 40


@pytest.mark.timeout(240)
def test_long_run_memory_stays_bounded(qtbot, make_gui, workdir):
    window = make_gui(db=workdir / "long.db")
    report = long_run_in_window(window, STEPS, timeout_s=150)
    figures = report.figures()
    print("long run:", figures)
    assert report.status == "finished" and report.steps == STEPS
    budget_mb = STEPS * BYTES_PER_STEP / 2**20 + SLACK_MB
    assert figures["long_run_rss_growth_mb"] <= budget_mb, figures
    # Memory growth in the second half is not faster than the budget either (no leak per step).
    second_half = report.rss_at(1.0) - report.rss_at(0.5)
    assert second_half <= STEPS / 2 * BYTES_PER_STEP / 2**20 + SLACK_MB / 2, figures
    # The charts were refreshed all along the run and show all of it at the end.
    assert len(report.frame_ms) >= 2
    assert len(window.registry.runs()[-1].buffer) == STEPS
