"""Choosing tables for an export of runs of several models: a single layer of a generic
run ("layer_<name>"), each run's own tables (run id -> tables, as the window's Run Data
dialog sends them), and clear refusals of names that are no table."""

from __future__ import annotations

import pandas as pd
import pytest

from farm_gui import cli
from farm_gui.store import ExportError, export_runs, open_store
from farm_gui.store.export import files_in_the_way, tables_of_model


@pytest.fixture
def runs(tmp_path):
    """Run 1: Schelling, run 2: the foraging ecology, snapshots every 5 steps."""
    db = tmp_path / "runs.db"
    for model in ("schelling", "foraging"):
        assert cli.main(["run", "--model", model, "--steps", "12", "--snapshot-every", "5", "--seed", "2",
                         "--quiet", "--db", str(db)]) == 0
    store = open_store(str(db))
    yield store
    store.close()


def names(paths) -> set[str]:
    return {p.name for p in paths}


def test_what_each_model_has():
    assert tables_of_model("schelling") == ["metrics", "layer_mood", "layer_groups"]
    assert tables_of_model("wolf_sheep") == ["metrics", "layer_grass", "layer_animals", "agents"]
    assert tables_of_model("foraging") == ["metrics", "agent_snapshots", "node_snapshots", "action_counts",
                                           "agents"]
    assert tables_of_model("not_installed_model") == ["metrics"]


def test_one_layer_of_a_generic_run(runs, tmp_path):
    written = export_runs(runs, [1], tmp_path / "out", "csv", tables=["layer_groups"])
    assert names(written) == {"Run_1_run1_layer_groups.csv", "Run_1_run1_metadata.json"}
    frame = pd.read_csv(tmp_path / "out" / "Run_1_run1_layer_groups.csv")
    assert list(frame.columns) == ["step", "row", "col", "value"] and len(frame) % 400 == 0


def test_each_run_its_own_tables(runs, tmp_path):
    out = tmp_path / "out"
    chosen = {1: ["metrics", "layer_mood"], 2: ["agent_snapshots"]}
    written = export_runs(runs, [1, 2], out, "parquet", tables=chosen)
    assert names(written) == {"Run_1_run1_metrics.parquet", "Run_1_run1_layer_mood.parquet",
                              "Run_1_run1_metadata.json", "Run_2_run2_agent_snapshots.parquet",
                              "Run_2_run2_metadata.json"}
    # (the same list for both runs would have given the Schelling run every layer: the snapshot
    # tables stand for a generic run's layers). Again: the data files are in the way, the
    # metadata files are added to
    data = {n for n in names(written) if not n.endswith("_metadata.json")}
    assert names(files_in_the_way(runs, [1, 2], out, "parquet", chosen)) == data


def test_a_layer_name_a_foraging_run_lacks_gives_it_no_file(runs, tmp_path):
    written = export_runs(runs, [2], tmp_path / "out", "json", tables=["layer_groups"])
    assert names(written) == {"Run_2_run2_metadata.json"}


@pytest.mark.parametrize("tables, message", [
    (["layer_"], "unknown table 'layer_'"),
    (["bogus"], "unknown table 'bogus'"),
    ({1: ["metrics"]}, "no tables chosen for run 2"),
    ({1: ["metrics"], 2: []}, "no tables chosen to export for run 2"),
    ({1: ["metrics"], 2: ["nodes"]}, "unknown table 'nodes' for run 2"),
])
def test_bad_choices_are_refused_with_the_reason(runs, tmp_path, tables, message):
    with pytest.raises(ExportError, match=message):
        export_runs(runs, [1, 2], tmp_path / "out", "csv", tables=tables)
    assert not (tmp_path / "out").exists()
