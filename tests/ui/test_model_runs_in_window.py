"""Runs of a model other than the foraging ecology in the real window: picked in the model
picker, started, charted live from its declaration, its world drawn from its layers and
scrubbed from the store, and broken plug-ins reported without stopping the window."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QComboBox

from farm_gui.core import registry
from farm_gui.core.registry import BrokenModel
from farm_gui.runtime.worker import RunWorker
from tests.ui.conftest import WAIT_MS, start_and_get_run, wait_final
from tests.ui.toy_models import register_toys, unregister_toys


@pytest.fixture(autouse=True)
def toys():
    register_toys()
    yield
    unregister_toys()


def pick(qtbot, window, name: str) -> None:
    picker = window.findChild(QComboBox, "model_picker")
    index = picker.findData(name)
    picker.setCurrentIndex(index)
    picker.activated.emit(index)
    qtbot.waitUntil(lambda: window.config_form.spec.name == name, timeout=WAIT_MS)


def test_broken_plugins_are_reported_and_the_window_goes_on(qtbot, tmp_path, monkeypatch):
    from farm_gui.app import create_main_window

    broken = [BrokenModel("bad_model", "bad_pkg:SPEC", "ValueError: it declares no metrics")]
    monkeypatch.setattr(registry, "broken_models", lambda: list(broken))
    window = create_main_window(str(tmp_path / "w.db"))
    qtbot.addWidget(window)
    assert "bad_model" in window.statusBar().currentMessage()
    picker = window.findChild(QComboBox, "model_picker")
    assert "it declares no metrics" in picker.toolTip()
    assert "toy_grid" in picker.names() and "bad_model" not in picker.names()
    pick(qtbot, window, "toy_grid")
    assert window.actions.start.isEnabled()


def test_picking_a_model_in_the_window_rebuilds_the_form_and_presets(qtbot, make_window):
    window = make_window()
    pick(qtbot, window, "toy_wealth")
    assert set(window.config_form.fields) == {"simulation_steps", "seed", "snapshot_every", "agents", "side"}
    box = window.config_form.preset_box
    presets = [box.itemText(i) for i in range(box.count())]
    assert presets == ["Preset...", "default"]
    pick(qtbot, window, "foraging")
    assert "agent_parameters.SystemAgent.share_weight" in window.config_form.fields


def test_a_run_of_another_model_is_charted_drawn_and_scrubbed(qtbot, make_window):
    window = make_window()
    pick(qtbot, window, "toy_grid")
    form = window.config_form
    form.set_value("simulation_steps", 40)
    form.set_value("snapshot_every", 5)
    form.set_value("walkers", 25)
    run = start_and_get_run(qtbot, window)
    assert run.model.name == "toy_grid"
    # a model given to registry.register exists in this process only: its run stays here
    assert isinstance(run.worker, RunWorker)
    wait_final(qtbot, window, run)
    stored = window.store.metrics(run.run_id)
    chart = window.charts.chart("cells")
    assert chart is not None and chart.objectName() == "cells_chart"
    qtbot.waitUntil(lambda: (d := chart.data("grass cells")) is not None and len(d[0]) == 40, timeout=WAIT_MS)
    np.testing.assert_array_equal(chart.data("grass cells")[1], stored["grass"])
    model_col = window.run_table.table_model.rows[0]
    assert model_col.model == "toy_grid"
    # the world of the last stored step, then a scrubbed one
    qtbot.waitUntil(lambda: window.world_view.displayed_step == 40, timeout=WAIT_MS)
    layers = window.store.layers(run.run_id, 40)
    np.testing.assert_array_equal(window.world_view.layers.layers["cells"].image.image,
                                  layers["cells"]["values"])
    window.world_view.slider.setValue(10)
    qtbot.waitUntil(lambda: window.world_view.displayed_step == 10, timeout=WAIT_MS)
    layers = window.store.layers(run.run_id, 10)
    x, _y = window.world_view.layers.layers["walkers"].points()
    order = np.argsort(layers["walkers"]["category"], kind="stable")
    np.testing.assert_allclose(x, layers["walkers"]["x"][order])


def test_the_model_chosen_is_shown_again_next_time(qtbot, tmp_path):
    from farm_gui.app import create_main_window

    window = create_main_window(str(tmp_path / "a.db"))
    qtbot.addWidget(window)
    pick(qtbot, window, "toy_grid")
    window.close()
    again = create_main_window(str(tmp_path / "a.db"))
    qtbot.addWidget(again)
    assert again.config_form.spec.name == "toy_grid"
    assert again.findChild(QComboBox, "model_picker").currentData() == "toy_grid"
    again.close()


def test_a_run_the_model_ends_early_shows_as_complete(qtbot, make_window):
    # Schelling ends its run when everyone is happy: 'finished' long before the steps asked.
    window = make_window()
    window.refresh_status()
    assert not window.progress.isTextVisible()  # no run shown: no "0%"
    pick(qtbot, window, "schelling")
    window.config_form.set_value("simulation_steps", 500)
    run = start_and_get_run(qtbot, window)
    wait_final(qtbot, window, run)
    info = window.store.get_run(run.run_id)
    assert info.status == "finished" and info.steps_done < 500
    # A run this short can end before the table, reloaded after the start, has selected it
    # (the bar then showed no run: 0 of 100): wait until it shows as the user sees it.
    qtbot.waitUntil(lambda: window.run_table.selected_ids() == [run.run_id]
                    and window.runs.primary_row().status == "finished", timeout=WAIT_MS)
    window.refresh_status()
    assert window.progress.value() == window.progress.maximum() == info.steps_done
    assert window.progress.isTextVisible() and window.progress.text() == "100%"


def test_picking_a_model_with_no_run_shown_builds_its_charts_before_its_first_run(qtbot, make_window):
    """Building another model's charts took ~100-300 ms of the GUI thread in the turn that
    showed its first run; with no run shown they are built when the model is picked, and
    its runs one after the other keep the same charts and curve items."""
    window = make_window()
    rebuilt = []
    window.charts.charts_rebuilt.connect(lambda: rebuilt.append(window.charts.model.name))
    pick(qtbot, window, "toy_grid")
    assert rebuilt == ["toy_grid"]
    chart = window.charts.chart("cells")
    assert chart is not None and chart.data("grass cells") is not None  # the curve, empty
    assert len(chart.data("grass cells")[0]) == 0
    items = [c.item for c in chart.curves]
    window.config_form.set_value("simulation_steps", 30)
    for _ in range(2):
        run = start_and_get_run(qtbot, window)
        wait_final(qtbot, window, run)
        qtbot.waitUntil(lambda r=run: window.shown_ids == [r.run_id]
                        and len(chart.data("grass cells")[0]) == 30, timeout=WAIT_MS)
    assert rebuilt == ["toy_grid"] and window.charts.chart("cells") is chart
    assert [c.item for c in chart.curves] == items
    np.testing.assert_array_equal(chart.data("grass cells")[1], window.store.metrics(run.run_id)["grass"])

    pick(qtbot, window, "foraging")  # a run is shown: the charts stay with it
    assert rebuilt == ["toy_grid"] and window.charts.chart("cells") is chart


def test_a_window_opens_with_the_charts_of_the_model_chosen_last_time(qtbot, make_window):
    from farm_gui.ui.settings import WindowSettings

    settings = WindowSettings()
    settings.set_last_model("toy_grid")
    settings.sync()
    window = make_window()
    assert window.config_form.spec.name == "toy_grid"
    assert window.charts.model.name == "toy_grid" and window.charts.chart("cells") is not None
    rebuilt = []
    window.charts.charts_rebuilt.connect(lambda: rebuilt.append(window.charts.model.name))
    window.config_form.set_value("simulation_steps", 20)
    run = start_and_get_run(qtbot, window)
    wait_final(qtbot, window, run)
    chart = window.charts.chart("cells")
    qtbot.waitUntil(lambda: len(chart.data("grass cells")[0]) == 20, timeout=WAIT_MS)
    assert rebuilt == []
