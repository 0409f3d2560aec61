"""Analyses declare what they need and are offered only for runs whose model provides it."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from farm_gui.analysis import AnalysisError, FrameRunSource, run_analysis
from farm_gui.analysis.requirements import AgentEvents, CategoryCounts, MetricNamed, PointLayerWith
from farm_gui.analysis.runner import applicable_modules, available_modules
from farm_gui.core import registry

from .toy_models import EXCHANGE, TWO_SPECIES


@pytest.fixture
def toys():
    for spec in (EXCHANGE, TWO_SPECIES):
        registry.register(spec)
    yield
    for spec in (EXCHANGE, TWO_SPECIES):
        registry.unregister(spec.name)


def species_source(foxes, hares, run_id=1, **kw):
    n = len(foxes)
    metrics = pd.DataFrame({"step": np.arange(n), "foxes": foxes, "hares": hares,
                            "animals": np.add(foxes, hares), "grass": np.linspace(5, 1, n)})
    return FrameRunSource(metrics, spec=TWO_SPECIES, run_id=run_id, **kw)


def test_each_requirement_reads_the_declaration():
    assert CategoryCounts().missing(TWO_SPECIES) is None
    assert "declares no metric that counts a category" in CategoryCounts().missing(EXCHANGE)
    assert AgentEvents().missing(TWO_SPECIES) is None
    assert "toy_exchange" in AgentEvents().missing(EXCHANGE)
    assert PointLayerWith(("value",)).missing(EXCHANGE) is None
    assert "value field" in PointLayerWith(("value",)).missing(TWO_SPECIES)
    assert PointLayerWith().missing(TWO_SPECIES) is None

    class P:
        metric = "gini"

    assert MetricNamed("metric").missing(EXCHANGE, P()) is None
    assert "has no metric 'gini'" in MetricNamed("metric").missing(TWO_SPECIES, P())


def test_module_lists_follow_the_models(toys):
    everything = set(available_modules())
    assert {"population", "survival", "spatial", "dominance", "comparison", "wealth", "actions",
            "resources"} <= everything
    exchange = set(applicable_modules(["toy_exchange"]))
    # sensitivity: any model's runs, when they come from an experiment (checked before it runs)
    assert exchange == {"spatial", "comparison", "wealth", "sensitivity"}
    species = set(applicable_modules(["toy_species"]))
    assert species == {"population", "survival", "spatial", "dominance", "comparison", "sensitivity"}
    foraging = set(applicable_modules(["foraging"]))
    assert {"population", "survival", "spatial", "dominance", "comparison", "wealth", "actions",
            "resources"} <= foraging
    # runs of several models: what applies to all of them
    both = set(applicable_modules(["toy_species", "toy_exchange"]))
    assert both == {"spatial", "comparison", "sensitivity"}
    assert applicable_modules(["no_such_model"]) == {}


def test_foraging_modules_live_with_the_model():
    from farm_gui.models.foraging.analyses import ACTIONS_MODULE

    actions = available_modules()["actions"]
    assert actions.compute is ACTIONS_MODULE.compute and actions.params_model is ACTIONS_MODULE.params_model
    assert actions.unmet(EXCHANGE) == [("a run of model 'foraging'", "the run's model is 'toy_exchange'")]


@pytest.mark.parametrize("module, needs", [
    ("survival", "agent lifespans (birth and death events)"),
    ("population", "count metrics per category"),
    ("dominance", "count metrics per category"),
    ("actions", "a run of model 'foraging'"),
    ("resources", "a run of model 'foraging'"),
])
def test_a_module_that_does_not_apply_is_refused_naming_what_is_missing(module, needs):
    source = FrameRunSource(pd.DataFrame({"gini": [0.1, 0.2], "richest": [2, 3]}), spec=EXCHANGE, run_id=4)
    with pytest.raises(AnalysisError) as err:
        run_analysis(module, [source])
    text = str(err.value)
    assert f"module {module!r} does not apply to run 4 (model 'toy_exchange')" in text
    assert needs in text


def test_wealth_is_refused_without_a_value_layer_and_comparison_for_an_unknown_metric():
    with pytest.raises(AnalysisError, match="a point layer with a value field"):
        run_analysis("wealth", [species_source([1, 2], [3, 4])])
    with pytest.raises(AnalysisError, match="has no metric 'gini'"):
        run_analysis("comparison", [species_source([1], [2], 1), species_source([1], [2], 2)],
                     {"metric": "gini"})


def test_population_of_any_model_counts_its_categories():
    foxes = np.array([5, 6, 8, 7, 4, 0])
    hares = np.array([20, 18, 15, 16, 19, 25])
    result = run_analysis("population", [species_source(foxes, hares)])
    table = result.tables["summary"].set_index("type")
    assert list(table.index) == ["fox", "hare", "total"]
    fox = table.loc["fox"]
    assert fox["start"] == 5  # no agent_counts() in the parameters: the first recorded count
    assert fox["peak"] == 8 and fox["peak_step"] == 2 and fox["extinct_step"] == 5
    assert fox["cv"] == pytest.approx(np.std(foxes) / np.mean(foxes))
    total = foxes + hares
    assert table.loc["total", "mean"] == pytest.approx(total.mean())
    assert result.series["population/hare"]["y"].tolist() == hares.tolist()


def test_dominance_of_any_model():
    result = run_analysis("dominance", [species_source([5, 9, 9, 1], [6, 4, 9, 2])])
    scores = result.tables["scores"].set_index("type")
    assert scores.loc["fox", "area"] == 24 and scores.loc["hare", "area"] == 21
    assert scores.loc["fox", "steps_leading"] == 1 and scores.loc["hare", "steps_leading"] == 2
    assert result.summary["dominant_by_area"] == "fox"


def test_survival_reads_category_and_cause_codes_through_the_declaration():
    agents = pd.DataFrame({"agent_id": [0, 1, 2, 3], "agent_type": [0, 1, 1, 0], "birth_step": [0, 0, 2, 1],
                           "parent_id": [-1, -1, 1, 0], "generation": [0, 0, 1, 1],
                           "death_step": [3, 1, np.nan, 4], "death_cause": [1, 0, -1, 0]})
    result = run_analysis("survival", [species_source([1] * 6, [1] * 6, agents=agents)])
    causes = result.tables["deaths_by_cause"]
    assert causes.values.tolist() == [["fox", "eaten", 1], ["fox", "starved", 1], ["hare", "eaten", 1]]
    life = result.tables["lifespans"].set_index("type")
    assert life.loc["fox", "mean_lifespan_of_dead"] == pytest.approx(((3 - 0 + 1) + (4 - 1 + 1)) / 2)
    assert life.loc["hare", "censored"] == 1  # alive at the end: 6 - 2 = 4 steps, censored


def test_spatial_names_categories_from_the_layer():
    xs = np.array([10.0, 20.0, 30.0, 80.0, 90.0])
    layers = {0: {"animals": {"x": xs, "y": xs, "category": np.array([0, 0, 0, 1, 1], dtype=np.uint8),
                              "id": np.arange(5)}}}
    result = run_analysis("spatial", [species_source([3], [2], layers=layers)])
    assert result.params["layer"] == "animals"
    table = result.tables["clustering"]
    assert table["agent_type"].tolist() == ["all", "fox", "hare"]
    hare = table.iloc[2]
    expected = 0.5 / np.sqrt(2 / 10_000)  # world 100 x 100 from the declaration
    assert hare["clark_evans_r"] == pytest.approx(np.hypot(10, 10) / expected)


def test_comparison_defaults_to_the_models_first_metric_and_matches_scipy():
    def exchange(values, run_id, extra=0):
        return FrameRunSource(pd.DataFrame({"gini": values, "richest": [3] * len(values)}), spec=EXCHANGE,
                              run_id=run_id, config=EXCHANGE.parameters(agents=10 + extra, seed=run_id))

    a = [exchange([0.1, 0.2, 0.30], 1), exchange([0.1, 0.3, 0.35], 2), exchange([0.2, 0.2, 0.33], 3)]
    b = [exchange([0.1, 0.4, 0.50], 4, 5), exchange([0.2, 0.5, 0.60], 5, 5)]
    result = run_analysis("comparison", a + b)
    assert result.params["metric"] == "gini"
    groups = result.tables["groups"].set_index("group")
    assert groups.loc["variant 1", "runs"] == 3 and groups.loc["variant 2", "runs"] == 2
    test = result.tables["group_tests"].iloc[0]
    expected = stats.ttest_ind([0.30, 0.35, 0.33], [0.50, 0.60], equal_var=False)
    assert test["t"] == pytest.approx(expected.statistic)
    assert test["p_value"] == pytest.approx(expected.pvalue)
    band = result.series["mean gini/variant 1"]
    step1 = np.array([0.2, 0.3, 0.2])
    half = stats.t.ppf(0.975, 2) * step1.std(ddof=1) / np.sqrt(3)
    assert band["y"][1] == pytest.approx(step1.mean())
    assert band["hi"][1] == pytest.approx(step1.mean() + half)
