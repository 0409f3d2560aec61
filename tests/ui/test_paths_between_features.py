"""The paths users take between features (issue 21 item 5): the window and the CLI
recording into one SQLite file at once, the hover read-out, the keyboard shortcuts,
Open Recent, a speed change of a run already going, and a YAML file saved and loaded
through the parameter form."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton

from farm_gui.config import load_yaml
from farm_gui.store import open_store

from .conftest import WAIT_MS, start_and_get_run, wait_final

REPO = Path(__file__).resolve().parents[2]


def _select(qtbot, window, run_id: int) -> None:
    qtbot.waitUntil(lambda: window.run_table.table_model.row_of(run_id) is not None, timeout=WAIT_MS)
    window.run_table.select_ids([run_id])
    qtbot.waitUntil(lambda: window.run_table.selected_ids() == [run_id], timeout=WAIT_MS)


def test_window_and_cli_record_into_one_sqlite_file_at_once(qtbot, make_window, tmp_path):
    db = tmp_path / "shared.db"
    window = make_window("shared.db", steps=1_000_000)
    run = start_and_get_run(qtbot, window)
    qtbot.waitUntil(lambda: len(run.buffer) > 100, timeout=WAIT_MS)
    cli = subprocess.Popen([sys.executable, "-m", "farm_gui.cli", "run", "--db", str(db), "--steps", "400",
                            "--snapshot-every", "20", "--name", "from the CLI", "--quiet"], cwd=REPO,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # Both write while the CLI runs: the window's run keeps going the whole time.
    qtbot.waitUntil(lambda: cli.poll() is not None, timeout=WAIT_MS * 2)
    _, err = cli.communicate()
    assert cli.returncode == 0, err.decode(errors="replace")
    assert run.state == "running", window.store.get_run(run.run_id).error
    _select(qtbot, window, run.run_id)
    window.actions.stop.trigger()
    wait_final(qtbot, window, run)
    with open_store(db, readonly=True) as store:
        runs = {r.name: r for r in store.list_runs()}
        cli_run, gui_run = runs["from the CLI"], store.get_run(run.run_id)
        assert (cli_run.status, cli_run.steps_done) == ("finished", 400)
        assert gui_run.status == "stopped" and gui_run.steps_done == len(run.buffer)
        for info in (cli_run, gui_run):
            np.testing.assert_array_equal(store.metrics(info.id)["step"], np.arange(info.steps_done))
    # The window lists the CLI's run once it reloads its run list (File > Open of the same file).
    window.open_workspace(str(db))
    qtbot.waitUntil(lambda: window.run_table.table_model.row_of(cli_run.id) is not None, timeout=WAIT_MS)


def test_hover_read_out_shows_the_stored_values_under_the_mouse(qtbot, make_window):
    window = make_window(steps=80)
    run = start_and_get_run(qtbot, window)
    wait_final(qtbot, window, run)
    chart = window.charts.charts[0]
    metrics = window.store.metrics(run.run_id)
    last = int(metrics["step"][-1])
    # the x range fitted to the finished run (while it grew it reached past its end: a
    # mouse position worked out then pointed at another step once the range was fitted)
    qtbot.waitUntil(lambda: abs(chart.getPlotItem().vb.viewRange()[0][1] - last) < 0.5, timeout=WAIT_MS)
    step = 50
    vb = chart.getPlotItem().vb
    y_mid = sum(vb.viewRange()[1]) / 2
    pos = chart.mapFromScene(vb.mapViewToScene(QPointF(step, y_mid)))
    QTest.mouseMove(chart.viewport(), pos)
    readout = window.charts.readout
    qtbot.waitUntil(lambda: f"step {step}:" in readout.text(), timeout=WAIT_MS)
    text = readout.text()
    assert f"alive {int(metrics['alive'][step])} " in text, text
    assert run.name in text
    for c in window.charts.charts:  # every chart marks the hovered step
        assert c.hover_line.isVisible() and round(c.hover_line.value()) == step


def test_keyboard_shortcuts_start_pause_resume_and_stop_a_run(qtbot, make_window):
    window = make_window(steps=1_000_000)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
    before = len(window.registry.runs())
    QTest.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: len(window.registry.runs()) > before, timeout=WAIT_MS)
    run = window.registry.runs()[-1]
    qtbot.waitUntil(lambda: run.state == "running" and len(run.buffer) > 10, timeout=WAIT_MS)
    _select(qtbot, window, run.run_id)
    QTest.keyClick(window, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: run.state == "paused", timeout=WAIT_MS)
    QTest.keyClick(window, Qt.Key.Key_F7)
    qtbot.waitUntil(lambda: run.state == "running", timeout=WAIT_MS)
    QTest.keyClick(window, Qt.Key.Key_F5, Qt.KeyboardModifier.ShiftModifier)
    wait_final(qtbot, window, run)
    assert window.store.get_run(run.run_id).status == "stopped"


def test_open_recent_reopens_a_workspace_with_its_runs(qtbot, make_window, tmp_path, monkeypatch):
    first = tmp_path / "first.db"
    window = make_window("first.db", steps=20)
    run = start_and_get_run(qtbot, window)
    wait_final(qtbot, window, run)
    second = tmp_path / "second.db"
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(second), ""))
    asked = []  # second.db does not exist yet: the window asks before creating it
    monkeypatch.setattr(QMessageBox, "question",
                        lambda _p, _t, text, *a: asked.append(text) or QMessageBox.StandardButton.Yes)
    window.actions.open_workspace.trigger()
    assert len(asked) == 1 and "second.db" in asked[0]
    qtbot.waitUntil(lambda: window.store is not None and window.store.url.endswith("second.db"),
                    timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.run_table.table_model.row_of(run.run_id) is None, timeout=WAIT_MS)
    menu = window.actions.recent_menu
    qtbot.waitUntil(lambda: [a.text() for a in menu.actions()][:2] == [str(second), str(first)],
                    timeout=WAIT_MS)
    menu.actions()[1].trigger()
    qtbot.waitUntil(lambda: window.store is not None and window.store.url.endswith("first.db"),
                    timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.run_table.table_model.row_of(run.run_id) is not None, timeout=WAIT_MS)
    assert [a.text() for a in menu.actions()][:2] == [str(first), str(second)]


def test_speed_change_applies_to_a_run_already_going(qtbot, make_window):
    window = make_window(steps=1_000_000, speed=1.0)
    run = start_and_get_run(qtbot, window)
    qtbot.waitUntil(lambda: len(run.buffer) >= 1, timeout=WAIT_MS)
    _select(qtbot, window, run.run_id)
    # At 1 step/s, 300 steps take five minutes: reaching them proves the new speed applies.
    window.findChild(type(window.actions.start), "action_speed_max").trigger()
    qtbot.waitUntil(lambda: len(run.buffer) > 300, timeout=WAIT_MS)
    # And back down: successive steps are now at least ~1 s apart (a lower bound on time,
    # which a loaded machine only makes longer).
    window.findChild(type(window.actions.start), "action_speed_1").trigger()
    n = len(run.buffer)
    qtbot.waitUntil(lambda: len(run.buffer) >= n + 2, timeout=WAIT_MS)
    t0, n0 = time.monotonic(), len(run.buffer)
    qtbot.waitUntil(lambda: len(run.buffer) >= n0 + 2, timeout=WAIT_MS)
    assert time.monotonic() - t0 >= 1.0, "the run did not slow down to 1 step/s"
    window.actions.stop.trigger()
    wait_final(qtbot, window, run)


def test_yaml_saved_and_loaded_through_the_form(qtbot, make_window, tmp_path, monkeypatch):
    window = make_window(steps=33)
    form = window.config_form
    form.set_value("seed", 1234)
    path = tmp_path / "mine.yaml"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    qtbot.mouseClick(form.findChild(QPushButton, "save_config"), Qt.MouseButton.LeftButton)
    assert path.is_file()
    saved = load_yaml(path)
    assert (saved.simulation_steps, saved.seed, saved.snapshot_every) == (33, 1234, 5)
    assert saved == form.config()
    # Change the form, then load the file back through the Load button.
    form.set_value("simulation_steps", 77)
    form.set_value("seed", 9)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    qtbot.mouseClick(form.findChild(QPushButton, "load_config"), Qt.MouseButton.LeftButton)
    assert form.config() == saved
    run = start_and_get_run(qtbot, window)
    wait_final(qtbot, window, run)
    assert window.store.run_config(run.run_id) == saved
    assert window.store.get_run(run.run_id).steps_done == 33
