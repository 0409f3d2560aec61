"""Live charts built from the model's declaration (the foraging ecology's: population,
resources, births/deaths and health), fed from run series on a UI timer with flat frame
cost (see ``envelope``)."""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QPainter, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QGridLayout, QVBoxLayout, QWidget

from farm_gui.core.model import ModelSpec
from farm_gui.core.registry import get_model
from farm_gui.display import envelope, log_scale
from farm_gui.display.envelope import EnvelopeTrace
from farm_gui.display.legend_place import better_corner, corner_offset, in_fractions, legend_box
from farm_gui.display.series import RunSeries, StoredSeries
from farm_gui.ui.plots import chart_specs
from farm_gui.ui.plots.chart_specs import RUN_STYLES
from farm_gui.ui.plots.plot_widget import ChartLegend, ChartViewBox, LegendSample, PlotWidget, mark_unpainted
from farm_gui.ui.plots.readout import ReadoutLabel
from farm_gui.ui.plots.run_key import RunKey
from farm_gui.ui.world import foraging_look
from farm_gui.ui.world.foraging_look import TOTAL_COLOR  # noqa: F401

AXIS_WIDTH = 58  # pixels: room for "100k"-style tick labels and the axis title
LEGEND_MARGIN = 6  # pixels between a legend and its corner of the plot
LEGEND_EVERY_S = 2.0  # a live chart looks for a better corner for its legend at most this often
LEGEND_SETTLED_S = 0.2  # ... or this soon after the last look, once its data stopped growing
LEGEND_GROWTH = 1.5  # ... and while its data grows, once the data is this much longer


LADDER = (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)  # at most 1.33x apart


def ladder_ceiling(value: float) -> float:
    """The smallest m * 10^k (m in LADDER) that is >= value: axis ends that change
    rarely (each change re-lays out the axis) while the data grows."""
    if value <= 0:
        return 1.0
    scale = 10.0 ** math.floor(math.log10(value))
    for m in LADDER:
        if m * scale >= value:
            return m * scale
    return 10.0 * scale


class FollowRange:
    """Where the x axes end while the charts follow a growing run (one object shared by
    the four charts, so that they agree on the steps shown).

    The end stays put while the data fits with a tenth to spare, then moves up the
    ladder far enough for that tenth and for HEADROOM_S seconds of growth at the pace
    the run went since the last move. A fast run thus re-lays out its axes every couple
    of seconds rather than several times a second (each time all four charts are
    repainted whole, axes included); a slow one moves on as before."""

    HEADROOM_S = 2.0

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._end: float | None = None
        self._moved = (0.0, 0.0)  # (time, extent) of the last move

    def end(self, extent: float) -> float:
        end = self._end
        needed = extent * 1.1 + 10
        if end is not None and needed <= end and extent >= self._moved[1]:
            return end
        now = time.monotonic()
        pace = 0.0
        if end is not None and extent > self._moved[1] and now > self._moved[0]:
            pace = (extent - self._moved[1]) / (now - self._moved[0])
        self._end = ladder_ceiling(max(needed, extent + pace * self.HEADROOM_S))
        self._moved = (now, extent)
        return self._end


