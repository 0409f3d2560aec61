"""The Analysis panel driven through its real widgets."""

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QTableView, QTableWidget, QToolButton, QWidget

from farm_gui.config import RunConfig
from farm_gui.runtime.session import RunSession
from farm_gui.store import open_store
from farm_gui.ui.analysis.analysis_panel import AnalysisPanel

WAIT_MS = 30_000


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "panel.db")
    for seed in (3, 4):
        config = RunConfig(simulation_steps=40, seed=seed, snapshot_every=10)
        run_id = s.create_run(config, name=f"seed {seed}")
        RunSession(s, run_id, config).run()
    yield s
    s.close()


@pytest.fixture
def panel(qtbot, store):
    p = AnalysisPanel(store)
    qtbot.addWidget(p)
    p.resize(1100, 600)
    p.show()
    qtbot.waitExposed(p)
    qtbot.waitUntil(lambda: p.runs_list.count() == 2, timeout=WAIT_MS)  # read off the GUI thread
    yield p
    p.shutdown()


def run_through_widgets(qtbot, panel, module, runs, params=""):
    panel.set_module(module)
    panel.set_checked_runs(runs)
    panel.params_edit.setText(params)
    button = panel.findChild(QToolButton, "button_run_analysis")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    table = panel.findChild(QTableWidget, "analysis_jobs_table")
    qtbot.waitUntil(lambda: table.rowCount() >= 1, timeout=WAIT_MS)
    row = table.rowCount() - 1
    qtbot.waitUntil(lambda: table.item(row, 3).text() in ("finished", "failed"), timeout=WAIT_MS)
    return table, row


def test_start_a_job_and_see_its_results(qtbot, panel):
    assert isinstance(panel.run_action, QAction) and panel.run_action.objectName() == "action_run_analysis"
    table, row = run_through_widgets(qtbot, panel, "survival", [1], "histogram_bins=5")
    assert table.item(row, 3).text() == "finished", table.item(row, 7).text()
    assert table.item(row, 1).text() == "survival" and table.item(row, 2).text() == "1"
    assert table.cellWidget(row, 4).value() == 100
    qtbot.waitUntil(lambda: panel.results.result is not None, timeout=WAIT_MS)
    view = panel.findChild(QTableView, "analysis_table_lifespans")
    assert view is not None and view.model().rowCount() >= 4  # three types and "all"
    summary = panel.findChild(QTableWidget, "analysis_summary_table")
    keys = [summary.item(i, 0).text() for i in range(summary.rowCount())]
    assert "km_median_survival" in keys
    combo = panel.results.plot_combo
    assert "survival" in [combo.itemText(i) for i in range(combo.count())]
    assert "0 running" in panel.counts_label.text() and "4 free slots" in panel.counts_label.text()


def test_comparison_of_two_runs_and_exports(qtbot, panel, tmp_path, monkeypatch):
    run_through_widgets(qtbot, panel, "comparison", [1, 2])
    qtbot.waitUntil(lambda: panel.results.result is not None, timeout=WAIT_MS)
    assert panel.results.result.module == "comparison"
    summary = panel.results.summary_table
    rows = {summary.item(i, 0).text(): summary.item(i, 1).text() for i in range(summary.rowCount())}
    assert len(rows) == summary.rowCount(), "each measure is named once"  # "runs" was two rows
    assert rows["run ids"] == "1, 2" and rows["runs"] == "2"
    targets = iter(str(tmp_path / name) for name in ("t.csv", "r", "p.png", "p.svg"))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (next(targets), "")))
    panel.export_actions["csv"].trigger()
    panel.export_actions["json"].trigger()
    panel.export_actions["png"].trigger()
    panel.export_actions["svg"].trigger()
    import pandas as pd
    from PySide6.QtCore import QSize

    from .test_exports_and_input import _image_of, _overlap

    written = pd.read_csv(tmp_path / "t.csv")
    assert list(written.columns)[0] == "run_id"
    tables = panel.results.result.tables
    same = [name for name, t in tables.items() if list(t.columns) == list(written.columns)]
    assert same, list(written.columns)
    pd.testing.assert_frame_equal(written, tables[same[0]].reset_index(drop=True), check_dtype=False)
    assert json.loads((tmp_path / "r.json").read_text())["module"] == "comparison"
    # The two figures, rendered, show the same marks in the same places (and some marks).
    size = QSize(240, 160)
    png, svg = _image_of(tmp_path / "p.png", "png", size), _image_of(tmp_path / "p.svg", "svg", size)
    assert png.sum() > 20 and svg.sum() > 20
    assert _overlap(png, svg, reach=4) > 0.6 and _overlap(svg, png, reach=4) > 0.6


