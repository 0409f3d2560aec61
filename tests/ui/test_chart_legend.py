"""A chart's legend sits in the corner where it covers the least of the curves (at the top
left it hid the tops of the births curve: a birth count of 2 read as 1.5), and stays where
the user drags it."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from farm_gui.display.legend_place import better_corner
from farm_gui.display.series import RunSeries
from farm_gui.runtime.live_buffer import LiveBuffer
from farm_gui.sim import METRIC_NAMES
from farm_gui.ui.plots.charts import ChartsPanel


def births_peak_first(steps: int = 200) -> LiveBuffer:
    """Births of 10 a step for the first 20 steps, then 1: the curve's top is at the left."""
    buffer = LiveBuffer(METRIC_NAMES)
    row = dict.fromkeys(METRIC_NAMES, 0.0)
    for i in range(steps):
        row.update(step=i, alive=100 + i, births=10.0 if i < 20 else 1.0, deaths=0.5,
                   resources_in_nodes=500.0, mean_agent_resources=5.0, mean_health=90.0)
        buffer.append(row)
    return buffer


def bound_panel(qtbot, buffer: LiveBuffer) -> ChartsPanel:
    """A shown charts panel bound to ``buffer``, not refreshed yet."""
    panel = ChartsPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 600)
    panel.show()
    qtbot.waitExposed(panel)
    panel.bind([RunSeries(1, "run 1", buffer)])
    return panel


def shown_panel(qtbot, buffer: LiveBuffer) -> ChartsPanel:
    panel = bound_panel(qtbot, buffer)
    for _ in range(6):  # settle the ranges
        panel.refresh()
        qtbot.wait(5)
    return panel


def points_under_legend(chart) -> int:
    """The curves' drawn points that fall inside the legend's box on screen."""
    view = chart.getPlotItem().vb
    box = view.mapSceneToView(chart.legend.sceneBoundingRect()).boundingRect()  # in data units
    hidden = 0
    for curve in chart.curves:
        x, y = curve.item.xData, curve.item.yData
        hidden += int(np.count_nonzero((x >= box.left()) & (x <= box.right())
                                       & (y >= box.top()) & (y <= box.bottom())))
    return hidden


def chart_named(panel: ChartsPanel, name: str):
    return next(chart for chart in panel.charts if chart.objectName() == name)


def test_the_legend_leaves_the_corner_where_the_curves_peak(qtbot):
    panel = shown_panel(qtbot, births_peak_first())
    chart = chart_named(panel, "births_deaths_chart")
    assert chart.legend_corner == "upper right"
    assert points_under_legend(chart) == 0
    (x0, x1), _ = chart.getPlotItem().vb.viewRange()
    legend = chart.getPlotItem().vb.mapRectFromScene(chart.legend.sceneBoundingRect())
    assert legend.center().x() > (x0 + x1) / 2  # on screen, too


def drag(widget, start: QPointF, end: QPointF) -> None:
    """A left-button drag through the viewport (QTest's mouseMove carries no buttons)."""
    viewport = widget.viewport()
    left, none, plain = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    events = [QMouseEvent(QEvent.Type.MouseButtonPress, start, start, left, left, plain)]
    for k in range(1, 11):
        at = start + (end - start) * (k / 10)
        events.append(QMouseEvent(QEvent.Type.MouseMove, at, at, none, left, plain))
    events.append(QMouseEvent(QEvent.Type.MouseButtonRelease, end, end, left, none, plain))
    for event in events:
        QApplication.sendEvent(viewport, event)


def test_a_legend_the_user_dragged_stays_where_it_was_put(qtbot):
    buffer = births_peak_first()
    panel = shown_panel(qtbot, buffer)
    chart = chart_named(panel, "births_deaths_chart")
    start = chart.mapFromScene(chart.legend.sceneBoundingRect().center())
    drag(chart, QPointF(start), QPointF(start) + QPointF(-60, 40))
    assert chart.legend.moved_by_user
    dropped = chart.legend.pos()
    row = dict.fromkeys(METRIC_NAMES, 0.0)
    for i in range(200, 260):  # the run goes on: the peak leaves the right-hand corner free no more
        row.update(step=i, alive=100 + i, births=10.0, deaths=0.5)
        buffer.append(row)
    chart._legend_due = 0.0
    for _ in range(6):
        panel.refresh()
        qtbot.wait(5)
    assert chart.legend.pos() == dropped


def test_a_live_legend_moves_only_for_a_clearly_better_corner():
    top_left = (np.array([0.0, 0.1, 0.2]), np.array([0.95, 0.95, 0.95]))
    box = (0.3, 0.2)
    assert better_corner([top_left], box, "upper left") == "upper right"
    # a corner that hides a little less is not worth a jump
    top_right = (np.array([0.8, 0.9, 1.0]), np.array([0.9, 0.9, 0.9]))
    floor = (np.linspace(0, 1, 2000), np.full(2000, 0.05))  # the lower corners are taken
    assert better_corner([top_left, top_right, floor], box, "upper left") == "upper left"
    assert better_corner([top_left, floor], box, "upper left") == "upper right"
    assert better_corner([], box, "lower right") == "lower right"


