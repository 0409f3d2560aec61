"""The statistics behind the experiment charts, against numbers worked out by hand."""

import math

import numpy as np
import pytest

from farm_gui.analysis.experiment_charts import (
    RunOutcome,
    drawn_points,
    factor_scatter,
    point_bands,
    read_new_runs,
)
from farm_gui.core import registry
from farm_gui.core.results import RunResult
from farm_gui.store import open_store

from .toy_models import EXCHANGE, TWO_SPECIES

T_975_1 = 12.706204736174698  # Student t, 97.5 % quantile, 1 degree of freedom (tables)
T_975_2 = 4.302652729749464  # 2 degrees of freedom


def run(run_id, point, replicate, factors, **curves):
    curves = {k: np.asarray(v, dtype=float) for k, v in curves.items()}
    n = max(len(v) for v in curves.values())
    curves["step"] = np.arange(n, dtype=float)
    finals = {k: float(v[-1]) for k, v in curves.items() if k != "step"}
    extinct = finals.get("foxes") == 0 and finals.get("hares") == 0
    return RunOutcome(run_id, point, replicate, factors, finals, extinct, curves)


def test_bands_are_the_replicates_mean_with_a_student_t_interval():
    runs = [
        run(1, 0, 0, {"a": 0.1}, grass=[1, 2, 3]),
        run(2, 0, 1, {"a": 0.1}, grass=[3, 4, 5]),
        run(3, 1, 0, {"a": 0.2}, grass=[0, 0]),
        run(4, 1, 1, {"a": 0.2}, grass=[1, 2]),
        run(5, 1, 2, {"a": 0.2}, grass=[2, 4]),
        run(6, 2, 0, {"a": 0.3}, grass=[7, 8]),  # one replicate: no band
    ]
    bands = point_bands(runs, "grass", TWO_SPECIES)
    assert [b.point for b in bands] == [0, 1, 2]
    assert [b.runs for b in bands] == [2, 3, 1]
    assert bands[0].label == "point 0 (a=0.1)"
    # point 0: mean 2, 3, 4; sd sqrt(2); half width t(1) * sqrt(2) / sqrt(2) = t(1)
    assert bands[0].x.tolist() == [0, 1, 2]
    assert bands[0].mean.tolist() == [2, 3, 4]
    assert bands[0].lo.tolist() == pytest.approx([2 - T_975_1, 3 - T_975_1, 4 - T_975_1])
    assert bands[0].hi.tolist() == pytest.approx([2 + T_975_1, 3 + T_975_1, 4 + T_975_1])
    # point 1: means 1, 2; sds 1, 2; half widths t(2) * sd / sqrt(3)
    assert bands[1].mean.tolist() == [1, 2]
    half = [T_975_2 / math.sqrt(3), 2 * T_975_2 / math.sqrt(3)]
    assert bands[1].hi.tolist() == pytest.approx([1 + half[0], 2 + half[1]])
    assert bands[1].lo.tolist() == pytest.approx([1 - half[0], 2 - half[1]])
    assert bands[2].mean.tolist() == [7, 8] and np.isnan(bands[2].lo).all() and np.isnan(bands[2].hi).all()
    # only the points asked for, in that order
    assert [b.point for b in point_bands(runs, "grass", TWO_SPECIES, points=[2, 0])] == [2, 0]


def test_a_population_that_died_out_counts_zero_after_its_end_other_metrics_stop():
    runs = [run(1, 0, 0, {}, foxes=[4, 2, 0], hares=[2, 1, 0], grass=[5, 6, 7]),
            run(2, 0, 1, {}, foxes=[4, 4, 4, 4, 6], hares=[1, 1, 1, 1, 1], grass=[1, 2, 3, 4, 5])]
    foxes = point_bands(runs, "foxes", TWO_SPECIES)[0]
    assert foxes.x.tolist() == [0, 1, 2, 3, 4]
    assert foxes.mean.tolist() == [4, 3, 2, 2, 3]  # (0 + 4) / 2 and (0 + 6) / 2 after run 1 ended
    grass = point_bands(runs, "grass", TWO_SPECIES)[0]
    assert grass.mean.tolist() == [3, 4, 5, 4, 5]  # run 1 has no grass after it ended: run 2's alone
    assert np.isnan(grass.hi[3:]).all() and not np.isnan(grass.hi[:3]).any()


def test_a_run_of_a_model_that_settles_keeps_its_last_values_after_it_ended_itself():
    # Schelling-like: a run that ended itself (every agent happy) stays as it ended; a mean
    # over the runs still going alone would jump when a replicate ends.
    from dataclasses import replace

    from farm_gui.core.model import Metric

    settling = replace(TWO_SPECIES, settles=True,
                       metrics=(*TWO_SPECIES.metrics, Metric("moves", "Moves", integer=True, per_step=True)))
    short = run(1, 0, 0, {}, grass=[5, 6, 7], moves=[9, 4, 1])
    long = run(2, 0, 1, {}, grass=[1, 2, 3, 4, 5], moves=[8, 8, 6, 2, 1])
    ended = RunOutcome(**{**short.__dict__, "settled": True})
    grass = point_bands([ended, long], "grass", settling)[0]
    assert grass.mean.tolist() == [3, 4, 5, 5.5, 6]  # (7 + 4) / 2 and (7 + 5) / 2
    assert not np.isnan(grass.hi).any()  # two replicates at every step: a band throughout
    moves = point_bands([ended, long], "moves", settling)[0]
    assert moves.mean.tolist() == [8.5, 6, 3.5, 1, 0.5]  # nobody moves once it has settled
    # A run that did not end itself (stopped, or a model that does not settle) leaves the mean
    assert point_bands([short, long], "grass", settling)[0].mean.tolist() == [3, 4, 5, 4, 5]
    assert point_bands([ended, long], "grass", TWO_SPECIES)[0].mean.tolist() == [3, 4, 5, 4, 5]


