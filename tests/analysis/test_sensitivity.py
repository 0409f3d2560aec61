"""Experiments' analyses: comparison by design point, SRC and Sobol indices, checked
against independent NumPy/SciPy computations and analytic indices."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from farm_gui.analysis import AnalysisError, FrameRunSource, run_analysis
from farm_gui.analysis.design import DesignPoint, ExperimentDesign

from .toy_models import EXCHANGE


def experiment_runs(factor_rows, outcomes, design, replicates=None, curves=None):
    """One FrameRunSource per run: its design point, factors and a gini curve ending at the outcome."""
    sources = []
    for i, (factors, y) in enumerate(zip(factor_rows, outcomes, strict=True)):
        point = i if replicates is None else replicates[i][0]
        rep = 0 if replicates is None else replicates[i][1]
        curve = curves[i] if curves is not None else [0.0, y]
        metrics = pd.DataFrame({"gini": curve, "richest": [1] * len(curve)})
        sources.append(FrameRunSource(metrics, spec=EXCHANGE, run_id=i + 1,
                                      design_point=DesignPoint(7, point, rep, dict(factors)),
                                      experiment_design=design))
    return sources


def test_src_matches_least_squares_on_raw_values():
    rng = np.random.default_rng(3)
    n = 60
    a, b, c = rng.uniform(0, 1, n), rng.uniform(10, 20, n), rng.uniform(-1, 1, n)
    y = 3 * a - 0.2 * b + 0.0 * c + rng.normal(0, 0.1, n)
    design = ExperimentDesign(7, "lhs", ("a", "b", "c"), points=n)
    rows = [{"a": a[i], "b": b[i], "c": c[i]} for i in range(n)]
    result = run_analysis("sensitivity", experiment_runs(rows, y, design))
    assert result.params["outcome"] == "gini"
    table = result.tables["src"].set_index("factor")
    x = np.column_stack([np.ones(n), a, b, c])
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    for j, name in enumerate("abc"):
        sd_x = np.std(x[:, j + 1], ddof=1)
        assert table.loc[name, "src"] == pytest.approx(beta[j + 1] * sd_x / np.std(y, ddof=1))
    fitted = x @ beta
    r2 = 1 - np.sum((y - fitted) ** 2) / np.sum((y - y.mean()) ** 2)
    assert result.summary["src_r_squared"] == pytest.approx(r2)
    assert result.summary["largest_src"] == "a"
    assert table.loc["c", "ci_lower"] < 0 < table.loc["c", "ci_upper"]
    assert "sobol" not in result.tables  # an lhs design has no Sobol indices


def test_src_interval_of_one_factor_equals_scipy_linregress():
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 5, 30)
    y = 2 * x + rng.normal(0, 1, 30)
    design = ExperimentDesign(7, "grid", ("k",), points=30)
    result = run_analysis("sensitivity", experiment_runs([{"k": v} for v in x], y, design),
                          {"confidence": 0.9})
    row = result.tables["src"].iloc[0]
    fit = stats.linregress(x, y)
    scale = np.std(x, ddof=1) / np.std(y, ddof=1)
    assert row["src"] == pytest.approx(fit.rvalue)  # one factor: SRC = Pearson's r
    half = stats.t.ppf(0.95, 28) * fit.stderr * scale
    assert row["ci_upper"] - row["src"] == pytest.approx(half)
    assert row["p_value"] == pytest.approx(fit.pvalue)


def test_outcome_statistics_over_the_run():
    design = ExperimentDesign(7, "grid", ("k",), points=3)
    curves = [[1.0, 5.0, 2.0], [0.0, 1.0, 3.0], [4.0, 4.0, 1.0]]
    for statistic, expect in (("final", [2, 3, 1]), ("mean", [8 / 3, 4 / 3, 3]), ("max", [5, 3, 4]),
                              ("min", [1, 0, 1])):
        runs = experiment_runs([{"k": 1}, {"k": 2}, {"k": 3}], [0, 0, 0], design, curves=curves)
        result = run_analysis("sensitivity", runs, {"statistic": statistic})
        assert result.tables["runs"]["outcome"].tolist() == pytest.approx(expect)


def test_sobol_indices_of_a_linear_function_match_the_analytic_values():
    from SALib.sample import sobol as sobol_sample

    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0.0, 1.0]] * 3}
    unit = sobol_sample.sample(problem, 256, calc_second_order=False, scramble=True, seed=11)
    # y = 4a + 2b + 0c, factors uniform on [0, 1): S1 = ST = a_i^2 / sum(a^2) = 0.8, 0.2, 0
    y = 4 * unit[:, 0] + 2 * unit[:, 1]
    design = ExperimentDesign(7, "sobol", ("a", "b", "c"), second_order=False, points=len(unit))
    rows = [{"a": u[0], "b": u[1], "c": u[2]} for u in unit]
    result = run_analysis("sensitivity", experiment_runs(rows, y, design), {"resamples": 200})
    sobol = result.tables["sobol"].set_index("factor")
    assert sobol["S1"].tolist() == pytest.approx([0.8, 0.2, 0.0], abs=0.05)
    assert sobol["ST"].tolist() == pytest.approx([0.8, 0.2, 0.0], abs=0.05)
    assert (sobol.loc[["a", "b"], "S1_conf"] > 0).all() and (sobol["ST_lower"] <= sobol["ST"]).all()
    again = run_analysis("sensitivity", experiment_runs(rows, y, design), {"resamples": 200})
    pd.testing.assert_frame_equal(again.tables["sobol"], result.tables["sobol"])  # seeded bootstrap
    assert result.summary["largest_total_index"] == "a"
    assert result.series["sobol indices/ST"]["y"].tolist() == sobol["ST"].tolist()


def test_sobol_averages_replicates_and_says_when_points_are_missing():
    from SALib.sample import sobol as sobol_sample

    problem = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0.0, 1.0]] * 2}
    unit = sobol_sample.sample(problem, 64, calc_second_order=False, scramble=True, seed=2)
    design = ExperimentDesign(7, "sobol", ("a", "b"), points=len(unit))
    rows, outcomes, reps = [], [], []
    for p, u in enumerate(unit):
        for r, noise in enumerate((-0.5, 0.5)):  # replicate noise cancels in the point's mean
            rows.append({"a": u[0], "b": u[1]})
            outcomes.append(u[0] + 3 * u[1] + noise)
            reps.append((p, r))
    replicated = run_analysis("sensitivity", experiment_runs(rows, outcomes, design, replicates=reps))
    exact = run_analysis("sensitivity", experiment_runs([{"a": u[0], "b": u[1]} for u in unit],
                                                        unit[:, 0] + 3 * unit[:, 1], design))
    pd.testing.assert_frame_equal(replicated.tables["sobol"], exact.tables["sobol"])
    assert replicated.summary["runs"] == 2 * len(unit) and replicated.summary["design_points"] == len(unit)
    partial = run_analysis("sensitivity",
                           experiment_runs(rows[:-2], outcomes[:-2], design, replicates=reps[:-2]))
    assert "sobol" not in partial.tables
    assert partial.summary["sobol"] == f"not computed: 1 of {len(unit)} design points have no finished run"
    assert "src" in partial.tables


def test_sensitivity_needs_runs_of_one_experiment():
    plain = [FrameRunSource(pd.DataFrame({"gini": [0.1], "richest": [1]}), spec=EXCHANGE, run_id=i)
             for i in (1, 2)]
    with pytest.raises(AnalysisError, match="needs runs of an experiment .design points.: run 1 is not"):
        run_analysis("sensitivity", plain)
    design = ExperimentDesign(7, "grid", ("k",), points=2)
    mixed = experiment_runs([{"k": 1}, {"k": 2}], [0.1, 0.2], design)
    mixed[1]._design_point = DesignPoint(8, 0, 0, {"k": 2})
    with pytest.raises(AnalysisError, match="experiments 7, 8"):
        run_analysis("sensitivity", mixed)


def test_comparison_groups_an_experiments_runs_by_design_point():
    design = ExperimentDesign(7, "grid", ("k",), points=2)
    curves = [[0.1, 0.2], [0.1, 0.4], [0.1, 0.3], [0.5, 0.6], [0.5, 0.8], [0.5, 0.7]]
    reps = [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]
    factors = [{"k": 1}] * 3 + [{"k": 2.5}] * 3
    result = run_analysis("comparison", experiment_runs(factors, [c[-1] for c in curves], design,
                                                        replicates=reps, curves=curves))
    groups = result.tables["groups"].set_index("group")
    assert list(groups.index) == ["point 0 (k=1)", "point 1 (k=2.5)"]
    assert groups.loc["point 0 (k=1)", "mean_final"] == pytest.approx(0.3)
    half = stats.t.ppf(0.975, 2) * np.std([0.2, 0.4, 0.3], ddof=1) / np.sqrt(3)
    assert groups.loc["point 0 (k=1)", "ci_upper"] == pytest.approx(0.3 + half)
    welch = stats.ttest_ind([0.2, 0.4, 0.3], [0.6, 0.8, 0.7], equal_var=False)
    test = result.tables["group_tests"].iloc[0]
    assert test["p_value"] == pytest.approx(welch.pvalue) and test["t"] == pytest.approx(welch.statistic)
    band = result.series["mean gini/point 1 (k=2.5)"]
    assert band["y"].tolist() == pytest.approx([0.5, 0.7])
