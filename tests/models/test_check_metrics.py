"""check_metrics, run after every step of a model-generic run: a step's metrics that are
missing, not numbers or not finite fail the run with a message naming the metric."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from farm_gui.core.model import EngineOutputError, check_metrics
from farm_gui.core.registry import get_model

SPEC = get_model("boltzmann_wealth")


@pytest.fixture
def metrics():
    params = SPEC.parameters()
    return dict(SPEC.create_engine(params, params.seed).step())


def test_a_real_step_passes(metrics):
    check_metrics(SPEC, metrics)
    check_metrics(SPEC, {name: np.float32(value) for name, value in metrics.items()})


def test_a_missing_metric_is_named(metrics):
    name = SPEC.metric_names[-1]
    del metrics[name]
    with pytest.raises(EngineOutputError, match=f"did not report {name}"):
        check_metrics(SPEC, metrics)


@pytest.mark.parametrize("bad, says", [(math.nan, "nan (not finite)"), (-math.inf, "-inf (not finite)"),
                                       (np.float64(np.inf), "inf (not finite)"),
                                       ("many", "'many', not a number"), (None, "None, not a number")])
def test_a_bad_value_is_named_with_its_metric(metrics, bad, says):
    name = SPEC.metric_names[1]
    metrics[name] = bad
    with pytest.raises(EngineOutputError, match=re.escape(f"metric {name!r} is {says}")):
        check_metrics(SPEC, metrics)
