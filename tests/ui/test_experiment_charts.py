"""The Experiment Charts dock: select an experiment in the Experiments panel and see each
run's final value against a factor and the design points' mean curves with their
Student-t bands, computed here independently from the store's metrics."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QComboBox, QDockWidget
from scipy import stats

from farm_gui.experiments.backends import make_backend
from farm_gui.experiments.runner import create_experiment, run_experiment
from farm_gui.experiments.spec import spec_from_text
from farm_gui.runtime.aio import spawn
from farm_gui.store import open_store
from farm_gui.ui.plots.key_list import KEY_MAX_PX

from .conftest import WAIT_MS

SPEC = """model: foraging
preset: default
factors:
  base_consumption_rate: {values: [0.1, 0.4]}
  max_resource_amount: {values: [10, 30]}
replications: 3
steps: 25
seed: 3
"""


@pytest.fixture
def experiment_db(tmp_path):
    store = open_store(tmp_path / "work.db")
    experiment_id = run_experiment(store, spec_from_text(SPEC, "spec"), make_backend(2))
    store.close()
    return experiment_id


def _select(qtbot, window, experiment_id):
    panel = window.experiments_panel
    window.findChild(QDockWidget, "dock_experiments").raise_()
    qtbot.waitUntil(lambda: any(panel.table.item(r, 0).text() == str(experiment_id)
                                for r in range(panel.table.rowCount())), timeout=WAIT_MS)
    row = next(r for r in range(panel.table.rowCount())
               if panel.table.item(r, 0).text() == str(experiment_id))
    rect = panel.table.visualRect(panel.table.model().index(row, 1))
    qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    return window.findChild(type(panel.charts), "experiment_charts")


def expected(store, experiment_id, factor, metric):
    """Per run (in point, replicate order): factor value and final value; per design point
    the mean and a t band, from the store's metrics directly."""
    runs = sorted(store.experiment_runs(experiment_id), key=lambda r: (r.point, r.replicate))
    xs, finals, curves = [], [], {}
    for r in runs:
        values = store.metrics(r.run_id)[metric].astype(float)
        xs.append(r.factors[factor])
        finals.append(values[-1])
        curves.setdefault(r.point, []).append(values)
    bands = {}
    for point, members in curves.items():
        m = np.vstack(members)  # 25 steps each: no run stops early here
        mean = m.mean(axis=0)
        half = stats.t.ppf(0.975, len(m) - 1) * m.std(axis=0, ddof=1) / np.sqrt(len(m))
        bands[point] = (mean, mean - half, mean + half)
    return np.array(xs, dtype=float), np.array(finals), bands