def test_bad_parameters_are_shown_not_raised(qtbot, panel):
    panel.set_module("population")
    panel.set_checked_runs([1])
    panel.params_edit.setText("min_prominence=-2")
    panel.run_action.trigger()
    assert "min_prominence" in panel.message.text()
    assert panel.jobs_table.rowCount() == 0
    panel.set_checked_runs([])
    panel.params_edit.setText("")
    panel.run_action.trigger()
    assert "Tick one or more runs" in panel.message.text()


def test_the_parameters_hint_names_a_parameter_of_the_chosen_module(qtbot, panel):
    examples = {}
    for name in ("comparison", "population"):
        panel.module_combo.setCurrentIndex(panel.module_combo.findData(name))
        examples[name] = panel.params_edit.placeholderText().split("e.g. ")[1].split("=")[0]
        assert f"{examples[name]}=" in panel.params_edit.toolTip(), name  # one of its parameters
    assert examples["comparison"] != examples["population"]  # not one example for every module


def test_finished_jobs_reopen_with_the_workspace(qtbot, panel, store):
    run_through_widgets(qtbot, panel, "dominance", [2])
    again = AnalysisPanel(store)
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.jobs_table.rowCount() == 1, timeout=WAIT_MS)  # read off the GUI thread
    assert again.jobs_table.item(0, 3).text() == "finished"
    again.jobs_table.selectRow(0)
    qtbot.waitUntil(lambda: again.results.result is not None, timeout=WAIT_MS)
    assert again.results.result.module == "dominance"
    again.shutdown()


def test_stop_through_the_panel(qtbot, panel):
    panel.set_max_concurrent(1)
    assert panel.manager.max_concurrent == 1
    panel.set_module("spatial")
    panel.set_checked_runs([1])
    first = panel.start_analysis()
    second = panel.start_analysis()
    row = panel._rows[second]
    assert panel.jobs_table.item(row, 3).text() == "queued"  # one slot: the second waits
    assert "1 queued" in panel.counts_label.text() and "0 free slots" in panel.counts_label.text()
    panel.jobs_table.selectRow(row)
    panel.stop_action.trigger()
    assert panel.jobs_table.item(row, 3).text() == "stopped"
    qtbot.waitUntil(lambda: panel.manager.job(first).final, timeout=WAIT_MS)
    assert panel.jobs_table.item(panel._rows[first], 3).text() == "finished"


