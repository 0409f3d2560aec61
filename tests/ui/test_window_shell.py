"""Menus, object names, help boxes, theme and remembered window state."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from farm_gui.app import create_main_window

from .conftest import WAIT_MS

CONTRACT_ACTIONS = ("new_run", "open_workspace", "start", "pause", "resume", "step", "stop", "export_csv",
                    "export_parquet", "export_json", "export_png", "export_svg", "export_config", "quit")
CONTRACT_WIDGETS = ("config_form", "run_table", "population_chart", "world_view", "step_slider")


def test_contract_object_names_and_menus(make_window):
    window = make_window()
    for name in CONTRACT_ACTIONS:
        assert isinstance(window.findChild(QAction, f"action_{name}"), QAction), name
    for name in CONTRACT_WIDGETS:
        assert window.findChild(QWidget, name) is not None, name
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert titles == ["File", "Run", "View", "Analysis", "Help"]
    shortcuts = {n: window.findChild(QAction, f"action_{n}").shortcut().toString()
                 for n in ("new_run", "open_workspace", "quit")}
    assert shortcuts == {"new_run": "Ctrl+N", "open_workspace": "Ctrl+O", "quit": "Ctrl+Q"}
    toolbar_actions = window.toolbar.actions()
    assert all(window.findChild(QAction, f"action_{n}") in toolbar_actions
               for n in ("start", "pause", "resume", "step", "stop"))
    # nothing selected: only Start (valid default form) is possible
    assert window.actions.start.isEnabled()
    assert not any(a.isEnabled() for a in (window.actions.pause, window.actions.resume,
                                           window.actions.step, window.actions.stop))


def test_help_boxes_do_not_block(qtbot, make_window):
    window = make_window()
    window.findChild(QAction, "action_about").trigger()
    window.findChild(QAction, "action_shortcuts").trigger()
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    texts = " ".join(b.text() for b in boxes)
    assert "Farm GUI" in texts and "Ctrl+N" in texts
    for box in boxes:
        box.close()


def test_panels_toggle_and_theme_and_state_are_remembered(qtbot, make_window, tmp_path):
    window = make_window()
    world_toggle = window.findChild(QAction, "action_show_world")
    world_toggle.trigger()
    assert not window.docks["world"].isVisible()
    window.actions.theme_dark.setChecked(True)
    assert window.charts.population.backgroundBrush().color().name() == "#1e1e1e"
    # the legends' names already shown turn light too (they stayed dark on the dark background)
    for chart in window.charts.charts:
        light = chart.legend.opts["labelTextColor"]
        assert light.lightness() > 128 and chart.legend.items
        assert all(light.name() in label.item.toHtml() for _sample, label in chart.legend.items)
    window.resize(1500, 850)
    window.config_form.set_value("seed", 4242)
    window.close()

    again = create_main_window(str(tmp_path / "work.db"))
    qtbot.addWidget(again)
    again.show()
    assert again.actions.theme_dark.isChecked()
    assert not again.docks["world"].isVisible()
    assert again.settings.geometry() is not None and again.settings.layout_state() is not None
    assert again.config_form.config().seed == 4242
    assert str(tmp_path / "work.db") in [a.text() for a in again.actions.recent_menu.actions()]
    again.actions.theme_dark.setChecked(False)


def test_each_model_s_parameters_are_kept_in_the_session_and_the_next_one(qtbot, make_window, tmp_path):
    """Picking a model again brings back its parameters as they were left, and a window
    opened later has the last model with its parameters (only the default model's were
    kept: a wolf-sheep form came back with its defaults)."""
    from PySide6.QtWidgets import QComboBox

    window = make_window()
    form = window.config_form
    picker = form.findChild(QComboBox, "model_picker")

    def pick(name: str) -> None:
        picker.setCurrentIndex(picker.findData(name))
        picker.activated.emit(picker.currentIndex())  # what a click on the item does
        qtbot.waitUntil(lambda: form.spec.name == name, timeout=WAIT_MS)

    form.set_value("seed", 77)
    pick("wolf_sheep")
    form.set_value("width", 33)
    form.set_value("initial_wolves", 12)
    pick("schelling")
    assert form.config().width == form.spec.parameters().width  # its own defaults
    form.set_value("homophily", 0.7)
    pick("wolf_sheep")
    assert (form.config().width, form.config().initial_wolves) == (33, 12)
    window.close()

    again = create_main_window(str(tmp_path / "work.db"))
    qtbot.addWidget(again)
    form = again.config_form
    picker = form.findChild(QComboBox, "model_picker")
    assert form.spec.name == "wolf_sheep" and (form.config().width, form.config().initial_wolves) == (33, 12)
    pick("schelling")
    assert form.config().homophily == 0.7
    pick("foraging")
    assert form.config().seed == 77


def test_settings_follow_a_redirected_location(qapp, tmp_path, monkeypatch):
    from PySide6.QtCore import QSettings

    from farm_gui.ui.settings import WindowSettings

    monkeypatch.delenv("FARM_GUI_SETTINGS")
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        where = tmp_path / fmt.name
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(where))
        settings = WindowSettings()
        settings.add_recent("/data/a.db")
        settings.sync()
        assert settings.qsettings.fileName().startswith(str(tmp_path))
        assert WindowSettings().recent_workspaces()[0] == "/data/a.db"