def test_charts_of_a_finished_experiment_follow_the_outcome_and_factor(qtbot, make_window, experiment_db,
                                                                      monkeypatch):
    from farm_gui.ui.experiments import experiment_charts

    monkeypatch.setattr(experiment_charts, "READ_BATCH", 5)  # 12 runs: read in three batches
    window = make_window()
    charts = _select(qtbot, window, experiment_db)
    assert charts is not None and window.findChild(QDockWidget, "dock_experiment_charts").isVisible()
    outcome = charts.findChild(QComboBox, "experiment_outcome")
    factor = charts.findChild(QComboBox, "experiment_factor")
    qtbot.waitUntil(lambda: len(charts.scatter.getData()[0]) == 12, timeout=WAIT_MS)
    factors = [factor.itemText(i) for i in range(factor.count())]
    assert factors == ["base_consumption_rate", "max_resource_amount"]
    assert outcome.currentData() == "alive"
    assert "12 finished runs over 4 design points" in charts.heading.text()
    assert charts.reads == 3
    # the mean curves are redrawn at most once a second while reads come in: the last one follows
    qtbot.waitUntil(lambda: sorted(charts.band_items) == [0, 1, 2, 3], timeout=WAIT_MS)

    store = window.store
    for metric, factor_name in (("alive", "base_consumption_rate"),
                                ("resources_in_nodes", "base_consumption_rate"),
                                ("resources_in_nodes", "max_resource_amount")):
        outcome.setCurrentIndex(outcome.findData(metric))
        factor.setCurrentIndex(factor.findText(factor_name))
        x, y = charts.scatter.getData()
        want_x, want_y, bands = expected(store, experiment_db, factor_name, metric)
        assert x.tolist() == want_x.tolist()
        assert y.tolist() == pytest.approx(want_y.tolist())
        assert charts.scatter_plot.getPlotItem().getAxis("bottom").labelText == factor_name
        assert sorted(charts.band_items) == [0, 1, 2, 3]
        for point, (mean, lo, hi) in bands.items():
            curve, fills = charts.band_items[point]
            assert curve.getData()[0].tolist() == list(range(25))
            assert curve.getData()[1].tolist() == pytest.approx(mean.tolist())
            assert len(fills) == 1  # the band is defined at every step: one fill
            assert fills[0].curves[0].getData()[1].tolist() == pytest.approx(lo.tolist())
            assert fills[0].curves[1].getData()[1].tolist() == pytest.approx(hi.tolist())
            assert fills[0].path().boundingRect().height() > 0  # something is filled
    # another outcome gives other data (final resources are not agents alive)
    alive = expected(store, experiment_db, "base_consumption_rate", "alive")[1]
    assert charts.scatter.getData()[1].tolist() != pytest.approx(alive.tolist())

    # the x axis spans the planned values of the factor shown
    x_range = charts.scatter_plot.getPlotItem().getViewBox().viewRange()[0]
    assert x_range[0] < 10 < 30 < x_range[1] < 32

    legend = [charts.legend.item(i).text() for i in range(charts.legend.count())]
    assert legend[0] == "point 0 (base_consumption_rate=0.1, max_resource_amount=10), 3 runs"
    assert len(legend) == 4
    # the legend is as tall as its entries need: all in view, no rows of empty space
    qtbot.waitUntil(lambda: charts.legend.height() == charts.legend.sizeHint().height(), timeout=WAIT_MS)
    view = charts.legend.viewport().rect()
    rects = [charts.legend.visualItemRect(charts.legend.item(i)) for i in range(4)]
    assert all(view.top() <= r.top() and r.bottom() <= view.bottom() for r in rects)  # every row in view
    assert view.bottom() - max(r.bottom() for r in rects) < min(r.height() for r in rects)
    # a legend entry picks its design point out: its runs on the scatter take its colour
    entry = charts.legend.item(2)
    qtbot.mouseClick(charts.legend.viewport(), Qt.MouseButton.LeftButton,
                     pos=charts.legend.visualItemRect(entry).center())
    assert charts.chosen == 2
    points = {r.run_id: r.point for r in store.experiment_runs(experiment_db)}
    data = charts.scatter.data
    colours = [(points[int(rid)], brush.color().name())
               for rid, brush in zip(data["data"], data["brush"], strict=True)]
    swatch = entry.icon().pixmap(12, 12).toImage().pixelColor(5, 5).name()
    assert {c for p, c in colours if p == 2} == {swatch}
    assert len({c for p, c in colours if p != 2}) == 1 and colours[0][1] != colours[6][1]
    assert charts.band_items[2][0].opts["pen"].widthF() > charts.band_items[0][0].opts["pen"].widthF()
    qtbot.mouseClick(charts.legend.viewport(), Qt.MouseButton.LeftButton,
                     pos=charts.legend.visualItemRect(entry).center())
    assert charts.chosen is None
    assert len({b.color().name() for b in charts.scatter.data["brush"]}) == 1

    reads = charts.reads
    qtbot.wait(1500)  # three ticks of the panel's timer with nothing new: no read
    assert charts.reads == reads


