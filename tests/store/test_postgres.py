"""The store over PostgreSQL. Skipped (failed when CI=true) unless FARM_GUI_TEST_POSTGRES_URL names a database
(it is emptied) and psycopg is installed, e.g.
FARM_GUI_TEST_POSTGRES_URL=postgresql+psycopg://postgres@/farm_test?host=/tmp/pgsock&port=55432
"""

import os
import subprocess
import sys
import threading

import numpy as np
import pytest

from farm_gui.store import StoreError, export_runs, open_store

from .conftest import one_test_at_a_time, record_run, small_config

URL = os.environ.get("FARM_GUI_TEST_POSTGRES_URL")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# The tests empty and share one database: they run in one xdist worker, one at a time.
pytestmark = pytest.mark.xdist_group("postgresql")


@pytest.fixture
def pg_url():
    """The test database, emptied. In CI (.ci/run starts a server) a missing URL, driver
    or server FAILS the test: a skip there would hide that PostgreSQL is not tested."""
    if not URL:
        if IN_CI:
            pytest.fail("CI=true but FARM_GUI_TEST_POSTGRES_URL is not set (.ci/run starts a server)")
        pytest.skip("no PostgreSQL server configured (FARM_GUI_TEST_POSTGRES_URL)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        if IN_CI:
            pytest.fail("psycopg is not installed: `make test` installs the postgres extra")
        pytest.skip("psycopg is not installed (pip install 'farm-gui[postgres]')")
    from sqlalchemy import MetaData, create_engine

    with one_test_at_a_time(URL):
        engine = create_engine(URL)
        every_table = MetaData()  # the models' own tables too (metrics_schelling, ...)
        every_table.reflect(engine)
        every_table.drop_all(engine)
        engine.dispose()
        yield URL


def test_record_reopen_query_and_export(pg_url, tmp_path):
    config = small_config()
    with open_store(pg_url) as store:
        run_id = record_run(store, config, name="pg 'quoted'; run")
        store.save_analysis("population", [run_id], {"a": 1}, "finished", "{}")
    with open_store(pg_url) as store:
        info = store.get_run(run_id)
        assert (info.status, info.steps_done, info.name) == ("finished", 60, "pg 'quoted'; run")
        assert store.run_config(run_id) == config
        np.testing.assert_array_equal(store.metrics(run_id)["step"], np.arange(60))
        assert store.snapshot_steps(run_id).tolist() == [0, 7, 14, 21, 28, 35, 42, 49, 56, 60]
        assert int(store.world_state(run_id, 30)["step"]) == 28
        assert len(store.agents_frame(run_id)) >= 30
        assert store.action_counts_frame(run_id)["count"].sum() > 0
        assert len(export_runs(store, [run_id], tmp_path, "csv")) == 6
        assert store.list_analyses()[0].module == "population"
        store.delete_run(run_id)
        assert store.list_runs() == []


def test_foreign_postgres_schema_is_refused(pg_url):
    from sqlalchemy import create_engine, text

    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE customers (id int)"))
    try:
        with pytest.raises(StoreError, match="another application"):
            open_store(pg_url)
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE customers"))
        engine.dispose()


def test_bulk_reads_agree_with_sqlite(pg_url, tmp_path):
    """The same run recorded in PostgreSQL and in SQLite reads back the same, whole, in
    agent pieces and as windows summed by each database."""
    import pandas as pd

    config = small_config(simulation_steps=70, seed=5, initial_resource_level=0.0, starvation_threshold=3)
    with open_store(pg_url) as pg, open_store(tmp_path / "same.db") as lite:
        pg_run, lite_run = record_run(pg, config), record_run(lite, config)
        pd.testing.assert_frame_equal(pg.agents_frame(pg_run), lite.agents_frame(lite_run))
        assert pg.agents_frame(pg_run)["death_step"].notna().any()
        pd.testing.assert_frame_equal(pg.agents_frame(pg_run, 5, limit=9),
                                      lite.agents_frame(lite_run, 5, limit=9))
        pd.testing.assert_frame_equal(pg.metrics_frame(pg_run, 3, 40), lite.metrics_frame(lite_run, 3, 40))
        pd.testing.assert_frame_equal(pg.action_counts_frame(pg_run), lite.action_counts_frame(lite_run))
        for window in (1, 6, 1000):
            a = pg.action_count_arrays(pg_run, 10, 65, window=window)
            b = lite.action_count_arrays(lite_run, 10, 65, window=window)
            for x, y in zip(a, b, strict=True):
                np.testing.assert_array_equal(x, y)
                assert x.dtype == y.dtype == np.int64
        with pytest.raises(StoreError, match="no run with id 999"):
            pg.agents_frame(999)


def test_concurrent_writers_threads_and_a_second_process(pg_url, tmp_path):
    """Three runs recorded at once by threads of this process and one by a CLI process,
    all into the same PostgreSQL database: every run finishes with all its steps, in
    order, and its metrics equal a run of the same seed recorded alone in SQLite."""
    from farm_gui.runtime.session import RunSession

    config = small_config(simulation_steps=80, snapshot_every=10)
    cli = subprocess.Popen([sys.executable, "-m", "farm_gui.cli", "run", "--db", pg_url, "--steps", "80",
                            "--seed", "42", "--snapshot-every", "10", "--name", "from the CLI", "--quiet"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with open_store(pg_url) as store:
        ids = [store.create_run(config, name=f"thread {i}") for i in range(3)]
        results: dict[int, str] = {}

        def record(run_id: int) -> None:
            results[run_id] = RunSession(store, run_id, config, batch_steps=5, batch_seconds=0.01).run()

        threads = [threading.Thread(target=record, args=(i,)) for i in ids]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        out, err = cli.communicate(timeout=120)
        assert cli.returncode == 0, err.decode(errors="replace")
        assert results == {i: "finished" for i in ids}
        runs = {r.name: r for r in store.list_runs()}
        assert set(runs) == {"thread 0", "thread 1", "thread 2", "from the CLI"}
        with open_store(tmp_path / "alone.db") as lite:
            alone = lite.metrics(record_run(lite, config))
        for info in runs.values():
            assert (info.status, info.steps_done) == ("finished", 80), info
            metrics = store.metrics(info.id)
            np.testing.assert_array_equal(metrics["step"], np.arange(80))
            np.testing.assert_array_equal(metrics["alive"], alone["alive"])
            assert store.snapshot_steps(info.id).tolist() == [0, 10, 20, 30, 40, 50, 60, 70, 80]


def test_a_run_from_the_window_is_recorded_by_its_own_process(pg_url, tmp_path, monkeypatch, qtbot):
    """The window's runs go in a process of their own (runtime/run_process.py), which
    reaches a server through its full URL: every step is stored and shown."""
    from farm_gui.app import create_main_window
    from farm_gui.runtime.run_process import ProcessRunWorker

    monkeypatch.setenv("FARM_GUI_SETTINGS", str(tmp_path / "farm-gui.ini"))
    with open_store(pg_url):
        pass  # the schema, created
    window = create_main_window(pg_url)
    qtbot.addWidget(window)
    window.show()
    window.config_form.set_value("simulation_steps", 120)
    window.config_form.set_value("snapshot_every", 10)
    window.actions.start.trigger()
    qtbot.waitUntil(lambda: len(window.registry.runs()) == 1, timeout=60_000)
    run = window.registry.runs()[0]
    assert isinstance(run.worker, ProcessRunWorker)
    qtbot.waitUntil(lambda: run.state == "finished", timeout=60_000)
    info = window.store.get_run(run.run_id)
    assert info.status == "finished" and info.steps_done == 120
    shown = run.buffer.snapshot()["alive"][:120]
    np.testing.assert_array_equal(shown, window.store.metrics(run.run_id)["alive"])
    window.close()


def test_an_experiment_cancelled_and_resumed_on_postgres_matches_one_on_sqlite(pg_url, tmp_path):
    """The experiment tables and the runner over PostgreSQL: cancelled after its first
    results, resumed, it ends with the runs, seeds and metrics of the same spec run
    straight through into a SQLite workspace."""
    from farm_gui.core.jobs import JobControl
    from farm_gui.experiments.backends import LocalPoolBackend
    from farm_gui.experiments.runner import ExperimentRunner, create_experiment
    from farm_gui.experiments.spec import spec_from_text

    spec = spec_from_text("model: foraging\npreset: default\nfactors:\n  base_consumption_rate: "
                          "{values: [0.1, 0.2]}\nreplications: 20\nsteps: 15\nseed: 11\n")

    def outcome(store, experiment_id):
        runs = store.experiment_runs(experiment_id)
        return [(r.index, r.seed, r.factors, r.status,
                 list(store.metrics(r.run_id)["alive"])) for r in runs]

    with open_store(tmp_path / "straight.db") as store:
        straight = create_experiment(store, spec)
        assert ExperimentRunner(store, straight, LocalPoolBackend(2)).run() == "finished"
        expected = outcome(store, straight)
    # (a cancel keeps the runs in flight that finish within its grace: up to two tasks of runs)
    assert len(expected) == 40 and all(status == "finished" for *_, status, _ in expected)

    with open_store(pg_url) as store:
        experiment_id = create_experiment(store, spec)
        control = JobControl()
        seen = []

        def stop_after_the_first(task, run_id, status):
            seen.append(run_id)
            control.stop()

        runner = ExperimentRunner(store, experiment_id, LocalPoolBackend(1), control,
                                  on_result=stop_after_the_first)
        assert runner.run() == "cancelled"
        info = store.get_experiment(experiment_id)
        assert info.status == "cancelled" and 1 <= info.runs_done < 40
        assert ExperimentRunner(store, experiment_id, LocalPoolBackend(2)).run() == "finished"
        assert store.get_experiment(experiment_id).runs_finished == 40
        assert outcome(store, experiment_id) == expected
