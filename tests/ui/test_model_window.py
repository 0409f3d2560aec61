"""Charts and world view built from a model's declaration, for models other than the
foraging ecology (toy models registered in-process), and runs of two models overlaid."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox

from farm_gui.display.series import RunSeries, StoredSeries
from farm_gui.runtime.live_buffer import LiveBuffer, buffer_names
from farm_gui.ui.plots.charts import ChartsPanel
from farm_gui.ui.world.world_layers import category_lut
from farm_gui.ui.world.world_view import WorldView
from tests.ui.toy_models import GRID, WEALTH, register_toys, unregister_toys

WAIT_MS = 30_000


@pytest.fixture(autouse=True)
def toys():
    register_toys()
    yield
    unregister_toys()


def stepped(spec, steps: int, **params):
    """A run of ``spec`` stepped directly: its metrics by name (with "step") and its engine."""
    p = spec.parameters(**params)
    engine = spec.create_engine(p, p.seed)
    rows = [dict(engine.step()) for _ in range(steps)]
    metrics = {"step": np.arange(steps, dtype=float)}
    for name in spec.metric_names:
        metrics[name] = np.array([r[name] for r in rows], dtype=float)
    return metrics, engine, p


def draw_all(qtbot, panel: ChartsPanel) -> None:
    for _ in range(3 * len(panel.charts)):
        panel.refresh_next()


def test_charts_follow_the_declaration_of_the_run_shown(qtbot):
    panel = ChartsPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 600)
    panel.show()
    assert [c.objectName() for c in panel.charts] == ["population_chart", "resources_chart",
                                                       "births_deaths_chart", "health_chart"]
    metrics, _engine, _p = stepped(GRID, 40)
    panel.bind([RunSeries(1, "grid", StoredSeries(metrics), model=GRID)])
    assert [c.objectName() for c in panel.charts] == ["cells_chart", "walkers_chart"]
    draw_all(qtbot, panel)
    cells = panel.chart("cells")
    assert [c.label for c in cells.curves] == ["grass cells", "empty cells"]
    x, y = cells.data("grass cells")
    np.testing.assert_array_equal(x, metrics["step"])
    np.testing.assert_array_equal(y, metrics["grass"])
    walkers = panel.chart("walkers")
    # a metric counting a category takes the category's colour
    red = next(c for c in walkers.curves if c.label == "red walkers")
    assert red.item.opts["pen"].color().name() == "#d62728"
    assert [label for _, label in walkers.legend.items] and len(walkers.legend.items) == 2
    panel.show_hover(10)
    line = panel.readout.text()
    assert f"grass cells {metrics['grass'][10]:,.0f}" in line and "step 10" in line
    # back to a foraging run: today's four charts again
    panel.bind([RunSeries(2, "forage", StoredSeries({}))])
    assert panel.population.objectName() == "population_chart" and len(panel.charts) == 4


def test_a_chart_with_two_units_gets_a_right_axis(qtbot):
    panel = ChartsPanel()
    qtbot.addWidget(panel)
    panel.show()
    metrics, _e, _p = stepped(WEALTH, 30, agents=20)
    panel.bind([RunSeries(1, "wealth", StoredSeries(metrics), model=WEALTH)])
    chart = panel.chart("inequality")
    assert chart.right_view is not None
    assert chart.getPlotItem().getAxis("right").labelText == "money"
    draw_all(qtbot, panel)
    np.testing.assert_array_equal(chart.data("richest")[1], metrics["richest"])


def test_runs_of_two_models_overlay_their_common_metrics_or_say_why_not(qtbot):
    panel = ChartsPanel()
    qtbot.addWidget(panel)
    panel.show()
    grid, _e, _p = stepped(GRID, 20)
    wealth, _e, _p = stepped(WEALTH, 25, agents=10)
    panel.bind([RunSeries(1, "g", StoredSeries(grid), model=GRID),
                RunSeries(2, "w", StoredSeries(wealth), model=WEALTH)])
    draw_all(qtbot, panel)
    drawn = [c.label for chart in panel.charts for c in chart.curves]
    assert drawn == []  # "spread" is common but the grid model charts it nowhere
    assert "only their common metrics" in panel.readout.text()
    panel.bind([RunSeries(2, "w", StoredSeries(wealth), model=WEALTH),
                RunSeries(1, "g", StoredSeries(grid), model=GRID)])
    draw_all(qtbot, panel)
    space = panel.chart("space")
    assert [c.label for c in space.curves] == ["w: spread", "g: spread"]
    np.testing.assert_array_equal(space.data("g: spread")[1], grid["spread"])
    assert panel.chart("inequality").curves == []
    forage = {"step": np.arange(5.0), "alive": np.ones(5)}
    panel.bind([RunSeries(3, "f", StoredSeries(forage)),
                RunSeries(2, "w", StoredSeries(wealth), model=WEALTH)])
    assert "Nothing to overlay" in panel.readout.text()
    assert all(not chart.curves for chart in panel.charts)


def grid_world(qtbot) -> tuple[WorldView, dict]:
    """A world view showing step 5 of a 9 x 7 toy grid with 30 walkers, and its layers."""
    view = WorldView()
    qtbot.addWidget(view)
    view.resize(500, 500)
    view.show()
    _m, engine, params = stepped(GRID, 5, width=9, height=7, walkers=30)
    view.set_model(GRID, params)
    layers = engine.layers()
    view.show_state({"layers": layers, "step": 5})
    return view, layers


def test_world_view_draws_the_declared_layers(qtbot):
    view, layers = grid_world(qtbot)
    raster = view.layers.layers["cells"]
    np.testing.assert_array_equal(raster.image.image, layers["cells"]["values"])
    np.testing.assert_array_equal(raster.lut[:3], category_lut(GRID.layers[0].categories)[:3])
    rect = raster.image.mapRectToParent(raster.image.boundingRect())
    assert (rect.width(), rect.height()) == (9, 7)  # the world's extent, one unit per cell
    walkers = view.layers.layers["walkers"]
    x, y = walkers.points()
    order = np.argsort(layers["walkers"]["category"], kind="stable")
    np.testing.assert_allclose(x, layers["walkers"]["x"][order])
    np.testing.assert_allclose(y, layers["walkers"]["y"][order])
    sizes = walkers.scatters[0].data["size"]
    assert sizes.min() < sizes.max()  # sized by the declared size field
    assert not view.raster.isVisible()
    assert "Walkers" in view.key_label.text() and "grass" in view.key_label.text().lower()
    assert view.step_label.text() == "step 5, 30 walkers"  # counted in the layer's words
    # a value-only point layer, then back to the foraging ecology's view
    _m, engine, params = stepped(WEALTH, 3, agents=12)
    view.set_model(WEALTH, params)
    assert set(view.layers.layers) == {"agents"}
    view.show_state({"layers": engine.layers(), "step": 3})
    np.testing.assert_allclose(view.layers.layers["agents"].points()[0], engine.layers()["agents"]["x"])
    assert view.step_label.text() == "step 3, 12 agents"
    from farm_gui.core.registry import get_model

    forage = get_model(None)
    view.set_model(forage, forage.parameters())
    assert view.layers is None and view.raster.isVisible()


def test_each_layer_can_be_switched_off_and_on(qtbot):
    """A model with several layers gets a check box per layer under its world: switching
    one off hides its items and takes it out of the key (Schelling's groups cover its
    happy / unhappy cells: this is how one sees those)."""
    view, _layers = grid_world(qtbot)
    cells = view.findChild(QCheckBox, "world_layer_cells")
    walkers = view.findChild(QCheckBox, "world_layer_walkers")
    assert cells.isChecked() and walkers.isChecked()
    qtbot.waitUntil(walkers.isVisible, timeout=WAIT_MS)  # (shown by the layout's next turn)
    qtbot.mouseClick(walkers, Qt.MouseButton.LeftButton)
    assert not walkers.isChecked()
    assert not any(item.isVisible() for item in view.layers.layers["walkers"].items)
    assert view.layers.layers["cells"].image.isVisible()
    assert "Walkers" not in view.key_label.text() and "grass" in view.key_label.text().lower()
    qtbot.mouseClick(walkers, Qt.MouseButton.LeftButton)
    assert all(item.isVisible() for item in view.layers.layers["walkers"].items)
    assert "Walkers" in view.key_label.text()
    # one layer: no switches; the foraging ecology's own picture: none either
    _m, engine, params = stepped(WEALTH, 3, agents=12)
    view.set_model(WEALTH, params)
    qtbot.waitUntil(lambda: view.findChild(QCheckBox, "world_layer_cells") is None, timeout=WAIT_MS)
    assert view.findChildren(QCheckBox) == [] or not any(b.isVisible() for b in view.findChildren(QCheckBox))


def test_a_share_chart_settles_on_the_share_s_own_range(qtbot):
    """Schelling's shares (0.6 to 1 here) fill their chart: the axis ends near 1, not 1.5."""
    from farm_gui.models.schelling import SPEC

    panel = ChartsPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 600)
    panel.show()
    steps = np.arange(8, dtype=float)
    metrics = {"step": steps, "happy_share": np.linspace(0.85, 1.0, 8),
               "similar_share": np.linspace(0.6, 0.78, 8), "happy": np.linspace(280, 320, 8),
               "moved": np.linspace(90, 0, 8)}
    panel.bind([RunSeries(1, "schelling", StoredSeries(metrics), model=SPEC)])
    for _ in range(3):
        draw_all(qtbot, panel)
    low, high = panel.chart("shares").getPlotItem().vb.viewRange()[1]
    assert 0.5 < low < 0.6 and 1.0 < high < 1.05, (low, high)