def test_an_experiment_without_factors_shows_its_final_values_by_replicate(qtbot, make_window, tmp_path):
    """Replications only: the scatter was an empty frame ("No factors"); the spread of the
    outcome over the seeds is what such an experiment is for."""
    store = open_store(tmp_path / "work.db")
    text = "model: foraging\npreset: default\nreplications: 5\nsteps: 20\nseed: 7\n"
    experiment_id = run_experiment(store, spec_from_text(text, "spec"), make_backend(2))
    runs = sorted(store.experiment_runs(experiment_id), key=lambda r: r.replicate)
    finals = [float(store.metrics(r.run_id)["alive"][-1]) for r in runs]
    store.close()
    window = make_window()
    charts = _select(qtbot, window, experiment_id)
    qtbot.waitUntil(lambda: len(charts.scatter.getData()[0]) == 5, timeout=WAIT_MS)
    x, y = charts.scatter.getData()
    assert sorted(zip(x.tolist(), y.tolist(), strict=True)) == list(zip([0.0, 1.0, 2.0, 3.0, 4.0], finals,
                                                                         strict=True))
    plot = charts.scatter_plot.getPlotItem()
    assert plot.getAxis("bottom").labelText == "replicate"
    assert "by replicate" in plot.titleLabel.text and "final value of each run" in plot.titleLabel.text
    assert charts.factor.count() == 0
    assert _tick_texts(plot.getAxis("bottom")) == ["0", "1", "2", "3", "4"]  # it had 0.5, 1.5, ... too


