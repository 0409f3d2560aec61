"""Measuring rendered charts: where a curve crosses a column, where text sits."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer


def to_array(image: QImage) -> np.ndarray:
    """(h, w, 3) uint8 RGB of an image."""
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h, bpl = image.width(), image.height(), image.bytesPerLine()
    data = np.frombuffer(image.constBits(), dtype=np.uint8, count=bpl * h).reshape(h, bpl)
    return data[:, : 3 * w].reshape(h, w, 3).copy()


def render_svg(path: Path, size: QSize) -> QImage:
    renderer = QSvgRenderer(str(path))
    assert renderer.isValid(), f"{path} is not a valid SVG"
    image = QImage(size, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    renderer.render(painter, QRectF(0, 0, size.width(), size.height()))
    painter.end()
    return image


def render_pdf(path: Path, dpi: float, out: Path) -> QImage:
    """Rasterise the PDF's first page with poppler's pdftoppm (Debian: poppler-utils)."""
    tool = shutil.which("pdftoppm")
    assert tool, "pdftoppm (poppler-utils) is needed to check PDF exports: apt-get install poppler-utils"
    subprocess.run([tool, "-png", "-r", f"{dpi:g}", "-singlefile", str(path), str(out)], check=True)
    image = QImage(str(out) + ".png")
    assert not image.isNull()
    return image


def curve_weights(pixels: np.ndarray, column: int, color: str, background=(255, 255, 255)) -> np.ndarray:
    """How much of ``color`` each row of ``column`` holds (0: background, 1: the colour),
    antialiased edges counted in part; pixels of other colours count 0."""
    c = QColor(color)
    target = np.array([c.red(), c.green(), c.blue()], dtype=float)
    bg = np.asarray(background, dtype=float)
    span = target - bg
    px = pixels[:, column, :].astype(float) - bg
    alpha = px @ span / float(span @ span)
    residual = np.abs(px - alpha[:, None] * span[None, :]).sum(axis=1)
    return np.where((alpha > 0.15) & (residual < 60), np.clip(alpha, 0, 1), 0.0)


def curve_centre(pixels: np.ndarray, column: int, color: str, near: float, window: float = 12,
                 background=(255, 255, 255)) -> float | None:
    """The centre (weighted by coverage) of the ``color`` pixels of ``column`` within
    ``window`` rows of ``near``."""
    weights = curve_weights(pixels, column, color, background)
    rows = np.arange(len(weights))
    weights = np.where(np.abs(rows - near) <= window, weights, 0.0)
    return float((rows * weights).sum() / weights.sum()) if weights.sum() > 0.3 else None


def ink_runs(pixels: np.ndarray, x0: int, x1: int, y0: int, y1: int, background, threshold: int = 120
             ) -> list[tuple[int, int]]:
    """(top, bottom) rows of each vertical run of rows with ink (pixels far from the
    background) between columns x0 and x1: the lines of text in a column of labels."""
    bg = np.array(background, dtype=int)
    region = pixels[y0:y1, x0:x1, :].astype(int)
    inked = (np.abs(region - bg).sum(axis=2) > threshold).any(axis=1)
    runs, start = [], None
    for i, on in enumerate(inked):
        if on and start is None:
            start = i
        elif not on and start is not None:
            runs.append((y0 + start, y0 + i - 1))
            start = None
    if start is not None:
        runs.append((y0 + start, y1 - 1))
    return runs


def view_point(chart, x: float, y: float, right: bool = False) -> tuple[float, float]:
    """Where the data point (x, y) is in the chart's plot rectangle (window pixels)."""
    view = chart.right_view if right else chart.getPlotItem().vb
    scene = view.mapViewToScene(QPointF(x, y))
    origin = chart.getPlotItem().sceneBoundingRect().topLeft()
    return scene.x() - origin.x(), scene.y() - origin.y()
