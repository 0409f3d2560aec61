"""An experiment's run shown in the window: it kept metrics only (world snapshots are off
by default in a spec, and its runs keep no checkpoints). The world view said "run 13 has no
stored world layers at or before step 74" over an empty world with a live slider, and Fork
said only that there was no checkpoint."""

from __future__ import annotations

from farm_gui.app import create_main_window
from farm_gui.experiments.backends import make_backend
from farm_gui.experiments.runner import run_experiment
from farm_gui.experiments.spec import spec_from_text
from farm_gui.store import open_store

from .conftest import WAIT_MS

SPEC = """model: schelling
base: {width: 12, height: 12}
factors:
  homophily: {values: [0.3, 0.6]}
replications: 1
steps: 30
seed: 4
"""


def test_a_run_that_kept_no_world_says_so_and_fork_says_how_to_get_one(qtbot, tmp_path):
    with open_store(tmp_path / "work.db") as store:
        experiment_id = run_experiment(store, spec_from_text(SPEC, "spec"), make_backend(1))
        run_id = store.experiment_runs(experiment_id)[0].run_id
    window = create_main_window(str(tmp_path / "work.db"))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: any(r.run_id == run_id for r in window.run_table.table_model.rows),
                    timeout=WAIT_MS)
    window.run_table.select_ids([run_id])
    view = window.world_view
    qtbot.waitUntil(lambda: view.step_label.text() == "no world stored for this run", timeout=WAIT_MS)
    assert not view.slider.isEnabled() and "snapshots" in view.step_label.toolTip()

    window.actions.fork_run.trigger()
    qtbot.waitUntil(lambda: window.state.last_error is not None, timeout=WAIT_MS)
    title, text = window.state.last_error
    assert title == "Cannot fork the run" and "Re-run with this Configuration" in text
