"""The application icon and the toolbar / menu icons.

The action icons are one set of SVGs drawn in ``currentColor`` (resources/icons/actions);
they are recoloured for the theme when loaded: the normal and disabled colours
come from ``resources/themes/colors.yaml``. Each icon is rendered to pixmaps at the
sizes menus and toolbars use (times the screen's pixel ratio), so no SVG icon-engine
plugin is needed. Rendering the set for one theme took 110-140 ms on the loaded test machine
(it is done once per theme and kept).
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QImage, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from farm_gui import resources

ICON_SIZES = (16, 24)  # menus, toolbar (Fusion); other sizes are scaled from these

# Action objectName suffix (action_<name>) -> icon file in resources/icons/actions.
ACTION_ICONS = {
    "new_run": "new_run",
    "open_workspace": "open_workspace",
    "new_workspace": "workspace",
    "start": "start",
    "pause": "pause",
    "resume": "resume",
    "step": "step",
    "stop": "stop",
    "export_csv": "export",
    "quit": "quit",
    "theme_dark": "theme",
    "about": "about",
    "shortcuts": "shortcuts",
    "examples": "examples",
}


@cache
def app_icon() -> QIcon:
    """Farm GUI's icon: the PNG sizes rendered from the SVG, plus the SVG for other sizes."""
    icon = QIcon()
    for size in resources.APP_ICON_SIZES:
        icon.addFile(str(resources.app_icon_png(size)), QSize(size, size))
    return icon


def app_pixmap(size: int) -> QPixmap:
    return app_icon().pixmap(size, size)


def _render(renderer: QSvgRenderer, size: int, ratio: float) -> QPixmap:
    side = round(size * ratio)
    image = QImage(side, side, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    pixmap = QPixmap.fromImage(image)
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


@cache
def action_icon(name: str, dark: bool) -> QIcon:
    """The icon ``name`` (a file stem in resources/icons/actions) in the theme's colours."""
    colors = resources.theme_colors()["dark" if dark else "light"]["icon"]
    source = resources.action_icon_svg(name)
    ratio = max(1.0, QGuiApplication.primaryScreen().devicePixelRatio()) if QGuiApplication.primaryScreen() \
        else 1.0
    icon = QIcon()
    for mode, key in ((QIcon.Mode.Normal, "normal"), (QIcon.Mode.Disabled, "disabled")):
        renderer = QSvgRenderer(QByteArray(source.replace("currentColor", colors[key]).encode()))
        for size in ICON_SIZES:
            icon.addPixmap(_render(renderer, size, ratio), mode)
    return icon


def apply_action_icons(window, dark: bool) -> None:
    """Give the window's actions (found by objectName) their icons in the theme's colours."""
    from PySide6.QtGui import QAction

    for action in window.findChildren(QAction):
        name = ACTION_ICONS.get(action.objectName().removeprefix("action_"))
        if name is not None:
            action.setIcon(action_icon(name, dark))
    recent = getattr(getattr(window, "actions", None), "recent_menu", None)
    if recent is not None:
        recent.setIcon(action_icon("recent", dark))
