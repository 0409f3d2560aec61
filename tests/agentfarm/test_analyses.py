"""The analyses that apply to an imported AgentFarm run, checked against the source file
read independently (population, survival, spatial, dominance, actions, comparison)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from farm_gui.agentfarm import import_agentfarm
from farm_gui.agentfarm.synthetic import write_database
from farm_gui.analysis import analyse_stored_runs
from farm_gui.core.jobs import JobControl
from farm_gui.runtime.session import RunSession
from farm_gui.store import open_store


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("af_analyses")
    source = folder / "src.db"
    write_database(source, steps=40, agents=30, nodes=8, death_rate=0.05, seed=5)
    store = open_store(folder / "ws.db")
    run_id = import_agentfarm(source, store).run_ids[0]
    con = sqlite3.connect(source)
    yield store, run_id, con
    con.close()
    store.close()


def final_counts(con) -> dict[str, int]:
    (counts,) = con.execute("SELECT agent_type_counts FROM simulation_steps ORDER BY step_number DESC "
                            "LIMIT 1").fetchone()
    return json.loads(counts)


def test_population(imported):
    store, run_id, con = imported
    _, result = analyse_stored_runs(store, "population", [run_id])
    summary = result.tables["summary"].set_index("type")
    for kind, count in final_counts(con).items():
        assert summary.loc[kind, "final"] == count
    first = json.loads(con.execute("SELECT agent_type_counts FROM simulation_steps WHERE step_number = 0")
                       .fetchone()[0])
    assert summary.loc["system", "start"] == first["system"]


def test_survival(imported):
    store, run_id, con = imported
    _, result = analyse_stored_runs(store, "survival", [run_id])
    table = result.tables["lifespans"].set_index("type")
    for kind in ("system", "independent", "control"):
        rows = con.execute("SELECT birth_time, death_time, genome_id FROM agents WHERE agent_type = ?",
                           (kind,)).fetchall()
        dead = [(b, d, g) for b, d, g in rows if d is not None]
        assert table.loc[kind, "agents"] == len(rows)
        assert table.loc[kind, "deaths"] == len(dead) and table.loc[kind, "censored"] == len(rows) - len(dead)
        # born during step b (a child first acts in b + 1), died during step d: d - b steps alive;
        # an initial agent (step 0) lived d + 1
        spans = [d - b if g.startswith("sim_") else d + 1 for b, d, g in dead]
        assert table.loc[kind, "mean_lifespan_of_dead"] == pytest.approx(sum(spans) / len(spans))
    assert result.summary["deaths"] == con.execute("SELECT COUNT(*) FROM agents WHERE death_time IS NOT NULL"
                                                   ).fetchone()[0]


def test_spatial(imported):
    store, run_id, con = imported
    _, result = analyse_stored_runs(store, "spatial", [run_id])
    clustering = result.tables["clustering"]
    assert result.summary["snapshots_used"] == 41
    for step in (1, 20, 40):  # snapshot k = AgentFarm's states of step k - 1
        expected = con.execute("SELECT COUNT(*) FROM agent_states s JOIN agents a ON a.agent_id = s.agent_id "
                               "WHERE s.step_number = ? AND a.agent_type = 'system'",
                               (step - 1,)).fetchone()[0]
        row = clustering[(clustering.step == step) & (clustering.agent_type == "system")].iloc[0]
        assert row["n"] == expected
    assert store.run_config(run_id).width == 100.0  # the config's environment.width bounds the density map
    assert result.tables["density"]["x_end"].max() == 100.0


def test_dominance(imported):
    store, run_id, con = imported
    _, result = analyse_stored_runs(store, "dominance", [run_id])
    final = final_counts(con)
    best = max(final.values())
    winners = [k for k, v in final.items() if v == best]
    if len(winners) == 1:
        assert result.summary["dominant_by_final_population"] == winners[0]
    scores = result.tables["scores"].set_index("type")
    totals = dict(con.execute("SELECT a.agent_type, COUNT(*) FROM agent_states s JOIN agents a "
                              "ON a.agent_id = s.agent_id GROUP BY 1").fetchall())
    for kind in final:  # area under the curve: alive per type summed over steps (agent_type_counts)
        rows = con.execute("SELECT agent_type_counts FROM simulation_steps").fetchall()
        area = sum(json.loads(c)[kind] for (c,) in rows)
        assert scores.loc[kind, "area"] == pytest.approx(area)
        assert totals[kind] >= area  # states include the agents born during each step


def test_actions(imported):
    store, run_id, con = imported
    _, result = analyse_stored_runs(store, "actions", [run_id])
    totals = result.tables["totals"]
    expected = con.execute("SELECT g.agent_type, a.action_type, COUNT(*) FROM agent_actions a "
                           "JOIN agents g ON g.agent_id = a.agent_id WHERE a.module_type IS NULL "
                           "GROUP BY 1, 2").fetchall()
    got = {(r.agent_type, r.action): r.count for r in totals.itertuples() if r.count}
    assert got == {(t, a): c for t, a, c in expected}


def test_comparison_with_a_farm_gui_run_of_the_same_config(imported):
    store, run_id, _ = imported
    config = store.run_config(run_id)
    farm_id = store.create_run(config, name="farm gui")
    assert RunSession(store, farm_id, config, JobControl()).run() == "finished"
    _, result = analyse_stored_runs(store, "comparison", [run_id, farm_id],
                                    {"groups": [[run_id], [farm_id]]})
    runs = result.tables["runs"].set_index("run_id")
    assert runs.loc[run_id, "steps"] == runs.loc[farm_id, "steps"] == 40
    assert runs.loc[run_id, "final_alive"] == store.metrics(run_id)["alive"][-1]
    assert len(result.tables["group_tests"]) == 1


def test_resources(imported):
    store, run_id, con = imported
    _, result = analyse_stored_runs(store, "resources", [run_id])
    gathered = con.execute("SELECT SUM(json_extract(details, '$.amount_gathered')) FROM agent_actions "
                           "WHERE action_type = 'gather' AND module_type IS NULL").fetchone()[0]
    consumed = con.execute("SELECT SUM(resources_consumed) FROM simulation_steps").fetchone()[0]
    assert result.summary["total_gathered"] == pytest.approx(gathered)
    assert result.summary["total_consumed"] == pytest.approx(consumed)
    assert result.tables["node_utilisation"]["nodes"].iloc[-1] == 8
