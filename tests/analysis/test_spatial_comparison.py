"""Clark-Evans clustering, the density map and run comparison by hand."""

import math

import numpy as np
import pytest
from scipy import stats

from farm_gui.analysis import AnalysisError, FrameRunSource, run_analysis

from .synthetic import config, metrics_frame


def grid_layers():
    # a 3x3 system grid, spacing 10, plus two independent agents 10 apart in a far corner
    xs, ys = np.meshgrid([10.0, 20.0, 30.0], [10.0, 20.0, 30.0])
    x = np.concatenate([xs.ravel(), [90.0, 90.0]])
    y = np.concatenate([ys.ravel(), [90.0, 80.0]])
    types = np.array([0] * 9 + [1] * 2, dtype=np.int8)
    agents = {"x": x, "y": y, "category": types, "value": np.ones(11), "id": np.arange(11)}
    nodes = {"x": np.array([50.0]), "y": np.array([50.0]), "value": np.array([3.0])}  # not the agents' layer
    return {"agents": agents, "resources": nodes}


def spatial_result(**params):
    source = FrameRunSource(metrics_frame(20, alive_system=np.full(20, 9)),
                            layers={0: grid_layers(), 10: grid_layers()},
                            config=config(system_agents=9, width=100, height=100))
    return run_analysis("spatial", [source], params)


def test_clark_evans_on_a_grid():
    table = spatial_result().tables["clustering"]
    system = table[(table["agent_type"] == "system") & (table["step"] == 0)].iloc[0]
    expected = 0.5 / math.sqrt(9 / 10_000)
    assert system["n"] == 9 and system["mean_nn"] == pytest.approx(10.0)
    assert system["clark_evans_r"] == pytest.approx(10.0 / expected)
    assert system["z"] == pytest.approx((10.0 - expected) / (0.26136 / math.sqrt(9 * 9 / 10_000)))
    independent = table[(table["agent_type"] == "independent") & (table["step"] == 0)].iloc[0]
    assert independent["clark_evans_r"] == pytest.approx(10.0 / (0.5 / math.sqrt(2 / 10_000)))
    everyone = table[(table["agent_type"] == "all") & (table["step"] == 10)].iloc[0]
    assert everyone["n"] == 11
    assert everyone["clark_evans_r"] == pytest.approx(10.0 / (0.5 / math.sqrt(11 / 10_000)))


def test_density_map_counts_positions_over_snapshots():
    result = spatial_result(grid_bins=10)
    density = result.tables["density"]
    cell = density[(density["x_start"] == 10) & (density["y_start"] == 20)]
    assert cell["count"].tolist() == [2.0]  # one agent in each of two snapshots
    assert density["count"].sum() == 22
    image = result.series["density/all agents"]["image"]
    assert image.shape == (10, 10) and image[9, 8] == 2 and image[9, 9] == 2


def comparison_sources(width_b=100.0):
    a1 = metrics_frame(3, alive_system=[5, 7, 10], alive_control=[5, 4, 3])
    a2 = metrics_frame(3, alive_system=[5, 9, 14], alive_control=[5, 5, 5])
    b1 = metrics_frame(3, alive_system=[5, 4, 3], alive_control=[5, 6, 7])
    b2 = metrics_frame(2, alive_system=[3, 0], alive_control=[1, 0])  # died out after 2 steps
    cfg_a = config(system_agents=5, control_agents=5)
    cfg_b = config(system_agents=5, control_agents=5, width=width_b)
    return [
        FrameRunSource(a1, config=cfg_a, run_id=1),
        FrameRunSource(a2, config=cfg_a.model_copy(update={"seed": 2}), run_id=2),
        FrameRunSource(b1, config=cfg_b, run_id=3),
        FrameRunSource(b2, config=cfg_b.model_copy(update={"seed": 9}), run_id=4),
    ]


def welch_by_hand(a, b):
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    va = sum((x - ma) ** 2 for x in a) / (len(a) - 1) / len(a)
    vb = sum((x - mb) ** 2 for x in b) / (len(b) - 1) / len(b)
    t = (ma - mb) / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    return t, df, 2 * stats.t.sf(abs(t), df)


def test_comparison_groups_replications_and_tests_final_values():
    result = run_analysis("comparison", comparison_sources(width_b=200.0), {"metric": "alive_system"})
    groups = result.tables["groups"].set_index("group")
    assert list(groups.index) == ["variant 1", "variant 2"]  # grouped by config without the seed
    assert groups.loc["variant 1", "mean_final"] == 12 and groups.loc["variant 2", "mean_final"] == 1.5
    # what tells the groups apart: the settings that differ between them (not the seed)
    assert groups["settings"].tolist() == ["width=100.0", "width=200.0"]
    test = result.tables["group_tests"].iloc[0]
    t, df, p = welch_by_hand([10, 14], [3, 0])
    assert test["t"] == pytest.approx(t) and test["df"] == pytest.approx(df)
    assert test["p_value"] == pytest.approx(p)
    # mean curve with a t band: step 1 of variant 1 has values 7 and 9
    band = result.series["mean alive_system/variant 1"]
    half = stats.t.ppf(0.975, 1) * math.sqrt(2) / math.sqrt(2)
    assert band["y"][1] == 8 and band["lo"][1] == pytest.approx(8 - half)
    # the run that died out counts as 0 after its end
    assert result.series["mean alive_system/variant 2"]["y"].tolist() == pytest.approx([4, 2, 1.5])


def test_comparison_type_tests_within_a_group():
    result = run_analysis("comparison", comparison_sources(), {"groups": [[1, 2], [3, 4]],
                                                              "group_names": ["A", "B"]})
    types = result.tables["type_tests"]
    row = types[(types["group"] == "A")].iloc[0]
    assert (row["type_a"], row["type_b"]) == ("system", "control")
    t, _df, p = welch_by_hand([10, 14], [3, 5])
    assert row["t"] == pytest.approx(t) and row["p_value"] == pytest.approx(p)


def test_comparison_rejects_bad_input():
    with pytest.raises(AnalysisError, match="metric"):
        run_analysis("comparison", comparison_sources(), {"metric": "nonsense"})
    with pytest.raises(AnalysisError, match="run 99"):
        run_analysis("comparison", comparison_sources(), {"groups": [[1, 99]]})
    with pytest.raises(AnalysisError, match="at least 2 runs"):
        run_analysis("comparison", comparison_sources()[:1])
