"""Exports from the File menu and the charts' context menus: formats into one folder,
Replace?, tables and steps, configuration suffix, permissions, pictures of every chart,
all charts and the world, the clipboard, the figure dialog with its data and script."""

from __future__ import annotations

import csv
import json
import os
import runpy
import stat
import time

import numpy as np
import pandas as pd
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QApplication,
    QDialogButtonBox,
    QFileDialog,
    QMessageBox,
    QPushButton,
    QWidget,
)

from .conftest import WAIT_MS, start_and_get_run, wait_final

FORMATS = ("csv", "parquet", "json")


@pytest.fixture
def finished(qtbot, make_window):
    window = make_window(steps=40)
    run = start_and_get_run(qtbot, window)
    wait_final(qtbot, window, run)
    qtbot.waitUntil(lambda: window.run_table.selected_ids() == [run.run_id], timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.charts.population.data("total") is not None
                    and len(window.charts.population.data("total")[0]) == 40, timeout=WAIT_MS)
    # and the x range fitted to the finished run: while it grew it reached past the end (a
    # figure made then took that range, and the chart's was 0-39 by the time it was compared)
    view = window.charts.population.getPlotItem().vb
    qtbot.waitUntil(lambda: abs(view.viewRange()[0][1] - 39) < 0.5, timeout=WAIT_MS)
    return window, run


@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    yield 0o640
    os.umask(old)


def test_three_formats_into_one_folder_leave_all_files(qtbot, finished, tmp_path, monkeypatch, umask_027):
    window, run = finished
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(out))
    for fmt in FORMATS:
        getattr(window.actions, f"export_{fmt}").trigger()
        qtbot.waitUntil(lambda f=fmt: len([p for p in out.glob(f"*.{f}") if "_metadata" not in p.name]) == 5,
                        timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not window.state.export_lock.locked(), timeout=WAIT_MS)
    assert window.last_error is None
    meta = json.loads(next(out.glob("*_metadata.json")).read_text())
    assert set(meta["formats"]) == set(FORMATS)
    for fmt in FORMATS:
        assert any(name.endswith(f"_metrics.{fmt}") for name in meta["files"])
    for path in out.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == umask_027, path  # the user's umask, not 0600


def test_same_format_again_asks_replace(qtbot, finished, tmp_path, monkeypatch):
    window, run = finished
    out = tmp_path / "out"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(out))
    window.actions.export_csv.trigger()
    qtbot.waitUntil(lambda: len(list(out.glob("*.csv"))) == 5, timeout=WAIT_MS)
    metrics = next(out.glob("*_metrics.csv"))
    metrics.write_text("stale")
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda parent, title, text, *a: asked.append(text) or QMessageBox.StandardButton.Yes)
    window.actions.export_csv.trigger()
    qtbot.waitUntil(lambda: metrics.read_text() != "stale", timeout=WAIT_MS)
    assert asked and metrics.name in asked[0]
    assert len(pd.read_csv(metrics)) == 40


def test_run_data_dialog_chooses_tables_and_steps(qtbot, finished, tmp_path):
    window, run = finished
    out = tmp_path / "chosen"
    window.actions.export_data.trigger()
    dialog = window.findChild(QWidget, "data_export_dialog")
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    dialog.format_box.setCurrentText("PARQUET")
    for table, box in dialog.table_boxes.items():
        box.setChecked(table in ("metrics", "agent_snapshots"))
    dialog.all_steps.setChecked(False)
    dialog.first_step.setValue(10)
    dialog.last_step.setValue(20)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()  # no folder yet
    dialog.folder.setText(str(out))
    assert ok.isEnabled()
    ok.click()
    qtbot.waitUntil(lambda: len(list(out.glob("*.parquet"))) == 2 and any(out.glob("*_metadata.json")),
                    timeout=WAIT_MS)
    metrics = pd.read_parquet(next(out.glob("*_metrics.parquet")))
    assert metrics["step"].tolist() == list(range(10, 20))
    snaps = pd.read_parquet(next(out.glob("*_agent_snapshots.parquet")))
    assert set(snaps["step"]) == {10, 15}


