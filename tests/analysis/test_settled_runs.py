"""Runs of a model that settles (Schelling ends once every agent is happy) keep their last
values where runs of different lengths are averaged: the comparison's mean curves and the
experiment charts' bands do not jump when a replicate ends."""

import numpy as np
import pytest

from farm_gui.analysis import StoreRunSource, run_analysis
from farm_gui.analysis.comparison import ended_itself
from farm_gui.analysis.experiment_charts import read_outcome
from farm_gui.cli import main
from farm_gui.store import open_store


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("settled") / "schelling.db"
    # At the defaults seed 1 is all happy after 7 steps, seed 3 after 13 (of 1,000 planned).
    for seed, steps in ((1, 1000), (3, 1000), (5, 3)):
        assert main(["run", "--model", "schelling", "--seed", str(seed), "--steps", str(steps), "--quiet",
                     "--db", str(path)]) == 0
    return path


def test_a_run_that_ended_itself_is_told_from_one_that_ran_its_steps(db):
    with open_store(db) as store:
        short, long, planned = (StoreRunSource(store, i) for i in (1, 2, 3))
        assert short.steps_done() < long.steps_done() < 1000
        assert ended_itself(short) and ended_itself(long)
        assert not ended_itself(planned)  # it made the 3 steps it was asked for


def test_comparison_mean_goes_on_with_the_last_values_of_a_settled_run(db):
    with open_store(db) as store:
        sources = [StoreRunSource(store, 1), StoreRunSource(store, 2)]
        happy = [s.metrics()["happy"].to_numpy(float) for s in sources]
        moved = [s.metrics()["moved"].to_numpy(float) for s in sources]
        result = run_analysis("comparison", sources, {"metric": "happy", "groups": [[1, 2]]})
        mean = result.series["mean happy/all runs"]["y"]
        moves = run_analysis("comparison", sources, {"metric": "moved", "groups": [[1, 2]]})
        mean_moved = moves.series["mean moved/all runs"]["y"]
    n = len(happy[0])
    assert len(mean) == len(happy[1])
    assert mean[:n] == pytest.approx((happy[0] + happy[1][:n]) / 2)
    # after the short run ended: its last count of happy agents, and nobody of it moving
    assert mean[n:] == pytest.approx((happy[0][-1] + happy[1][n:]) / 2)
    assert mean_moved[n:] == pytest.approx(moved[1][n:] / 2)
    assert np.all(np.diff(mean[n - 1:]) >= -1)  # no drop to the long run's lower counts alone


def test_experiment_outcome_of_a_settled_run_says_so(db):
    class Row:  # an experiment_runs row, as the store gives it
        point, replicate, factors, status = 0, 0, {}, "finished"

        def __init__(self, run_id):
            self.run_id = run_id

    with open_store(db) as store:
        assert read_outcome(store, Row(1), with_curves=True).settled
        assert not read_outcome(store, Row(3), with_curves=True).settled