class LiveCurveItem(pg.PlotCurveItem):
    """A curve that grows at its end and repaints only what changed.

    Its data bounds are handed in with the data (the envelope knows them; pyqtgraph would
    scan the points with nanmin/nanmax whenever the scene asks for the bounding
    rectangle). Its bounding rectangle is the view's rectangle, which changes only when
    the view does (and then everything is repainted anyway), so new points need no
    geometry change and the repaint covers just the pixel columns from the first changed
    point on. That matters beyond the GUI thread: this paint runs in Python and holds the
    GIL, which the simulation threads need back after every step.
    """

    _known_bounds: tuple[float, float, float, float] | None = None
    _view_rect: QRectF | None = None  # the view's rectangle (item coordinates)
    _padded_view: QRectF | None = None  # the bounding rectangle made from it
    _quiet = False  # inside set_live_data: no geometry change, no full update

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # paint() gets the exposed rectangle, to draw only the points inside it
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)

    def set_live_data(self, x: np.ndarray, y: np.ndarray, y_bounds: tuple[float, float] | None,
                      unchanged: int | None = None) -> None:
        """Set points with known finite y bounds (None: NaNs present, let pyqtgraph scan).
        ``unchanged``: how many leading points are the same as the ones drawn before
        (None: not known, compare them)."""
        if y_bounds is None or not len(x):
            self.setData(x, y, connect="finite")
            return
        old_x, old_y = self.xData, self.yData
        incremental = self._known_bounds is not None and old_x is not None and len(old_x) > 0
        self._known_bounds = (float(x[0]), float(x[-1]), *y_bounds)
        if not incremental:
            super().setData(x, y, skipFiniteCheck=True)
            return
        if unchanged:
            # The points changed at their end only: what setData does, without its
            # checks, geometry change and signal (nothing here listens to it).
            dirty = self._strip_from(x, unchanged)
            self.xData, self.yData = x, y
            self.path = self.fillPath = self._fillPathList = self._mouseShape = None
            self._lineSegmentsRendered = False
            self.invalidateBounds()
        else:
            dirty = self._changed_rect(old_x, old_y, x, y)
            self._quiet = True
            try:
                super().setData(x, y, skipFiniteCheck=True)
            finally:
                self._quiet = False
        if dirty is not None:
            super().update(dirty)

    def _changed_rect(self, old_x: np.ndarray, old_y: np.ndarray, x: np.ndarray, y: np.ndarray
                      ) -> QRectF | None:
        """The strip (in data coordinates, full view height) that differs between the old
        and the new line: from the point before the first changed one to the last point."""
        common = min(len(old_x), len(x))
        same = (old_x[:common] == x[:common]) & (old_y[:common] == y[:common])
        first = common if same.all() else int(np.argmin(same))
        if first == common and len(old_x) == len(x):
            return None
        lead = max(first - 1, 0)
        left = min(float(old_x[min(lead, len(old_x) - 1)]), float(x[min(lead, len(x) - 1)]))
        return self._strip(left, max(float(old_x[-1]), float(x[-1])))

    def _strip_from(self, x: np.ndarray, unchanged: int) -> QRectF | None:
        """The strip from the last unchanged point to the end (the old points beyond it
        were at or left of the new ones: the data only grew)."""
        if unchanged >= len(x):
            return None
        return self._strip(float(x[max(unchanged - 1, 0)]), float(x[-1]))

    def _strip(self, left: float, right: float) -> QRectF | None:
        view = self._view()
        if view is None:
            return None  # not in a view: nothing on screen to repaint
        pad = 0.005 * view.width()  # a few pixels: the pen and the point before
        # The view's own height: the padded bounding rectangle would reach into the axes.
        return QRectF(left - pad, view.top(), right - left + 2 * pad, view.height())

    def setData(self, *args, **kwargs) -> None:  # noqa: N802 (pyqtgraph API)
        self._known_bounds = None
        super().setData(*args, **kwargs)

    def dataBounds(self, ax, frac=1.0, orthoRange=None):  # noqa: N802, N803
        known = self._known_bounds
        if known is None or frac < 1.0 or orthoRange is not None:
            return super().dataBounds(ax, frac, orthoRange)
        return (known[0], known[1]) if ax == 0 else (known[2], known[3])

    def _view(self) -> QRectF | None:
        """The view's rectangle in item coordinates (kept until the view changes)."""
        if self._view_rect is None:
            view = self.getViewBox()
            if view is not None:
                self._view_rect = view.viewRect()
        return self._view_rect

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt API)
        # Asked for several times per paint: kept until the view changes.
        if self._known_bounds is None:
            return super().boundingRect()
        if self._padded_view is None:
            rect = self._view()
            if rect is None:
                return super().boundingRect()
            margin_x, margin_y = 0.02 * rect.width(), 0.02 * rect.height()
            self._padded_view = rect.adjusted(-margin_x, -margin_y, margin_x, margin_y)
        return self._padded_view

    def paint(self, painter: QPainter, option, widget=None) -> None:
        """Draw the points inside the exposed rectangle (a strip at the end, mostly) with
        the pen; pyqtgraph's general paint (fills, shadows, export options) otherwise."""
        x, y = self.xData, self.yData
        exposed = option.exposedRect if option is not None else QRectF()
        if (self._known_bounds is None or self._exportOpts is not False or x is None or len(x) < 2
                or exposed.isEmpty()):
            super().paint(painter, option, widget)
            return
        pen = self.opts["pen"]
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setPen(pen)
        if pen.style() != Qt.PenStyle.SolidLine:
            # A dashed line is drawn whole (clipped), so that its dashes keep their phase.
            painter.drawPath(self.getPath())
            return
        # a few points beyond each side, so that the lines into the strip start outside it
        lo = max(int(x.searchsorted(exposed.left(), "left")) - 8, 0)
        hi = min(int(x.searchsorted(exposed.right(), "right")) + 8, len(x))
        if hi - lo >= 2:
            painter.drawPolyline(_polyline(x[lo:hi], y[lo:hi]))

    def viewTransformChanged(self) -> None:  # noqa: N802 (pyqtgraph API)
        super().viewTransformChanged()  # announces the change with the old rectangle
        self._view_rect = self._padded_view = None

    def prepareGeometryChange(self) -> None:  # noqa: N802 (Qt API)
        if not self._quiet:
            super().prepareGeometryChange()

    def informViewBoundsChanged(self) -> None:  # noqa: N802 (pyqtgraph API)
        if not self._quiet:
            super().informViewBoundsChanged()

    def update(self, *args) -> None:
        if not self._quiet:
            super().update(*args)