def test_progress_dialog_cancel_keeps_nothing(qtbot, finished, tmp_path, monkeypatch):
    from farm_gui.ui.controllers import export_flows

    window, run = finished
    monkeypatch.setattr(export_flows, "PROGRESS_AFTER_MS", 0)
    out = tmp_path / "cancelled"
    out.mkdir()
    seen = []
    real = export_flows.export_runs
    loop = window.loop

    def slow_export(*args, progress=None, **kwargs):
        def watched(done, total):  # in the export's thread
            seen.append((done, total))
            if len(seen) == 3:  # the user presses the dialog's Cancel (in the GUI thread)
                loop.call_soon_threadsafe(lambda: next(
                    b for b in window.exports.progress_dialog.findChildren(QPushButton)
                    if b.text() == "Cancel"
                ).click())
                deadline = time.monotonic() + 30
                while progress(done, total) and time.monotonic() < deadline:
                    time.sleep(0.005)  # until the GUI thread has taken the click
            return progress(done, total)
        return real(*args, progress=watched, **kwargs)

    monkeypatch.setattr(export_flows, "export_runs", slow_export)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(out))
    window.actions.export_json.trigger()
    qtbot.waitUntil(lambda: "cancelled" in window.statusBar().currentMessage(), timeout=WAIT_MS)
    assert list(out.iterdir()) == [] and seen[-1][1] > 3


def test_config_without_suffix_gets_yaml(qtbot, finished, tmp_path, monkeypatch, umask_027):
    window, _run = finished
    typed = tmp_path / "my_config"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(typed), ""))
    window.actions.export_config.trigger()
    target = tmp_path / "my_config.yaml"
    qtbot.waitUntil(target.is_file, timeout=WAIT_MS)
    assert not typed.exists() and stat.S_IMODE(target.stat().st_mode) == umask_027


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_every_chart_all_charts_and_world_export(qtbot, finished, tmp_path, monkeypatch, fmt):
    window, run = finished
    slider = window.world_view.slider
    qtbot.waitUntil(slider.isEnabled, timeout=WAIT_MS)
    slider.setValue(20)
    qtbot.waitUntil(lambda: window.world_view.displayed_step == 20, timeout=WAIT_MS)
    targets = []

    def save_as(*args, **kwargs):
        targets.append(tmp_path / f"picture{len(targets)}")
        return str(targets[-1]), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    for chart in window.charts.charts:  # each chart's context menu
        menu = chart.scene().contextMenu[0]
        action = next(a for a in menu.actions() if a.text() == f"As {fmt.upper()}...")
        action.trigger()
    window.actions.export_all[fmt].trigger()
    window.actions.export_world[fmt].trigger()
    files = [t.with_suffix(f".{fmt}") for t in targets]
    assert len(files) == 6 and all(f.is_file() and f.stat().st_size > 1000 for f in files)
    assert window.last_error is None
    if fmt == "png":
        world = QImage(str(files[-1]))
        plot_h = window.world_view.plot.getPlotItem().sceneBoundingRect().height()
        assert world.height() > 2 * plot_h  # the key is under the plot
        all_charts = QImage(str(files[-2]))
        assert all_charts.width() > 1.8 * QImage(str(files[0])).width()
    if fmt == "svg":
        text = files[-1].read_text()
        assert "resource node" in text and "<image" not in text  # key as text, agents as shapes
        assert "world at step 20" in text and ">step 20, " in text  # the title and the key say the step


def test_copy_chart_to_clipboard(qtbot, finished):
    window, _run = finished
    QApplication.clipboard().clear()
    window.chart_tracker.chart = window.charts.health
    window.actions.copy_chart.trigger()
    image = QApplication.clipboard().image()
    rect = window.charts.health.getPlotItem().sceneBoundingRect()
    assert not image.isNull() and abs(image.width() - 2 * rect.width()) <= 2
    assert window.actions.copy_chart.shortcut().toString() == "Ctrl+Shift+C"


