"""Each chart's and the world view's context menu: Export as PNG / SVG / PDF, Figure...,
Copy to Clipboard, in place of pyqtgraph's Export... dialog (whose SVG exporter fails
on what Qt 6.11 writes and whose pictures were not exact). Also which chart is the
"current" one for the File menu's chart exports and Ctrl+Shift+C: the one last
clicked, hovered or right-clicked (the first chart until then). The charts panel rebuilds
its charts for another model's runs; ``rewire`` gives the new charts the same."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from farm_gui.ui.plots.chart_render import FORMATS
from farm_gui.ui.widgets import save_folder

if TYPE_CHECKING:
    from farm_gui.ui.main_window import MainWindow

LOG_X_TIP = "Steps are shown on a linear axis; Log Y is available"


class _CurrentChart(QObject):
    """Remembers the chart the user last pointed at or clicked."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window
        self.chart = window.charts.charts[0] if window.charts.charts else None

    def watch(self, chart) -> None:
        chart.pointed_at.connect(self._on_pointed_at)

    def _on_pointed_at(self, chart) -> None:
        self.chart = chart


def _chart_menu(window: MainWindow, chart, parent) -> QMenu:
    menu = QMenu("Export", parent)
    menu.setObjectName(f"{chart.objectName()}_export_menu")
    for fmt in FORMATS:
        act = menu.addAction(f"As {fmt.upper()}...")
        act.setObjectName(f"{chart.objectName()}_export_{fmt}")
        act.triggered.connect(lambda _=False, f=fmt, c=chart: window.exports.export_chart(f, c))
    menu.addSeparator()
    figure = menu.addAction("Figure...")
    figure.setObjectName(f"{chart.objectName()}_export_figure")
    figure.triggered.connect(lambda _=False, c=chart: window.exports.open_figure_dialog([c]))
    menu.addSeparator()
    every = menu.addMenu("All Charts")
    for fmt in FORMATS:
        act = every.addAction(f"As {fmt.upper()}...")
        act.triggered.connect(lambda _=False, f=fmt: window.exports.export_all_charts(f))
    return menu


def _world_menu(window: MainWindow, parent) -> QMenu:
    menu = QMenu("Export", parent)
    menu.setObjectName("world_export_menu")
    for fmt in FORMATS:
        act = menu.addAction(f"As {fmt.upper()}...")
        act.setObjectName(f"world_export_{fmt}")
        act.triggered.connect(lambda _=False, f=fmt: window.exports.export_world(f))
    return menu


def install(window: MainWindow) -> _CurrentChart:
    """Give every chart and the world plot their export menus; returns the tracker of
    the current chart."""
    current = _CurrentChart(window)
    _install_charts(window, current)
    world_scene = window.world_view.plot.scene()
    world_scene.contextMenu = [_world_menu(window, window.world_view)]
    return current


def _install_charts(window: MainWindow, current: _CurrentChart) -> None:
    for chart in window.charts.charts:
        current.watch(chart)
        scene = chart.scene()
        copy = QAction("Copy to Clipboard", scene)
        copy.setObjectName(f"{chart.objectName()}_copy")
        copy.setShortcut("Ctrl+Shift+C")
        copy.triggered.connect(lambda _=False, c=chart: window.exports.copy_chart(c))
        # pyqtgraph adds these to every item's context menu (its own list held "Export...")
        scene.contextMenu = [_chart_menu(window, chart, chart), copy]
        ctrl = chart.getPlotItem().ctrl
        ctrl.logXCheck.setChecked(False)
        ctrl.logXCheck.setEnabled(False)
        ctrl.logXCheck.setToolTip(LOG_X_TIP)


def rewire(window: MainWindow) -> None:
    """After the charts panel built another model's charts: their menus, the theme, and
    the current chart (the first, if the one remembered is gone)."""
    from farm_gui.ui.widgets.theme import apply_theme

    current = window.chart_tracker
    _install_charts(window, current)
    if current.chart not in window.charts.charts:
        current.chart = window.charts.charts[0] if window.charts.charts else None
    apply_theme(window.settings.dark(), list(window.charts.charts))


def install_other_plots(window: MainWindow) -> None:
    """Every other plot of the window (the analysis results') gets Export as PNG / SVG /
    PDF in place of pyqtgraph's Export... (whose SVG writes nothing on Qt 6.11)."""
    import pyqtgraph as pg

    from farm_gui.ui.plots import chart_export
    from farm_gui.ui.plots.chart_render import FILTERS, with_suffix

    own = {*window.charts.charts, window.world_view.plot}
    plots = list(window.findChildren(pg.PlotWidget))
    results = getattr(getattr(window, "analysis_panel", None), "results", None)
    if isinstance(getattr(results, "plot", None), pg.PlotWidget):  # in a tab shown only with a result
        plots.append(results.plot)
    for widget in dict.fromkeys(plots):
        if widget in own:
            continue
        menu = QMenu("Export", widget)

        def export(fmt: str, w=widget) -> None:
            path, _ = save_folder.save_file_name(window, f"Export plot as {fmt.upper()}", f"plot.{fmt}",
                                                 FILTERS[fmt])
            if path:
                window.exports.write_picture(lambda p: chart_export.write_plot(w, p, fmt),
                                             with_suffix(path, fmt), "Plot")

        for fmt in FORMATS:
            act = menu.addAction(f"As {fmt.upper()}...")
            act.triggered.connect(lambda _=False, f=fmt: export(f))
        widget.scene().contextMenu = [menu]