def test_values_within_0_and_1_read_as_they_are(qtbot):
    """pyqtgraph scales an axis without units whose values stay within 0..1 to "x0.001":
    the Boltzmann model's Gini coefficient (0.45-0.75) read 450-750. The charts, their
    figure exports and the analysis plots show the values themselves."""
    from farm_gui.models.boltzmann_wealth import SPEC
    from farm_gui.ui.plots.figure_export import FigureOptions, FigureScene, panel_of

    panel = ChartsPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 600)
    panel.show()
    steps = np.arange(50, dtype=float)
    metrics = {"step": steps, "gini": 0.45 + 0.3 * (steps / 49), "zero_share": 0.3 + 0.2 * (steps / 49),
               "max_wealth": 4 + steps % 7, "transfers": steps}
    panel.bind([RunSeries(1, "wealth", StoredSeries(metrics), model=SPEC)])
    for _ in range(3):
        draw_all(qtbot, panel)
    chart = panel.chart("inequality")
    low, high = chart.getPlotItem().vb.viewRange()[1]
    assert high < 1.0  # within 0..1: where pyqtgraph would rescale
    for name in ("left", "right"):
        axis = chart.getPlotItem().getAxis(name)
        assert axis.autoSIPrefixScale == 1.0 and "x0.001" not in axis.labelString()
        assert all(float(t) < 1.0 for t in axis.tickStrings([0.5, 0.6], 1.0, 0.1))
    scene = FigureScene([panel_of(chart)], FigureOptions())
    try:
        assert all(axis.autoSIPrefixScale == 1.0 for axis in scene.axes)
    finally:
        scene.close()