def test_overlaid_runs_get_a_legend_per_kind_of_curve_and_one_key_of_run_styles(qtbot):
    panel = ChartsPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 600)
    panel.show()
    qtbot.waitExposed(panel)
    key = panel.findChild(QWidget, "chart_run_key")
    panel.bind([RunSeries(1, "baseline", births_peak_first())])
    assert not key.isVisible()
    births = chart_named(panel, "births_deaths_chart")
    assert [label.text for _, label in births.legend.items] == ["births", "deaths"]

    panel.bind([RunSeries(1, "baseline", births_peak_first()), RunSeries(2, "hungrier", births_peak_first())])
    for _ in range(6):
        panel.refresh()
        qtbot.wait(5)
    # two runs: four curves, and still the two entries, in the curves' colours, drawn solid
    assert len(births.curves) == 4 and births.data("hungrier: births") is not None
    entries = [(label.text, sample.item.opts["pen"]) for sample, label in births.legend.items]
    assert [text for text, _ in entries] == ["births", "deaths"]
    colours = {curve.look[0].split(": ")[1]: curve.item.opts["pen"].color().name() for curve in births.curves}
    assert [pen.color().name() for _, pen in entries] == [colours["births"], colours["deaths"]]
    assert all(pen.style() == Qt.PenStyle.SolidLine for _, pen in entries)
    population = chart_named(panel, "population_chart")
    assert len(population.legend.items) == len(population.curves) // 2
    # the runs' line styles, once, under the charts
    assert key.isVisible()
    names = [label.text() for label in key.findChildren(QLabel, "chart_run_key_name")]
    assert names == ["baseline", "hungrier"]
    assert [style for _, style in key.entries] == [Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine]

    panel.bind([RunSeries(2, "hungrier", births_peak_first())])
    assert not key.isVisible()



def test_a_four_entry_legend_leaves_most_of_a_small_chart_free(qtbot, make_window):
    """pyqtgraph's legend rows (20 px samples, 4 px text margins, 9 px padding) made the
    population chart's legend 102 px tall: 43 % of the plot in a window of the first start's
    size, so that every corner it could go to hid the curves' starts or ends."""
    window = make_window()
    window.resize(1400, 900)
    chart = window.findChild(QWidget, "population_chart")
    qtbot.waitUntil(lambda: chart.getPlotItem().vb.height() > 200)
    assert len(chart.legend.items) == 4
    assert chart.legend.height() <= 4 * 16 + 2 * 3
    assert chart.legend.height() <= 0.3 * chart.getPlotItem().vb.height()
    # the sample's line runs through the middle of its name
    sample, label = chart.legend.items[0]
    assert abs(sample.sceneBoundingRect().center().y() - label.sceneBoundingRect().center().y()) <= 1.5


def test_a_short_run_that_ended_gets_its_legend_placed_at_once(qtbot):
    """A run that ends within the two seconds between a live chart's looks at its legend (a
    Schelling run of 7 steps) left the legend where the first frames put it, over the
    curves' final shape, until the next look."""
    buffer = LiveBuffer(METRIC_NAMES)
    row = dict.fromkeys(METRIC_NAMES, 0.0)
    panel = bound_panel(qtbot, buffer)
    chart = chart_named(panel, "births_deaths_chart")
    for i in range(10):  # the first frame: a flat line, the legend stays top left
        row.update(step=i, alive=100.0, births=1.0, deaths=1.0)
        buffer.append(row)
    panel.refresh()
    assert chart.legend_corner == "upper left"
    for i in range(10, 60):  # then the rest at once, and the run ends: a peak at the top left
        row.update(step=i, alive=100.0, births=10.0 if i < 20 else 1.0, deaths=1.0)
        buffer.append(row)
    for _ in range(4):  # ~0.6 s of frames, well within the two seconds between looks
        panel.refresh()
        qtbot.wait(150)
    assert chart.legend_corner != "upper left" and points_under_legend(chart) == 0


def test_binding_many_runs_builds_only_the_legend_rows_shown(qtbot, monkeypatch):
    """A named curve put in a chart went into its legend too, which was then cleared and
    filled again: eight runs bound at once built ~90 legend rows for 9 shown, half of the
    ~180 ms the window stood still."""
    from farm_gui.ui.plots.plot_widget import ChartLegend

    built = []
    add_item = ChartLegend.addItem
    monkeypatch.setattr(ChartLegend, "addItem", lambda self, item, name: (built.append(name),
                                                                          add_item(self, item, name)))
    panel = ChartsPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 600)
    panel.show()
    qtbot.waitExposed(panel)
    runs = [RunSeries(i, f"run {i}", births_peak_first()) for i in range(1, 9)]
    built.clear()  # (the rows of the empty charts the panel starts with)
    panel.bind(runs)
    shown = sum(len(chart.legend.items) for chart in panel.charts)
    assert shown == len(built)  # one row built per row shown
    births = chart_named(panel, "births_deaths_chart")
    assert [label.text for _, label in births.legend.items] == ["births", "deaths"]
    assert len(births.curves) == 16
