"""Agent events go to the database in bounded pieces (a run of 10 million agents logged
10 million births at step 0 as one list of Python rows, and the process ran out of
memory in the flush after Stop): every birth and death is still recorded."""

from __future__ import annotations

import numpy as np

from farm_gui.config import RunConfig
from farm_gui.runtime.session import RunSession
from farm_gui.store import open_store
from farm_gui.store import writer as writer_module


def test_births_and_deaths_in_many_pieces_are_all_recorded(tmp_path, monkeypatch):
    monkeypatch.setattr(writer_module, "_EVENT_ROWS_PER_CALL", 7)
    config = RunConfig(simulation_steps=60, system_agents=40, control_agents=30, independent_agents=30,
                       max_population=1000, snapshot_every=0)
    with open_store(tmp_path / "w.db") as store:
        run_id = store.create_run(config)
        assert RunSession(store, run_id, config).run() == "finished"
        table = store.agents_frame(run_id)
        metrics = store.metrics(run_id)
    assert len(table) == 100 + int(metrics["births"].sum())
    np.testing.assert_array_equal(table["agent_id"], np.arange(len(table)))
    dead = int((table["death_step"] >= 0).sum())
    assert dead == int(metrics["deaths"].sum()) > 7