def _polyline(x: np.ndarray, y: np.ndarray) -> QPolygonF:
    """The points as a QPolygonF, filled through its memory (one copy, no Python loop)."""
    polygon = pg.functions.create_qpolygonf(len(x))
    points = pg.functions.ndarray_from_qpolygonf(polygon)
    points[:, 0] = x
    points[:, 1] = y
    return polygon


@dataclass
class Curve:
    run: RunSeries
    metric: str
    label: str
    item: LiveCurveItem
    trace: EnvelopeTrace
    right: bool = False
    drawn: tuple = ()
    look: tuple = ()  # (label, colour, right axis, pen style): what the legend shows
    log_bounds: tuple[float, float] | None = None  # of the points drawn in log mode (decades)
    log: bool = False

    @property
    def y_bounds(self) -> tuple[float, float] | None:
        return self.log_bounds if self.log else self.trace.bounds


class LiveChart(PlotWidget):
    """One plot with a legend, axis labels, a step cursor and a hover line."""

    follow_changed = Signal(bool)  # the user zoomed/panned (False) or asked to view all (True)
    x_range_picked = Signal(float, float)  # the user panned or zoomed to this step range

    def __init__(self, object_name: str, title: str, y_label: str, right_label: str | None = None):
        super().__init__()
        self.setObjectName(object_name)
        self.setMinimumSize(260, 170)
        plot = self.getPlotItem()
        plot.setTitle(title)
        plot.setLabel("bottom", "step")
        plot.setLabel("left", y_label)
        # Fixed axis widths: otherwise a tick label growing a digit re-lays out the plot
        # and repaints all of it in the middle of a run.
        plot.getAxis("left").setWidth(AXIS_WIDTH)
        # No grid: grid lines belong to the axis items, which then get repainted with every
        # curve update; without them a frame repaints the curves only. (Axes are cached
        # as pixmaps, see PlotWidget.)
        plot.setMenuEnabled(True)
        self.legend = ChartLegend(offset=corner_offset("upper left", LEGEND_MARGIN), labelTextSize="8pt",
                                  sampleType=LegendSample)
        self.legend.setParentItem(plot.vb)
        plot.legend = self.legend  # as plot.addLegend does
        self.legend_corner = "upper left"
        self._legend_due = 0.0  # when the legend's corner may be looked at again (monotonic s)
        self._legend_stale = False  # the curves or ranges changed since it was last looked at
        self._legend_extent = -1.0  # the data's last step when it was last looked at
        self._seen_extent = -1.0  # the data's last step at the last refresh
        plot.vb.sigResized.connect(self._legend_may_move)
        self.curves: list[Curve] = []
        self.cursor = pg.InfiniteLine(angle=90, movable=False,
                                      pen=pg.mkPen("#e69f00", width=1, style=Qt.PenStyle.DashLine))
        self.hover_line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#999999", width=1))
        for line in (self.cursor, self.hover_line):
            line.setVisible(False)
            plot.addItem(line, ignoreBounds=True)
        self.follow = True  # keep all data in view until the user pans or zooms
        self.follow_range = FollowRange()  # the panel gives its four charts one to share
        self.axes_moved = False  # the last refresh changed a range: a whole repaint follows
        self._settled_at = -1.0
        plot.vb.disableAutoRange()
        plot.vb.sigRangeChangedManually.connect(self._on_manual_range)
        self.right_view: pg.ViewBox | None = None
        if right_label:
            self.right_view = ChartViewBox()
            plot.showAxis("right")
            plot.scene().addItem(self.right_view)
            plot.getAxis("right").linkToView(self.right_view)
            plot.getAxis("right").setLabel(right_label)
            plot.getAxis("right").setWidth(AXIS_WIDTH)
            self.right_view.setXLink(plot)
            self.right_view.disableAutoRange()
            self.right_view.sigRangeChangedManually.connect(self._on_manual_range)
            plot.vb.sigResized.connect(self._sync_right_view)

    @contextlib.contextmanager
    def axes_painted_directly(self) -> Iterator[None]:
        """For exports: a cached axis would go into an SVG as a bitmap, and into a
        scaled-up PNG blurred."""
        self.cache_axes(False)
        try:
            yield
        finally:
            self.cache_axes(True)

    def _sync_right_view(self) -> None:
        if self.right_view is not None:
            self.right_view.setGeometry(self.getPlotItem().vb.sceneBoundingRect())

    # ---- curves -----------------------------------------------------------------
    def set_curves(self, specs: list[tuple]) -> None:
        """Show these curves, each (run, metric, label, colour, right axis, pen style).
        When they look as the ones shown do (a new run of the same kind), the curve items
        and the legend are kept and only their data starts over: rebuilding them took
        ~20 ms of the event loop when a run started."""
        self._legend_due, self._legend_stale = 0.0, True  # new data: the first frame places the legend
        self._legend_extent = -1.0
        looks = [(label, color, right, style) for _run, _metric, label, color, right, style in specs]
        if looks != [curve.look for curve in self.curves]:
            self.clear_curves()
            for spec in specs:
                self.add_curve(*spec)
            self._fill_legend()
            return
        for curve, (run, metric, *_look) in zip(self.curves, specs, strict=True):
            curve.run, curve.metric = run, metric
            curve.trace, curve.drawn = EnvelopeTrace(), ()
            curve.item.setData(np.empty(0), np.empty(0))

    def clear_curves(self) -> None:
        for curve in self.curves:
            view = curve.item.getViewBox()
            if view is not None:
                view.removeItem(curve.item)
        self.legend.clear()
        self.curves = []

    def _fill_legend(self) -> None:
        """An entry per curve of one run; with several runs, an entry per kind of curve in
        its colour, drawn solid (the runs' line styles are told once, under the charts:
        an entry per run and curve covered most of a small chart)."""
        self.legend.clear()
        runs = {curve.run.run_id for curve in self.curves}
        if len(runs) <= 1:
            for curve in self.curves:
                self.legend.addItem(curve.item, curve.label)
        else:
            kinds: dict[tuple[str, str], None] = {}
            for curve in self.curves:
                label, color, _right, _style = curve.look
                kinds.setdefault((label.removeprefix(f"{curve.run.name}: "), color))
            for label, color in kinds:
                self.legend.addItem(pg.PlotDataItem(pen=pg.mkPen(color, width=1)), label)
        # The title and the legend's labels draw nothing themselves (their text items do).
        mark_unpainted(self.getPlotItem().titleLabel, *(label for _, label in self.legend.items))

    def add_curve(self, run: RunSeries, metric: str, label: str, color: str, right: bool = False,
                  style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> Curve:
        # A bare PlotCurveItem: PlotDataItem's extra layers (its own downsampling and
        # clipping, which the pyramid replaces) cost more per setData than the drawing.
        item = LiveCurveItem(pen=pg.mkPen(color, width=1, style=style), name=label,
                                skipFiniteCheck=True, antialias=False)
        if right and self.right_view is not None:
            self.right_view.addItem(item)
        else:
            # PlotItem.addItem puts a named curve in the legend, which _fill_legend refills
            # once every curve is in: eight runs bound at once (72 curves) built ~90 legend
            # rows for nothing, half of the 180 ms the event loop stood still
            plot = self.getPlotItem()
            legend, plot.legend = plot.legend, None
            try:
                plot.addItem(item)
            finally:
                plot.legend = legend
        curve = Curve(run, metric, label, item, EnvelopeTrace(), right=right and self.right_view is not None,
                      look=(label, color, right, style))
        self.curves.append(curve)
        return curve

    # ---- drawing ----------------------------------------------------------------
    def _visible_index_range(self, x0: float, n: int) -> tuple[int, int]:
        if self.follow:
            return 0, n
        lo, hi = self.getPlotItem().vb.viewRange()[0]
        return max(0, int(np.floor(lo - x0)) - 1), min(n, int(np.ceil(hi - x0)) + 2)

    def _on_manual_range(self, *args) -> None:
        self._legend_may_move()
        self.follow = False
        self.follow_changed.emit(False)
        self.x_range_picked.emit(*self.getPlotItem().vb.viewRange()[0])

    def show_steps(self, x0: float, x1: float) -> None:
        """Show the step range another chart was panned or zoomed to."""
        view = self.getPlotItem().vb
        if tuple(view.viewRange()[0]) != (x0, x1):
            view.setXRange(x0, x1, padding=0)

    def refresh(self) -> bool:
        """Push new points to the curves; returns whether anything was redrawn."""
        self.axes_moved = False
        view = self.getPlotItem().vb
        log_y = self.getPlotItem().ctrl.logYCheck.isChecked()
        if self.curves and log_y != self.curves[0].log:  # Plot Options > Log Y changed: redraw all
            for curve in self.curves:
                curve.log, curve.drawn, curve.log_bounds = log_y, (), None
                curve.trace.invalidate()
        if any(view.state["autoRange"]):  # the user asked for "view all" (the A button or menu)
            view.disableAutoRange()
            self.follow = True
            self._settled_at = -1
            self.follow_changed.emit(True)
        width = max(200, int(view.width()))
        max_points = 2 * width  # raw up to 2 points per pixel, else min/max bins of <= 1 pixel
        changed = False
        snapshots: dict[int, object] = {}
        extent = 0.0
        for curve in self.curves:
            snap = snapshots.get(curve.run.run_id)
            if snap is None:
                snap = snapshots[curve.run.run_id] = curve.run.source.snapshot()
            y = snap.get(curve.metric)
            n = snap.length
            if y is None or n == 0:
                continue
            x0 = float(snap["step"][0]) if "step" in snap.names else 0.0
            extent = max(extent, x0 + n - 1)
            start, stop = self._visible_index_range(x0, n)
            key = (n, start, stop, max_points)
            if key == curve.drawn:
                continue
            trace = curve.trace
            unchanged = trace.update(y, start, stop, max_points, x0)
            curve.drawn = key
            if unchanged == trace.count:  # the same points as before
                continue
            y, bounds = trace.y, (trace.bounds if trace.all_finite else None)
            if curve.log:
                y = log_scale.log_points(trace.y)
                curve.log_bounds = log_scale.finite_bounds(y)
                bounds = curve.log_bounds if bool(np.isfinite(y).all()) else None
            curve.item.set_live_data(trace.x, y, bounds, unchanged)
            changed = True
        if self.follow and self.curves:
            self._follow_data(extent, changed)
        # While a run grows, its curves' shape changes with their length: look again once
        # they are half as long again, and once they stop growing (~1 ms a look, and a move
        # repaints the whole chart: every second cost the heartbeat's p99 ~4 ms). Curves
        # redrawn without growing (the ranges settled, a zoom, a pan) are looked at again.
        growing, self._seen_extent = extent != self._seen_extent, extent
        grown = extent >= LEGEND_GROWTH * self._legend_extent
        stopped = not growing and bool(self.curves) and extent != self._legend_extent
        # (and once more when the ranges are fitted to data that stopped growing)
        if (growing and grown) or stopped or (not growing and (changed or self.axes_moved)):
            self._legend_stale = True
        # A run that ended soon after a look (a Schelling run of 7 steps) left its legend
        # over the curves' final shape for up to LEGEND_EVERY_S: once the data stop growing,
        # the next look comes LEGEND_SETTLED_S after the last.
        wait = 0.0 if growing else LEGEND_EVERY_S - LEGEND_SETTLED_S
        if self._legend_stale and time.monotonic() >= self._legend_due - wait:
            self._legend_extent = extent
            self.place_legend()
        return changed

    def _legend_may_move(self, *args) -> None:
        self._legend_stale = True

    def place_legend(self) -> None:
        """Move the legend to the corner where it covers the least of the curves, unless
        the user dragged it somewhere (at the top left it hid the tops of the curves: a birth
        count of 2 read as 1.5 under it). ``refresh`` says when to look again."""
        self._legend_stale = False
        self._legend_due = time.monotonic() + LEGEND_EVERY_S
        view = self.getPlotItem().vb
        legend = self.legend
        box = legend_box((legend.width(), legend.height()), (view.width(), view.height()), LEGEND_MARGIN)
        if legend.moved_by_user or not self.curves or box is None:
            return
        lines = []
        for curve in self.curves:
            x, y = curve.item.xData, curve.item.yData
            if x is not None and len(x):
                x_range, y_range = (self.right_view if curve.right else view).viewRange()
                if (fractions := in_fractions(x, y, x_range, y_range)) is not None:
                    lines.append(fractions)
        corner = better_corner(lines, box, self.legend_corner)
        if corner != self.legend_corner:
            self.legend_corner = corner
            legend.setOffset(corner_offset(corner, LEGEND_MARGIN))

    def _follow_data(self, extent: float, changed: bool) -> None:
        """Keep all data in view, changing the ranges rarely while data grows (every
        range change re-lays out the axes, the most expensive part of a frame) and
        fitting exactly once it stops growing."""
        settled = not changed
        if settled and self._settled_at == extent:
            return
        self._settled_at = extent if settled else -1
        views = [(self.getPlotItem().vb, False)]
        if self.right_view is not None:
            views.append((self.right_view, True))
        for index, (view, right) in enumerate(views):
            bounds = [c.y_bounds for c in self.curves if c.y_bounds is not None and c.right == right]
            if not bounds:
                continue
            lo, hi = min(b[0] for b in bounds), max(b[1] for b in bounds)
            pad = log_scale.range_pad(lo, hi, self.curves[0].log)
            (cur_x0, cur_x1), (cur_lo, cur_hi) = view.viewRange()
            if settled:
                y_range = (lo - pad, hi + pad)
            elif lo < cur_lo or hi > cur_hi or (cur_hi - cur_lo) > 4 * (hi - lo + 2 * pad):
                y_range = (lo - 2 * pad, hi + 4 * pad)
            else:
                y_range = None
            if y_range is not None and y_range != (cur_lo, cur_hi):
                view.setYRange(*y_range, padding=0)
                self.axes_moved = True
            if index == 0:
                # From the range the four charts share: each moves its own axis in its own
                # tick, and they agree on the steps shown.
                x_hi = max(extent, 1.0)
                x_range = (0.0, x_hi if settled else self.follow_range.end(x_hi))
                if x_range != (cur_x0, cur_x1):
                    view.setXRange(*x_range, padding=0)
                    self.axes_moved = True

    def data(self, label: str) -> tuple[np.ndarray, np.ndarray] | None:
        """The (x, y) arrays currently drawn for the curve named ``label``."""
        for curve in self.curves:
            if curve.label == label:
                return curve.item.getData()
        return None

    def set_cursor(self, step: float | None) -> None:
        self.cursor.setVisible(step is not None)
        if step is not None:
            self.cursor.setValue(step)


HOVER_HINT = "Hover over a chart to read values."


class ChartsPanel(QWidget):
    """The model's charts in a grid (one per ``spec.charts`` entry, objectName
    f"{name}_chart"), with a shared hover read-out. The panel follows the model of the
    runs bound: binding a run of another model rebuilds the charts (``charts_rebuilt``)."""

    hovered = Signal(int)
    step_clicked = Signal(int)  # a left click on a chart, at this step (the nearest with data)
    charts_rebuilt = Signal()

    def __init__(self, parent: QWidget | None = None, model: ModelSpec | None = None, *,
                 kernels_now: bool = True):
        super().__init__(parent)
        self.setObjectName("charts_panel")
        self.model: ModelSpec = model if model is not None else get_model(None)
        self.charts: tuple[LiveChart, ...] = ()
        self.by_name: dict[str, LiveChart] = {}
        if kernels_now:
            envelope.load_kernel()
        self.follow_range = FollowRange()
        # The curves and legends of a single run, empty: starting one then hands them its
        # data instead of building them (~25 ms of the event loop when the run starts).
        self.runs: list[RunSeries] = []
        self.readout = ReadoutLabel(HOVER_HINT)
        self.hover_step: int | None = None
        self.overlay_note: str | None = None  # why some (or all) curves of the runs are not drawn
        self.grid = QGridLayout()
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(4)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(self.grid, 1)
        self.run_key = RunKey()
        layout.addWidget(self.run_key)
        layout.addWidget(self.readout)
        self.frames = 0  # frames in which every chart was brought up to date and one changed
        self.axes_moved = False  # the chart refresh_next last brought up to date changed a range
        self.last_frame_s = 0.0
        self._next = 0
        self._cycle = (0.0, False)  # (seconds spent, anything changed) in the current round
        self._build_charts(self.model)
        self.bind([])

    def __getattr__(self, name: str):
        # A chart by its declared name (panel.population for the foraging ecology's).
        charts = self.__dict__.get("by_name")
        if charts is not None and name in charts:
            return charts[name]
        raise AttributeError(name)

    def chart(self, name: str) -> LiveChart | None:
        return self.by_name.get(name)

    # ---- the model's charts -------------------------------------------------------
    def _build_charts(self, spec: ModelSpec) -> None:
        for chart in self.charts:
            self.grid.removeWidget(chart)
            chart.clear_curves()
            chart.close()
            chart.deleteLater()
        self.model = spec
        charts = []
        for layout in chart_specs.layouts(spec):
            charts.append(LiveChart(f"{layout.name}_chart", layout.title, layout.y_label,
                                    right_label=layout.right_label))
        self.charts = tuple(charts)
        self.by_name = {layout.name: c for layout, c in zip(chart_specs.layouts(spec), charts, strict=True)}
        # The x axes are not linked with pyqtgraph's setXLink: a linked range change
        # redraws all charts in one event-loop turn. Following the data, each chart
        # moves its own axis in its own turn (they compute the same range); a range the
        # user pans or zooms to is copied to the others.
        # Two charts or fewer: one above the other, each the panel's width (time series want
        # width); more: two columns, an odd last chart spanning both (no empty cell). Rows
        # share the height equally.
        columns = 2 if len(charts) > 2 else 1
        for row in range(self.grid.rowCount()):
            self.grid.setRowStretch(row, 0)
        for i, chart in enumerate(charts):
            chart.follow_range = self.follow_range
            chart.follow_changed.connect(self._set_follow)
            chart.x_range_picked.connect(self._share_x_range)
            span = columns if i == len(charts) - 1 and i % columns == 0 else 1
            self.grid.addWidget(chart, i // columns, i % columns, 1, span)
            chart.show()  # now, not when the layout gets round to it: the next frame draws it
            chart.scene().sigMouseMoved.connect(lambda pos, c=chart: self._on_mouse_moved(c, pos))
            chart.scene().sigMouseClicked.connect(lambda event, c=chart: self._on_mouse_clicked(c, event))
        for row in range(max(1, (len(charts) + columns - 1) // columns)):
            self.grid.setRowStretch(row, 1)
        self._next = 0

    def set_model(self, spec: ModelSpec) -> bool:
        """Show ``spec``'s charts (empty); True when the charts were rebuilt."""
        if spec is self.model or (spec.name == self.model.name and spec.charts == self.model.charts
                                  and spec.metrics == self.model.metrics):
            return False
        self._build_charts(spec)
        self.charts_rebuilt.emit()
        return True

    # ---- binding ----------------------------------------------------------------
    def bind(self, runs: list[RunSeries]) -> None:
        """Show ``runs`` (one: detailed curves; several: one curve per run to compare;
        none: a single run's curves, empty, of the model (and agent types) last shown)."""
        if not runs:
            last = self.runs[0] if len(self.runs) == 1 else None
            types = last.types if last is not None else RunSeries.types_of(None)
            self._bind([RunSeries(0, "", StoredSeries({}), types, model=self.model)])
            self.runs = []
            return
        self._bind(runs)

    def _bind(self, runs: list[RunSeries]) -> None:
        models = list({run.spec.name: run.spec for run in runs}.values())
        common: set[str] | None = None
        self.overlay_note = None
        if len({m.name for m in models}) > 1:
            common = set(models[0].metric_names).intersection(*(m.metric_names for m in models[1:]))
            names = ", ".join(m.label for m in models)
            if common:
                shown = [m.label for m in chart_specs.readout_metrics(models[0], common)]
                self.overlay_note = (f"Runs of different models ({names}): only their common metrics are "
                                     f"overlaid ({', '.join(shown) or 'none charted'}).")
            else:
                self.overlay_note = (f"Nothing to overlay: the runs are of different models ({names}), "
                                     "which have no metric in common.")
        self.set_model(models[0])
        self.runs = list(runs)
        self.follow_range.reset()
        self.clear_hover(rows=len(runs))
        specs = chart_specs.curves(self.model, self.runs, common)
        self.run_key.set_runs([(run.name, RUN_STYLES[i % len(RUN_STYLES)]) for i, run in enumerate(runs)])
        for name, chart in self.by_name.items():
            chart.set_curves(specs.get(name, []))
            chart.follow = True
            chart._settled_at = -1.0
        if self.overlay_note:
            self.readout.setText(self.overlay_note)
        # No drawing here: the frame timer draws the charts two per turn from the first
        # one on, rather than all of them (~100 ms) in the turn that starts or selects a run.
        self._next = 0
        self._cycle = (0.0, False)

    def _set_follow(self, follow: bool) -> None:
        self.follow_range.reset()
        for chart in self.charts:
            chart.follow = follow
            chart._settled_at = -1.0
            chart.getPlotItem().vb.disableAutoRange()

    def _share_x_range(self, x0: float, x1: float) -> None:
        for chart in self.charts:
            chart.show_steps(x0, x1)

    def refresh(self) -> bool:
        t0 = time.perf_counter()
        changed = False
        for chart in self.charts:
            if chart.isVisible() or not self.isVisible():
                changed = chart.refresh() or changed
        if changed:
            self.frames += 1
            self.last_frame_s = time.perf_counter() - t0
        return changed

    def refresh_next(self) -> bool:
        """Bring the next chart up to date (one per call, in turn): the frame timer spreads
        a frame over several event-loop turns so that none of them is long."""
        if not self.charts:
            self.axes_moved = False
            return False
        t0 = time.perf_counter()
        self._next %= len(self.charts)
        chart = self.charts[self._next]
        drawn = chart.isVisible() or not self.isVisible()
        changed = drawn and chart.refresh()
        self.axes_moved = drawn and chart.axes_moved
        spent, any_changed = self._cycle
        self._cycle = (spent + time.perf_counter() - t0, any_changed or changed)
        self._next = (self._next + 1) % len(self.charts)
        if self._next == 0:
            spent, any_changed = self._cycle
            if any_changed:
                self.frames += 1
                self.last_frame_s = spent
            self._cycle = (0.0, False)
        return changed

    def set_cursor(self, step: float | None) -> None:
        for chart in self.charts:
            chart.set_cursor(step)

    # ---- hover read-out ------------------------------------------------------------
    def clear_hover(self, rows: int | None = None) -> None:
        """Forget the hovered step (the runs it read are no longer the ones shown);
        ``rows``: the number of runs now bound (the read-out's height)."""
        for c in self.charts:
            c.hover_line.setVisible(False)
        if rows is not None:
            self.readout.set_rows(rows)
        self.readout.setText(self.overlay_note or HOVER_HINT)
        self.hover_step = None

    def _on_mouse_moved(self, chart: LiveChart, pos) -> None:
        step = self._step_at(chart, pos)
        if step is not None:
            self.show_hover(step)

    def _on_mouse_clicked(self, chart: LiveChart, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.double() or event.isAccepted():
            return  # (accepted: an item took it, the "A" button or the legend)
        step = self._step_at(chart, event.scenePos())
        if step is not None:
            self.step_clicked.emit(step)

    def _step_at(self, chart: LiveChart, pos) -> int | None:
        """The step under the scene position ``pos`` of ``chart`` (None off the plot or
        with no run shown); over an axis or past the ends, the nearest step with data."""
        plot = chart.getPlotItem()
        if not self.runs or not plot.sceneBoundingRect().contains(pos):
            return None
        step = int(round(plot.vb.mapSceneToView(pos).x()))
        span = self._steps_shown()
        if span is not None:
            step = min(max(step, span[0]), span[1])
        return step

    def _steps_shown(self) -> tuple[int, int] | None:
        """The first and last step any run shown has data for."""
        ends = []
        for run in self.runs:
            snap = run.source.snapshot()
            if snap.length:
                first = int(snap["step"][0])
                ends.append((first, first + snap.length - 1))
        return (min(a for a, _ in ends), max(b for _, b in ends)) if ends else None

    def show_hover(self, step: int) -> None:
        """The hover line at ``step`` in every chart and the values of every run shown."""
        self.hover_step = step
        for c in self.charts:
            c.hover_line.setVisible(True)
            c.hover_line.setValue(step)
        self.readout.set_lines(self.readout_lines(step))
        self.hovered.emit(step)

    def readout_lines(self, step: int) -> list[tuple[str, str]]:
        """(run name, values at ``step``) for each run shown; a run shorter than the step
        says where it ended, so that runs of different lengths read together."""
        lines = []
        models = {run.spec.name for run in self.runs}
        common = None
        if len(models) > 1:
            specs = [r.spec for r in self.runs]
            common = set(specs[0].metric_names).intersection(*(s.metric_names for s in specs[1:]))
        for run in self.runs:
            snap = run.source.snapshot()
            if snap.length == 0:
                lines.append((run.name, "no data yet"))
                continue
            first = int(snap["step"][0])
            i = step - first
            if not 0 <= i < snap.length:
                last = first + snap.length - 1
                lines.append((run.name, f"no step {step} (steps {first}-{last})"))
                continue
            spec = run.spec

            def value(name: str, s=snap, i=i, spec=spec) -> str:
                if name not in s.names:
                    return "-"
                v = s[name][i]
                if not np.isfinite(v):
                    return "-"
                try:
                    metric = spec.metric(name)
                except KeyError:
                    metric = None
                return chart_specs.format_value(metric, float(v))

            if foraging_look.applies(spec) and common is None:
                lines.append((run.name, f"step {step}: " + foraging_look.readout(run, value)))
                continue
            parts = []
            for metric in chart_specs.readout_metrics(spec, common):
                unit = f" {metric.unit}" if metric.unit and metric.unit != metric.label else ""
                parts.append(f"{metric.label} {value(metric.name)}{unit}")
            lines.append((run.name, f"step {step}: " + "; ".join(parts)))
        return lines or [("", f"step {step}: no data")]

    def readout_text(self, step: int) -> str:
        return "\n".join(f"{lead} {rest}".strip() for lead, rest in self.readout_lines(step))
