"""The application's own look: its icon on the window, About and Open Recent; one set of
toolbar icons drawn in the theme's colours; Help > Examples; .farmws workspaces."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor, QImage
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from farm_gui import resources
from farm_gui.config import load_yaml
from tests.ui.conftest import WAIT_MS

RUN_CONTROLS = ("start", "pause", "resume", "step", "stop")


def drawn_in(icon, expected: str, mode=None) -> bool:
    """Whether the icon's 24-pixel picture has opaque pixels and all of them are of the
    colour ``expected`` (within premultiplied-alpha rounding)."""
    pixmap = icon.pixmap(24, 24) if mode is None else icon.pixmap(24, 24, mode)
    image = pixmap.toImage().convertToFormat(QImage.Format.Format_ARGB32)
    want = QColor(expected)
    opaque = 0
    for y in range(image.height()):
        for x in range(image.width()):
            color = QColor.fromRgba(image.pixel(x, y))
            if color.alpha() == 255:
                opaque += 1
                if max(abs(color.red() - want.red()), abs(color.green() - want.green()),
                       abs(color.blue() - want.blue())) > 2:
                    return False
    return opaque > 0


def test_window_and_dialogs_carry_the_application_icon(qtbot, make_window):
    window = make_window()
    assert not window.windowIcon().isNull()
    assert not QApplication.windowIcon().isNull()
    sizes = {(s.width(), s.height()) for s in window.windowIcon().availableSizes()}
    assert {(16, 16), (48, 48), (256, 256)} <= sizes
    window.actions.about.trigger()
    box = window.findChild(QMessageBox, "about_box")
    assert box is not None and box.isVisible()
    assert box.iconPixmap().width() >= 48
    assert not box.windowIcon().isNull()
    box.close()


def test_toolbar_icons_are_ours_in_the_themes_colours(qtbot, make_window):
    window = make_window()
    window.actions.theme_dark.setChecked(False)
    light = resources.theme_colors()["light"]["icon"]["normal"]
    dark = resources.theme_colors()["dark"]["icon"]["normal"]
    toolbar = set(window.toolbar.actions())
    for name in RUN_CONTROLS:
        action = window.findChild(QAction, f"action_{name}")
        assert action in toolbar and not action.icon().isNull()
        assert drawn_in(action.icon(), light), name
    window.actions.theme_dark.setChecked(True)
    for name in RUN_CONTROLS:
        assert drawn_in(window.findChild(QAction, f"action_{name}").icon(), dark), name
    # a greyed-out control is drawn in the theme's disabled colour
    disabled = resources.theme_colors()["dark"]["icon"]["disabled"]
    from PySide6.QtGui import QIcon

    assert drawn_in(window.actions.stop.icon(), disabled, QIcon.Mode.Disabled)
    window.actions.theme_dark.setChecked(False)


def test_open_recent_shows_the_icon_and_farmws_is_offered(qtbot, make_window, tmp_path, monkeypatch):
    window = make_window()
    filters = []
    target = tmp_path / "second.farmws"
    target.touch()  # an existing (empty) file opens without asking

    def fake_open(_parent, _title, _dir, file_filter, *args):
        filters.append(file_filter)
        return str(target), file_filter.split(";;")[0]

    monkeypatch.setattr(QFileDialog, "getOpenFileName", fake_open)
    window.actions.open_workspace.trigger()
    assert "*.farmws" in filters[0] and "*.db" in filters[0]
    qtbot.waitUntil(lambda: window.store is not None and window.store.url == str(target), timeout=WAIT_MS)
    entries = window.actions.recent_menu.actions()
    assert entries[0].text() == str(target)
    assert all(not e.icon().isNull() for e in entries)
    assert not window.actions.recent_menu.icon().isNull()


def test_help_examples_loads_an_example_into_the_form(qtbot, make_window):
    window = make_window()
    window.findChild(QAction, "action_examples").trigger()
    from farm_gui.ui.widgets.examples_dialog import ExamplesDialog

    dialog = window.findChild(ExamplesDialog, "examples_dialog")
    assert dialog is not None and dialog.isVisible()
    shown = [dialog.list.item(i).text() for i in range(dialog.list.count())]
    assert shown == [e.title for e in resources.examples()] and len(shown) >= 3
    row = shown.index("Cooperation against selfishness")
    dialog.list.setCurrentRow(row)
    assert "selfish" in dialog.description.text()
    qtbot.mouseClick(dialog.load_button, Qt.MouseButton.LeftButton)
    expected = load_yaml(resources.examples_folder() / "cooperation-vs-selfishness.yaml")
    qtbot.waitUntil(lambda: window.config_form.config() == expected, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog) or not dialog.isVisible(), timeout=WAIT_MS)


def test_an_example_of_another_model_picks_that_model_in_the_form(qtbot, make_window):
    window = make_window()
    window.findChild(QAction, "action_examples").trigger()
    from farm_gui.ui.widgets.examples_dialog import ExamplesDialog

    dialog = window.findChild(ExamplesDialog, "examples_dialog")
    shown = [dialog.list.item(i).text() for i in range(dialog.list.count())]
    dialog.list.setCurrentRow(shown.index("Wolf-sheep: lasting predator-prey cycles"))
    qtbot.mouseClick(dialog.load_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.config_form.spec.name == "wolf_sheep", timeout=WAIT_MS)
    params = window.config_form.config()
    assert (params.width, params.height, params.initial_sheep, params.initial_wolves, params.seed) == (
        50, 50, 200, 50, 3)
    assert window.config_form.model_picker.currentData() == "wolf_sheep"


def test_preset_list_comes_from_the_yaml_files(make_window):
    window = make_window()
    box = window.config_form.preset_box
    assert [box.itemText(i) for i in range(1, box.count())] == list(resources.preset_names())


def test_new_workspace_creates_a_farmws_file(qtbot, make_window, tmp_path, monkeypatch):
    window = make_window()
    asked = []

    def fake_save(_parent, _title, name, file_filter, *args, **kwargs):
        asked.append((name, file_filter))
        return str(tmp_path / "fresh"), file_filter.split(";;")[0]  # no suffix typed

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake_save)
    window.findChild(QAction, "action_new_workspace").trigger()
    assert asked[0][0].endswith(".farmws") and "*.farmws" in asked[0][1]
    target = tmp_path / "fresh.farmws"
    qtbot.waitUntil(lambda: window.store is not None and window.store.url == str(target), timeout=WAIT_MS)
    assert target.is_file() and window.run_table.table_model.rows == []
    assert window.workspace_label.text() == "Workspace: fresh.farmws"


def test_chart_legends_have_a_backing_of_the_themes_chart_colour(qtbot, make_window):
    """A legend sits on the curves: without a backing its labels were unreadable where a
    curve passed under them."""
    window = make_window()
    for dark in (True, False):
        window.actions.theme_dark.setChecked(dark)
        chart_colours = resources.theme_colors()["dark" if dark else "light"]["chart"]
        background, foreground = QColor(chart_colours["background"]), QColor(chart_colours["foreground"])
        for chart in window.charts.charts:
            legend = chart.getPlotItem().legend
            brush = legend.opts["brush"].color()
            assert brush.name() == background.name(), chart.objectName()
            assert 150 <= brush.alpha() < 255
            for _sample, label in legend.items:
                assert QColor(label.opts["color"]).name() == foreground.name(), label.text
        chart = window.charts.charts[0]
        picture = chart.grab().toImage()
        box = chart.mapFromScene(chart.getPlotItem().legend.sceneBoundingRect()).boundingRect()
        inside = picture.pixelColor(box.right() - 3, box.center().y())  # right of the labels
        assert abs(inside.lightness() - background.lightness()) < 40, (dark, inside.name())
