"""Exports through every export action, the world slider, bad input."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from farm_gui.config import load_yaml

from .conftest import WAIT_MS, start_and_get_run, wait_final


@pytest.fixture
def finished(qtbot, make_window):
    window = make_window(steps=40)
    run = start_and_get_run(qtbot, window)
    wait_final(qtbot, window, run)
    qtbot.waitUntil(lambda: window.run_table.selected_ids() == [run.run_id], timeout=WAIT_MS)
    return window, run


@pytest.fixture
def warnings(monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: shown.append((title, text)))
    return shown


@pytest.mark.parametrize("fmt", ["csv", "parquet", "json"])
def test_export_run_data(qtbot, finished, tmp_path, monkeypatch, fmt):
    window, run = finished
    out = tmp_path / f"out_{fmt}"
    out.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(out))
    getattr(window.actions, f"export_{fmt}").trigger()
    qtbot.waitUntil(lambda: any(out.glob(f"*metrics.{fmt}")), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: any(out.glob("*metadata.json")), timeout=WAIT_MS)
    path = next(out.glob(f"*metrics.{fmt}"))
    if fmt == "csv":
        frame = pd.read_csv(path)
    elif fmt == "parquet":
        frame = pd.read_parquet(path)
    else:
        data = json.loads(path.read_text())
        frame = pd.DataFrame(data if isinstance(data, list) else data.get("rows", data))
    stored = window.store.metrics(run.run_id)
    assert len(frame) == len(stored["step"]) == 40
    np.testing.assert_array_equal(frame["alive"].to_numpy(), stored["alive"])


def _image_of(source, fmt: str, size) -> np.ndarray:
    """Where an image (file or widget), scaled to ``size``, has coloured pixels."""
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    if isinstance(source, QWidget):
        image = source.grab().toImage()
    elif fmt == "svg":
        renderer = QSvgRenderer(str(source))
        assert renderer.isValid(), f"{source} is not a valid SVG"
        image = QImage(renderer.defaultSize() * 2, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.white)
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
    else:
        loaded = QImage(str(source))
        assert not loaded.isNull(), f"{source} is not a readable image"
        image = QImage(loaded.size(), QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.white)  # a transparent background reads as white, as a viewer shows it
        painter = QPainter(image)
        painter.drawImage(0, 0, loaded)
        painter.end()
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    h, w = image.height(), image.width()
    array = np.frombuffer(image.constBits(), np.uint8).reshape(h, image.bytesPerLine())
    rgb = array[:, :w * 3].reshape(h, w, 3).astype(float) / 255.0
    coloured = rgb.max(axis=2) - rgb.min(axis=2) > 0.15  # the curves, not axes or text
    # Down to ``size`` keeping every coloured pixel (a 1-pixel line survives the scaling).
    out = np.zeros((size.height(), size.width()), dtype=bool)
    ys, xs = np.nonzero(coloured)
    out[ys * size.height() // h, xs * size.width() // w] = True
    return out


def _overlap(a: np.ndarray, b: np.ndarray, reach: int = 2) -> float:
    """Share of a's pixels within ``reach`` pixels of one of b's."""
    grown = b.copy()
    for dy in range(-reach, reach + 1):
        for dx in range(-reach, reach + 1):
            grown |= np.roll(np.roll(b, dy, axis=0), dx, axis=1)
    return float((a & grown).sum() / max(1, a.sum()))


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_export_chart(qtbot, finished, tmp_path, monkeypatch, fmt):
    """The exported chart, rendered (QImage / QSvgRenderer), looks like the chart on the
    screen: compared as small grey images with a tolerance for fonts and antialiasing,
    as pyqtgraph's own image tests do; a blank or unrelated picture fails."""
    from PySide6.QtCore import QSize

    window, run = finished
    chart = window.charts.population
    # the finished run's stored curves are loaded off the GUI thread: wait until they are drawn
    qtbot.waitUntil(lambda: (d := chart.data("total")) is not None and len(d[0]) == len(run.buffer),
                    timeout=WAIT_MS)
    # and the x axis fitted to them: while the run's steps came in, it ran ahead of them at
    # the pace they came (a 40-step run in one burst: to step 4,000), and compared with an
    # export made before it settled, the picture on the screen had its curves elsewhere
    last_step = len(run.buffer) - 1
    qtbot.waitUntil(lambda: chart.getPlotItem().vb.viewRange()[0][1] == last_step, timeout=WAIT_MS)
    # File > Export exports the chart last pointed at: a window shown under a cursor another
    # test left over a chart starts with that chart (1 run in 8 of the repeated suite). The
    # mouse over the chart also shows pyqtgraph's "A" button, which the export leaves out.
    qtbot.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=chart.viewport().rect().center())
    assert window.exports.current_chart() is chart
    target = tmp_path / f"chart.{fmt}"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    getattr(window.actions, f"export_{fmt}").trigger()
    assert target.is_file()
    size = QSize(240, 160)
    exported, shown = _image_of(target, fmt, size), _image_of(chart, fmt, size)
    other = _image_of(window.charts.charts[-1], fmt, size)  # another chart: other curves
    assert exported.sum() > 100, "no curve in the export"
    print(f"{fmt}: curve pixels {exported.sum()} / {shown.sum()}; overlap {_overlap(exported, shown):.2f}, "
          f"{_overlap(shown, exported):.2f}; with another chart {_overlap(exported, other):.2f}")
    assert _overlap(exported, shown) > 0.7 and _overlap(shown, exported) > 0.7  # measured: >= 0.84
    assert _overlap(exported, other) < 0.4  # measured: 0.01
    if fmt == "svg":
        text = target.read_text(encoding="utf-8")
        # Vector axes: tick labels and titles as text, no embedded bitmaps.
        assert "<image" not in text and re.search(r">\s*step\s*</text>", text), text[:300]
    axis = chart.getPlotItem().getAxis("bottom")
    assert axis.cacheMode() == axis.CacheMode.DeviceCoordinateCache  # cached again for live drawing


