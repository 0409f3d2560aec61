"""Live curves repaint only the strip where new points arrived, and what ends up on
screen is exactly what a full repaint draws."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QImage

from farm_gui.display.series import RunSeries
from farm_gui.runtime.live_buffer import LiveBuffer
from farm_gui.sim import METRIC_NAMES
from farm_gui.ui.plots.charts import ChartsPanel


class PaintRecorder(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.widths: list[int] = []

    def eventFilter(self, _obj, event) -> bool:  # noqa: N802 (Qt API)
        if event.type() == QEvent.Type.Paint:
            self.widths.append(event.rect().width())
        return False


def _pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    raw = np.frombuffer(image.constBits(), dtype=np.uint8)
    return raw.reshape(image.height(), image.bytesPerLine())[:, : 4 * image.width()].copy()


@pytest.mark.parametrize("runs", [1, 2])  # two runs: the comparison curves, deaths dashed
def test_appended_points_repaint_a_strip_and_the_screen_matches_a_full_repaint(qtbot, runs):
    panel = ChartsPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 600)
    panel.show()
    qtbot.waitExposed(panel)
    buffers = [LiveBuffer(METRIC_NAMES, capacity=4096) for _ in range(runs)]
    rng = np.random.default_rng(3)
    row = dict.fromkeys(METRIC_NAMES, 0.0)

    def append(steps: int) -> None:
        for _ in range(steps):
            for buffer in buffers:
                i = len(buffer)
                row.update(step=i, alive=1000 + 60 * np.sin(i / 50) + rng.normal(),
                           alive_system=300 + rng.normal(), births=rng.poisson(20), deaths=rng.poisson(20),
                           resources_in_nodes=5e4 + i, mean_agent_resources=5 + np.cos(i / 30),
                           mean_health=90 + rng.normal())
                buffer.append(row)

    append(1500)
    panel.bind([RunSeries(k + 1, f"run {k + 1}", buffer) for k, buffer in enumerate(buffers)])
    for _ in range(8):  # settle the ranges
        panel.refresh()
        qtbot.wait(5)
    recorders = []
    for chart in panel.charts:
        recorder = PaintRecorder()
        chart.viewport().installEventFilter(recorder)
        recorders.append((chart, recorder))

    for _ in range(6):
        append(int(rng.integers(3, 12)))
        panel.refresh()
        qtbot.wait(5)

    for chart, recorder in recorders:
        assert recorder.widths, f"{chart.objectName()} was not repainted"
        assert min(recorder.widths) < chart.viewport().width() / 4, (chart.objectName(), recorder.widths)
    screen = panel.windowHandle().screen()
    incremental = _pixels(screen.grabWindow(panel.winId()).toImage())
    for chart in panel.charts:
        chart.viewport().repaint()
    full = _pixels(screen.grabWindow(panel.winId()).toImage())
    assert incremental.shape == full.shape
    assert np.array_equal(incremental, full), f"{int((incremental != full).sum())} bytes differ"


def _settled_panel(qtbot, buffer: LiveBuffer) -> ChartsPanel:
    panel = ChartsPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 600)
    panel.show()
    qtbot.waitExposed(panel)
    panel.bind([RunSeries(1, "run 1", buffer)])
    _settle(qtbot, panel)
    return panel


def _settle(qtbot, panel: ChartsPanel) -> None:
    for _ in range(8):
        panel.refresh()
        qtbot.wait(5)


def test_cached_axes_are_redrawn_when_the_ranges_grow(qtbot):
    # The axes are cached as pixmaps: after the run outgrows the ranges, the window must
    # show the new ticks, exactly as a chart that saw the whole run at once.
    buffer = LiveBuffer(METRIC_NAMES, capacity=8192)
    row = dict.fromkeys(METRIC_NAMES, 0.0)

    def append(steps: int) -> None:
        for _ in range(steps):
            i = len(buffer)
            row.update(step=i, alive=100 + i, births=i % 7, deaths=i % 5, mean_health=90 - i / 100,
                       resources_in_nodes=1e3 * i, mean_agent_resources=i / 10)
            buffer.append(row)

    append(300)
    growing = _settled_panel(qtbot, buffer)
    append(5000)
    _settle(qtbot, growing)
    fresh = _settled_panel(qtbot, buffer)
    for chart_a, chart_b in zip(growing.charts, fresh.charts, strict=True):
        assert chart_a.getPlotItem().getAxis("bottom").cacheMode() != chart_a.CacheMode.NoCache
        # A live legend keeps its corner unless another is clearly better, so where it sits
        # depends on the data's history: compare the rest.
        chart_a.legend.hide()
        chart_b.legend.hide()
        a, b = _pixels(chart_a.grab().toImage()), _pixels(chart_b.grab().toImage())
        assert np.array_equal(a, b), f"{chart_a.objectName()}: {int((a != b).sum())} bytes differ"


def _run_series(run_id: int, steps: int) -> RunSeries:
    buffer = LiveBuffer(METRIC_NAMES, capacity=1024)
    row = dict.fromkeys(METRIC_NAMES, 1.0)
    for i in range(steps):
        row.update(step=i, alive=100 + i)
        buffer.append(row)
    return RunSeries(run_id, f"run {run_id}", buffer)


def test_a_new_run_of_the_same_kind_gets_the_curves_and_legend_already_shown(qtbot):
    panel = ChartsPanel()
    qtbot.addWidget(panel)
    # before any run: the single-run curves and legend, empty
    assert [c.label for c in panel.population.curves] == ["total", "system", "independent", "control"]
    assert all(c.item.getData()[0] is None or c.item.getData()[0].size == 0 for c in panel.population.curves)
    items = [c.item for chart in panel.charts for c in chart.curves]
    legend = [label for chart in panel.charts for _, label in chart.legend.items]

    panel.bind([_run_series(1, 50)])
    _settle(qtbot, panel)
    panel.bind([_run_series(2, 20)])
    _settle(qtbot, panel)
    assert [c.item for chart in panel.charts for c in chart.curves] == items
    assert [label for chart in panel.charts for _, label in chart.legend.items] == legend
    x, y = panel.population.data("total")
    np.testing.assert_array_equal(y, 100 + np.arange(20))  # the new run's data only

    panel.bind([_run_series(1, 50), _run_series(2, 20)])  # comparing: other curves
    types = ("total", "system", "independent", "control")  # every curve of each run
    assert [c.label for c in panel.population.curves] == [f"run {i}: {t}" for i in (1, 2) for t in types]
    panel.bind([])  # nothing selected: a single run's curves, empty, as at the start
    assert [c.label for c in panel.population.curves] == ["total", "system", "independent", "control"]
    assert panel.runs == [] and all(c.item.getData()[0].size == 0 for c in panel.population.curves)
