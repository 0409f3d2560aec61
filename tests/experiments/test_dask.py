"""Experiments on a real Dask cluster (scheduler + two workers started from the test):
every run lands once with the expected seeds and the same results as the local pool;
a worker killed mid-experiment (its runs run elsewhere, nothing duplicated)."""

from __future__ import annotations

import dask
import numpy as np
import pytest

from farm_gui.experiments.backends import BackendError, DaskBackend, LocalPoolBackend
from farm_gui.experiments.plan import build_plan
from farm_gui.experiments.runner import ExperimentRunner, create_experiment
from farm_gui.experiments.spec import spec_from_text
from farm_gui.store import open_store

from . import toy_model
from .dask_cluster import Cluster, free_port
from .test_runner import PRELOAD

SPEC = f"""
model: {toy_model.NAME}
preset: tiny
factors:
  step_size: {{values: [0.5, 2.0]}}
  fail_at: {{values: [0, 5]}}
replications: 3
steps: 9
seed: 21
keep: {{snapshot_every: 3}}
"""


@pytest.fixture
def cluster(tmp_path):
    c = Cluster(tmp_path)
    yield c
    c.close()


def _experiment(db, text, backend, **kw):
    with open_store(db) as store:
        experiment_id = create_experiment(store, spec_from_text(text))
        status = ExperimentRunner(store, experiment_id, backend, preload=PRELOAD, **kw).run()
        return experiment_id, status


def test_runs_on_the_cluster_match_the_local_pool(cluster, tmp_path):
    dask_id, status = _experiment(tmp_path / "dask.db", SPEC, DaskBackend(cluster.address))
    assert status == "finished"
    local_id, _ = _experiment(tmp_path / "local.db", SPEC, LocalPoolBackend(2))
    plan = build_plan(spec_from_text(SPEC))
    with open_store(tmp_path / "dask.db") as d, open_store(tmp_path / "local.db") as loc:
        info = d.get_experiment(dask_id)
        assert (info.runs_total, info.runs_finished, info.runs_failed) == (12, 6, 6)
        assert info.backend == f"dask:{cluster.address}"
        druns, lruns = d.experiment_runs(dask_id), loc.experiment_runs(local_id)
        assert len(d.list_runs()) == 12 and len({r.run_id for r in druns}) == 12  # each landed once
        assert [r.seed for r in druns] == [t.seed for t in plan.tasks]
        for a, b in zip(druns, lruns, strict=True):
            assert (a.seed, a.factors, a.status) == (b.seed, b.factors, b.status)
            ma, mb = d.metrics(a.run_id), loc.metrics(b.run_id)
            assert set(ma) == set(mb)
            for k in ma:
                assert np.array_equal(ma[k], mb[k]), k
            assert d.get_run(a.run_id).status == loc.get_run(b.run_id).status


def test_a_worker_killed_mid_experiment(cluster, tmp_path):
    text = f"model: {toy_model.NAME}\npreset: tiny\nbase: {{step_sleep: 0.02}}\n"
    text += "replications: 10\nsteps: 15\nseed: 4\n"
    killed = []

    def on_result(task, run_id, status):
        if not killed:
            cluster.kill(cluster.workers[0])
            killed.append(True)

    experiment_id, status = _experiment(
        tmp_path / "k.db", text, DaskBackend(cluster.address), on_result=on_result
    )
    assert status == "finished" and killed
    with open_store(tmp_path / "k.db") as store:
        info = store.get_experiment(experiment_id)
        assert (info.runs_finished, info.runs_failed) == (10, 0)
        runs = store.experiment_runs(experiment_id)
        assert len(store.list_runs()) == 10 and len({r.run_id for r in runs}) == 10
        from farm_gui.experiments.worker import execute

        for r, task in zip(runs, build_plan(spec_from_text(text)).tasks, strict=True):
            assert r.seed == task.seed
            assert np.array_equal(
                store.metrics(r.run_id)["mean_distance"], execute(task).metrics["mean_distance"]
            )


def test_no_scheduler_at_the_address_is_a_clear_error(tmp_path):
    backend = DaskBackend(f"tcp://127.0.0.1:{free_port()}")
    with pytest.raises(BackendError, match="cannot reach the Dask scheduler"):
        backend.start(("foraging",))


def test_a_local_cluster_runs_the_experiment_without_extra_work(tmp_path, monkeypatch):
    """Without an address the backend starts a LocalCluster: the experiment runs on it as on
    the pool, its workers do not profile the runs (a stack sample every 10 ms, each taken
    from the run), the scheduler is asked for its workers once per WORKERS_TTL_S, not
    before every submission (a round trip listing every worker), and once the first runs
    are timed, short runs go several to a Dask task."""
    backend = DaskBackend(None, 2)
    asked, sent = [], []
    real_start = backend.start

    def start(*args, **kwargs):
        real_start(*args, **kwargs)
        real_info = backend._client.scheduler_info
        monkeypatch.setattr(backend._client, "scheduler_info",
                            lambda *a, **k: asked.append(1) or real_info(*a, **k))
        profiling = backend._client.run(lambda: dask.config.get("distributed.worker.profile.enabled"))
        assert list(profiling.values()) == [False, False]
        real_submit = backend._client.submit

        def submit(fn, tasks, *args, **kwargs):
            sent.append(len(tasks))
            return real_submit(fn, tasks, *args, **kwargs)

        monkeypatch.setattr(backend._client, "submit", submit)

    monkeypatch.setattr(backend, "start", start)
    experiment_id, status = _experiment(tmp_path / "local.db", SPEC, backend)
    assert status == "finished"
    with open_store(tmp_path / "local.db") as store:
        info = store.get_experiment(experiment_id)
        assert (info.runs_total, info.runs_finished + info.runs_failed) == (12, 12)
    assert 1 <= len(asked) <= 3  # a few seconds of experiment: asked at the start, then per TTL
    # the toy model's runs take milliseconds: the first tasks hold one run, then up to 8
    assert sum(sent) == 12 and sent[0] == 1 and max(sent) > 1, sent