def test_pause_resume_and_stop_are_enabled_for_what_is_selected(qtbot, panel):
    """They were always enabled and did nothing with no job, or a finished one, selected."""
    assert not any(a.isEnabled() for a in (panel.pause_action, panel.resume_action, panel.stop_action))
    assert not panel.message.isVisible()  # no message yet: no empty line above the buttons
    panel.set_max_concurrent(1)
    panel.set_module("spatial")
    panel.set_checked_runs([1])
    first = panel.start_analysis()
    second = panel.start_analysis()  # queued behind the first, and selected: the last started
    assert panel.selected_jobs() == [second]
    assert panel.message.isVisible() and panel.message.text() == f"Job {second} queued."
    assert panel.pause_action.isEnabled() and panel.stop_action.isEnabled()
    assert not panel.resume_action.isEnabled()
    panel.pause_action.trigger()
    assert panel.jobs_table.item(panel._rows[second], 3).text() == "paused (queued)"
    assert panel.resume_action.isEnabled() and not panel.pause_action.isEnabled()
    panel.resume_action.trigger()
    assert panel.jobs_table.item(panel._rows[second], 3).text() == "queued"
    qtbot.waitUntil(lambda: panel.manager.job(first).final and panel.manager.job(second).final,
                    timeout=WAIT_MS)
    panel.jobs_table.selectRow(panel._rows[second])
    qtbot.waitUntil(lambda: not panel.stop_action.isEnabled(), timeout=WAIT_MS)
    assert not panel.pause_action.isEnabled() and not panel.resume_action.isEnabled()


def test_object_names_are_stable(panel):
    assert panel.objectName() == "analysis_panel"
    assert panel.findChild(QWidget, "analysis_jobs_table") is panel.jobs_table


def test_installed_in_the_main_window(qtbot, make_window):
    from PySide6.QtWidgets import QDockWidget

    window = make_window("main.db")
    panel = window.findChild(QWidget, "analysis_panel")
    assert isinstance(panel, AnalysisPanel) and window.analysis_panel is panel
    assert window.findChild(QDockWidget, "dock_analysis").widget() is panel
    assert panel.run_action in window.actions.analysis_menu.actions()
    # the dock is listed in the View menu with the others (it was only in the Analysis menu)
    view = [a.objectName() for a in window.actions.view_menu.actions()]
    assert "action_show_analysis" in view
    assert view.index("action_show_analysis") < view.index("action_show_toolbar")
    qtbot.waitUntil(lambda: panel.store is window.store, timeout=WAIT_MS)
    config = RunConfig(simulation_steps=20, seed=8)
    run_id = window.store.create_run(config)
    RunSession(window.store, run_id, config).run()
    panel.refresh_runs()
    qtbot.waitUntil(lambda: panel.runs_list.count() == 1, timeout=WAIT_MS)
    panel.set_module("population")
    panel.set_checked_runs([run_id])
    panel.run_action.trigger()
    qtbot.waitUntil(lambda: panel.jobs_table.rowCount() == 1
                    and panel.jobs_table.item(0, 3).text() == "finished", timeout=WAIT_MS)
    # The window (at its size on a 1920 x 1080 screen) has room for a result under the jobs
    # with the New analysis form open: it needed ~920 px, and the window grew when the first
    # result appeared.
    window.resize(1489, 900)
    window.findChild(QDockWidget, "dock_analysis").raise_()
    qtbot.waitUntil(lambda: panel.results.result is not None, timeout=WAIT_MS)
    panel.form_section.expand(animate=False)
    assert window.minimumSizeHint().height() <= 900
    window.close()


def test_a_result_view_closed_with_the_window_ignores_a_late_reset(qtbot):
    # Closing the window closes the plots, then lets the workspace go; the analysis
    # panel hears of that afterwards and resets its result view.
    from farm_gui.ui.analysis.analysis_results import ResultView

    view = ResultView()
    qtbot.addWidget(view)
    view.plot.close()
    view.set_result(None)  # no AttributeError from the closed plot
    assert view.result is None


