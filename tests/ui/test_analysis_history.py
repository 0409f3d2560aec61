"""The Analysis panel's history view, statistics, clean-up and result display, and the
rule that the panel never reads the store on the GUI thread."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox, QPushButton

from farm_gui.analysis import analyse_stored_runs
from farm_gui.config import RunConfig
from farm_gui.display.series import TYPE_COLORS
from farm_gui.runtime.session import RunSession
from farm_gui.store import open_store
from farm_gui.store.schema import analyses
from farm_gui.ui.analysis.analysis_panel import AnalysisPanel

WAIT_MS = 30_000
GUI_THREAD = threading.main_thread()


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "history.db")
    for seed in (3, 4):
        config = RunConfig(simulation_steps=30, seed=seed, snapshot_every=10)
        run_id = s.create_run(config, name=f"seed {seed}")
        RunSession(s, run_id, config).run()
    analyse_stored_runs(s, "population", [1])
    analyse_stored_runs(s, "comparison", [1, 2], {"groups": [[1], [2]]})  # one run per group
    s.save_analysis("survival", [2], {}, "failed", None, "ValueError: broken")
    old = s.save_analysis("spatial", [1], {}, "stopped", None)
    from sqlalchemy import update

    with s._write("ageing") as conn:  # one result from two months ago
        conn.execute(update(analyses).where(analyses.c.id == old)
                     .values(created_at=(datetime.now(UTC) - timedelta(days=60)).replace(tzinfo=None)))
    yield s
    s.close()


def make_panel(qtbot, store, **kwargs):
    panel = AnalysisPanel(store, **kwargs)
    qtbot.addWidget(panel)
    panel.resize(1300, 700)
    panel.show()
    qtbot.waitExposed(panel)
    qtbot.waitUntil(lambda: panel.jobs_table.rowCount() == 4 and panel.runs_list.count() == 2,
                    timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "4 stored" in panel.history.stats_label.text(), timeout=WAIT_MS)
    return panel


def visible_modules(panel) -> list[str]:
    t = panel.jobs_table
    return sorted(t.item(r, 1).text() for r in range(t.rowCount()) if not t.isRowHidden(r))


def test_the_panel_never_reads_the_store_on_the_gui_thread(qtbot, store, monkeypatch):
    calls = []
    for name in ("list_runs", "list_analyses", "analysis_stats", "load_analysis", "prune_analyses",
                 "delete_analyses", "get_run", "run_ids_present"):
        original = getattr(store, name)

        def spy(*args, _original=original, _name=name, **kwargs):
            calls.append((_name, threading.current_thread() is GUI_THREAD))
            return _original(*args, **kwargs)

        monkeypatch.setattr(store, name, spy)
    panel = make_panel(qtbot, store)
    population = next(j.id for j in panel.manager.jobs() if j.module == "population")
    panel.jobs_table.selectRow(panel._rows[population])
    qtbot.waitUntil(lambda: panel.results.result is not None, timeout=WAIT_MS)
    panel.refresh_runs()
    qtbot.wait(100)
    assert {name for name, _ in calls} >= {"list_runs", "list_analyses", "analysis_stats", "load_analysis"}
    assert [name for name, on_gui in calls if on_gui] == []
    assert not hasattr(panel, "_poll")  # no polling timer any more
    panel.shutdown()


def test_statistics_and_filters(qtbot, store):
    panel = make_panel(qtbot, store)
    stats = panel.history.stats_label
    assert "1 failed" in stats.text() and "2 finished" in stats.text() and "1 stopped" in stats.text()
    assert "By module" in stats.toolTip() and "comparison 1" in stats.toolTip()
    assert visible_modules(panel) == ["comparison", "population", "spatial", "survival"]
    panel.history.set_filter(status="failed")
    assert visible_modules(panel) == ["survival"]
    assert panel.history.shown_label.text() == "Showing 1 of 4 analyses"
    panel.history.set_filter(run=1)
    assert visible_modules(panel) == ["comparison", "population", "spatial"]
    panel.history.set_filter(module="comparison", run=2)
    assert visible_modules(panel) == ["comparison"]
    panel.history.set_filter(date="older than 30 days")
    assert visible_modules(panel) == ["spatial"]
    panel.history.set_filter(date="last 7 days")
    assert visible_modules(panel) == ["comparison", "population", "survival"]
    panel.history.set_filter()
    assert len(visible_modules(panel)) == 4 and panel.history.shown_label.text() == ""
    panel.shutdown()


def test_clean_up_with_preview_and_confirmation(qtbot, store, tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    panel = make_panel(qtbot, store, qsettings=settings)
    assert panel.cleanup_action.objectName() == "action_cleanup_analyses"
    panel.cleanup_action.trigger()
    dialog = panel.cleanup_dialog
    assert dialog is not None and dialog.isVisible()
    # defaults: failed or stopped, older than 30 days -> the spatial one of two months ago
    qtbot.waitUntil(lambda: dialog.preview.rowCount() == 1, timeout=WAIT_MS)
    assert dialog.preview.item(0, 1).text() == "spatial"
    dialog.age_check.setChecked(False)
    qtbot.waitUntil(lambda: dialog.preview.rowCount() == 2, timeout=WAIT_MS)
    assert "2 analyses would be removed" in dialog.summary.text()
    assert len(store.list_analyses()) == 4  # a preview removes nothing
    dialog.remove_button.click()
    box = dialog.findChild(QMessageBox, "cleanup_confirm_box")
    assert box is not None and "Remove 2 analyses" in box.text()
    box.findChild(QPushButton, "confirm_yes").click()
    qtbot.waitUntil(lambda: panel.jobs_table.rowCount() == 2, timeout=WAIT_MS)
    assert sorted(a.module for a in store.list_analyses()) == ["comparison", "population"]
    assert visible_modules(panel) == ["comparison", "population"]
    qtbot.waitUntil(lambda: "Removed 2 analyses" in dialog.result_label.text(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: panel.history.stats_label.text().startswith("2 stored"), timeout=WAIT_MS)
    dialog.close_and_save()
    assert settings.value("analysis/cleanup/use_age") in (False, "false")
    panel.shutdown()


def test_automatic_clean_up_is_off_by_default_and_runs_when_on(qtbot, store, tmp_path):
    settings = QSettings(str(tmp_path / "auto.ini"), QSettings.Format.IniFormat)
    panel = make_panel(qtbot, store, qsettings=settings)  # off: all four are there
    panel.shutdown()
    settings.setValue("analysis/cleanup/auto", True)
    settings.setValue("analysis/cleanup/use_age", False)
    settings.setValue("analysis/cleanup/statuses", "failed")
    again = AnalysisPanel(store, qsettings=settings)
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.jobs_table.rowCount() == 3, timeout=WAIT_MS)
    assert store.list_analyses(status="failed") == []
    assert "Cleaned up 1 old analysis" in again.message.text()
    again.shutdown()


def test_delete_a_stored_result_from_the_panel(qtbot, store):
    panel = make_panel(qtbot, store)
    failed = next(j for j in panel.manager.jobs() if j.status == "failed")
    panel.jobs_table.selectRow(panel._rows[failed.id])
    panel.delete_action.trigger()
    box = panel.window().findChild(QMessageBox, "delete_analyses_box")
    box.findChild(QPushButton, "confirm_yes").click()
    qtbot.waitUntil(lambda: panel.jobs_table.rowCount() == 3, timeout=WAIT_MS)
    assert store.list_analyses(status="failed") == []
    panel.shutdown()


def test_result_plots_use_type_colours_and_axis_labels(qtbot, store):
    panel = make_panel(qtbot, store)
    job = next(j for j in panel.manager.jobs() if j.module == "population")
    panel.jobs_table.selectRow(panel._rows[job.id])
    qtbot.waitUntil(lambda: panel.results.result is not None, timeout=WAIT_MS)
    panel.results.plot_combo.setCurrentText("population")
    item = panel.results.plot.getPlotItem()
    assert item.getAxis("bottom").labelText == "step" and item.getAxis("left").labelText == "agents alive"
    colours = {c.name(): c.opts["pen"].color().name() for c in item.listDataItems()}
    assert colours["system"] == TYPE_COLORS["system"] and colours["control"] == TYPE_COLORS["control"]
    assert colours["total"] == "#7f7f7f"
    curve = next(c for c in item.listDataItems() if c.name() == "system")
    x, y = curve.getData()
    metrics = store.metrics(1)
    np.testing.assert_array_equal(y, metrics["alive_system"][: len(y)])  # the stored result, as computed
    panel.shutdown()


def test_blank_statistics_say_why(qtbot, store):
    panel = make_panel(qtbot, store)
    job = next(j for j in panel.manager.jobs() if j.module == "comparison")
    panel.jobs_table.selectRow(panel._rows[job.id])
    qtbot.waitUntil(lambda: panel.results.result is not None, timeout=WAIT_MS)
    note = panel.results.note
    assert note.isVisibleTo(panel) and "one run" in note.text()
    assert "two or more runs per group" in note.text()
    model = panel.results.table_views["group_tests"].model()
    p_col = list(model.frame.columns).index("p_value")
    index = model.index(0, p_col)
    assert model.data(index) == "–"
    from PySide6.QtCore import Qt

    tip = model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert "Welch's t test needs two or more runs in each group" in tip
    summary = panel.results.summary_table
    longest = max((summary.item(r, 0).text() for r in range(summary.rowCount())), key=len)
    assert summary.horizontalHeader().sectionSize(0) >= summary.fontMetrics().horizontalAdvance(longest)
    panel.shutdown()


def test_narrow_panel_puts_results_under_the_jobs(qtbot, store):
    from PySide6.QtCore import Qt

    panel = make_panel(qtbot, store)
    assert panel.splitter.orientation() == Qt.Orientation.Horizontal
    panel.resize(600, 900)
    qtbot.waitUntil(lambda: panel.splitter.orientation() == Qt.Orientation.Vertical, timeout=WAIT_MS)
    panel.shutdown()


def test_one_group_only_says_there_is_nothing_to_test(qtbot, store):
    analyse_stored_runs(store, "comparison", [1, 2])  # same configuration: one group of two runs
    panel = AnalysisPanel(store)
    qtbot.addWidget(panel)
    qtbot.waitUntil(lambda: panel.jobs_table.rowCount() == 5, timeout=WAIT_MS)
    newest = max(panel.manager.jobs(), key=lambda j: j.analysis_id)
    panel.jobs_table.selectRow(panel._rows[newest.id])
    qtbot.waitUntil(lambda: panel.results.result is not None, timeout=WAIT_MS)
    assert "nothing to test between groups" in panel.results.note.text()
    panel.shutdown()
