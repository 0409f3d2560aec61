"""Figures for papers: one or more charts as panels of one figure, at a size in cm or
inches, fonts in points, a light print style, an optional colour-blind-safe palette;
written as PNG (at a DPI), SVG or PDF, optionally with the data drawn (CSV) and a
matplotlib script that redraws the figure from it.

The figure is a scene of its own (pyqtgraph plot items laid out at the figure's size,
one scene pixel = 1/DPI inch of the screen's logical DPI, so that point sizes come out
at their physical size), built from what the charts show: their curves, step range,
y ranges and log mode. It is painted through ``chart_render`` like the window's charts.
"""

from __future__ import annotations

import csv
import json
import os
import pprint
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSizeF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter

from farm_gui.display.envelope import PeakPyramid
from farm_gui.display.legend_place import corner_offset, emptiest_corner, in_fractions, legend_box
from farm_gui.ui.plots.chart_render import figure_mode, render_to_file
from farm_gui.ui.widgets.theme import chart_colors

CM_PER_INCH = 2.54
# Okabe & Ito's palette, distinguishable with the common colour-vision deficiencies.
COLORBLIND = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#F0E442")
STYLES = {Qt.PenStyle.SolidLine: "-", Qt.PenStyle.DashLine: "--", Qt.PenStyle.DotLine: ":",
          Qt.PenStyle.DashDotLine: "-."}


@dataclass
class FigureOptions:
    width: float = 16.0
    height: float = 10.0
    unit: str = "cm"  # or "in"
    dpi: int = 300  # for PNG
    font_pt: float = 9.0
    line_pt: float = 1.0
    light: bool = True  # a print style whatever the window's theme
    title: bool = True
    legend: bool = True
    colorblind: bool = False
    data: bool = False  # also the CSV of the curves drawn and a matplotlib script

    def inches(self) -> tuple[float, float]:
        k = 1.0 / CM_PER_INCH if self.unit == "cm" else 1.0
        return self.width * k, self.height * k

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str | None) -> FigureOptions:
        try:
            data = json.loads(text) if text else {}
            known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
            return cls(**known)
        except (ValueError, TypeError):
            return cls()


@dataclass
class Series:
    label: str
    color: str
    style: Qt.PenStyle
    right: bool
    steps: np.ndarray  # the raw steps and values in the panel's step range
    values: np.ndarray


@dataclass
class Panel:
    title: str
    y_label: str
    right_label: str | None
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    right_range: tuple[float, float] | None
    log_y: bool
    series: list[Series] = field(default_factory=list)


def panel_of(chart) -> Panel:
    """What a live chart shows, with the raw data of its curves in its step range."""
    plot = chart.getPlotItem()
    (x0, x1), y_range = plot.vb.viewRange()
    log_y = bool(plot.ctrl.logYCheck.isChecked())
    right_label = right_range = None
    if chart.right_view is not None:
        right_label = plot.getAxis("right").labelText
        right_range = tuple(chart.right_view.viewRange()[1])
    panel = Panel(plot.titleLabel.text, plot.getAxis("left").labelText, right_label, (x0, x1), tuple(y_range),
                  right_range, log_y)
    for curve in chart.curves:
        snap = curve.run.source.snapshot()
        values = snap.get(curve.metric)
        if values is None or snap.length == 0:
            continue
        steps = snap["step"] if "step" in snap.names else np.arange(snap.length, dtype=float)
        keep = (steps >= np.floor(x0)) & (steps <= np.ceil(x1))
        _label, color, _right, style = curve.look
        x, y = np.asarray(steps[keep], dtype=float), np.asarray(values[keep], dtype=float)
        panel.series.append(Series(curve.label, color, style, curve.right, x, y))
    return panel


def grid_of(count: int) -> tuple[int, int]:
    """Rows and columns for ``count`` panels."""
    if count <= 1:
        return 1, 1
    if count == 2:
        return 1, 2
    return (count + 1) // 2, 2


def series_colors(panel: Panel, options: FigureOptions) -> list[str]:
    if not options.colorblind:
        return [s.color for s in panel.series]
    return [COLORBLIND[i % len(COLORBLIND)] for i in range(len(panel.series))]


