"""Exports open in pandas and pyarrow, are atomic, and never overwrite without consent."""

import json
import os

import pandas as pd
import pyarrow.parquet as pq
import pytest

from farm_gui import __version__
from farm_gui.sim import METRIC_NAMES
from farm_gui.store import ExportError, export_runs
from farm_gui.store import export as export_module

from .conftest import record_run, small_config


@pytest.fixture
def two_runs(store):
    first = record_run(store, small_config(simulation_steps=30), name="a/b: 'quoted' \"run\"")
    second = record_run(store, small_config(simulation_steps=20, seed=5), name="second")
    return store, first, second


def _read(path, fmt):
    if fmt == "csv":
        return pd.read_csv(path)
    if fmt == "parquet":
        return pq.read_table(path).to_pandas()
    return pd.read_json(path, orient="records", precise_float=True)


@pytest.mark.parametrize("fmt", ["csv", "parquet", "json"])
def test_export_round_trips_through_pandas(two_runs, tmp_path, fmt):
    store, first, second = two_runs
    out = tmp_path / "out"
    paths = export_runs(store, [first, second], out, fmt)
    assert len(paths) == 12 and all(p.parent == out and p.exists() for p in paths)
    assert sorted(os.listdir(out)) == sorted(p.name for p in paths)  # no temporary files left
    name = paths[0].name
    assert name.startswith("a_b_quoted_run_run1_") and "'" not in name and "/" not in name

    metrics = _read(out / f"a_b_quoted_run_run{first}_metrics.{fmt}", fmt)
    expected = store.metrics_frame(first)
    assert list(metrics.columns) == list(METRIC_NAMES)
    pd.testing.assert_frame_equal(metrics, expected, check_dtype=False)

    agents = _read(out / f"second_run{second}_agent_snapshots.{fmt}", fmt)
    state = store.world_state(second, 14)
    at14 = agents[agents["step"] == 14]
    assert at14["agent_id"].tolist() == state["agent_id"].tolist()
    assert at14["x"].tolist() == state["agent_x"].tolist()
    nodes = _read(out / f"second_run{second}_node_snapshots.{fmt}", fmt)
    assert nodes[nodes["step"] == 14]["amount"].tolist() == state["node_amount"].tolist()
    actions = _read(out / f"second_run{second}_action_counts.{fmt}", fmt)
    assert actions["count"].sum() == store.action_counts_frame(second)["count"].sum()
    lives = _read(out / f"second_run{second}_agents.{fmt}", fmt)
    assert len(lives) == len(store.agents_frame(second))

    meta = json.loads((out / f"second_run{second}_metadata.json").read_text())
    assert meta["app_version"] == __version__ and meta["run"]["seed"] == 5
    assert meta["config"]["simulation_steps"] == 20 and meta["exported_at"]
    assert f"second_run{second}_metrics.{fmt}" in meta["files"]


def test_step_range(two_runs, tmp_path):
    store, first, _ = two_runs
    export_runs(store, [first], tmp_path, "csv", steps=(5, 15))
    metrics = pd.read_csv(next(tmp_path.glob("*_metrics.csv")))
    assert metrics["step"].tolist() == list(range(5, 15))
    snaps = pd.read_csv(next(tmp_path.glob("*_agent_snapshots.csv")))
    assert sorted(snaps["step"].unique()) == [7, 14]
    actions = pd.read_csv(next(tmp_path.glob("*_action_counts.csv")))
    assert actions["step"].between(5, 14).all()


def test_existing_files_are_not_overwritten_without_consent(two_runs, tmp_path):
    store, first, _ = two_runs
    paths = export_runs(store, [first], tmp_path, "csv")
    paths[2].write_text("precious")
    with pytest.raises(ExportError, match="already exists") as err:
        export_runs(store, [first], tmp_path, "csv")
    assert str(paths[0]) in str(err.value)
    assert paths[2].read_text() == "precious"
    export_runs(store, [first], tmp_path, "csv", overwrite=True)
    assert paths[2].read_text() != "precious"


def test_failing_writer_leaves_nothing_behind(two_runs, tmp_path, monkeypatch):
    store, first, second = two_runs
    calls = []

    def failing(frame, path):
        calls.append(path)
        if len(calls) == 7:  # mid-way through the second run
            path.write_text("half a fi")
            raise OSError(28, "No space left on device")
        frame.to_csv(path, index=False)

    monkeypatch.setitem(export_module.WRITERS, "csv", failing)
    out = tmp_path / "out"
    with pytest.raises(ExportError, match="No space left"):
        export_runs(store, [first, second], out, "csv")
    assert len(calls) == 7
    assert os.listdir(out) == []


def test_unexpected_writer_error_also_cleans_up(two_runs, tmp_path, monkeypatch):
    store, first, _ = two_runs

    def broken(frame, path):
        path.write_text("partial")
        raise RuntimeError("bug")

    monkeypatch.setitem(export_module.WRITERS, "parquet", broken)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError):
        export_runs(store, [first], out, "parquet")
    assert os.listdir(out) == []


def test_bad_targets(two_runs, tmp_path, monkeypatch):
    store, first, _ = two_runs
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    with pytest.raises(ExportError, match="is a file, not a folder"):
        export_runs(store, [first], a_file, "csv")
    with pytest.raises(ExportError, match="unknown export format 'xls'"):
        export_runs(store, [first], tmp_path, "xls")
    locked = tmp_path / "locked"
    locked.mkdir()
    monkeypatch.setattr(export_module.os, "access", lambda path, mode: False)
    with pytest.raises(ExportError, match="not writable"):
        export_runs(store, [first], locked, "csv")
    assert os.listdir(locked) == []