def _tick_texts(axis) -> list[str]:
    """The tick labels the axis draws."""
    from PySide6.QtGui import QImage, QPainter

    image = QImage(800, 100, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _axis, _ticks, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [text for _rect, _flags, text in texts]


def test_charts_gain_points_while_an_experiment_runs(qtbot, make_window, monkeypatch):
    from farm_gui.runtime.experiment_jobs import ExperimentJob

    # The experiment pauses itself once 3 runs have a result (in its own thread, so however
    # fast the machine, it cannot finish first): the charts must show those runs while the
    # experiment is unfinished, then the rest after Resume. Pause stops dispatching; what
    # is in flight finishes: once timed, short runs go several to a task (up to 2 x 8 here),
    # so the experiment has more runs than that.
    on_progress = ExperimentJob._on_progress

    def pause_after_three(job, progress):
        on_progress(job, progress)
        if progress.finished >= 3 and not getattr(job, "paused_once", False):
            job.paused_once = True
            job.control.pause()

    monkeypatch.setattr(ExperimentJob, "_on_progress", pause_after_three)
    window = make_window()
    longer = SPEC.replace("steps: 25", "steps: 400").replace("replications: 3", "replications: 12")
    total = 4 * 12
    spec = spec_from_text(longer, "spec")
    experiment_id = create_experiment(window.store, spec)
    panel = window.experiments_panel
    panel.start_job(experiment_id, make_backend(1))
    charts = panel.charts
    # the experiment just started is selected: its charts fill as its runs finish
    qtbot.waitUntil(lambda: panel.selected_id() == experiment_id, timeout=WAIT_MS)
    job = panel.jobs[experiment_id]

    def settled_while_paused() -> bool:
        p = job.progress
        return (getattr(job, "paused_once", False) and p is not None and p.running == 0
                and len(charts.scatter.getData()[0]) == p.finished)

    qtbot.waitUntil(settled_while_paused, timeout=4 * WAIT_MS)
    shown = len(charts.scatter.getData()[0])
    assert 3 <= shown < total and job.alive
    panel.resume()
    qtbot.waitUntil(lambda: len(charts.scatter.getData()[0]) == total, timeout=4 * WAIT_MS)
    qtbot.waitUntil(lambda: experiment_id not in panel.jobs, timeout=WAIT_MS)
    want_x, want_y, bands = expected(window.store, experiment_id, "base_consumption_rate", "alive")
    assert charts.scatter.getData()[1].tolist() == pytest.approx(want_y.tolist())
    # the mean curves follow at most a second behind the scatter (redrawn at most once a second)
    mean_of_point_3 = pytest.approx(bands[3][0].tolist())
    qtbot.waitUntil(lambda: 3 in charts.band_items
                    and charts.band_items[3][0].getData()[1].tolist() == mean_of_point_3, timeout=WAIT_MS)
    assert charts.reads < total + 3  # one read per tick with news, not one per tick


def test_bands_are_drawn_where_they_are_defined():
    from farm_gui.ui.plots.bands import finite_runs as _finite_runs

    nan = np.nan
    lo = np.array([nan, 1, 2, 3, nan, 5, nan, 7, 8])
    assert _finite_runs(lo, lo + 1) == [slice(1, 4), slice(7, 9)]  # a lone value has no area
    assert _finite_runs(np.array([nan, nan]), np.array([1.0, 2.0])) == []


def test_charts_update_their_items_in_place_as_reads_come_in(qtbot, make_window, experiment_db, monkeypatch):
    """Each read's drawing is set on the curves, band fills, scatter and legend entries
    drawn before (no item removed and added again), with the values of all runs read."""
    from farm_gui.ui.experiments import experiment_charts

    monkeypatch.setattr(experiment_charts, "READ_BATCH", 5)  # 12 runs: three reads, drawn as they come
    monkeypatch.setattr(experiment_charts, "DRAW_EVERY_S", 3.0)  # the first read's drawing stays a while
    window = make_window()
    charts = _select(qtbot, window, experiment_db)
    qtbot.waitUntil(lambda: bool(charts.band_items) and charts.legend.count() > 0, timeout=WAIT_MS)
    first_runs = len(charts.scatter.getData()[0])
    assert first_runs < 12  # the first read's runs only: the next ones are drawn into these items
    kept = {point: (curve, list(fills)) for point, (curve, fills) in charts.band_items.items()}
    entries = {charts.legend.item(i).data(Qt.ItemDataRole.UserRole): charts.legend.item(i)
               for i in range(charts.legend.count())}
    plot_items = charts.bands_plot.getPlotItem().listDataItems()
    qtbot.waitUntil(lambda: len(charts.scatter.getData()[0]) == 12 and charts.legend.count() == 4
                    and all("3 runs" in charts.legend.item(i).text() for i in range(4)), timeout=WAIT_MS)
    assert sorted(charts.band_items) == [0, 1, 2, 3]

    for point, (curve, fills) in kept.items():
        assert charts.band_items[point][0] is curve
        assert charts.band_items[point][1][:len(fills)] == fills  # the same fill objects
    assert all(item in charts.bands_plot.getPlotItem().listDataItems() for item in plot_items)
    assert len(charts.bands_plot.getPlotItem().listDataItems()) == 4  # one mean curve a point, no leftovers
    for entry in entries.values():
        row = charts.legend.row(entry)
        assert row >= 0 and charts.legend.item(row) is entry
    legend = [charts.legend.item(i).data(Qt.ItemDataRole.UserRole) for i in range(charts.legend.count())]
    assert legend == [0, 1, 2, 3]  # in design order, one entry each

    # the values are those of all the runs, not of the first read's
    want_x, want_y, bands = expected(window.store, experiment_db, "base_consumption_rate", "alive")
    x, y = charts.scatter.getData()
    assert x.tolist() == want_x.tolist() and y.tolist() == pytest.approx(want_y.tolist())
    for point, (mean, lo, hi) in bands.items():
        curve, fills = charts.band_items[point]
        assert curve.getData()[1].tolist() == pytest.approx(mean.tolist())
        assert len(fills) == 1 and fills[0].isVisible()
        assert fills[0].curves[0].getData()[1].tolist() == pytest.approx(lo.tolist())
        assert fills[0].curves[1].getData()[1].tolist() == pytest.approx(hi.tolist())
        assert fills[0].path().boundingRect().height() > 0  # filled between the new edges
    # a tooltip names the run under the pointer
    run_id = int(charts.scatter.data["data"][0])
    assert charts._tip(x[0], y[0], run_id).startswith(f"run {run_id} (point 0, replicate 0)")
    # the dock renders on its own (a grab, as a screenshot tool does; Qt asks the widget for its
    # device metrics: a method of the charts named ``metric`` answered that and crashed it)
    image = charts.grab().toImage()
    assert not image.isNull() and image.width() == charts.width()
    colours = {image.pixel(px, py) for px in range(0, image.width(), 7) for py in range(0, image.height(), 7)}
    assert len(colours) > 10  # drawn, not blank


def test_band_fills_follow_stretches_in_place(qtbot):
    """bands.update_band keeps the fills it is given, adds one per new stretch where both
    edges are defined and removes those left over; add_band (the analysis results') as before."""
    from farm_gui.ui.plots.bands import add_band, update_band
    from farm_gui.ui.plots.plot_widget import PlotWidget

    plot = PlotWidget()
    qtbot.addWidget(plot)
    item = plot.getPlotItem()
    x = np.arange(6, dtype=float)
    fills = add_band(item, x, np.zeros(6), np.ones(6), "#1f77b4")
    assert len(fills) == 1 and fills[0] in item.items
    first = fills[0]
    lo = np.array([0, 0, np.nan, 1, 1, 1.0])
    fills = update_band(item, fills, x, lo, lo + 2, "#1f77b4")
    assert len(fills) == 2 and fills[0] is first and fills[1] in item.items
    assert first.curves[0].getData()[0].tolist() == [0, 1] and first.curves[1].getData()[1].tolist() == [2, 2]
    assert first.path().boundingRect().height() == pytest.approx(2)
    second = fills[1]
    fills = update_band(item, fills, x, np.zeros(6), np.full(6, 3.0), "#1f77b4")
    assert fills == [first] and second not in item.items
    assert first.path().boundingRect().height() == pytest.approx(3)
    # the outline set in place is the one pyqtgraph's FillBetweenItem makes from the edges
    ours = first.path()
    first.updatePath()
    assert first.path().boundingRect() == ours.boundingRect()
    assert all(ours.contains(QPointF(px, py)) == first.path().contains(QPointF(px, py))
               for px in (0.5, 2.5, 4.9) for py in (-0.5, 0.5, 2.9, 3.5))
    assert ours.contains(QPointF(2.5, 1.5)) and not ours.contains(QPointF(2.5, 3.5))
    assert update_band(item, fills, x, np.full(6, np.nan), np.ones(6), "#1f77b4") == []
    assert first not in item.items


def test_value_axis_keeps_its_range_while_the_data_stay_inside(qtbot):
    from farm_gui.ui.experiments.experiment_charts import SteadyViewBox
    from farm_gui.ui.plots.plot_widget import PlotWidget

    plot = PlotWidget(viewBox=SteadyViewBox())
    qtbot.addWidget(plot)
    plot.resize(400, 300)
    view = plot.getPlotItem().getViewBox()
    curve = plot.plot([0, 1, 2], [10.0, 20.0, 30.0])

    def y_range(values):
        curve.setData([0, 1, 2], values)
        view.updateAutoRange()
        return view.viewRange()[1]

    first = y_range([10.0, 20.0, 30.0])
    assert first[0] <= 8 and first[1] >= 32  # room of a tenth of the data's span each side
    assert y_range([12.0, 21.0, 29.0]) == first  # inside, and filling most of it: kept
    grown = y_range([12.0, 21.0, 40.0])  # out of it: moved
    assert grown[1] >= 40 and grown != first
    narrow = y_range([20.0, 21.0, 22.0])  # a small part of it: fitted again
    assert 18 < narrow[0] < 20 and 22 < narrow[1] < 24
    # data that are not below 0: no room of their own under 0, only pyqtgraph's padding (<= 10 %)
    lo, hi = y_range([0.0, 5.0, 10.0])
    assert -0.1 * (hi - lo) < lo < 0 and hi >= 11
    view.setYRange(100, 200, padding=0)  # the user's zoom stays
    curve.setData([0, 1, 2], [1.0, 2.0, 3.0])
    view.updateAutoRange()
    assert view.viewRange()[1] == pytest.approx([100, 200])


def test_curves_are_made_ahead_of_their_points_runs_and_then_filled(qtbot, make_window):
    """Selecting an experiment with no finished run yet makes each drawn design point's curve
    and band fill, hidden and empty (the plot shows nothing, its range is not moved); its
    first runs then fill those very items in."""
    window = make_window()
    experiment_id = create_experiment(window.store, spec_from_text(SPEC, "spec"))
    panel = window.experiments_panel
    spawn(panel.reload())  # listed (as the panel does for one it starts)
    charts = _select(qtbot, window, experiment_id)
    qtbot.waitUntil(lambda: sorted(charts._spare) == [0, 1, 2, 3], timeout=WAIT_MS)
    made = {point: (curve, list(fills)) for point, (curve, fills) in charts._spare.items()}
    assert charts.band_items == {} and charts.legend.count() == 0
    for curve, fills in made.values():
        assert not curve.isVisible() and not any(f.isVisible() for f in fills)
        assert len(curve.getData()[0] if curve.getData()[0] is not None else []) == 0
    assert charts.bands_plot.getPlotItem().getViewBox().childrenBounds()[1] is None  # nothing to fit

    panel.start_job(experiment_id, make_backend(2))
    qtbot.waitUntil(lambda: experiment_id not in panel.jobs and charts.legend.count() == 4
                    and all("3 runs" in charts.legend.item(i).text() for i in range(4)), timeout=4 * WAIT_MS)
    _, _, bands = expected(window.store, experiment_id, "base_consumption_rate", "alive")
    for point, (curve, _fills) in made.items():
        drawn_curve, drawn_fills = charts.band_items[point]
        # the curve made ahead, filled in; its band fill is too unless a drawing came while the
        # point had one run (no band at all: the fill goes, and the next band makes one), which
        # under load happens: the band is then compared, not the item
        assert drawn_curve is curve and curve.isVisible()
        assert curve.getData()[1].tolist() == pytest.approx(bands[point][0].tolist())
        assert drawn_fills and drawn_fills[0].isVisible()
        assert drawn_fills[0].path().boundingRect().height() > 0
    assert charts._spare == {}


def test_a_legend_of_two_short_entries_takes_one_row(qtbot):
    from PySide6.QtWidgets import QVBoxLayout, QWidget

    from farm_gui.ui.plots.key_list import KeyList

    box = QWidget()
    qtbot.addWidget(box)
    layout = QVBoxLayout(box)
    layout.addWidget(QWidget(), 1)  # the chart above takes what the legend leaves
    legend = KeyList()
    layout.addWidget(legend)
    box.resize(600, 400)
    box.show()
    qtbot.waitExposed(box)
    assert not legend.isVisible()  # nothing to list: no empty box
    legend.addItem("point 0 (a=1), 5 runs")
    legend.addItem("point 1 (a=2), 5 runs")
    assert legend.isVisible()
    row = legend.visualItemRect(legend.item(0))
    qtbot.waitUntil(lambda: legend.height() == legend.sizeHint().height(), timeout=WAIT_MS)
    assert legend.visualItemRect(legend.item(1)).top() == row.top()  # side by side
    assert legend.height() < 2 * row.height() + 2 * legend.frameWidth()  # one row, not a scroll area's 70 px
    for i in range(40):  # many entries: it grows up to its most, then scrolls
        legend.addItem(f"point {i + 2} (a={i + 3}), 5 runs")
    qtbot.waitUntil(lambda: legend.height() == KEY_MAX_PX, timeout=WAIT_MS)
    legend.clear()
    assert not legend.isVisible()


def test_long_titles_are_elided_and_the_plots_fit_a_narrow_dock(qtbot, make_window, experiment_db):
    """A long title ("<chart>: <metric> – final value of each run") made the plot as wide
    as its text: wider than the dock, its right part, with the factor's last level, cut off
    out of sight. Titles are elided to the plot's width and the plot fits its view."""
    window = make_window()
    window.resize(1400, 900)
    charts = _select(qtbot, window, experiment_db)
    qtbot.waitUntil(lambda: len(charts.scatter.data) == 12, timeout=WAIT_MS)
    outcome = charts.findChild(QComboBox, "experiment_outcome")
    longest = max(range(outcome.count()), key=lambda i: len(outcome.itemText(i)))
    outcome.setCurrentIndex(longest)  # "Agents alive: independent – final value of each run"
    charts.setMaximumWidth(330)  # a dock this narrow
    for plot in (charts.scatter_plot, charts.bands_plot):
        qtbot.waitUntil(lambda plot=plot: plot.width() <= 330 and "…" in plot.getPlotItem().titleLabel.text,
                        timeout=WAIT_MS)
        scene_width = plot.getPlotItem().sceneBoundingRect().width()
        assert scene_width <= plot.viewport().width() + 1, (scene_width, plot.viewport().width())
    # the factor's highest level is inside the scatter's view
    (x0, x1), _ = charts.scatter_plot.getPlotItem().vb.viewRange()
    xs = charts.scatter.getData()[0]
    visible = charts.scatter_plot.getPlotItem().vb.mapViewToScene(QPointF(float(np.max(xs)), 0)).x()
    assert x0 <= np.max(xs) <= x1 and visible <= charts.scatter_plot.viewport().width()


def test_the_two_charts_are_first_painted_apart_when_an_experiment_is_selected(qtbot, make_window,
                                                                            experiment_db):
    """Selecting another experiment lays both charts' axes out anew (~15-25 ms of painting
    each): painted in one window update, they held the GUI thread ~40-55 ms, the worst
    lateness of an experiment's start. The mean curves' chart is painted a moment later."""
    import time

    from PySide6.QtCore import QEvent, QObject

    from farm_gui.ui.experiments.experiment_charts import STAGGER_MS

    window = make_window()
    window.findChild(QDockWidget, "dock_experiment_charts").raise_()
    charts = window.findChild(QObject, "experiment_charts")
    qtbot.waitUntil(charts.isVisible, timeout=WAIT_MS)
    painted: dict[str, list[float]] = {"scatter": [], "bands": []}

    class Paints(QObject):
        def eventFilter(self, watched, event):  # noqa: N802 (Qt API)
            if event.type() == QEvent.Type.Paint:
                name = "scatter" if watched is charts.scatter_plot.viewport() else "bands"
                painted[name].append(time.perf_counter())
            return False

    paints = Paints(charts)
    for plot in (charts.scatter_plot, charts.bands_plot):
        plot.viewport().installEventFilter(paints)
    reset_at: list[float] = []
    real_reset = charts._reset

    def reset(*args):
        reset_at.append(time.perf_counter())
        real_reset(*args)

    charts._reset = reset
    _select(qtbot, window, experiment_db)

    def first_after_reset(name: str) -> float | None:
        later = [t for t in painted[name] if reset_at and t > reset_at[0]]
        return later[0] if later else None

    qtbot.waitUntil(lambda: first_after_reset("scatter") is not None
                    and first_after_reset("bands") is not None, timeout=WAIT_MS)
    assert first_after_reset("scatter") < first_after_reset("bands")
    assert first_after_reset("bands") - reset_at[0] >= 0.8 * STAGGER_MS / 1000
