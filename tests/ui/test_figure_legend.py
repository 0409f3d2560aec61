"""A figure's legend goes to the corner of its plot where it hides the least of the
curves (a figure for a paper must not cover its data)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QRectF, Qt

from farm_gui.display.legend_place import CORNERS, emptiest_corner
from farm_gui.ui.plots.figure_export import FigureOptions, FigureScene, Panel, Series


def test_the_emptiest_corner_of_points_and_of_lines_between_them():
    falling = (np.array([0.0, 1.0]), np.array([1.0, 0.0]))  # through the upper left and the lower right
    assert emptiest_corner([falling], (0.3, 0.2)) == "upper right"
    rising = (np.array([0.0, 1.0]), np.array([0.0, 1.0]))
    assert emptiest_corner([rising], (0.3, 0.2)) == "upper left"
    assert emptiest_corner([falling, rising], (0.3, 0.2)) == "upper left"  # all taken: the first of the least
    high = (np.linspace(0, 1, 50), np.full(50, 0.95))  # a plateau along the top
    assert emptiest_corner([high], (0.3, 0.2)) == "lower left"
    with_gaps = (np.array([0.0, 0.5, np.nan, 1.0]), np.array([0.9, np.nan, 0.5, 0.95]))
    assert emptiest_corner([with_gaps], (0.3, 0.2)) in CORNERS
    nothing = (np.array([0.0, 1.0]), np.array([np.nan, np.nan]))  # a curve with no finite value
    assert emptiest_corner([nothing, (np.array([0.5]), np.array([0.5]))], (0.3, 0.2)) == "upper left"


def panel(values: np.ndarray) -> Panel:
    steps = np.arange(len(values), dtype=float)
    series = [Series("happy agents", "#2ca02c", Qt.PenStyle.SolidLine, False, steps, values),
              Series("agents moved", "#d62728", Qt.PenStyle.SolidLine, False, steps, values[::-1] / 10)]
    return Panel("Happy agents and moves", "agents", None, (0.0, len(values) - 1.0),
                 (0.0, float(values.max()) * 1.05), None, False, series)


# the first curve, and the second one (a tenth of the first, reversed) low along the bottom
@pytest.mark.parametrize("values, corner", [
    (np.linspace(330, 10, 8), "upper right"),  # falling from the upper left
    (np.linspace(10, 330, 8), "upper left"),  # rising to the upper right
])
def test_the_figure_puts_its_legend_clear_of_the_curves(qtbot, values, corner):
    scene = FigureScene([panel(values)], FigureOptions())
    try:
        legend = scene.plots[0].legend
        view = scene.plots[0].vb
        assert legend.corner == corner
        box = legend.mapRectToItem(view, legend.boundingRect())
        inside = QRectF(0, 0, view.width(), view.height())
        assert inside.contains(box), (box, inside)
        for curve in scene.curves[0]:  # no point of a curve under the legend
            x, y = curve.getData()
            dense = np.linspace(x[0], x[-1], 400)  # along the lines, not only at their points
            along = np.interp(dense, x, y)
            mapped = [view.mapFromView(QPointF(a, b)) for a, b in zip(dense, along, strict=True)]
            assert not any(box.contains(p) for p in mapped), (curve, legend.corner)
    finally:
        scene.close()
