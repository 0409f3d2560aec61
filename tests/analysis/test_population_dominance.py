"""Population statistics and dominance on synthetic curves."""

import math
import statistics

import numpy as np
import pytest

from farm_gui.analysis import FrameRunSource, run_analysis
from farm_gui.analysis.dominance import leaders

from .synthetic import config, metrics_frame

SYSTEM = [10, 12, 15, 12, 9, 11, 14, 14]
INDEPENDENT = [10, 8, 6, 4, 2, 0, 0, 0]


def population_result(**params):
    m = metrics_frame(8, alive_system=SYSTEM, alive_independent=INDEPENDENT)
    source = FrameRunSource(m, config=config(system_agents=10, independent_agents=10))
    return run_analysis("population", [source], params)


def test_population_summary_by_hand():
    table = population_result().tables["summary"].set_index("type")
    assert list(table.index) == ["system", "independent", "total"]  # control/order/chaos absent
    s = table.loc["system"]
    assert (s["start"], s["final"], s["peak"], s["peak_step"]) == (10, 14, 15, 2)
    assert (s["trough"], s["trough_step"]) == (9, 4)
    assert s["mean"] == pytest.approx(97 / 8)
    assert s["cv"] == pytest.approx(statistics.pstdev(SYSTEM) / statistics.mean(SYSTEM))
    growth = [(b - a) / a for a, b in zip(SYSTEM, SYSTEM[1:], strict=False)]
    assert s["mean_growth_rate"] == pytest.approx(sum(growth) / len(growth))
    assert s["overall_growth_rate"] == pytest.approx(math.log(14 / 10) / 7)
    i = table.loc["independent"]
    assert i["extinct_step"] == 5 and math.isnan(i["overall_growth_rate"])
    # growth from 0 is undefined: only the 5 steps with a living predecessor count
    assert i["mean_growth_rate"] == pytest.approx((-0.2 - 0.25 - 1 / 3 - 0.5 - 1) / 5)
    assert table.loc["total", "final"] == 14


def test_the_largest_final_population_names_ties_and_says_when_all_died_out():
    """It named the first type when every type ended at 0 (a wolf-sheep run where both
    died out: "sheep"), and one of several tied at the top."""
    assert population_result().summary["largest_final_population"] == "system"

    def largest(system, independent):
        m = metrics_frame(3, alive_system=system, alive_independent=independent)
        source = FrameRunSource(m, config=config(system_agents=5, independent_agents=5))
        return run_analysis("population", [source], {}).summary["largest_final_population"]

    assert largest([5, 3, 0], [5, 2, 0]) == "none (all died out)"
    assert largest([5, 6, 7], [5, 6, 7]) == "system, independent"


def test_peaks_and_troughs_respect_prominence():
    extrema = population_result(min_prominence=1).tables["extrema"]
    system = extrema[extrema["type"] == "system"]
    assert system[["kind", "step", "value"]].values.tolist() == [["peak", 2, 15.0], ["trough", 4, 9.0]]
    # the peak stands out by 15 - 10 = 5: a prominence of 6 hides it and the trough
    assert population_result(min_prominence=6).tables["extrema"].query("type == 'system'").empty


def dominance_result(a, b, **params):
    m = metrics_frame(len(a), alive_system=a, alive_control=b)
    return run_analysis("dominance", [FrameRunSource(m, config=config(system_agents=4, control_agents=1))],
                        params)


def test_dominance_measures_by_hand():
    a = [4, 4, 4, 4, 4, 4]
    b = [1, 3, 5, 7, 3, 4]
    # leaders: a a b b a (tie) -> a leads 3 steps, b 2, switches a->b->a = 2
    result = dominance_result(a, b, half_life=1)
    scores = result.tables["scores"].set_index("type")
    assert scores.loc["system", "area"] == 24 and scores.loc["control", "area"] == 23
    weights = [0.5 ** (5 - t) for t in range(6)]
    assert scores.loc["system", "recency_weighted_area"] == pytest.approx(sum(w * 4 for w in weights))
    assert scores.loc["control", "recency_weighted_area"] == pytest.approx(
        sum(w * v for w, v in zip(weights, b, strict=True)))
    assert scores.loc["system", "steps_leading"] == 3 and scores.loc["control", "steps_leading"] == 2
    assert scores.loc["system", "longest_lead"] == 2
    s = result.summary
    assert s["dominant_by_final_population"] == "tie: system, control"
    assert s["dominant_by_area"] == "system"
    assert s["dominant_by_recency_weighted_area"] == "control"  # 8.09375 > 7.875
    assert s["dominant_by_lead_time"] == "system"
    assert s["lead_switches"] == 2
    periods = result.tables["lead_periods"]
    assert periods[["type", "start_step", "end_step", "length"]].values.tolist() == [
        ["system", 0, 1, 2], ["control", 2, 3, 2], ["system", 4, 4, 1]]


def test_default_half_life_is_a_quarter_of_the_run():
    result = dominance_result([1] * 8, [2] * 8)
    assert result.summary["half_life_steps"] == 2
    assert result.summary["lead_switches"] == 0


def test_leaders_marks_ties_and_empty_steps():
    pops = np.array([[0, 0], [2, 2], [3, 1], [1, 3]])
    assert leaders(pops).tolist() == [-1, -1, 0, 1]
