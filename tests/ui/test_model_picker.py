"""The model picker: the form, the presets and Load/Save YAML follow the chosen model."""

from __future__ import annotations

import pytest
import yaml
from PySide6.QtWidgets import QComboBox

from farm_gui.core import registry
from farm_gui.ui.widgets.config_form import ConfigForm
from tests.ui.toy_models import GRID, WEALTH, register_toys, unregister_toys


@pytest.fixture
def toys():
    register_toys()
    yield
    unregister_toys()


def pick(qtbot, form: ConfigForm, name: str) -> None:
    picker = form.findChild(QComboBox, "model_picker")
    index = picker.findData(name)
    assert index >= 0, picker.names()
    picker.setCurrentIndex(index)
    picker.activated.emit(index)  # what a click on the item does
    qtbot.waitUntil(lambda: form.spec.name == name, timeout=5000)


def test_picker_lists_the_registry_by_label_and_the_form_follows(qtbot, toys):
    form = ConfigForm()
    qtbot.addWidget(form)
    picker = form.findChild(QComboBox, "model_picker")
    labels = [picker.itemText(i) for i in range(picker.count())]
    assert labels == [spec.label for spec in registry.models().values()]
    assert form.spec.name == "foraging" and "agent_parameters.SystemAgent.share_weight" in form.fields
    pick(qtbot, form, "toy_grid")
    assert set(form.fields) == set(GRID.parameters.model_fields)
    assert form.config() == GRID.parameters()
    presets = [form.preset_box.itemText(i) for i in range(1, form.preset_box.count())]
    assert presets == list(GRID.preset_names) == ["default", "small", "crowded"]
    form.preset_box.setCurrentIndex(presets.index("small") + 1)
    form.preset_box.activated.emit(presets.index("small") + 1)
    assert form.config() == GRID.preset("small") and form.fields["walkers"].value() == 4
    form.set_value("walkers", 20_000)  # beyond the declared bound: marked, not clamped
    assert form.config() is None and form.fields["walkers"].problem
    assert not form.is_valid
    pick(qtbot, form, "toy_wealth")
    assert set(form.fields) == set(WEALTH.parameters.model_fields) and form.is_valid
    pick(qtbot, form, "foraging")
    assert "agent_parameters.SystemAgent.share_weight" in form.fields and form.is_valid


def test_yaml_round_trip_records_the_model_and_loading_switches_it(qtbot, toys, tmp_path):
    form = ConfigForm()
    qtbot.addWidget(form)
    pick(qtbot, form, "toy_grid")
    form.set_value("walkers", 33)
    target = tmp_path / "grid.yaml"
    assert form.save_file(str(target))
    data = yaml.safe_load(target.read_text())
    assert next(iter(data)) == "model" and data["model"] == "toy_grid" and data["walkers"] == 33
    saved = form.config()
    pick(qtbot, form, "foraging")
    form.load_file(str(target))
    assert form.spec.name == "toy_grid" and form.config() == saved
    picker = form.findChild(QComboBox, "model_picker")
    assert picker.currentData() == "toy_grid"
    # the default model's files round-trip too, with and without the key
    pick(qtbot, form, "foraging")
    form.set_value("simulation_steps", 77)
    forage = tmp_path / "forage.yaml"
    assert form.save_file(str(forage))
    assert yaml.safe_load(forage.read_text())["model"] == "foraging"
    pick(qtbot, form, "toy_wealth")
    form.load_file(str(forage))
    assert form.spec.name == "foraging" and form.config().simulation_steps == 77


def test_a_file_of_a_model_not_installed_is_refused_with_its_name(qtbot, toys, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr("farm_gui.ui.widgets.config_form.show_warning",
                        lambda _w, title, text: shown.append(text))
    form = ConfigForm()
    qtbot.addWidget(form)
    bad = tmp_path / "other.yaml"
    bad.write_text("model: no_such_model\nseed: 3\n")
    form.load_file(str(bad))
    assert shown and "no_such_model" in shown[0] and form.spec.name == "foraging"
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("model: toy_grid\nwalkers: -4\n")
    form.load_file(str(wrong))
    assert "walkers" in shown[-1] and form.spec.name == "foraging"


def test_a_yes_no_parameter_is_a_check_box(qtbot, tmp_path):
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtWidgets import QCheckBox

    form = ConfigForm()
    qtbot.addWidget(form)
    form.show()
    pick(qtbot, form, "wolf_sheep")
    box = form.findChild(QCheckBox, "grass")
    assert box is not None and box.isChecked() and form.config().grass is True
    form.scroll.ensureWidgetVisible(box)
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))  # on the tick box
    assert form.config().grass is False and form.is_valid
    path = tmp_path / "no_grass.yaml"
    assert form.save_file(str(path))
    assert yaml.safe_load(path.read_text())["grass"] is False
    form.set_value("grass", True)
    assert box.isChecked() and form.config().grass is True


def test_parameter_groups_keep_the_declared_order(qtbot):
    """Groups the form does not know come in the order the model declares them, the same
    at every start (a set's order changed with the interpreter's string hashing)."""
    from PySide6.QtWidgets import QGroupBox

    form = ConfigForm()
    qtbot.addWidget(form)
    pick(qtbot, form, "wolf_sheep")
    titles = [box.title() for box in form.findChildren(QGroupBox)]
    assert titles == ["Run", "World", "Sheep", "Wolves"]
