"""Light and dark appearance for the widgets, the charts and the icons.

The colours are in ``resources/themes/colors.yaml`` and the style sheet of each theme in
``resources/themes/<light|dark>.qss`` (applied to the run toolbar only: an application-wide
style sheet would put every widget through Qt's slower style-sheet style).
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from farm_gui import resources

LEGEND_ALPHA = 215  # of 255: the curves under a legend show through faintly


def _theme(dark: bool) -> dict:
    return resources.theme_colors()["dark" if dark else "light"]


def chart_colors(dark: bool) -> tuple[str, str]:
    chart = _theme(dark)["chart"]
    return chart["background"], chart["foreground"]


def dark_palette() -> QPalette:
    theme = _theme(True)
    p = QPalette()
    for role_name, color in theme.get("palette", {}).items():
        p.setColor(getattr(QPalette.ColorRole, role_name), QColor(color))
    for role_name, color in theme.get("disabled", {}).items():
        p.setColor(QPalette.ColorGroup.Disabled, getattr(QPalette.ColorRole, role_name), QColor(color))
    return p


def apply_theme(dark: bool, plots: list[pg.PlotWidget]) -> None:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        app.setStyle("Fusion")
        app.setPalette(dark_palette() if dark else app.style().standardPalette())
    background, foreground = chart_colors(dark)
    for widget in plots:
        widget.setBackground(background)
        plot = widget.getPlotItem()
        for name in ("left", "bottom", "right"):
            axis = plot.getAxis(name)
            axis.setPen(foreground)
            axis.setTextPen(foreground)
        plot.titleLabel.setText(plot.titleLabel.text, color=foreground)
        if plot.legend is not None:
            # A legend sits on the curves: a backing of the chart's colour keeps it readable.
            backing = QColor(background)
            backing.setAlpha(LEGEND_ALPHA)
            plot.legend.setBrush(backing)
            plot.legend.setLabelTextColor(foreground)


def style_sheet(dark: bool) -> str:
    return resources.style_sheet("dark" if dark else "light")


def all_plots(root: QWidget) -> list[pg.PlotWidget]:
    return root.findChildren(pg.PlotWidget)
