"""The Analysis panel offers only the modules that apply to the ticked runs' models."""

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QComboBox, QLabel, QListWidget, QToolButton

from farm_gui.analysis import wealth
from farm_gui.config import RunConfig
from farm_gui.core import registry
from farm_gui.store import open_store
from farm_gui.ui.analysis.analysis_panel import AnalysisPanel
from tests.analysis.test_generic_runs import exchange_result
from tests.analysis.toy_models import EXCHANGE

WAIT_MS = 30_000


@pytest.fixture
def panel(qtbot, tmp_path):
    registry.register(EXCHANGE)
    store = open_store(tmp_path / "models.db")
    forage = store.create_run(RunConfig(simulation_steps=5), name="forage")
    toy = store.create_run(EXCHANGE.parameters(agents=40, seed=3, simulation_steps=40), name="toy",
                           model=EXCHANGE.name)
    store.save_result(toy, exchange_result())
    p = AnalysisPanel(store)
    qtbot.addWidget(p)
    p.resize(1100, 600)
    p.show()
    qtbot.waitExposed(p)
    qtbot.waitUntil(lambda: p.runs_list.count() == 2, timeout=WAIT_MS)  # read off the GUI thread
    yield p, forage, toy
    p.shutdown()
    store.close()
    registry.unregister(EXCHANGE.name)


def offered(panel):
    combo = panel.findChild(QComboBox, "analysis_module_combo")
    return [combo.itemData(i) for i in range(combo.count())]


def tick(qtbot, panel, run_ids):
    runs = panel.findChild(QListWidget, "analysis_runs_list")
    for i in range(runs.count()):
        item = runs.item(i)
        wanted = item.data(Qt.ItemDataRole.UserRole) in run_ids
        if (item.checkState() == Qt.CheckState.Checked) != wanted:
            rect = runs.visualItemRect(item)  # the check box sits at the item's left end
            qtbot.mouseClick(runs.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(rect.left() + 10,
                                                                                  rect.center().y()))
    qtbot.waitUntil(lambda: sorted(panel.checked_runs()) == sorted(run_ids), timeout=WAIT_MS)


def test_module_list_follows_the_ticked_runs(qtbot, panel):
    p, forage, toy = panel
    assert {"actions", "resources", "wealth", "population"} <= set(offered(p))  # nothing ticked: any run's
    tick(qtbot, p, [toy])
    qtbot.waitUntil(lambda: "actions" not in offered(p), timeout=WAIT_MS)
    assert set(offered(p)) == {"spatial", "comparison", "wealth", "sensitivity"}
    tick(qtbot, p, [toy, forage])
    assert set(offered(p)) == {"spatial", "comparison", "wealth", "sensitivity"}  # what applies to both
    tick(qtbot, p, [forage])
    qtbot.waitUntil(lambda: "actions" in offered(p), timeout=WAIT_MS)
    assert {"population", "survival", "resources", "wealth"} <= set(offered(p))


def test_wealth_of_a_toy_run_from_the_panel(qtbot, panel):
    p, _forage, toy = panel
    tick(qtbot, p, [toy])
    p.set_module("wealth")
    p.params_edit.setText("step=20")
    qtbot.mouseClick(p.findChild(QToolButton, "button_run_analysis"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: p.results.result is not None, timeout=WAIT_MS)
    result = p.results.result
    assert result.module == "wealth" and result.summary["step"] == 20
    plots = [p.results.plot_combo.itemText(i) for i in range(p.results.plot_combo.count())]
    assert "lorenz curve" in plots and "histogram at step 20" in plots
    p.results.plot_combo.setCurrentText("lorenz curve")  # shares of 0..1, read as they are
    left = p.results.plot.getPlotItem().getAxis("left")
    assert left.autoSIPrefixScale == 1.0 and "x0.001" not in left.labelString()
    message = p.findChild(QLabel, "analysis_message_label")  # says how the job it announced ended
    qtbot.waitUntil(lambda: message.text() == f"Job {p._shown_job} finished: its result is shown below.",
                    timeout=WAIT_MS)


def test_the_message_line_follows_the_job_it_announced(qtbot, panel, monkeypatch):
    """"Job N queued." is not left standing once the job ran: the line says how it ended,
    a failure in the error colour with its reason."""
    p, _forage, toy = panel
    tick(qtbot, p, [toy])
    p.set_module("wealth")
    p.params_edit.setText("step=20")
    message = p.findChild(QLabel, "analysis_message_label")
    job_id = p.start_analysis()
    assert message.text() in (f"Job {job_id} queued.", f"Job {job_id} running.")
    qtbot.waitUntil(lambda: p.manager.job(job_id).final, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: message.text() == f"Job {job_id} finished: its result is shown below.",
                    timeout=WAIT_MS)
    assert "c0392b" not in message.styleSheet()
    def broken(*_args, **_kwargs):
        raise ValueError("no wealth layer at step 20")

    monkeypatch.setattr(wealth, "pick_step", broken)  # the module fails as it runs
    failing = p.start_analysis()
    qtbot.waitUntil(lambda: p.manager.job(failing).final, timeout=WAIT_MS)
    job = p.manager.job(failing)
    assert job.status == "failed", job.status
    qtbot.waitUntil(lambda: message.text() == f"Job {failing} failed: {job.error}", timeout=WAIT_MS)
    assert "c0392b" in message.styleSheet()


def test_runs_to_tick_that_are_not_listed_yet_are_ticked_when_they_are(qtbot, panel):
    """Another panel (Experiments > Analyse...) ticks an experiment's runs; those the list
    does not have yet are ticked as soon as it does."""
    p, forage, toy = panel
    listed = [(forage, "forage", "finished", 30), (toy, "toy", "finished", 40)]
    p.fill_runs(listed)
    p.check_runs_when_listed([toy, 999])
    assert p.checked_runs() == [toy]
    p.fill_runs([*listed, (999, "later", "finished", 10)])
    assert p.checked_runs() == sorted([toy, 999])
    p.fill_runs([*listed, (999, "later", "finished", 10), (1000, "other", "finished", 5)])
    assert p.checked_runs() == sorted([toy, 999])  # ticked once, then as the user leaves it
