"""Live charts of the experiment selected in the Experiments panel (a dock,
``experiment_charts``): each finished run's final value of a metric against a factor (one
point per run), and per design point the mean over replicates of the metric per step with
its Student-t 95 % band (the first design points only; the chart says how many).

The panel calls ``follow`` on its 0.5 s timer with the number of runs done; the charts
read the store (off the GUI thread, ``analysis.experiment_charts.read_new_runs``) only
when that number moved since their last read, and then only the runs they have not read
yet. Changing the metric or factor redraws from what was read.

While runs stream in, the GUI thread only sets arrays: the read also works out (in the
same worker call) the scatter's points and the mean curves with their bands for the
metric and factor shown, and the plot items drawn before take the new data in place
(``setData``; the band fills through ``bands.update_band``), as do the legend's entries;
titles, axis labels, ticks and ranges are set only when they change (each of those makes
pyqtgraph lay the plot or an axis out anew). Both charts take a read's drawing together
(one repaint), at most every DRAW_EVERY_S: a reader follows that well, and each burst of
work on the GUI thread is a chance for it to wait (for a core the simulations hold, for
the GIL). The last drawing always comes. The reads themselves still follow the panel's
0.5 s tick: a read's time grows with the runs it reads, so small reads often keep the
charts closest behind the experiment.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QFontMetrics
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidgetItem,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from farm_gui.analysis.experiment_charts import (
    MAX_CURVE_POINTS,
    PointBand,
    RunOutcome,
    Scatter,
    drawn_points,
    factor_scatter,
    point_bands,
    read_new_runs,
)
from farm_gui.core.model import ModelSpec
from farm_gui.runtime.aio import run_blocking, spawn
from farm_gui.ui.plots.bands import empty_fill, update_band
from farm_gui.ui.plots.chart_specs import PALETTE
from farm_gui.ui.plots.charts import AXIS_WIDTH
from farm_gui.ui.plots.key_list import KeyList, swatch
from farm_gui.ui.plots.plot_widget import PlotWidget

log = logging.getLogger(__name__)

# The main charts' ten colours and two more (mid-tones: legible on the light and dark theme).
COLORS = (*PALETTE, "#6b6ecf", "#b5cf6b")
SCATTER_BRUSH = (31, 119, 180, 170)  # the first palette colour, a little transparent
CONFIDENCE = 0.95
READ_BATCH = 64  # runs read at most per store read (~0.5 s): a large experiment fills in steps
DRAW_EVERY_S = 1.0  # seconds between redraws of the charts while runs stream in
STAGGER_MS = 100  # the mean curves are set this long after the scatter of the same drawing
SPARE_EVERY_MS = 30  # between the makings of the drawn design points' items ahead of their runs
STEADY_MARGIN = 0.1  # the vertical range's room on each side, in spans of the data (see SteadyViewBox)
STEADY_FILL = 0.6  # the least part of the vertical range the data fill before it is narrowed


class SteadyViewBox(pg.ViewBox):
    """A view box whose automatic vertical range moves only when the data leave it or
    fill less than STEADY_FILL of it; it is then the data's range with STEADY_MARGIN of
    their span on each side (not below 0 for data that are not). A chart that gains a
    point or a narrower band every second keeps its scale (pyqtgraph fits the range to the
    data each time: the value axis was laid out anew, ~5-10 ms, at almost every redraw).
    Zooming, panning and View All work as on any plot."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.steady: tuple[float, float] | None = None

    def childrenBounds(self, frac=None, orthoRange=(None, None), items=None):  # noqa: N802 (pyqtgraph API)
        bounds = super().childrenBounds(frac=frac, orthoRange=orthoRange, items=items)
        if items is not None:
            return bounds
        if bounds[1] is None:  # nothing drawn: the next data choose afresh
            self.steady = None
            return bounds
        lo, hi = bounds[1]
        kept = self.steady
        inside = kept is not None and kept[0] <= lo <= hi <= kept[1]
        if inside and hi - lo >= STEADY_FILL * (kept[1] - kept[0]):
            bounds[1] = list(kept)
            return bounds
        margin = STEADY_MARGIN * (hi - lo)
        if margin <= 0 or not np.isfinite(margin):  # one value (or none): as pyqtgraph does
            self.steady = None
            return bounds
        near = 0.01 * (hi - lo)  # the bounds hold a pen's width in pixels: data at 0 reach a little past it
        low, high = lo - margin, hi + margin
        self.steady = (lo if lo >= -near and low < 0 else low, hi if hi <= near and high > 0 else high)
        bounds[1] = list(self.steady)
        return bounds


