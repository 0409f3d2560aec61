"""Resource and action analyses against hand computations."""

import numpy as np
import pandas as pd
import pytest

from farm_gui.analysis import FrameRunSource, run_analysis

from .synthetic import config, metrics_frame

# capacity = 2 nodes x 50 = 100
LEVELS = [100, 50, 5, 8, 20, 3, 2, 50]
MOVES = [3, 3, 2, 2, 2, 2, 1, 1]
GATHERS = [1, 1, 2, 0, 0, 1, 1, 0]
GATHERED = [10, 10, 20, 0, 0, 5, 4, 0]


def resources_result(**params):
    m = metrics_frame(8, alive_system=np.array(MOVES) + np.array(GATHERS), resources_in_nodes=LEVELS,
                      action_move=MOVES, action_gather=GATHERS, resources_gathered=GATHERED,
                      resources_shared=[0, 2, 2, 0, 0, 0, 0, 0], resources_consumed=[0.5] * 8)
    snapshots = {
        0: {"node_amount": np.array([50.0, 50.0])},
        4: {"node_amount": np.array([0.0, 20.0])},
        6: {"node_amount": np.array([0.0, 2.0])},
    }
    source = FrameRunSource(m, snapshots=snapshots,
                            config=config(system_agents=4, initial_resources=2, max_resource_amount=50))
    return run_analysis("resources", [source], params)


def test_gathering_efficiency_and_totals():
    result = resources_result()
    agent_steps = sum(MOVES) + sum(GATHERS)  # 16 + 6 = 22
    assert result.summary["agent_steps"] == agent_steps
    assert result.summary["gathering_efficiency"] == pytest.approx(49 / agent_steps)
    assert result.summary["gathered_per_gather_action"] == pytest.approx(49 / 6)
    assert result.summary["shared_share_of_gathered"] == pytest.approx(4 / 49)
    totals = result.tables["totals"].set_index("quantity")
    assert totals.loc["consumed", "total"] == pytest.approx(4.0)
    assert totals.loc["shared", "per_agent_step"] == pytest.approx(4 / agent_steps)


def test_depletion_periods_below_threshold():
    periods = resources_result(depletion_threshold=0.1).tables["depletion_periods"]
    # levels 0.05, 0.08 at steps 2-3 and 0.03, 0.02 at steps 5-6
    assert periods[["start_step", "end_step", "length"]].values.tolist() == [[2, 3, 2], [5, 6, 2]]
    assert periods["min_value"].tolist() == pytest.approx([0.05, 0.02])
    assert resources_result(depletion_threshold=0.04).tables["depletion_periods"]["length"].tolist() == [2]


def test_node_utilisation_from_snapshots():
    nodes = resources_result().tables["node_utilisation"]
    assert nodes["step"].tolist() == [0, 4, 6]
    assert nodes["empty_nodes"].tolist() == [0, 1, 1]
    assert nodes["mean_fill"].tolist() == pytest.approx([1.0, 0.2, 0.02])
    assert resources_result().summary["mean_empty_node_share"] == pytest.approx(1 / 3)


ACTIONS = pd.DataFrame(
    [(0, "system", "share", 4), (0, "system", "attack", 1), (1, "system", "share", 2),
     (1, "system", "move", 2), (2, "system", "attack", 3), (3, "system", "share", 1),
     (0, "independent", "attack", 5), (2, "independent", "share", 1), (3, "independent", "attack", 2)],
    columns=["step", "agent_type", "action", "count"],
)


def actions_result(**params):
    source = FrameRunSource(metrics_frame(4, alive_system=[5, 4, 3, 1]), action_counts=ACTIONS,
                            config=config(system_agents=5))
    return run_analysis("actions", [source], params)


def test_action_totals_and_share_attack_balance():
    result = actions_result(window=2)
    totals = result.tables["totals"].set_index(["agent_type", "action"])
    assert totals.loc[("system", "share"), "count"] == 7
    assert totals.loc[("system", "share"), "share"] == pytest.approx(7 / 13)
    balance = result.tables["share_attack"].set_index("agent_type")
    assert balance.loc["system", "balance"] == pytest.approx((7 - 4) / 11)
    assert balance.loc["independent", "balance"] == pytest.approx((1 - 7) / 8)
    assert balance.loc["all", "balance"] == pytest.approx((8 - 11) / 19)
    assert result.summary["most_common_system"] == "share"


def test_action_frequencies_over_windows():
    over = actions_result(window=2).tables["over_time"]
    first = over[(over["agent_type"] == "system") & (over["window_start"] == 0)].set_index("action")
    # steps 0-1 of system: share 6, attack 1, move 2
    assert first["count"].to_dict() == {"attack": 1, "move": 2, "share": 6}
    assert first["share"]["share"] == pytest.approx(6 / 9)
    assert set(over["window_end"]) == {1, 3}
    curve = actions_result(window=2).series["share-attack balance/system"]
    assert curve["x"].tolist() == [0, 2]
    assert curve["y"].tolist() == pytest.approx([(6 - 1) / 7, (1 - 3) / 4])


def test_actions_fall_back_to_metric_totals_without_per_type_counts():
    m = metrics_frame(4, alive_system=[2, 2, 2, 2], action_share=[1, 1, 0, 0], action_attack=[0, 1, 1, 1])
    result = run_analysis("actions", [FrameRunSource(m, config=config(system_agents=2))], {"window": 4})
    balance = result.tables["share_attack"].set_index("agent_type")
    assert balance.loc["all", "share"] == 2 and balance.loc["all", "attack"] == 3