def test_live_buffer_columns_come_from_the_declaration():
    assert buffer_names(GRID) == ("step", *GRID.metric_names)
    buffer = LiveBuffer(buffer_names(GRID))
    buffer.append({"step": 0, "grass": 3, "empty": 2, "red": 1, "blue": 1, "spread": 0.5})
    assert buffer.snapshot().last("grass") == 3


def test_an_odd_last_chart_spans_both_columns(qtbot):
    """Three charts (wolf-sheep): two side by side, the third the panel's width below
    them, not beside an empty cell."""
    from farm_gui.models.wolf_sheep import SPEC as WOLF_SHEEP

    panel = ChartsPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 600)
    panel.show()
    panel.set_model(WOLF_SHEEP)
    qtbot.waitUntil(lambda: panel.chart("births_deaths").isVisible(), timeout=WAIT_MS)
    population, grass, births = (panel.chart(n) for n in ("population", "grass", "births_deaths"))
    qtbot.waitUntil(lambda: births.width() > 1.8 * population.width(), timeout=WAIT_MS)
    assert population.y() == grass.y() < births.y()
    assert births.x() == population.x() and births.geometry().right() == grass.geometry().right()


def test_the_boltzmann_world_key_says_what_the_agents_sizes_show(qtbot):
    # It said "Agents (coloured by wealth)" over points all of one colour, sized by wealth.
    from farm_gui.models.boltzmann_wealth import SPEC as BOLTZMANN

    view = WorldView()
    qtbot.addWidget(view)
    view.resize(500, 500)
    view.show()
    params = BOLTZMANN.parameters(n=20, width=5, height=5)
    engine = BOLTZMANN.create_engine(params, 1)
    for _ in range(30):
        engine.step()
    view.set_model(BOLTZMANN, params)
    view.show_state({"layers": engine.layers(), "step": 30})
    key = view.key_label.text()
    assert "size = wealth" in key and "coloured" not in key
    agents = view.layers.layers["agents"]
    assert len(agents.scatters) == 1  # one colour: no category
    wealth = engine.layers()["agents"]["value"]
    sizes = agents.scatters[0].data["size"]
    assert sizes[np.argmax(wealth)] == sizes.max() and sizes[np.argmin(wealth)] == sizes.min()


def test_the_wolf_sheep_world_key_names_energy_as_what_sizes_show(qtbot):
    # It said "Wolves and sheep (size = value)": the value is each animal's energy.
    from farm_gui.models.wolf_sheep import SPEC as WOLF_SHEEP

    view = WorldView()
    qtbot.addWidget(view)
    view.resize(500, 500)
    view.show()
    params = WOLF_SHEEP.parameters(width=10, height=10, initial_sheep=20, initial_wolves=5)
    engine = WOLF_SHEEP.create_engine(params, 1)
    engine.step()
    view.set_model(WOLF_SHEEP, params)
    view.show_state({"layers": engine.layers(), "step": 1})
    key = view.key_label.text()
    assert "size = energy" in key and "size = value" not in key
