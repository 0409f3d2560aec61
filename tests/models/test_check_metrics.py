"""check_metrics and metric_values, run after every step of a model-generic run: a step's
metrics that are missing, not numbers or not finite fail the run with a message naming the
metric; good ones come back in the model's order."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from farm_gui.core.model import EngineOutputError, check_metrics, metric_values
from farm_gui.core.registry import get_model

SPEC = get_model("boltzmann_wealth")
CHECKS = [check_metrics, metric_values]


@pytest.fixture
def metrics():
    params = SPEC.parameters()
    return dict(SPEC.create_engine(params, params.seed).step())


def test_a_real_step_passes(metrics):
    check_metrics(SPEC, metrics)
    check_metrics(SPEC, {name: np.float32(value) for name, value in metrics.items()})


def test_metric_values_are_the_steps_values_in_the_models_order(metrics):
    shuffled = dict(reversed(list(metrics.items())))
    assert metric_values(SPEC, shuffled) == tuple(metrics[name] for name in SPEC.metric_names)
    as_float32 = {name: np.float32(value) for name, value in metrics.items()}
    assert metric_values(SPEC, as_float32) == tuple(as_float32[name] for name in SPEC.metric_names)


def test_finite_values_whose_sum_overflows_pass(metrics):
    for name in SPEC.metric_names[:2]:
        metrics[name] = 1e308
    values = metric_values(SPEC, metrics)
    assert values[:2] == (1e308, 1e308) and len(values) == len(SPEC.metric_names)


@pytest.mark.parametrize("check", CHECKS)
def test_a_missing_metric_is_named(metrics, check):
    name = SPEC.metric_names[-1]
    del metrics[name]
    with pytest.raises(EngineOutputError, match=f"did not report {name}"):
        check(SPEC, metrics)


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("bad, says", [(math.nan, "nan (not finite)"), (-math.inf, "-inf (not finite)"),
                                       (np.float64(np.inf), "inf (not finite)"),
                                       ("many", "'many', not a number"), (None, "None, not a number"),
                                       (10**400, f"{10**400!r}, not a number")])
def test_a_bad_value_is_named_with_its_metric(metrics, check, bad, says):
    name = SPEC.metric_names[1]
    metrics[name] = bad
    with pytest.raises(EngineOutputError, match=re.escape(f"metric {name!r} is {says}")):
        check(SPEC, metrics)
