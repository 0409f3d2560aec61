"""Chart exports are exact: rendered back (PNG as it is, SVG with QSvgRenderer, PDF with
pdftoppm), a known data point lands where the axes say, and the axes' tick labels and the
legend sit and measure as in the window."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog

from farm_gui.display.series import RunSeries, StoredSeries

from .conftest import WAIT_MS
from .figure_probe import curve_centre, ink_runs, render_pdf, render_svg, to_array, view_point

N = 200
PLATEAU = 1000.0
TOTAL = "#7f7f7f"


def known_metrics() -> dict[str, np.ndarray]:
    steps = np.arange(N, dtype=float)
    alive = np.full(N, PLATEAU)
    alive[:50] = np.linspace(30, PLATEAU, 50)
    return {"step": steps, "alive": alive, "alive_system": alive / 2, "alive_independent": alive / 4,
            "alive_control": alive / 4, "resources_in_nodes": 2 * steps,
            "mean_agent_resources": 20 - steps / 10, "births": steps % 5, "deaths": steps % 3,
            "mean_health": steps / 200}


@pytest.fixture
def shown(qtbot, make_window):
    """A window whose charts show known data, settled (all of it in view)."""
    window = make_window()
    window.charts.bind([RunSeries(1, "known", StoredSeries(known_metrics()))])
    for chart in window.charts.charts:
        qtbot.waitUntil(lambda c=chart: c.curves and c.data(c.curves[0].label) is not None
                        and len(c.data(c.curves[0].label)[0]) == N
                        and c.getPlotItem().vb.viewRange()[0] == [0.0, N - 1.0], timeout=WAIT_MS)
    qtbot.wait(50)
    # The hover read-out's line is over the chart: it must not go into the file.
    chart = window.charts.population
    chart.hover_line.setValue(120)
    chart.hover_line.setVisible(True)
    return window


def export(qtbot, window, monkeypatch, tmp_path, fmt: str, chart=None):
    chart = chart or window.charts.population
    window.chart_tracker.chart = chart
    typed = tmp_path / f"figure_{chart.objectName()}"  # no suffix typed: the action adds it
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(typed), ""))
    getattr(window.actions, f"export_{fmt}").trigger()
    path = typed.with_suffix(f".{fmt}")
    qtbot.waitUntil(path.is_file, timeout=WAIT_MS)
    return path


def rendered(path, fmt: str, chart, tmp_path) -> tuple[np.ndarray, float]:
    """The exported picture as pixels and its scale to the window's pixels."""
    rect = chart.getPlotItem().sceneBoundingRect()
    if fmt == "png":
        image = QImage(str(path))
    elif fmt == "svg":
        image = render_svg(path, QSize(round(rect.width()), round(rect.height())))
    else:
        image = render_pdf(path, chart.logicalDpiX(), tmp_path / "page")
    assert not image.isNull()
    scale = image.width() / rect.width()
    assert abs(image.height() / rect.height() - scale) < 0.02, "the picture keeps the chart's proportions"
    return to_array(image), scale


def vertical_scale(pixels: np.ndarray, chart) -> float:
    """Rows of the picture per window pixel (a PDF page is whole points, so its height
    may be scaled a fraction of a point differently from its width)."""
    return pixels.shape[0] / chart.getPlotItem().sceneBoundingRect().height()


def legend_rect(chart):
    """The legend's box in the chart's plot coordinates (those of view_point)."""
    origin = chart.getPlotItem().sceneBoundingRect().topLeft()
    return chart.legend.sceneBoundingRect().translated(-origin)