def test_a_result_plots_legend_goes_where_it_hides_the_least(qtbot):
    # As a comparison of a short run (high, at the left) and a long one (rising): at the top
    # left the legend covered the short run's whole curve.
    import numpy as np
    from PySide6.QtCore import QPointF

    from farm_gui.analysis import AnalysisResult
    from farm_gui.ui.analysis.analysis_results import ResultView

    view = ResultView()
    qtbot.addWidget(view)
    view.resize(600, 400)
    view.show()
    qtbot.waitExposed(view)
    short, long = np.arange(8.0), np.arange(60.0)
    view.set_result(AnalysisResult(module="comparison", run_ids=[1, 2], series={
        "mean happy/variant 1": {"x": long, "y": 60 + 4 * long},
        "mean happy/variant 2": {"x": short, "y": 280 + 5 * short}}))
    view.tabs.setCurrentWidget(view.plots_tab)
    item = view.plot.getPlotItem()
    qtbot.waitUntil(lambda: view.legend_corner == "lower right", timeout=WAIT_MS)
    legend = item.legend.sceneBoundingRect()
    vb = item.vb.sceneBoundingRect()
    assert legend.right() > vb.center().x() and legend.bottom() > vb.center().y()  # where it is shown
    for curve in item.listDataItems():  # no point of either curve under it
        pairs = zip(curve.xData, curve.yData, strict=True)
        points = [item.vb.mapViewToScene(QPointF(float(x), float(y))) for x, y in pairs]
        assert not any(legend.contains(p) for p in points)


def test_a_band_in_a_result_is_filled(qtbot):
    # A curve with "lo"/"hi" (comparison over design points: Student-t bands) gets a
    # filled area between them; a gap (NaN) splits the band.
    import numpy as np
    import pyqtgraph as pg

    from farm_gui.analysis import AnalysisResult
    from farm_gui.ui.analysis.analysis_results import ResultView

    view = ResultView()
    qtbot.addWidget(view)
    x = np.arange(10.0)
    lo, hi = x - 1, x + 1
    lo[5] = np.nan
    series = {"alive/point 0": {"x": x, "y": x, "lo": lo, "hi": hi}}
    view.set_result(AnalysisResult("comparison", series=series))
    view.draw_plot("alive")
    fills = [i for i in view.plot.getPlotItem().items if isinstance(i, pg.FillBetweenItem)]
    assert len(fills) == 2
    heights = sorted(f.path().boundingRect().height() for f in fills)
    assert heights == [5.0, 6.0]  # y from -1..4+1 over steps 0-4 and 5..10 over steps 6-9


def test_a_late_failure_after_the_panel_closed_is_logged_not_raised(qtbot, store, caplog):
    # A store read still in flight when the window closes fails afterwards; its message
    # has no label to go to any more.
    import logging

    import shiboken6

    p = AnalysisPanel(store)
    report = p._failed("Cannot list runs")
    label = p.message
    shiboken6.delete(p)
    assert not shiboken6.isValid(label)
    with caplog.at_level(logging.INFO, logger="farm_gui.ui.analysis.analysis_panel"):
        report(RuntimeError("no running event loop"))
    assert "Cannot list runs: no running event loop" in caplog.text


def test_live_run_rows_change_their_texts_not_the_module_list(qtbot, store, monkeypatch):
    """A running run's row changes several times a second: the panel sets that run's text
    and judges the modules offered again only when the runs' models change."""
    from dataclasses import replace

    from farm_gui.ui.analysis import analysis_panel as panel_module
    from farm_gui.ui.widgets.run_table import RunRow, RunTableModel

    rows = [RunRow(info.id, info.name, info.status, info.steps_done, info.total_steps, None, None, None,
                   None, model=info.model) for info in store.list_runs()]
    table = RunTableModel()
    table.set_rows(rows)
    p = AnalysisPanel(store, run_model=table)
    qtbot.addWidget(p)
    p.show()
    assert [p.runs_list.item(i).text() for i in range(2)] == [
        f"{r.run_id}  {r.name}  ({r.status}, {r.steps_done} steps)" for r in rows]
    judged = []
    real = panel_module.applicable_modules
    monkeypatch.setattr(panel_module, "applicable_modules", lambda models: judged.append(1) or real(models))
    combo_changes = []
    p.module_combo.model().rowsRemoved.connect(lambda *_: combo_changes.append("removed"))
    p.module_combo.model().rowsInserted.connect(lambda *_: combo_changes.append("inserted"))
    offered = [p.module_combo.itemData(i) for i in range(p.module_combo.count())]

    table.update_row(replace(rows[1], status="running", steps_done=17))
    table.set_rows([replace(rows[0], steps_done=21), replace(rows[1], status="running", steps_done=17)])
    assert p.runs_list.item(1).text() == f"{rows[1].run_id}  {rows[1].name}  (running, 17 steps)"
    assert p.runs_list.item(0).text() == f"{rows[0].run_id}  {rows[0].name}  (finished, 21 steps)"
    assert judged == [] and combo_changes == []

    p.runs_list.item(0).setCheckState(Qt.CheckState.Checked)  # ticking a run judges them again
    assert judged and [p.module_combo.itemData(i) for i in range(p.module_combo.count())] == offered
    judged.clear()
    newest = replace(rows[0], run_id=99, name="new", status="running", steps_done=0)
    table.set_rows([newest, *rows])  # a run started: the list shows it, ticks are kept
    listed = [p.runs_list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(3)]
    assert listed == [99, *(r.run_id for r in rows)]
    assert p.checked_runs() == [rows[0].run_id]
    p.shutdown()


