"""Render the application icon's PNG sizes from its SVG (resources/icons/app/).

    QT_QPA_PLATFORM=offscreen python scripts/render_icons.py

Run it after editing farm-gui.svg; the PNGs are committed (desktops and the packaged
build use them as they are)."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from farm_gui import resources  # noqa: E402


def render(svg: Path, size: int, out: Path) -> None:
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    if not image.save(str(out), "PNG"):
        raise SystemExit(f"cannot write {out}")


def main() -> int:
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    svg = resources.app_icon_svg()
    for size in resources.APP_ICON_SIZES:
        out = svg.with_name(f"farm-gui-{size}.png")
        render(svg, size, out)
        print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