def test_export_config_round_trips(qtbot, finished, tmp_path, monkeypatch):
    window, run = finished
    target = tmp_path / "run.yaml"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.actions.export_config.trigger()
    qtbot.waitUntil(target.is_file, timeout=WAIT_MS)
    assert load_yaml(target) == window.store.run_config(run.run_id)


def test_export_to_unwritable_place_explains(qtbot, finished, tmp_path, monkeypatch, warnings):
    window, _run = finished
    missing = tmp_path / "no" / "such" / "folder" / "chart.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(missing), ""))
    window.actions.export_png.trigger()
    qtbot.waitUntil(lambda: bool(warnings), timeout=WAIT_MS)
    title, text = warnings[0]
    assert "Export failed" in title and str(missing.parent) in text
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(blocker / "out"))
    window.actions.export_csv.trigger()
    qtbot.waitUntil(lambda: len(warnings) == 2, timeout=WAIT_MS)
    assert "a_file" in warnings[1][1] and "Traceback" not in warnings[1][1]


def test_slider_scrubs_stored_world(qtbot, finished):
    window, run = finished
    slider = window.findChild(QWidget, "step_slider")
    world = window.findChild(QWidget, "world_view")
    qtbot.waitUntil(slider.isEnabled, timeout=WAIT_MS)
    assert slider.maximum() == 40
    for step in (7, 23, 0, 40):
        slider.setValue(step)
        expected = window.store.world_state(run.run_id, step)
        qtbot.waitUntil(lambda e=expected: world.displayed_step == int(e["step"]) and
                        world.state is not None and len(world.state["agent_x"]) == len(e["agent_x"]),
                        timeout=WAIT_MS)
        for key in ("agent_id", "agent_x", "agent_y", "node_amount"):
            np.testing.assert_array_equal(world.state[key], expected[key])
        shown_x = np.concatenate([item.getData()[0] for item in world.agent_items.values()])
        assert np.sort(shown_x).tolist() == np.sort(expected["agent_x"]).tolist()
    assert int(window.store.world_state(run.run_id, 7)["step"]) == 5  # latest snapshot <= 7


def test_invalid_input_keeps_start_disabled(qtbot, make_window):
    window = make_window()
    form = window.findChild(QWidget, "config_form")
    assert window.actions.start.isEnabled()
    form.set_value("width", 0.0)  # the schema says width > 0
    assert not window.actions.start.isEnabled()
    assert form.fields["width"].problem and "greater than 0" in form.fields["width"].problem
    assert "greater than 0" in form.fields["width"].editor.toolTip()
    form.set_value("seed", "not a number")
    assert "seed" in dict(form.problems())
    window.actions.start.trigger()
    assert window.registry.runs() == []
    form.set_value("width", 50.0)
    form.set_value("seed", 7)
    assert window.actions.start.isEnabled() and form.config().width == 50.0
    # The Start refused above started nothing later either: the allowed one makes the only run.
    window.actions.start.trigger()
    qtbot.waitUntil(lambda: len(window.registry.runs()) == 1, timeout=WAIT_MS)
    run = window.registry.runs()[0]
    wait_final(qtbot, window, run)
    assert len(window.store.list_runs()) == 1 and window.store.run_config(run.run_id).width == 50.0


def test_form_comes_from_the_schema(make_window):
    from farm_gui.config import RunConfig

    form = make_window().config_form
    steps = form.fields["simulation_steps"].editor
    assert (steps.minimum(), steps.maximum()) == (1, 100_000_000)
    assert RunConfig.model_fields["simulation_steps"].description in steps.toolTip()
    assert form.findChild(QWidget, "group_Reproduction") is not None
    assert "action_weights.pass" in form.fields
    form.preset_box.activated.emit(form.preset_box.findText("1k"))
    assert form.config().system_agents == 333 and form.config().width == 600.0


def test_corrupt_database_shows_a_clear_message(qtbot, make_window, tmp_path, monkeypatch, warnings):
    window = make_window()
    bad = tmp_path / "notes.db"
    bad.write_bytes(b"this is not a database at all\n" * 100)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), ""))
    window.actions.open_workspace.trigger()
    qtbot.waitUntil(lambda: bool(warnings), timeout=WAIT_MS)
    title, text = warnings[0]
    assert "workspace" in title.lower() and "notes.db" in text and "Traceback" not in text
    assert window.store is not None  # the previous workspace stays open
    assert bad.read_bytes().startswith(b"this is not a database")
