"""The window on a laptop's screen (1366 x 768, and 1280 x 720): it fits, and what it
shows is not cut off. Its least size was 1489 x 813 (the analysis dock alone wanted
533 x 554, the world key would not wrap) and its first size 1400 x 900: the run table,
the status bar and the World dock's right edge were off the screen."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDockWidget

from farm_gui.core import registry

from .conftest import WAIT_MS

TITLE_BAR = 40  # what a window manager's frame takes of the screen's height


class Screen:
    """A screen of the given free area (the offscreen platform's is a nominal 800 x 600)."""

    def __init__(self, width: int, height: int):
        self.area = QRect(0, 0, width, height)

    def availableGeometry(self) -> QRect:  # noqa: N802 (Qt API)
        return self.area


def test_the_window_fits_a_1280_by_720_screen(qtbot, make_window):
    window = make_window()
    least = window.minimumSizeHint()
    assert least.width() <= 1280 and least.height() <= 720 - TITLE_BAR, least
    window.resize(least)
    qtbot.waitUntil(lambda: window.size() == least, timeout=WAIT_MS)
    for dock in window.findChildren(QDockWidget):  # every dock within the window
        if dock.isVisible():
            corner = dock.mapTo(window, dock.rect().bottomRight())
            assert corner.x() <= window.width() and corner.y() <= window.height(), dock.objectName()


def test_a_first_start_fits_the_screen(qtbot, make_window, monkeypatch):
    window = make_window()
    monkeypatch.setattr(QGuiApplication, "platformName", staticmethod(lambda: "xcb"))
    monkeypatch.setattr(window, "screen", lambda: Screen(1366, 728))  # 1366 x 768 with a panel
    size = window.first_size()
    assert size.width() <= 1366 and size.height() <= 728 - TITLE_BAR
    assert size.width() >= 1300  # the room there is, not the least
    monkeypatch.setattr(window, "screen", lambda: Screen(2560, 1400))
    assert window.first_size() == QSize(1400, 900)  # a large screen: the usual size


def test_every_models_form_shows_its_fields_whole_in_the_narrowest_dock(qtbot, make_window):
    window = make_window()
    form = window.config_form
    dock = window.docks["parameters"]
    for name in registry.models():
        form.set_model(name)
        window.resizeDocks([dock], [dock.minimumSizeHint().width()], Qt.Orientation.Horizontal)
        qtbot.waitUntil(lambda: dock.width() <= dock.minimumSizeHint().width() + 1, timeout=WAIT_MS)
        viewport = form.scroll.viewport()
        for path, editor in form.fields.items():
            right = editor.mapTo(viewport, editor.rect().topRight()).x()
            assert right <= viewport.width(), f"{name}: {path} is cut off ({right} > {viewport.width()})"


def test_the_analysis_dock_on_a_laptop_needs_no_sideways_scrolling(qtbot, make_window):
    from PySide6.QtWidgets import QScrollArea

    window = make_window()
    window.resize(1280, 680)
    window.docks["analysis"].raise_()
    window.resizeDocks([window.docks["analysis"]], [420], Qt.Orientation.Horizontal)
    panel = window.analysis_panel
    scroll = panel.findChild(QScrollArea, "analysis_scroll")
    qtbot.waitUntil(lambda: 0 < panel.width() <= 440, timeout=WAIT_MS)
    qtbot.wait(50)
    assert not scroll.horizontalScrollBar().isVisible()  # the buttons, counts and filters fit
    counts = panel.counts_label
    qtbot.waitUntil(lambda: "free slots" in counts.text(), timeout=WAIT_MS)
    qtbot.wait(50)
    right = counts.mapTo(scroll.viewport(), counts.rect().topRight()).x()
    assert right <= scroll.viewport().width()
    # one line (beside the buttons it wrapped to three: "0 running · 0 / queued · 4 free / slots")
    assert counts.height() < 2 * counts.fontMetrics().lineSpacing()


def test_charts_hidden_and_shown_again_get_their_room_back(qtbot, make_window):
    """View > Charts off gave the charts' room to the side docks, which kept it when the
    charts came back: they returned ~200 px wide between a wide form and the world."""
    from PySide6.QtGui import QAction

    window = make_window()
    window.resize(1400, 900)
    qtbot.waitUntil(lambda: window.charts.width() > 500, timeout=WAIT_MS)
    qtbot.wait(50)
    before = window.charts.width()
    toggle = window.findChild(QAction, "action_show_charts")
    toggle.trigger()
    qtbot.waitUntil(lambda: not window.charts.isVisible(), timeout=WAIT_MS)
    qtbot.wait(50)
    toggle.trigger()
    qtbot.waitUntil(lambda: window.charts.isVisible(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: abs(window.charts.width() - before) <= 20, timeout=WAIT_MS)