def test_a_narrow_panel_folds_the_form_away_to_show_a_result_until_the_user_unfolds_it(qtbot, panel):
    panel.resize(620, 640)  # a dock beside the charts: results under the jobs
    qtbot.waitUntil(lambda: panel.splitter.orientation() == Qt.Orientation.Vertical, timeout=WAIT_MS)
    form = panel.findChild(QWidget, "analysis_form_section")
    assert form.isExpanded()
    run_through_widgets(qtbot, panel, "survival", [1])
    qtbot.waitUntil(lambda: panel.results.result is not None, timeout=WAIT_MS)
    assert not form.isExpanded()  # the result got the room
    # and the most height: the jobs above need only their least once the form is folded (they had half)

    def jobs_keep_their_least() -> bool:
        jobs, results = panel.splitter.sizes()
        least = panel.splitter.widget(0).minimumSizeHint().height()
        return results > jobs and least <= jobs <= max(least, 0.3 * panel.splitter.height()) + 1

    qtbot.waitUntil(jobs_keep_their_least, timeout=WAIT_MS)
    # the user wants the form back: it stays, however many results follow
    qtbot.mouseClick(form.toggleButton(), Qt.MouseButton.LeftButton)
    assert form.isExpanded()
    run_through_widgets(qtbot, panel, "population", [2])
    qtbot.waitUntil(lambda: panel.results.result is not None and panel.results.result.module == "population",
                    timeout=WAIT_MS)
    assert form.isExpanded()


def test_a_wide_panel_keeps_the_form_open_beside_a_result(qtbot, panel):
    form = panel.findChild(QWidget, "analysis_form_section")
    run_through_widgets(qtbot, panel, "survival", [1])
    qtbot.waitUntil(lambda: panel.results.result is not None, timeout=WAIT_MS)
    assert panel.splitter.orientation() == Qt.Orientation.Horizontal and form.isExpanded()


def test_a_result_table_named_summary_has_a_tab_of_its_own_name(qtbot, panel):
    """Population dynamics' "summary" table sat beside the Summary tab: two tabs read
    "Summary" and "summary"."""
    run_through_widgets(qtbot, panel, "population", [1])
    qtbot.waitUntil(lambda: panel.results.result is not None, timeout=WAIT_MS)
    tabs = panel.results.tabs
    labels = [tabs.tabText(i) for i in range(tabs.count())]
    assert labels[0] == "Summary" and "summary table" in labels
    assert len({label.lower() for label in labels}) == len(labels)