def _drawn(series: Series, log_y: bool, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """The points to draw: raw while they fit, else the min/max envelope (as on screen)."""
    y = series.values
    if len(y) > max_points:
        pyramid = PeakPyramid()
        pyramid.update(y)
        index, y = pyramid.window(y, 0, len(y), max_points)
        x = series.steps[0] + index
    else:
        x = series.steps
    if log_y:
        with np.errstate(divide="ignore", invalid="ignore"):
            y = np.log10(np.where(y > 0, y, np.nan))
    return x, y


LEGEND_OFFSET = 6  # figure pixels between the legend and the plot's corner


def _print_pen(color: str, width: float, style: Qt.PenStyle = Qt.PenStyle.SolidLine):
    """A pen whose width is in figure pixels (scaled with the figure, unlike the screen's
    cosmetic pens): lines keep their thickness in points at any DPI."""
    pen = pg.mkPen(color, width=width, style=style)
    pen.setCosmetic(False)
    return pen


class FigureScene:
    """The figure's scene: pyqtgraph plots laid out at the figure's size."""

    def __init__(self, panels: list[Panel], options: FigureOptions, dpi: float | None = None):
        self.options = options
        self.dpi = dpi or QGuiApplication.primaryScreen().logicalDotsPerInch()
        w_in, h_in = options.inches()
        self.size = QSizeF(w_in * self.dpi, h_in * self.dpi)
        background, foreground = chart_colors(not options.light)
        self.background, self.foreground = QColor(background), QColor(foreground)
        # pyqtgraph's axes measure themselves in device pixels through the scene's view:
        # an unshown view at 1:1 gives them the figure's pixels.
        self.view = pg.GraphicsView(background=None)
        self.view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        self.scene = self.view.scene()
        self.layout = pg.GraphicsLayout()
        self.view.setCentralItem(self.layout)
        self.views: list[pg.ViewBox] = []
        self.curves: list[list[pg.PlotCurveItem]] = []
        self.axes: list = []
        self.plots: list[pg.PlotItem] = []
        self._legends: list[tuple[pg.LegendItem, pg.PlotItem, list]] = []  # placed once laid out
        rows, cols = grid_of(len(panels))
        px_per_pt = self.dpi / 72.0
        self.font_px = options.font_pt * px_per_pt
        for i, panel in enumerate(panels):
            plot = pg.PlotItem()
            self.layout.addItem(plot, row=i // cols, col=i % cols)
            self._build(plot, panel, px_per_pt)
            self.plots.append(plot)
        self.layout.setGeometry(QRectF(0, 0, self.size.width(), self.size.height()))
        self.scene.setSceneRect(QRectF(0, 0, self.size.width(), self.size.height()))
        self.view.resize(round(self.size.width()), round(self.size.height()))
        self.view.setRange(QRectF(0, 0, self.size.width(), self.size.height()), padding=0)
        self.layout.setGeometry(QRectF(0, 0, self.size.width(), self.size.height()))
        for plot in self.plots:
            plot.vb.updateMatrix()
        for legend, plot, lines in self._legends:
            self._place_legend(legend, plot, lines)
        self.rows, self.cols = rows, cols

    @staticmethod
    def _place_legend(legend: pg.LegendItem, plot: pg.PlotItem,
                      lines: list[tuple[np.ndarray, np.ndarray, tuple[float, float]]]) -> None:
        """The legend in the plot's corner where it hides the least of the curves."""
        view = plot.vb
        box = legend_box((legend.width(), legend.height()), (view.width(), view.height()), LEGEND_OFFSET)
        if box is None:
            return
        x_range, _ = view.viewRange()
        fractions = [f for x, y, y_range in lines if (f := in_fractions(x, y, x_range, y_range)) is not None]
        corner = emptiest_corner(fractions, box)
        legend.setOffset(corner_offset(corner, LEGEND_OFFSET))
        legend.corner = corner

    def _build(self, plot: pg.PlotItem, panel: Panel, px_per_pt: float) -> None:
        options = self.options
        fg = self.foreground.name()
        pt = f"{options.font_pt:g}pt"
        font = QFont()
        font.setPointSizeF(options.font_pt)
        plot.hideButtons()
        plot.setMenuEnabled(False)
        if options.title and panel.title:
            plot.setTitle(panel.title, size=f"{options.font_pt * 1.15:g}pt", color=fg)
        names = ["left", "bottom"] + (["right"] if panel.right_label is not None else [])
        for name in names:
            axis = plot.getAxis(name)
            axis.setPen(_print_pen(fg, max(0.5, 0.75 * px_per_pt)))
            axis.setTextPen(fg)
            axis.setStyle(tickFont=font, tickTextOffset=max(2, round(0.3 * self.font_px)))
            axis.setLogMode(False, panel.log_y and name != "bottom")
            axis.enableAutoSIPrefix(False)  # as the window's charts: 0.45, not 450 "(x0.001)"
            self.axes.append(axis)
        plot.getAxis("bottom").setLabel("step", color=fg, **{"font-size": pt})
        plot.getAxis("left").setLabel(panel.y_label, color=fg, **{"font-size": pt})
        colors = series_colors(panel, options)
        width = options.line_pt * px_per_pt
        left_curves, right_curves = [], []
        right_view = None
        if panel.right_label is not None:
            plot.showAxis("right")
            right_view = pg.ViewBox()
            self.scene.addItem(right_view)
            plot.getAxis("right").linkToView(right_view)
            plot.getAxis("right").setLabel(panel.right_label, color=fg, **{"font-size": pt})
            right_view.setXLink(plot.vb)
            plot.vb.sigResized.connect(lambda: right_view.setGeometry(plot.vb.sceneBoundingRect()))
        legend = None
        if options.legend and panel.series:
            legend = plot.addLegend(offset=(6, 6), labelTextSize=pt, labelTextColor=fg)
        max_points = max(2000, int(4 * self.size.width()))
        lines = []  # (x, y, the y range they are drawn in), for the legend's place
        for series, color in zip(panel.series, colors, strict=True):
            x, y = _drawn(series, panel.log_y, max_points)
            on_right = series.right and right_view is not None and panel.right_range is not None
            lines.append((x, y, panel.right_range if on_right else panel.y_range))
            item = pg.PlotCurveItem(x, y, pen=_print_pen(color, width, series.style), connect="finite")
            if series.right and right_view is not None:
                right_view.addItem(item)
                right_curves.append(item)
            else:
                plot.addItem(item)
                left_curves.append(item)
            if legend is not None:
                legend.addItem(item, series.label)
        plot.vb.setXRange(*panel.x_range, padding=0)
        plot.vb.setYRange(*panel.y_range, padding=0)
        if legend is not None:
            self._legends.append((legend, plot, lines))
        self.views.append(plot.vb)
        self.curves.append(left_curves)
        if right_view is not None:
            right_view.setYRange(*panel.right_range, padding=0)
            right_view.setGeometry(plot.vb.sceneBoundingRect())
            self.views.append(right_view)
            self.curves.append(right_curves)

    def close(self) -> None:
        """Take the scene apart now, in the GUI thread (see MainWindow._release_graphics)."""
        self.view.close()
        self.view.deleteLater()

    def paint(self, painter: QPainter) -> None:
        keep = [item for item in self.scene.items() if item.parentItem() is None]
        with figure_mode(self.scene, keep, self.views, self.curves, self.axes):
            target = QRectF(0, 0, self.size.width(), self.size.height())
            self.scene.render(painter, target, self.scene.sceneRect())

    def write(self, path: str | os.PathLike[str], fmt: str) -> None:
        render_to_file(path, fmt, self.size, self.paint, self.dpi, self.background,
                       scale=self.options.dpi / self.dpi,
                       png_dpi=self.options.dpi, title="Farm GUI figure")

    def image(self, width_px: int) -> QImage:
        """A preview of ``width_px`` pixels' width."""
        scale = width_px / self.size.width()
        image = QImage(max(1, round(self.size.width() * scale)), max(1, round(self.size.height() * scale)),
                       QImage.Format.Format_ARGB32)
        dpm = round(self.dpi / 0.0254)
        image.setDotsPerMeterX(dpm)
        image.setDotsPerMeterY(dpm)
        image.fill(self.background)
        painter = QPainter(image)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.scale(scale, scale)
            self.paint(painter)
        finally:
            painter.end()
        return image


def write_data(panels: list[Panel], path: str | os.PathLike[str]) -> None:
    """The curves drawn, raw: one row per point (panel, series, axis, step, value)."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["panel", "series", "axis", "step", "value"])
        for panel in panels:
            for s in panel.series:
                axis = "right" if s.right else "left"
                for step, value in zip(s.steps.tolist(), s.values.tolist(), strict=True):
                    out.writerow([panel.title, s.label, axis, f"{step:g}", repr(float(value))])


def matplotlib_script(panels: list[Panel], options: FigureOptions, csv_name: str, out_name: str) -> str:
    """A Python script that redraws the figure with matplotlib from the CSV."""
    rows, cols = grid_of(len(panels))
    w_in, h_in = options.inches()
    spec = []
    for panel in panels:
        colors = series_colors(panel, options)
        spec.append({
            "panel": panel.title, "title": panel.title if options.title else "", "y_label": panel.y_label,
            "right_label": panel.right_label, "x_range": list(panel.x_range),
            "y_range": [10 ** v for v in panel.y_range] if panel.log_y else list(panel.y_range),
            "right_range": (None if panel.right_range is None else
                            [10 ** v for v in panel.right_range] if panel.log_y else list(panel.right_range)),
            "log_y": panel.log_y,
            "series": [{"label": s.label, "color": c, "style": STYLES.get(s.style, "-"), "right": s.right}
                       for s, c in zip(panel.series, colors, strict=True)],
        })
    background, foreground = chart_colors(not options.light)
    return f'''"""Redraws a Farm GUI figure with matplotlib from {csv_name}.

Run: python {Path(out_name).stem}.py   (needs matplotlib; writes {out_name})
Restyle freely: the data are in the CSV (panel, series, axis, step, value).
"""

import csv
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = Path(__file__).resolve().parent
PANELS = {pprint.pformat(spec, width=100, sort_dicts=False)}
SIZE_IN = ({w_in:.4f}, {h_in:.4f})
FONT_PT = {options.font_pt:g}
LINE_PT = {options.line_pt:g}
LEGEND = {options.legend}
BACKGROUND, FOREGROUND = "{background}", "{foreground}"
GRID = ({rows}, {cols})


def load(path):
    data = defaultdict(lambda: ([], []))
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            steps, values = data[(row["panel"], row["series"])]
            steps.append(float(row["step"]))
            values.append(float(row["value"]))
    return data


def draw(csv_path=HERE / "{csv_name}"):
    data = load(csv_path)
    plt.rcParams.update({{"font.size": FONT_PT, "axes.edgecolor": FOREGROUND, "axes.labelcolor": FOREGROUND,
                         "xtick.color": FOREGROUND, "ytick.color": FOREGROUND, "text.color": FOREGROUND}})
    fig, axes = plt.subplots(*GRID, figsize=SIZE_IN, squeeze=False, facecolor=BACKGROUND)
    flat = [ax for row in axes for ax in row]
    for ax in flat[len(PANELS):]:
        ax.set_visible(False)
    for ax, panel in zip(flat, PANELS):
        ax.set_facecolor(BACKGROUND)
        right = ax.twinx() if panel["right_label"] is not None else None
        lines = []
        for s in panel["series"]:
            steps, values = data.get((panel["panel"], s["label"]), ([], []))
            target = right if s["right"] and right is not None else ax
            lines += target.plot(steps, values, s["style"], color=s["color"], linewidth=LINE_PT,
                                 label=s["label"])
        ax.set_xlim(*panel["x_range"])
        ax.set_ylim(*panel["y_range"])
        ax.set_xlabel("step")
        ax.set_ylabel(panel["y_label"])
        if panel["log_y"]:
            ax.set_yscale("log")
        if right is not None:
            right.set_ylabel(panel["right_label"])
            right.set_ylim(*panel["right_range"])
            if panel["log_y"]:
                right.set_yscale("log")
        if panel["title"]:
            ax.set_title(panel["title"], fontsize=FONT_PT * 1.15)
        if LEGEND and lines:
            ax.legend(lines, [line.get_label() for line in lines], loc="best", frameon=False)
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    draw().savefig(HERE / "{out_name}", dpi={options.dpi})
'''


def write_figure(panels: list[Panel], options: FigureOptions, path: str | os.PathLike[str], fmt: str
                 ) -> list[Path]:
    """The figure, and with ``options.data`` its CSV and matplotlib script beside it
    (``<stem>_data.csv``, ``<stem>_matplotlib.py``). Returns the files written. The
    picture is painted here (GUI thread); the window writes the data with
    ``write_figure_data`` off the event loop instead."""
    write_picture(panels, options, path, fmt)
    return [Path(path), *(write_figure_data(panels, options, path, fmt) if options.data else [])]


def write_picture(panels: list[Panel], options: FigureOptions, path: str | os.PathLike[str], fmt: str
                  ) -> None:
    figure = FigureScene(panels, options)
    try:
        figure.write(path, fmt)
    finally:
        figure.close()


def write_figure_data(panels: list[Panel], options: FigureOptions, path: str | os.PathLike[str], fmt: str
                      ) -> list[Path]:
    """The CSV of the curves drawn and the matplotlib script, beside the figure at
    ``path`` (no Qt: safe in a worker thread)."""
    from farm_gui.config.file_mode import give_default_mode

    target = Path(path)
    csv_path = target.with_name(f"{target.stem}_data.csv")
    script = target.with_name(f"{target.stem}_matplotlib.py")
    write_data(panels, csv_path)
    text = matplotlib_script(panels, options, csv_path.name, f"{target.stem}_matplotlib.{fmt}")
    script.write_text(text, encoding="utf-8")
    for p in (csv_path, script):
        give_default_mode(p)
    return [csv_path, script]