def test_scatter_has_one_point_per_run_with_its_factor_value_and_final_value():
    runs = [run(1, 0, 0, {"a": 0.1, "kind": "x"}, grass=[1, 2, 3]),
            run(2, 0, 1, {"a": 0.1, "kind": "x"}, grass=[3, 4, 5]),
            run(3, 1, 0, {"a": 2, "kind": "y"}, grass=[0, 9])]
    scatter = factor_scatter(runs, "a", "grass")
    assert scatter.x.tolist() == [0.1, 0.1, 2.0]
    assert scatter.y.tolist() == [3, 5, 9]
    assert scatter.run_ids.tolist() == [1, 2, 3] and scatter.categories is None
    kinds = factor_scatter(runs, "kind", "grass")
    assert kinds.categories == ["x", "y"] and kinds.x.tolist() == [0, 0, 1]
    assert np.isnan(factor_scatter(runs, "a", "foxes").y).all()  # no such metric: no value
    # planned values keep their places while runs arrive: "z" (planned first) is 0
    planned = factor_scatter(runs, "kind", "grass", levels=["z", "y", "x"])
    assert planned.categories == ["z", "y", "x"] and planned.x.tolist() == [2, 2, 1]
    assert factor_scatter(runs, "a", "grass", levels=[0.1, 2, 5]).categories is None


def test_drawn_points_are_the_first_ones():
    assert drawn_points([5, 1, 3, 1, 0], most=3) == [0, 1, 3]


@pytest.fixture
def stored(tmp_path):
    registry.register(EXCHANGE)
    store = open_store(tmp_path / "runs.db")
    planned = [{"index": 2 * p + r, "point": p, "replicate": r, "seed": 10 + 2 * p + r,
                "factors": {"a": 0.5 * p}} for p in range(3) for r in range(2)]
    spec = "model: toy_exchange\nfactors:\n  a: {values: [0, 0.5, 1]}\nreplications: 2\n"
    exp_id = store.create_experiment("toy", "toy_exchange", spec, "grid", 1, planned)
    yield store, exp_id, planned
    store.close()
    registry.unregister(EXCHANGE.name)


def finish(store, exp_id, planned_run, gini, status="finished"):
    run_id = store.create_run(EXCHANGE.parameters(seed=planned_run["seed"], simulation_steps=len(gini)),
                              model="toy_exchange")
    metrics = {"step": np.arange(len(gini)), "gini": np.asarray(gini, dtype=float),
               "richest": np.arange(len(gini)) + 10 * planned_run["index"]}
    store.save_result(run_id, RunResult("toy_exchange", EXCHANGE.version, planned_run["seed"], metrics))
    store.record_experiment_run(exp_id, planned_run["index"], run_id, status)
    return run_id


def test_read_new_runs_reads_finished_runs_once_with_curves_for_the_drawn_points(stored):
    store, exp_id, planned = stored
    first = read_new_runs(store, exp_id, most=2)
    assert first.runs == [] and first.done == 0 and first.points == [0, 1, 2] and first.factors == ("a",)
    assert first.levels == {"a": [0.0, 0.5, 1.0]}

    ids = [finish(store, exp_id, planned[0], [0.1, 0.2, 0.3]), finish(store, exp_id, planned[4], [0.5, 0.4])]
    finish(store, exp_id, planned[5], [0.9], status="failed")
    read = read_new_runs(store, exp_id, most=2)
    assert read.done == 3  # the failed run counts as done, but is no outcome
    by_id = {r.run_id: r for r in read.runs}
    assert sorted(by_id) == ids
    assert by_id[ids[0]].finals == {"gini": 0.3, "richest": 2}
    assert by_id[ids[0]].curves["gini"].tolist() == [0.1, 0.2, 0.3]
    assert by_id[ids[0]].curves["step"].tolist() == [0, 1, 2]
    assert (by_id[ids[0]].point, by_id[ids[0]].replicate, by_id[ids[0]].factors) == (0, 0, {"a": 0.0})
    # point 2 is not among the first two: its final values only
    assert by_id[ids[1]].finals == {"gini": 0.4, "richest": 41} and by_id[ids[1]].curves is None

    # at most `limit` new runs per read, in run order; `more` says that some were left
    batch = read_new_runs(store, exp_id, most=2, limit=1)
    assert [r.run_id for r in batch.runs] == ids[:1] and batch.more
    rest = read_new_runs(store, exp_id, known={ids[0]}, most=2, limit=1)
    assert [r.run_id for r in rest.runs] == ids[1:] and not rest.more and not read.more

    later = finish(store, exp_id, planned[1], [0.3, 0.5, 0.7])
    again = read_new_runs(store, exp_id, known=set(by_id), most=2)
    assert [r.run_id for r in again.runs] == [later] and again.done == 4 and again.factors is None
    assert again.levels is None
    bands = point_bands([*read.runs, *again.runs], "gini", EXCHANGE)
    assert [b.point for b in bands] == [0]
    assert bands[0].mean.tolist() == pytest.approx([0.2, 0.35, 0.5])
    half = T_975_1 * np.std([[0.1, 0.2, 0.3], [0.3, 0.5, 0.7]], axis=0, ddof=1) / math.sqrt(2)
    assert bands[0].hi.tolist() == pytest.approx((np.array([0.2, 0.35, 0.5]) + half).tolist())