def screen(chart) -> np.ndarray:
    rect = chart.getPlotItem().sceneBoundingRect()
    origin = chart.mapFromScene(rect.topLeft())
    return to_array(chart.grab().toImage().copy(origin.x(), origin.y(), round(rect.width()),
                                                round(rect.height())))


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_known_points_land_at_their_ticks(qtbot, shown, monkeypatch, tmp_path, fmt):
    window = shown
    chart = window.charts.population
    path = export(qtbot, window, monkeypatch, tmp_path, fmt)
    pixels, scale = rendered(path, fmt, chart, tmp_path)
    alive = known_metrics()["alive"]
    legend = legend_rect(chart)
    checked = 0
    for step in (150.0, 10.0, 25.0, 40.0, 190.0):
        x, _ = view_point(chart, step, 0)
        column = int(x * scale)
        # the data at the centre of that pixel column, and where the axes put it
        at = step + ((column + 0.5) / scale - x) / (view_point(chart, step + 1, 0)[0] - x)
        value = float(np.interp(at, np.arange(N), alive))
        _, y = view_point(chart, at, value)
        if legend.adjusted(-2, -2, 2, 2).contains(x, y):
            continue  # under the legend's backing the curve shows only faintly
        checked += 1
        y_scale = vertical_scale(pixels, chart)
        found = curve_centre(pixels, column, TOTAL, y * y_scale, window=20 * y_scale)
        assert found is not None, f"no curve near step {step} in the {fmt.upper()}"
        row = (found + 0.5) / y_scale
        # Where the curve is steep, a pixel column holds a stretch of it: its ink's centre may
        # sit up to half a column's rise away from the value at the column's centre.
        px_per_step = view_point(chart, step + 1, 0)[0] - x
        rise = abs(view_point(chart, at + 0.5 / px_per_step, float(np.interp(at + 0.5 / px_per_step,
                                                                            np.arange(N), alive)))[1] - y)
        assert abs(row - y) <= 1.5 + rise, f"{fmt}: value {value:.1f} at step {at:.2f} drawn at row " \
                                           f"{row:.1f}, the axis puts it at {y:.1f}"
    assert checked >= 3, "the legend hid the points to check"
    # The hover line (x = 120) is not in the file: the plateau's row is the only grey there.
    x120, y_top = view_point(chart, 120, PLATEAU * 1.04)
    _, y_bottom = view_point(chart, 120, 0)
    column = pixels[round(y_top * scale): round(y_bottom * scale), round(x120 * scale)]
    grey = (np.abs(column.astype(int) - [0x99, 0x99, 0x99]).sum(axis=1) < 40).sum()
    assert grey <= 3 * scale, "the hover line was baked into the export"


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_tick_labels_and_legend_as_in_the_window(qtbot, shown, monkeypatch, tmp_path, fmt):
    window = shown
    chart = window.charts.population
    path = export(qtbot, window, monkeypatch, tmp_path, fmt)
    pixels, scale = rendered(path, fmt, chart, tmp_path)
    on_screen = screen(chart)
    plot = chart.getPlotItem()
    origin = plot.sceneBoundingRect().topLeft()
    view = plot.vb.sceneBoundingRect().translated(-origin)
    axis = plot.getAxis("left").sceneBoundingRect().translated(-origin)
    background = on_screen[2, 2]
    # Tick labels: the column of the left axis between its title and its line.
    label_x0, label_x1 = round(axis.left() + 18), round(axis.right() - 8)
    y0, y1 = round(view.top()), round(view.bottom())
    expected = ink_runs(on_screen, label_x0, label_x1, y0, y1, background)
    assert len(expected) >= 4
    got = ink_runs(pixels, round(label_x0 * scale), round(label_x1 * scale), round(y0 * scale),
                   round(y1 * scale), pixels[2, 2])
    got = [(a / scale, b / scale) for a, b in got]
    assert len(got) == len(expected), (fmt, got, expected)
    for (a, b), (c, d) in zip(got, expected, strict=True):
        # pdftoppm's anti-aliased text edges can add a row above or below a label.
        centre_tolerance = 2.0 if fmt == "pdf" else 1.5
        assert abs((a + b) / 2 - (c + d) / 2) <= centre_tolerance, \
            f"{fmt}: tick label at {a:.1f}-{b:.1f}, window {c}-{d}"
        assert abs((b - a) - (d - c)) <= 2, f"{fmt}: tick label {b - a:.1f} px high, window {d - c}"
    # Legend: each label's text sits and measures as in the window.
    assert len(chart.legend.items) == len(chart.curves)
    for _sample, label in chart.legend.items:
        box = label.sceneBoundingRect().translated(-origin)
        x0, x1, y0, y1 = round(box.left()), round(box.right()), round(box.top()), round(box.bottom())
        expected_text = ink_runs(on_screen, x0, x1, y0, y1, background, threshold=120)
        got_text = [(a / scale, b / scale) for a, b in ink_runs(
            pixels, round(x0 * scale), round(x1 * scale), round(y0 * scale), round(y1 * scale), pixels[2, 2],
            threshold=120)]
        assert expected_text and got_text, (fmt, label.text)
        # the line of text (antialiasing may leave a faint row of the next label in the box)
        (a, b), (c, d) = (max(runs, key=lambda r: r[1] - r[0]) for runs in (got_text, expected_text))
        # (poppler draws glyphs unhinted: their antialiased edges may add a row above and below)
        assert abs((a + b) / 2 - (c + d) / 2) <= 1.5 and abs((b - a) - (d - c)) <= 2, (fmt, a, b, c, d)


def test_right_axis_curve_is_exact_in_svg(qtbot, shown, monkeypatch, tmp_path):
    window = shown
    chart = window.charts.resources
    path = export(qtbot, window, monkeypatch, tmp_path, "svg", chart)
    pixels, scale = rendered(path, "svg", chart, tmp_path)
    for step in (70.0, 160.0):  # clear of the legend
        x, y = view_point(chart, step, 20 - step / 10, right=True)
        found = curve_centre(pixels, round(x * scale), "#ff7f0e", y * scale)
        assert found is not None and abs(found / scale - y) <= 1.5, (step, found, y)