@dataclass(frozen=True)
class Drawing:
    """What the charts show for ``metric`` and ``factor``, worked out off the GUI thread."""

    metric: str | None
    factor: str
    scatter: Scatter | None  # None: no metric
    bands: list[PointBand]


def ordered(runs: Sequence[RunOutcome]) -> list[RunOutcome]:
    return sorted(runs, key=lambda r: (r.point, r.replicate, r.run_id))


def prepare(runs: Sequence[RunOutcome], metric: str | None, factor: str, levels: dict[str, list[Any]],
            spec: ModelSpec | None, points: Sequence[int]) -> Drawing:
    """The scatter and the mean curves of ``runs`` (no Qt: call it off the GUI thread)."""
    runs = ordered(runs)
    scatter = bands = None
    if metric is not None:
        scatter = factor_scatter(runs, factor, metric, levels.get(factor))
    bands = [] if metric is None or spec is None else \
        point_bands(runs, metric, spec, points=drawn_points(points), confidence=CONFIDENCE)
    return Drawing(metric, factor, scatter, bands)


class _Throttled:
    """Hands the latest value put to ``apply`` at once, or, when the last one was applied
    less than ``every`` seconds ago, when that time is up (one single-shot timer)."""

    def __init__(self, parent: QWidget, every: float, apply: Callable[[Any], None]):
        self.every = every
        self.at = 0.0
        self.value: Any = None
        self._apply = apply
        self.timer = QTimer(parent)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.flush)

    def put(self, value: Any) -> None:
        self.value = value
        wait = self.at + self.every - time.monotonic()
        if wait <= 0:
            self.flush()
        elif not self.timer.isActive():
            self.timer.start(int(wait * 1000) + 1)

    def flush(self) -> None:
        self.timer.stop()
        value, self.value = self.value, None
        self.at = time.monotonic()
        self._apply(value)

    def cancel(self) -> None:
        """Drop the value waiting; the next one put is applied at once."""
        self.timer.stop()
        self.value = None
        self.at = 0.0


def metric_title(spec: ModelSpec, metric: str) -> str:
    """A metric's label that says what it is on its own: a lower-case label drawn in one of
    the model's charts gets the chart's title ("system" -> "Agents alive: system")."""
    m = spec.metric(metric)
    titles = {c.name: c.title for c in spec.charts}
    title = titles.get(m.chart or "", "")
    if title and m.label[:1].islower() and title.lower() not in m.label.lower():
        return f"{title}: {m.label}"
    return m.label


def _axis_label(spec: ModelSpec, metric: str) -> str:
    """The value axis: the metric's unit (the title names the metric), else its label."""
    m = spec.metric(metric)
    return m.unit or m.label


TITLE_PT, NOTE_PT = 11, 8  # pyqtgraph's title size; the second line's
TITLE_MARGIN_PX = 16  # the plot's width the title leaves free


def _title(text: str, note: str = "") -> tuple[str, str]:
    """A chart title with a smaller second line (made to fit a plot by ``_fitted``)."""
    return text, note


def _fitted(title: tuple[str, str], width: int) -> str:
    """The title's HTML, each line elided to ``width`` pixels: pyqtgraph's title takes the
    width of its text, and a long one ("Happy agents and moves: happy agents – final value
    of each run") made the plot wider than the dock, its right part (the factor's last
    levels) cut off out of sight."""
    text, note = title
    font = QFont()
    lines = []
    for line, points in ((text, TITLE_PT), (note, NOTE_PT)):
        font.setPointSize(points)
        lines.append(QFontMetrics(font).elidedText(line, Qt.TextElideMode.ElideRight, max(40, width)))
    main, small = lines
    return f"{main}<br><span style='font-size:{NOTE_PT}pt'>{small}</span>" if note else main


