"""Light and dark appearance for the widgets and the charts."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

CHART_COLORS = {False: ("#ffffff", "#303030"), True: ("#1e1e1e", "#d0d0d0")}


def dark_palette() -> QPalette:
    p = QPalette()
    base, window, text = QColor("#232323"), QColor("#2d2d2d"), QColor("#e0e0e0")
    for role, color in (
        (QPalette.ColorRole.Window, window),
        (QPalette.ColorRole.WindowText, text),
        (QPalette.ColorRole.Base, base),
        (QPalette.ColorRole.AlternateBase, QColor("#2a2a2a")),
        (QPalette.ColorRole.ToolTipBase, QColor("#3a3a3a")),
        (QPalette.ColorRole.ToolTipText, text),
        (QPalette.ColorRole.Text, text),
        (QPalette.ColorRole.Button, window),
        (QPalette.ColorRole.ButtonText, text),
        (QPalette.ColorRole.Highlight, QColor("#2f65ca")),
        (QPalette.ColorRole.HighlightedText, QColor("#ffffff")),
        (QPalette.ColorRole.PlaceholderText, QColor("#8a8a8a")),
    ):
        p.setColor(role, color)
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#777777"))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#777777"))
    return p


def apply_theme(dark: bool, plots: list[pg.PlotWidget]) -> None:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        app.setStyle("Fusion")
        app.setPalette(dark_palette() if dark else app.style().standardPalette())
    background, foreground = CHART_COLORS[dark]
    for widget in plots:
        widget.setBackground(background)
        plot = widget.getPlotItem()
        for name in ("left", "bottom", "right"):
            axis = plot.getAxis(name)
            axis.setPen(foreground)
            axis.setTextPen(foreground)
        plot.titleLabel.setText(plot.titleLabel.text, color=foreground)


def all_plots(root: QWidget) -> list[pg.PlotWidget]:
    return root.findChildren(pg.PlotWidget)