def test_a_plug_in_models_result_plots_in_its_own_colours_and_words(qtbot, tmp_path):
    """Population dynamics of a wolf-sheep run drew sheep blue and wolves orange (the
    foraging ecology's palette did not know them) over "agents alive"; the main charts
    draw sheep cyan and wolves red, and count animals."""
    from farm_gui.core.registry import get_model

    spec = get_model("wolf_sheep")
    store = open_store(tmp_path / "wolves.db")
    params = spec.parameters(simulation_steps=40, seed=2)
    run_id = store.create_run(params, model="wolf_sheep")
    assert RunSession(store, run_id, params).run() == "finished"
    panel = AnalysisPanel(store)
    qtbot.addWidget(panel)
    panel.resize(1100, 600)
    panel.show()
    qtbot.waitUntil(lambda: panel.runs_list.count() == 1, timeout=WAIT_MS)
    run_through_widgets(qtbot, panel, "population", [run_id])
    qtbot.waitUntil(lambda: panel.results.result is not None, timeout=WAIT_MS)
    panel.results.plot_combo.setCurrentText("population")
    item = panel.results.plot.getPlotItem()
    pens = {curve.name(): curve.opts["pen"].color().name() for curve in item.listDataItems()}
    colours = {c.name: c.color for c in spec.categories}
    assert pens["sheep"] == colours["sheep"] and pens["wolf"] == colours["wolf"]
    assert item.getAxis("left").labelText == "animals alive"
    # the live charts' compact legend, on a backing (pyqtgraph's had 20 px rows, no backing)
    assert [label.text for _, label in item.legend.items] == ["sheep", "wolf", "total"]
    assert item.legend.height() <= 3 * 16 + 6 and item.legend.backing.brush().color().alpha() > 0
    panel.shutdown()
    store.close()


def _window_with_three_runs(qtbot, window) -> AnalysisPanel:
    """Three finished runs in the window's workspace, listed in its run table and in its
    Analysis panel (returned)."""
    from farm_gui.runtime.aio import spawn

    panel = window.analysis_panel
    qtbot.waitUntil(lambda: panel.store is window.store, timeout=WAIT_MS)
    for seed in (1, 2, 3):
        config = RunConfig(simulation_steps=10, seed=seed)
        RunSession(window.store, window.store.create_run(config), config).run()
    spawn(window.runs.refresh_runs_async())
    qtbot.waitUntil(lambda: window.run_table.table_model.rowCount() == 3
                    and panel.runs_list.count() == 3, timeout=WAIT_MS)
    return panel


def test_the_runs_selected_in_the_run_table_are_ticked_until_the_user_ticks_by_hand(qtbot, make_window):
    """The panel ran an analysis on the selected runs when none was ticked, but showed
    them unticked: the user could not see which runs it would take."""
    window = make_window("ticks.db")
    panel = _window_with_three_runs(qtbot, window)
    window.run_table.select_ids([2])
    qtbot.waitUntil(lambda: panel.checked_runs() == [2], timeout=WAIT_MS)
    window.run_table.select_ids([1, 3])
    qtbot.waitUntil(lambda: panel.checked_runs() == [1, 3], timeout=WAIT_MS)
    panel.runs_list.item(1).setCheckState(Qt.CheckState.Checked)  # what a click on its box does
    assert panel.checked_runs() == [1, 2, 3]
    window.run_table.select_ids([3])  # ticked by hand: the selection no longer changes them
    qtbot.wait(50)
    assert panel.checked_runs() == [1, 2, 3]
    for i in range(3):  # all unticked: the ticks follow the selection again
        panel.runs_list.item(i).setCheckState(Qt.CheckState.Unchecked)
    window.run_table.select_ids([1])
    qtbot.waitUntil(lambda: panel.checked_runs() == [1], timeout=WAIT_MS)
    panel.set_checked_runs([2])  # ticked by a script or another panel: kept as well
    window.run_table.select_ids([3])
    qtbot.wait(50)
    assert panel.checked_runs() == [2]
    window.close()


