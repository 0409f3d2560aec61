"""Switching workspaces: run ids belong to a workspace, and nothing of the old one's
runs (table rows, live buffers, chart curves, world states) may stand in for the new
one's runs with the same ids."""

from __future__ import annotations

import numpy as np

from farm_gui.config import RunConfig
from farm_gui.core.jobs import JobControl
from farm_gui.runtime.session import RunSession
from farm_gui.store import open_store

from .conftest import WAIT_MS, start_and_get_run, wait_final


def _make_other_workspace(path) -> dict[int, dict]:
    """Three runs unlike the window's: 20 and 40 steps finished, and a third stopped at
    step 12 of 60 (so its status, steps and agents differ from the window's run 3)."""
    with open_store(path) as store:
        for steps, seed in ((20, 11), (40, 22)):
            config = RunConfig(simulation_steps=steps, seed=seed, snapshot_every=5, system_agents=25)
            RunSession(store, store.create_run(config, f"b{steps}"), config).run()
        config = RunConfig(simulation_steps=60, seed=33, snapshot_every=5, control_agents=40)
        control = JobControl()
        run_id = store.create_run(config, "b-stopped")

        def stop_at_12(_metrics, model):
            if model.step_index >= 12:
                control.stop()

        assert RunSession(store, run_id, config, control, on_step=stop_at_12).run() == "stopped"
        return {info.id: {"status": info.status, "steps": info.steps_done, "alive": info.last_alive,
                          "metrics": store.metrics(info.id)} for info in store.list_runs()}


def test_opening_another_workspace_shows_its_runs_not_the_old_ones(qtbot, make_window, tmp_path):
    window = make_window(steps=30)
    for _ in range(3):
        wait_final(qtbot, window, start_and_get_run(qtbot, window))
    window.run_table.select_ids([3])
    qtbot.waitUntil(lambda: window.world_view.displayed_step == 30, timeout=WAIT_MS)
    window.charts.show_hover(5)
    assert "step 5" in window.charts.readout.text()

    other = tmp_path / "other.db"
    expected = _make_other_workspace(other)
    assert set(expected) == {1, 2, 3}
    window.open_workspace(str(other))
    qtbot.waitUntil(lambda: window.store is not None and str(other) in window.store.url, timeout=WAIT_MS)

    def rows_are_b() -> bool:
        rows = {r.run_id: r for r in window.run_table.table_model.rows}
        return set(rows) == {1, 2, 3} and all(
            (rows[i].status, rows[i].steps_done, rows[i].alive) == (e["status"], e["steps"], e["alive"])
            for i, e in expected.items())

    qtbot.waitUntil(rows_are_b, timeout=WAIT_MS)
    assert window.registry.runs() == []  # the old workspace's runs are forgotten
    # Nothing of the old workspace is shown any more, the hover read-out included.
    assert window.charts.population.data("total")[0].size == 0
    assert window.world_view.displayed_step is None
    assert "step 5" not in window.charts.readout.text()

    window.run_table.select_ids([3])
    b3 = expected[3]["metrics"]
    chart = window.charts.population

    def shows_b3() -> bool:
        data = chart.data("total")
        return data is not None and len(data[0]) == len(b3["step"])

    qtbot.waitUntil(shows_b3, timeout=WAIT_MS)
    x, y = chart.data("total")
    np.testing.assert_array_equal(x, b3["step"])
    np.testing.assert_array_equal(y, b3["alive"])
    np.testing.assert_array_equal(chart.data("control")[1], b3["alive_control"])
    with open_store(other) as store:
        state = store.world_state(3, expected[3]["steps"])
    assert int(state["step"]) != 30  # not the old run 3's last step
    qtbot.waitUntil(lambda: window.world_view.displayed_step == int(state["step"]), timeout=WAIT_MS)
    alive = state["agent_alive"].astype(bool) if "agent_alive" in state else slice(None)
    np.testing.assert_array_equal(window.world_view.state["agent_x"][alive], state["agent_x"][alive])

    # Two runs overlaid: every type of each, B's data.
    window.run_table.select_ids([1, 3])
    qtbot.waitUntil(lambda: chart.data("b-stopped: control") is not None
                    and len(chart.data("b-stopped: control")[0]) == len(b3["step"]), timeout=WAIT_MS)
    np.testing.assert_array_equal(chart.data("b-stopped: control")[1], b3["alive_control"])
    b1 = expected[1]["metrics"]
    qtbot.waitUntil(lambda: len(chart.data("b20: system")[0]) == len(b1["step"]), timeout=WAIT_MS)
    np.testing.assert_array_equal(chart.data("b20: system")[1], b1["alive_system"])
