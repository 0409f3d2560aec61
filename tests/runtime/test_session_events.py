"""Births and deaths reach the store with every batch, also when a run is paused,
stopped early, or recorded in many small batches."""

from __future__ import annotations

import threading

import numpy as np

from farm_gui.config import preset
from farm_gui.core.jobs import JobControl
from farm_gui.runtime.session import RunSession
from farm_gui.sim import build_model
from farm_gui.store import open_store


def busy_config(steps: int):
    # a small crowded world: agents are born and die within a few dozen steps
    return preset("default").model_copy(update={"simulation_steps": steps, "snapshot_every": 5, "seed": 3})


def replayed_events(config, steps: int) -> tuple[set[int], dict[int, int]]:
    model = build_model(config)
    born, died = set(), {}
    births, deaths = model.drain_agent_events()
    for _ in range(steps + 1):
        born.update(births["agent_id"].tolist())
        died.update(zip(deaths["agent_id"].tolist(), deaths["death_step"].tolist(), strict=True))
        if model.done or _ == steps:
            break
        model.step()
        births, deaths = model.drain_agent_events()
    return born, died


def stored_events(store, run_id) -> tuple[set[int], dict[int, int]]:
    agents = store.agents_frame(run_id)
    dead = agents.dropna(subset=["death_step"])
    return set(agents["agent_id"].tolist()), dict(zip(dead["agent_id"].tolist(),
                                                      dead["death_step"].astype(int).tolist(), strict=True))


def test_stopped_run_keeps_every_event_up_to_its_last_step(tmp_path):
    config = busy_config(400)
    control = JobControl()
    with open_store(tmp_path / "events.db") as store:
        run_id = store.create_run(config)

        def on_step(metrics, model) -> None:
            if model.step_index == 137:
                control.stop()

        status = RunSession(store, run_id, config, control, on_step=on_step, batch_steps=50).run()
        assert status == "stopped"
        assert store.get_run(run_id).steps_done == 137
        born, died = stored_events(store, run_id)
    expected_born, expected_died = replayed_events(config, 137)
    assert died, "the check needs deaths"
    assert born == expected_born
    assert died == expected_died


def test_events_are_committed_with_the_batch_of_their_step(tmp_path):
    """While a run is paused, what is in the database is consistent: every agent born or
    dead up to the last committed step is there."""
    config = busy_config(300)
    control = JobControl()
    paused_at = threading.Event()
    with open_store(tmp_path / "events.db") as store:
        run_id = store.create_run(config)

        def on_step(metrics, model) -> None:
            if model.step_index == 91:
                control.pause()

        session = RunSession(store, run_id, config, control, on_step=on_step,
                             on_state=lambda s: s == "paused" and paused_at.set(), batch_steps=7)
        thread = threading.Thread(target=session.run)
        thread.start()
        assert paused_at.wait(60)
        assert store.get_run(run_id).steps_done == 91
        born, died = stored_events(store, run_id)
        control.resume()
        thread.join(60)
        assert session.status == "finished"
        final_born, final_died = stored_events(store, run_id)
    expected_born, expected_died = replayed_events(config, 91)
    assert born == expected_born and died == expected_died
    all_born, all_died = replayed_events(config, 300)
    assert final_born == all_born and final_died == all_died
    assert np.all([step <= 300 for step in final_died.values()])