def test_ticks_do_not_pass_to_the_same_run_ids_of_another_workspace(qtbot, panel, tmp_path):
    panel.set_checked_runs([1])
    other = open_store(tmp_path / "other.db")
    for seed in (5, 6):
        config = RunConfig(simulation_steps=10, seed=seed)
        RunSession(other, other.create_run(config, name=f"other {seed}"), config).run()
    panel.set_store(other)
    qtbot.waitUntil(lambda: panel.runs_list.count() == 2
                    and "other" in panel.runs_list.item(0).text(), timeout=WAIT_MS)
    assert panel.checked_runs() == []
    panel.set_store(None)
    other.close()


def test_a_narrow_panel_shows_the_whole_description_and_three_runs(qtbot, make_window):
    """In the window's right-hand dock (~460 px wide) the New analysis form kept the height
    its contents wanted when wider: the description lost its last line and the run list
    showed one row and a half."""
    from PySide6.QtWidgets import QDockWidget

    window = make_window("narrow.db")
    window.resize(1400, 900)
    panel = _window_with_three_runs(qtbot, window)
    window.findChild(QDockWidget, "dock_analysis").raise_()
    panel.set_module("comparison")  # the longest description
    panel.say("Experiment 1: its 5 finished runs ticked; set the parameters (e.g. outcome=...) and press "
              "Run Analysis.")
    info, runs = panel.module_info, panel.runs_list
    assert panel.width() < 600

    def whole() -> bool:
        return info.height() >= info.heightForWidth(info.width()) and \
            runs.viewport().height() >= 2.9 * runs.sizeHintForRow(0)

    qtbot.waitUntil(whole, timeout=WAIT_MS)
    panel.set_module("population")
    panel.set_module("comparison")  # again a text of more lines than the one before
    qtbot.waitUntil(whole, timeout=WAIT_MS)
    window.close()


def test_a_legend_that_would_hide_the_curves_anywhere_is_listed_under_the_plot(qtbot, tmp_path, monkeypatch):
    # Four design points with long labels in a narrow dock: the legend was as wide as the
    # plot and covered the curves' start in every corner.
    import numpy as np

    from farm_gui.analysis import AnalysisResult
    from farm_gui.ui.analysis.analysis_results import ResultView
    from farm_gui.ui.widgets import save_folder

    view = ResultView()
    qtbot.addWidget(view)
    view.resize(340, 420)
    view.show()
    qtbot.waitExposed(view)
    x = np.arange(100.0)
    labels = [f"point {i} (sheep_reproduce=0.0{2 + i}, wolf_reproduce=0.05)" for i in range(4)]
    view.set_result(AnalysisResult(module="comparison", run_ids=[1, 2, 3, 4], series={
        f"mean wolves/{label}": {"x": x, "y": 50 + 40 * np.sin(x / (8 + i)) * np.exp(-x / 40)}
        for i, label in enumerate(labels)}))
    view.tabs.setCurrentWidget(view.plots_tab)
    item = view.plot.getPlotItem()
    qtbot.waitUntil(lambda: view.key.isVisible(), timeout=WAIT_MS)
    assert not item.legend.isVisible()
    assert [view.key.item(i).text() for i in range(view.key.count())] == labels
    qtbot.waitUntil(lambda: view.key.geometry().top() > view.plot.geometry().bottom(), timeout=WAIT_MS)

    # a figure exported from it keeps its legend, and the window goes on without it
    out = tmp_path / "wolves.svg"
    monkeypatch.setattr(save_folder, "save_file_name", lambda *a, **k: (str(out), ""))
    assert view.export_plot("svg") == out
    assert all(label in out.read_text() for label in labels)
    assert not item.legend.isVisible()

    # wide enough for it: back in the plot, the list gone
    view.set_result(AnalysisResult(module="comparison", run_ids=[1, 2], series={
        "mean wolves/a": {"x": x, "y": x}, "mean wolves/b": {"x": x, "y": 2 * x}}))
    view.tabs.setCurrentWidget(view.plots_tab)
    item = view.plot.getPlotItem()
    qtbot.waitUntil(lambda: item.legend.isVisible() and not view.key.isVisible(), timeout=WAIT_MS)