class _RefitTitles(QObject):
    """Elides a plot's title anew when the plot is resized."""

    def __init__(self, refit: Callable[[Any], None], parent: QObject):
        super().__init__(parent)
        self._refit = refit

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if event.type() == QEvent.Type.Resize:
            self._refit(watched)
        return False


class ExperimentCharts(QWidget):
    def __init__(self, store_provider: Callable[[], Any], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("experiment_charts")
        self._store = store_provider
        self.experiment_id: int | None = None
        self.spec: ModelSpec | None = None
        self.runs: dict[int, RunOutcome] = {}  # run id -> what was read of it
        self.points: list[int] = []  # design points planned
        self.levels: dict[str, list[Any]] = {}  # each factor's planned values
        self.seen_done = -1  # runs done (finished or failed) at the last read; -1: not read yet
        self.reads = 0  # store reads done (tests count them)
        self._reads_here = 0  # of the experiment shown
        self._loading = False
        self._generation = 0  # bumped when the experiment or workspace changes: late reads are dropped
        self._store_seen: Any = None
        self._name = ""
        self._shut = False
        self._asked_done = -1  # runs done when the read under way was asked for

        self.heading = QLabel("Select an experiment in the Experiments panel to chart it.")
        self.heading.setObjectName("experiment_charts_heading")
        self.heading.setWordWrap(True)
        self.outcome = QComboBox()
        self.outcome.setObjectName("experiment_outcome")
        self.outcome.setToolTip("The metric charted: each run's final value (top), "
                                "its mean per step (bottom)")
        self.outcome.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.factor = QComboBox()
        self.factor.setObjectName("experiment_factor")
        self.factor.setToolTip("The factor on the scatter's horizontal axis")
        self.factor.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        pickers = QHBoxLayout()
        pickers.addWidget(QLabel("Outcome"))
        pickers.addWidget(self.outcome)
        pickers.addSpacing(12)
        pickers.addWidget(QLabel("Factor"))
        pickers.addWidget(self.factor)
        pickers.addStretch(1)

        self.scatter_plot = self._plot("experiment_scatter")
        self.scatter = pg.ScatterPlotItem(size=7, pen=pg.mkPen(None), brush=SCATTER_BRUSH,
                                          hoverable=True, tip=self._tip)
        self.scatter_plot.addItem(self.scatter)
        self.bands_plot = self._plot("experiment_bands")
        self.bands_plot.getPlotItem().setLabel("bottom", "step")
        # point -> (mean curve, band fills: one per stretch of steps where the band is defined)
        self.band_items: dict[int, tuple[pg.PlotDataItem, list[pg.FillBetweenItem]]] = {}
        self._legend_items: dict[int, QListWidgetItem] = {}  # point -> its entry in the legend
        self.bands: list[PointBand] = []
        self.legend = KeyList()
        self.legend.setObjectName("experiment_bands_legend")
        self.legend.setToolTip("Design points drawn (click one to pick its curve out)")
        self.legend.itemClicked.connect(self._clicked)
        self.chosen: int | None = None  # the design point picked out in the legend
        bands_box = QWidget()
        bands_layout = QVBoxLayout(bands_box)
        bands_layout.setContentsMargins(0, 0, 0, 0)
        bands_layout.setSpacing(2)
        bands_layout.addWidget(self.bands_plot, 1)
        bands_layout.addWidget(self.legend)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.scatter_plot)
        splitter.addWidget(bands_box)
        splitter.setSizes([1, 1])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.heading)
        layout.addLayout(pickers)
        layout.addWidget(splitter, 1)
        # While runs stream in, the drawings worked out by the reads are set at most every
        # DRAW_EVERY_S (what a reader can follow); the last one always comes.
        self._throttle = _Throttled(self, DRAW_EVERY_S, self._drawn)
        # the mean curves a moment after the scatter: two short turns of the GUI thread
        # (each painted on its own) rather than one twice as long
        self._bands_later = QTimer(self)
        self._bands_later.setSingleShot(True)
        self._bands_later.setInterval(STAGGER_MS)
        self._bands_later.timeout.connect(self._draw_bands_waiting)
        self._bands_waiting: Drawing | None = None
        # Likewise the first paints after a reset (another experiment followed): ~15-25 ms
        # each, their axes laid out anew; in one window update the two held the GUI thread
        # ~40-55 ms, the worst lateness of an experiment's start.
        self._bands_paint_later = QTimer(self)
        self._bands_paint_later.setSingleShot(True)
        self._bands_paint_later.setInterval(STAGGER_MS)
        self._bands_paint_later.timeout.connect(lambda: self.bands_plot.setUpdatesEnabled(True))
        # each drawn design point's curve and fill, made (hidden, empty) ahead of its first
        # runs: making them is most of the work of a point's first drawing (~10-20 ms of
        # pyqtgraph), one a turn of the GUI thread while it is otherwise idle
        self._spare: dict[int, tuple[pg.PlotDataItem, list[pg.FillBetweenItem]]] = {}
        self._spare_timer = QTimer(self)
        self._spare_timer.setSingleShot(True)
        self._spare_timer.setInterval(SPARE_EVERY_MS)
        self._spare_timer.timeout.connect(self._make_spare)
        self._shown: dict[tuple[int, str], Any] = {}  # (plot, what) -> the title, label, ticks or range set
        self._titles: dict[int, tuple[str, str]] = {}  # plot -> its title in full (shown elided)
        refit = _RefitTitles(self._fit_title, self)
        for plot in (self.scatter_plot, self.bands_plot):
            plot.installEventFilter(refit)
        # the axis labels' room from the start (a blank until the first read names them):
        # a label that appears makes its plot's view smaller, laid out and painted again
        for plot in (self.scatter_plot, self.bands_plot):
            self._set_label(plot, "left", " ")
        self._set_label(self.scatter_plot, "bottom", " ")
        self.outcome.currentIndexChanged.connect(lambda _i: (self.draw_scatter(), self.draw_bands()))
        self.factor.currentIndexChanged.connect(lambda _i: self.draw_scatter())
        self._clear_plots()

    @staticmethod
    def _plot(name: str) -> PlotWidget:
        plot = PlotWidget(viewBox=SteadyViewBox())
        plot.setObjectName(name)
        plot.setMinimumSize(260, 120)
        item = plot.getPlotItem()
        item.getAxis("left").setWidth(AXIS_WIDTH)
        item.showGrid(x=True, y=True, alpha=0.15)
        for axis in ("left", "bottom"):  # factor values as given (0.1, not 100 x 0.001)
            item.getAxis(axis).enableAutoSIPrefix(False)
        return plot

    # ----- following the panel ----------------------------------------------------------
    def follow(self, experiment_id: int | None, model: str | None, done: int | None, name: str = "") -> None:
        """Show ``experiment_id`` (None: nothing); read its new runs when ``done`` (runs
        with a result) differs from the last read's count. Called on the panel's timer."""
        if self._shut:
            return
        store = self._store()
        if experiment_id != self.experiment_id or store is not self._store_seen:
            self._reset(experiment_id, model, store, name)
        if experiment_id is None or store is None or self.spec is None or self._loading:
            return
        if not self.isVisible():  # read when shown (the next tick after)
            return
        if done is not None and done == self.seen_done:
            return
        self._loading = True
        self._asked_done = -1 if done is None else done
        spawn(self._read(store, experiment_id, self._generation))

    def shut(self) -> None:
        """The window is closing: follow nothing more, drop reads still under way."""
        self._shut = True
        self._generation += 1
        self._throttle.cancel()
        self._bands_later.stop()
        self._spare_timer.stop()
        self._bands_paint_later.stop()

    def _reset(self, experiment_id: int | None, model: str | None, store: Any, name: str) -> None:
        from farm_gui.core.registry import get_model

        self._generation += 1
        self._throttle.cancel()
        self._bands_later.stop()
        self._loading = False
        self._store_seen = store
        self._name = name
        self.experiment_id = experiment_id
        self.runs, self.points, self.bands, self.levels, self.seen_done = {}, [], [], {}, -1
        self.chosen = None
        self._reads_here = 0
        self.spec = None
        self.outcome.blockSignals(True)
        self.factor.blockSignals(True)
        self.outcome.clear()
        self.factor.clear()
        if experiment_id is not None and model is not None:
            try:
                self.spec = get_model(model)
            except Exception as err:  # noqa: BLE001 - a plug-in that is not installed here
                self.heading.setText(f"Experiment {experiment_id} is of model {model!r}, which this "
                                     f"installation does not have ({err}).")
            else:
                for metric in self.spec.metrics:
                    self.outcome.addItem(metric_title(self.spec, metric.name), metric.name)
                self.heading.setText(f"Experiment {experiment_id}{f', {name}' if name else ''}: reading…")
        else:
            self.heading.setText("Select an experiment in the Experiments panel to chart it.")
        self.outcome.blockSignals(False)
        self.factor.blockSignals(False)
        self.outcome.setEnabled(self.outcome.count() > 0)
        self.factor.setEnabled(False)  # filled by the first read
        self._shown.pop((id(self.scatter_plot), "x range"), None)  # set anew for this experiment
        if self.isVisible():
            self.bands_plot.setUpdatesEnabled(False)  # painted STAGGER_MS after the scatter
            self._bands_paint_later.start()
        self._clear_plots()

    async def _read(self, store: Any, experiment_id: int, generation: int) -> None:
        # what the worker needs, taken now: the GUI thread changes these meanwhile
        known, earlier = frozenset(self.runs), list(self.runs.values())
        metric, spec = self.shown_metric(), self.spec
        factor = self.factor.currentText() if self.factor.count() else None
        levels = dict(self.levels)

        def work():
            read = read_new_runs(store, experiment_id, known, MAX_CURVE_POINTS, READ_BATCH)
            if not read.runs and known:
                return read, None
            shown = factor if factor is not None else (read.factors[0] if read.factors else "")
            return read, prepare([*earlier, *read.runs], metric, shown, levels or read.levels or {},
                                 spec, read.points)

        try:
            read, drawing = await run_blocking(work)
        except Exception as err:  # noqa: BLE001 - a message in the dock, not a traceback
            if generation == self._generation:
                self._loading = False
                self.seen_done = self._asked_done  # try again when more runs are done
                self.heading.setText(f"Could not read experiment {experiment_id}: {err}")
                log.warning("reading experiment %s for its charts failed", experiment_id, exc_info=True)
            return
        if generation != self._generation:  # another experiment or workspace meanwhile
            return
        self._loading = False
        self.reads += 1
        first, self._reads_here = self._reads_here == 0, self._reads_here + 1
        self.points = read.points
        if read.levels is not None and not self.levels:
            self.levels = read.levels
        for run in read.runs:
            self.runs[run.run_id] = run
        if read.factors is not None and self.factor.count() == 0:
            self.factor.blockSignals(True)
            self.factor.clear()
            self.factor.addItems(list(read.factors))
            self.factor.blockSignals(False)
            self.factor.setEnabled(self.factor.count() > 0)
        self._update_heading()
        if read.runs or first:
            self.redraw(drawing)
        if not self._spare_timer.isActive():
            self._spare_timer.start()
        if read.more:  # a large experiment: its next batch at once, drawn as it comes
            self._loading = True
            spawn(self._read(store, experiment_id, generation))
        else:
            self.seen_done = read.done

    def _update_heading(self) -> None:
        name = f", {self._name}" if self._name else ""
        runs = len(self.runs)
        self.heading.setText(f"Experiment {self.experiment_id}{name}: {runs} finished run"
                             f"{'' if runs == 1 else 's'} over {len(self.points)} design point"
                             f"{'' if len(self.points) == 1 else 's'}")

    # ----- drawing ----------------------------------------------------------------------
    def ordered_runs(self) -> list[RunOutcome]:
        return ordered(list(self.runs.values()))

    def shown_metric(self) -> str | None:
        """The metric picked (named so as not to override QWidget.metric, which Qt calls
        for the widget's device metrics: a grab of the dock crashed)."""
        return self.outcome.currentData()

    def _fresh(self, drawing: Drawing | None) -> bool:
        """Whether ``drawing`` is of what the pickers show now (not of a metric or factor
        the user left while it was worked out)."""
        return drawing is not None and drawing.metric == self.shown_metric() and \
            drawing.factor == self.factor.currentText()

    def redraw(self, drawing: Drawing | None = None) -> None:
        """After a read: its ``drawing`` (worked out with it) set on both charts now, or
        DRAW_EVERY_S after they were last drawn so (the latest one then); without one (or one
        of a metric or factor no longer shown) the charts work it out here when they draw."""
        self._throttle.put(drawing)

    def _drawn(self, drawing: Drawing | None) -> None:
        self.draw_scatter(drawing.scatter if self._fresh(drawing) else None)
        self._bands_waiting = drawing
        self._bands_later.start()

    def _draw_bands_waiting(self) -> None:
        drawing, self._bands_waiting = self._bands_waiting, None
        same = drawing is not None and drawing.metric == self.shown_metric()
        self._draw_bands(drawing.bands if same else None)

    # what changes rarely is set only when it changes: pyqtgraph lays the plot or the axis
    # out anew (and drops the axis' picture) on each call, even with the same text
    def _once(self, plot: PlotWidget, what: str, value: Any) -> bool:
        key = (id(plot), what)
        if key in self._shown and self._shown[key] == value:
            return False
        self._shown[key] = value
        return True

    def _set_title(self, plot: PlotWidget, title: str | tuple[str, str]) -> None:
        self._titles[id(plot)] = _title(title) if isinstance(title, str) else title
        self._fit_title(plot)

    def _fit_title(self, plot: PlotWidget) -> None:
        title = self._titles.get(id(plot))
        if title is None:
            return
        # the title spans the plot's column, right of the value axis
        text = _fitted(title, plot.width() - AXIS_WIDTH - TITLE_MARGIN_PX)
        if self._once(plot, "title", text):
            plot.getPlotItem().setTitle(text)  # the Outcome picker above names it in full

    def _set_label(self, plot: PlotWidget, axis: str, text: str) -> None:
        if self._once(plot, f"label {axis}", text):
            plot.getPlotItem().setLabel(axis, text)

    def _clear_plots(self) -> None:
        self.scatter.setData([], [])
        self._set_title(self.scatter_plot, "")
        self._clear_bands()
        self._set_title(self.bands_plot, "")

    def _clear_bands(self) -> None:
        item = self.bands_plot.getPlotItem()
        for curve, fills in self.band_items.values():
            item.removeItem(curve)
            for fill in fills:
                item.removeItem(fill)
        for curve, fills in self._spare.values():
            item.removeItem(curve)
            for fill in fills:
                item.removeItem(fill)
        self._spare = {}
        self._spare_timer.stop()
        self.band_items = {}
        self.bands = []
        self._legend_items = {}
        self.legend.clear()

    def _make_spare(self) -> None:
        """Make the next drawn design point's curve and fill that has none (hidden, no data)."""
        drawn = drawn_points(self.points)
        waiting = [p for p in drawn if p not in self.band_items and p not in self._spare]
        if self.spec is None or self._shut or not waiting:
            return
        point = waiting[0]
        color = COLORS[drawn.index(point) % len(COLORS)]
        curve = pg.PlotDataItem([], [], pen=pg.mkPen(color, width=1.5), connect="finite")
        fill = empty_fill(color)
        item = self.bands_plot.getPlotItem()
        for made in (fill, curve):
            made.setVisible(False)  # (an item with no data would still count for the range)
            item.addItem(made)
        self._spare[point] = (curve, [fill])
        if len(waiting) > 1:
            self._spare_timer.start()

    def draw_scatter(self, data: Scatter | None = None) -> None:
        """The scatter of the metric and factor picked: ``data`` when worked out already
        (off the GUI thread), else worked out here from the runs read."""
        metric, factor, item = self.shown_metric(), self.factor.currentText(), self.scatter_plot.getPlotItem()
        if self.spec is None or metric is None:
            return
        self._set_label(self.scatter_plot, "left", _axis_label(self.spec, metric))
        levels = self.levels.get(factor)
        if data is None:
            data = factor_scatter(self.ordered_runs(), factor, metric, levels)
        by = f"by {factor}" if factor else "no factors: by replicate"
        title = _title(f"{metric_title(self.spec, metric)} – final value of each run",
                       f"{by}; one point per finished run")
        self._set_title(self.scatter_plot, title)
        self._set_label(self.scatter_plot, "bottom", factor or "replicate")
        ticks = [list(enumerate(data.categories))] if data.categories else None
        if not factor and len(data.x):  # replicates are whole numbers: no ticks at 0.5, 1.5, ...
            count = int(np.nanmax(data.x)) + 1
            every = max(1, -(-count // 10))
            ticks = [[(i, str(i)) for i in range(0, count, every)]]
        if self._once(self.scatter_plot, "ticks", ticks):
            item.getAxis("bottom").setTicks(ticks)
        ok = np.isfinite(data.y)
        ids = data.run_ids[ok]
        brushes = self._scatter_brushes(ids)
        if brushes is None:
            self.scatter.setData(data.x[ok], data.y[ok], data=ids)
        else:
            self.scatter.setData(data.x[ok], data.y[ok], data=ids, brush=brushes)
        # the planned values' range from the start: points do not move as runs arrive
        if data.categories:
            lo, hi = -0.5, len(data.categories) - 0.5
        elif levels:
            lo, hi = float(min(levels)), float(max(levels))
        else:
            lo = hi = None
        if lo is not None:
            pad = 0.05 * (hi - lo) if hi > lo else max(abs(lo) * 0.1, 1.0)
            view = item.getViewBox()
            if self._once(self.scatter_plot, "x range", (lo - pad, hi + pad)) or \
                    view.state["autoRange"][0] is not False:
                view.setXRange(lo - pad, hi + pad, padding=0)

    def _tip(self, x: float, y: float, data: Any) -> str:
        run = self.runs.get(int(data))
        where = f" (point {run.point}, replicate {run.replicate})" if run else ""
        by = self.factor.currentText() or "replicate"
        return f"run {int(data)}{where}\n{by} = {x:.4g}\nfinal = {y:.4g}"

    def draw_bands(self) -> None:
        """The mean curves of the metric picked, worked out here from the runs read."""
        self._draw_bands(None)

    def _draw_bands(self, bands: list[PointBand] | None) -> None:
        """The mean curves and bands: ``bands`` when worked out already (off the GUI
        thread), else worked out here. The curves, fills and legend entries of the design
        points drawn before are kept and take the new values."""
        self._bands_later.stop()  # (one waiting is of values now older than these)
        self._bands_waiting = None
        metric, item = self.shown_metric(), self.bands_plot.getPlotItem()
        if self.spec is None or metric is None:
            self._clear_bands()
            return
        drawn = drawn_points(self.points)
        if bands is None:
            bands = point_bands(self.ordered_runs(), metric, self.spec, points=drawn, confidence=CONFIDENCE)
        self.bands = bands
        self._set_label(self.bands_plot, "left", _axis_label(self.spec, metric))
        n = len(self.points)
        shown = (f"the first {len(drawn)} of {n} design points" if n > len(drawn)
                 else f"{n} design point{'' if n == 1 else 's'}")
        title = _title(f"{metric_title(self.spec, metric)} – mean per step",
                       f"over replicates, {CONFIDENCE:.0%} band (Student t); {shown}")
        self._set_title(self.bands_plot, title)
        gone = set(self.band_items) - {b.point for b in bands}
        for point in gone:
            curve, fills = self.band_items.pop(point)
            item.removeItem(curve)
            for fill in fills:
                item.removeItem(fill)
            entry = self._legend_items.pop(point)
            self.legend.takeItem(self.legend.row(entry))
        for band in bands:
            color = COLORS[drawn.index(band.point) % len(COLORS)]
            kept = self.band_items.get(band.point)
            spare = self._spare.pop(band.point, None) if kept is None else None
            if spare is not None:  # made ahead: its first values
                curve, fills = spare
                curve.setData(band.x, band.mean)
                curve.setVisible(True)
                fills = update_band(item, fills, band.x, band.lo, band.hi, color)
                self._style(band.point, curve, fills)
            elif kept is None:
                curve = pg.PlotDataItem(band.x, band.mean, pen=pg.mkPen(color, width=1.5), connect="finite")
                fills = update_band(item, [], band.x, band.lo, band.hi, color)
                item.addItem(curve)
                self._style(band.point, curve, fills)
            else:
                curve, fills = kept
                curve.setData(band.x, band.mean)
                fills = update_band(item, fills, band.x, band.lo, band.hi, color)
                if len(fills) != len(kept[1]):
                    self._style(band.point, curve, fills)
            self.band_items[band.point] = (curve, fills)
            self._legend_entry(band, color, drawn)

    def _legend_entry(self, band: PointBand, color: str, drawn: list[int]) -> None:
        """The design point's entry in the legend, in design order; its text set when it changed."""
        runs = f"{band.runs} run{'' if band.runs == 1 else 's'}"
        text = f"{band.label}, {runs}"
        entry = self._legend_items.get(band.point)
        if entry is None:
            entry = QListWidgetItem(swatch(color), text)
            entry.setData(Qt.ItemDataRole.UserRole, band.point)
            at = drawn.index(band.point)
            row = sum(1 for p in self._legend_items if p in drawn and drawn.index(p) < at)
            self.legend.insertItem(row, entry)
            self._legend_items[band.point] = entry
            if band.point == self.chosen:
                entry.setSelected(True)
        elif entry.text() != text:
            entry.setText(text)

    def _clicked(self, entry: QListWidgetItem) -> None:
        """A legend entry picks its design point out (its curve, band and scatter points);
        clicking it again shows all alike."""
        point = entry.data(Qt.ItemDataRole.UserRole)
        self.chosen = None if point == self.chosen else point
        if self.chosen is None:
            self.legend.clearSelection()
        self._emphasise()

    def _picked(self) -> int | None:
        return self.chosen if self.chosen in self.band_items else None

    def _style(self, point: int, curve: pg.PlotDataItem, fills: list[pg.FillBetweenItem]) -> None:
        """A design point's curve and band as picked out, faded or like all the others."""
        chosen = self._picked()
        color = pg.mkPen(curve.opts["pen"]).color()
        picked = chosen is None or point == chosen
        color.setAlpha(255 if picked else 60)
        curve.setPen(pg.mkPen(color, width=2.5 if point == chosen else 1.5))
        curve.setZValue(1 if point == chosen else 0)
        for fill in fills:
            fill.setVisible(picked)

    def _scatter_brushes(self, ids: np.ndarray) -> list | None:
        """One brush per scatter point when a design point is picked out (None: all alike)."""
        chosen = self._picked()
        if chosen is None or not len(ids):
            return None
        color = pg.mkBrush(QColor(COLORS[drawn_points(self.points).index(chosen) % len(COLORS)]))
        faded = pg.mkBrush(150, 150, 150, 90)
        return [color if (r := self.runs.get(int(rid))) and r.point == chosen else faded for rid in ids]

    def _emphasise(self) -> None:
        for point, (curve, fills) in self.band_items.items():
            self._style(point, curve, fills)
        ids = self.scatter.data["data"]
        if not len(ids):
            return
        brushes = self._scatter_brushes(ids)
        # a list: one brush per point replaces the ones set before
        self.scatter.setBrush(brushes if brushes is not None else [pg.mkBrush(*SCATTER_BRUSH)] * len(ids))