def test_figure_dialog_writes_figure_data_and_script(qtbot, finished, tmp_path, monkeypatch):
    window, run = finished
    chart = window.charts.population
    menu = chart.scene().contextMenu[0]
    next(a for a in menu.actions() if a.text() == "Figure...").trigger()
    dialog = window.findChild(QWidget, "figure_dialog")
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    assert [c.objectName() for c in dialog.charts()] == ["population_chart"]
    dialog.chart_boxes[window.charts.health].setChecked(True)
    dialog.unit_box.setCurrentText("cm")
    dialog.width_box.setValue(12.0)
    dialog.height_box.setValue(6.0)
    dialog.dpi_box.setValue(200)
    dialog.colorblind_box.setChecked(True)
    dialog.data_box.setChecked(True)
    qtbot.waitUntil(lambda: dialog.preview.pixmap() is not None and not dialog.preview.pixmap().isNull(),
                    timeout=WAIT_MS)
    typed = tmp_path / "fig"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(typed), "PNG image (*.png)"))
    dialog.save_button.click()
    png = tmp_path / "fig.png"
    assert png.is_file()
    qtbot.waitUntil((tmp_path / "fig_matplotlib.py").is_file, timeout=WAIT_MS)
    image = QImage(str(png))
    assert abs(image.width() - round(12 / 2.54 * 200)) <= 1
    assert abs(image.height() - round(6 / 2.54 * 200)) <= 1
    assert abs(image.dotsPerMeterX() * 0.0254 - 200) < 1
    with open(tmp_path / "fig_data.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    stored = window.store.metrics(run.run_id)
    total = [r for r in rows if r["series"] == "total"]
    assert [float(r["value"]) for r in total] == stored["alive"].astype(float).tolist()
    assert {r["panel"] for r in rows} == {"Agents alive", "Mean health"}
    # The script redraws the same data with matplotlib (needed only to run it).
    pytest.importorskip("matplotlib")
    namespace = runpy.run_path(str(tmp_path / "fig_matplotlib.py"))
    figure = namespace["draw"]()
    line = next(line for line in figure.axes[0].lines if line.get_label() == "total")
    np.testing.assert_array_equal(line.get_ydata(), stored["alive"])
    assert figure.axes[0].get_xlim() == pytest.approx(tuple(chart.getPlotItem().vb.viewRange()[0]))
    # the choices are remembered
    window.actions.export_figure.trigger()
    again = [d for d in window.findChildren(QWidget, "figure_dialog") if d.isVisible()][-1]
    assert again.width_box.value() == 12.0 and again.colorblind_box.isChecked()
    assert again.dpi_box.value() == 200
    again.reject()


@pytest.mark.parametrize("fmt", ["svg", "pdf"])
def test_other_plots_export_from_their_context_menu(qtbot, make_window, tmp_path, monkeypatch, fmt):
    """pyqtgraph's own Export... (whose SVG wrote nothing and printed a traceback) is
    replaced on every plot of the window, the analysis results' included."""
    import pyqtgraph as pg

    window = make_window()
    others = [w for w in window.findChildren(pg.PlotWidget)
              if w not in (*window.charts.charts, window.world_view.plot)]
    if window.analysis_panel.results.plot not in others:
        others.append(window.analysis_panel.results.plot)
    for widget in others:
        menu = widget.scene().contextMenu[0]
        assert all(a.text() != "Export..." for a in widget.scene().contextMenu if hasattr(a, "text"))
        widget.getPlotItem().plot([0, 1, 2], [3, 1, 2], pen="r")
        target = tmp_path / f"{widget.objectName() or 'plot'}_{id(widget)}"
        monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, t=target, **k: (str(t), ""))
        next(a for a in menu.actions() if a.text() == f"As {fmt.upper()}...").trigger()
        written = target.with_suffix(f".{fmt}")
        assert written.is_file() and written.stat().st_size > 500
    assert window.last_error is None
