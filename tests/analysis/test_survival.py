"""Kaplan-Meier and lifespans against curves worked out by hand."""

import math

import numpy as np
import pandas as pd
import pytest

from farm_gui.analysis import FrameRunSource, run_analysis
from farm_gui.analysis.stats import kaplan_meier, km_median

from .synthetic import config, metrics_frame

# steps_done = 10. Lifespan = death - birth + 1 for the dead, 10 - birth for the living.
AGENTS = pd.DataFrame({
    "agent_id": [1, 2, 3, 4, 5, 6],
    "agent_type": ["system", "independent", "system", "independent", "system", "independent"],
    "birth_step": [0, 2, 0, 5, 7, 4],
    "parent_id": [-1] * 6,
    "generation": [0] * 6,
    "death_step": [1, 4, 2, 9, np.nan, np.nan],  # lifespans 2, 3, 3, 5; censored 3, 6
    "death_cause": ["starvation", "combat", "starvation", "combat", None, None],
})


def run_survival(**params):
    source = FrameRunSource(metrics_frame(10, alive_system=np.ones(10)), agents=AGENTS,
                            config=config(system_agents=1), run_id=7)
    return run_analysis("survival", [source], params)


def test_kaplan_meier_matches_hand_table():
    # Times 2(d) 3(d) 3(d) 3(c) 5(d) 6(c):
    # S(2) = 5/6; S(3) = 5/6 * 3/5 = 1/2; S(5) = 1/2 * 1/2 = 1/4; S(6) = 1/4.
    curve = kaplan_meier(np.array([2, 3, 3, 3, 5, 6]), np.array([1, 1, 1, 0, 1, 0], dtype=bool))
    assert curve["time"].tolist() == [2, 3, 5, 6]
    assert curve["at_risk"].tolist() == [6, 5, 2, 1]
    assert curve["events"].tolist() == [1, 2, 1, 0]
    assert curve["censored"].tolist() == [0, 1, 0, 1]
    assert curve["survival"].tolist() == pytest.approx([5 / 6, 0.5, 0.25, 0.25])
    assert km_median(curve) == 3
    # Greenwood at t=3: S^2 * (1/(6*5) + 2/(5*3)) = 0.25 * 1/6
    se = math.sqrt(0.25 / 6)
    assert curve["lower"].iloc[1] == pytest.approx(0.5 - 1.959964 * se, abs=1e-5)
    assert curve["upper"].iloc[1] == pytest.approx(0.5 + 1.959964 * se, abs=1e-5)


def test_median_is_nan_when_survival_stays_above_half():
    curve = kaplan_meier(np.array([4, 9, 9]), np.array([1, 0, 0], dtype=bool))
    assert curve["survival"].tolist() == pytest.approx([2 / 3, 2 / 3])
    assert math.isnan(km_median(curve))


def test_survival_module_per_type_and_censoring():
    result = run_survival()
    km = result.tables["kaplan_meier"]
    everyone = km[km["type"] == "all"]
    assert everyone["survival"].tolist() == pytest.approx([5 / 6, 0.5, 0.25, 0.25])
    system = km[km["type"] == "system"]  # 2(d) 3(d) 3(c)
    assert system["time"].tolist() == [2, 3]
    assert system["survival"].tolist() == pytest.approx([2 / 3, 1 / 3])
    independent = km[km["type"] == "independent"]  # 3(d) 5(d) 6(c)
    assert independent["survival"].tolist() == pytest.approx([2 / 3, 1 / 3, 1 / 3])

    life = result.tables["lifespans"].set_index("type")
    assert life.loc["system", "deaths"] == 2 and life.loc["system", "censored"] == 1
    assert life.loc["independent", "mean_lifespan_of_dead"] == pytest.approx(4.0)
    assert life.loc["independent", "km_median_survival"] == 5
    assert life.loc["all", "km_median_survival"] == 3
    assert result.summary["km_median_survival"] == 3

    causes = result.tables["deaths_by_cause"]
    assert sorted(map(tuple, causes[["type", "cause", "deaths"]].values.tolist())) == [
        ("independent", "combat", 2), ("system", "starvation", 2)]
    curve = result.series["survival/all"]
    assert curve["x"][0] == 0 and curve["y"][0] == 1.0
    assert result.run_ids == [7]


def test_lifespan_histogram_counts_deaths_only():
    hist = run_survival(histogram_bins=3).tables["lifespan_histogram"]
    everyone = hist[hist["type"] == "all"]
    assert everyone["deaths"].sum() == 4  # the two censored agents are not in it
    assert everyone["bin_start"].iloc[0] == 2 and everyone["bin_end"].iloc[-1] == 5
