"""Result serialisation, files, parameter checks, progress and stopping."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from farm_gui.analysis import (
    AnalysisError,
    AnalysisResult,
    FrameRunSource,
    Stopped,
    available_modules,
    result_from_json,
    result_to_json,
    run_analysis,
    write_result_files,
)
from farm_gui.analysis.source import METRIC_CHUNK_STEPS

from .synthetic import config, metrics_frame


def sample_result():
    return AnalysisResult(
        module="population",
        params={"min_prominence": 1.0},
        run_ids=[3, 4],
        tables={"t": pd.DataFrame({"type": ["a", "b"], "n": np.array([1, 2], dtype=np.int64),
                                   "x": [0.5, float("nan")], "ok": [True, False]})},
        series={"pop/a": {"x": np.arange(3.0), "y": np.array([1.0, np.nan, 3.0])},
                "density/all": {"image": np.arange(6.0).reshape(2, 3), "x": np.arange(3.0),
                                "y": np.arange(4.0)}},
        summary={"best": "a", "cv": 0.25, "undefined": float("nan")},
    )


def test_json_round_trip_keeps_tables_series_and_summary():
    original = sample_result()
    text = result_to_json(original)
    json.loads(text)  # strict JSON: no NaN literals
    back = result_from_json(text)
    assert (back.module, back.params, back.run_ids) == ("population", {"min_prominence": 1.0}, [3, 4])
    pd.testing.assert_frame_equal(back.tables["t"], original.tables["t"])
    assert back.series["density/all"]["image"].shape == (2, 3)
    np.testing.assert_array_equal(back.series["pop/a"]["y"], original.series["pop/a"]["y"])
    assert back.summary["best"] == "a" and math.isnan(back.summary["undefined"])


def test_long_series_are_encoded_in_slices_to_exactly_the_same_json():
    from farm_gui.analysis.serialize import _JSON_SLICE, result_to_dict

    n = 3 * _JSON_SLICE + 17  # several slices and a short last one
    steps = np.arange(n, dtype=float)
    values = np.sin(steps / 50)
    values[[0, _JSON_SLICE - 1, _JSON_SLICE, n - 1]] = np.nan
    result = AnalysisResult(
        module="population", params={}, run_ids=[1],
        tables={"long": pd.DataFrame({"step": steps.astype(np.int64), "v": values})},
        series={"pop/all": {"x": steps, "y": values}}, summary={"n": n})
    text = result_to_json(result)
    assert text == json.dumps(result_to_dict(result), allow_nan=False, separators=(",", ":"))
    back = result_from_json(text)
    np.testing.assert_array_equal(back.series["pop/all"]["y"], values)
    pd.testing.assert_frame_equal(back.tables["long"], result.tables["long"])


def test_unreadable_payload_is_an_analysis_error():
    with pytest.raises(AnalysisError, match="not readable"):
        result_from_json("{not json")
    with pytest.raises(AnalysisError, match="format"):
        result_from_json('{"format": 99}')


def test_result_files_are_csv_per_table_and_one_json(tmp_path):
    paths = write_result_files(sample_result(), tmp_path / "out")
    names = sorted(p.name for p in paths)
    assert names == ["population_run3-4.json", "population_run3-4_t.csv"]
    table = pd.read_csv(tmp_path / "out" / "population_run3-4_t.csv")
    assert table["n"].tolist() == [1, 2] and math.isnan(table["x"][1])
    data = json.loads((tmp_path / "out" / "population_run3-4.json").read_text())
    assert data["params"] == {"min_prominence": 1.0} and data["summary"]["cv"] == 0.25


def test_many_runs_are_named_by_their_lowest_and_highest_id():
    """An experiment's runs come in design order (ids 1, 3, 2, ..., 5): the name gives the
    range of their ids, not the first and last in that order."""
    from farm_gui.analysis.serialize import default_stem

    result = sample_result()
    result.run_ids = [1, 3, 2, 4, 9, 7, 8, 6, 5]
    assert default_stem(result) == "population_run1-9_9runs"


def test_unwritable_output_directory_is_reported(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(AnalysisError, match="cannot create output directory"):
        write_result_files(sample_result(), blocker / "sub")


def test_unknown_module_and_bad_params_name_what_is_wrong():
    source = FrameRunSource(metrics_frame(3, alive_system=[1, 1, 1]), config=config(system_agents=1))
    with pytest.raises(AnalysisError, match="unknown analysis module 'nope'.*population"):
        run_analysis("nope", [source])
    with pytest.raises(AnalysisError, match="min_prominence"):
        run_analysis("population", [source], {"min_prominence": -1})
    with pytest.raises(AnalysisError, match="colour"):
        run_analysis("population", [source], {"colour": "red"})


class Recorder:
    def __init__(self, stop_after=None):
        self.calls = []
        self.stop_after = stop_after

    def checkpoint(self, fraction, message=""):
        self.calls.append((fraction, message))
        if self.stop_after is not None and len(self.calls) >= self.stop_after:
            raise Stopped()


def long_source(run_id=1):
    n = 3 * METRIC_CHUNK_STEPS + 10
    rng = np.random.default_rng(0)
    m = metrics_frame(n, alive_system=rng.integers(1, 50, n), alive_control=rng.integers(1, 50, n))
    agents = {"x": rng.uniform(0, 100, 20), "y": rng.uniform(0, 100, 20), "category": np.zeros(20, np.uint8),
              "value": rng.uniform(0, 9, 20), "id": np.arange(20)}
    return FrameRunSource(m, config=config(system_agents=10, control_agents=10), run_id=run_id,
                          layers={0: {"agents": agents}, n: {"agents": agents}},
                          snapshots={0: {"node_amount": np.ones(3)}, n: {"node_amount": np.zeros(3)}})


@pytest.mark.parametrize("module", sorted(set(available_modules()) - {"comparison", "sensitivity"}))
def test_progress_is_monotone_and_ends_at_one(module):
    ctl = Recorder()
    run_analysis(module, [long_source()], ctl=ctl)
    fractions = [f for f, _ in ctl.calls]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert all(0 <= f <= 1 for f in fractions)


def test_metrics_are_read_in_chunks_with_checkpoints_between():
    ctl = Recorder()
    run_analysis("population", [long_source()], ctl=ctl)
    assert sum("reading metrics" in m for _, m in ctl.calls) == 4


def test_multi_run_progress_and_stop():
    ctl = Recorder()
    result = run_analysis("dominance", [long_source(1), long_source(2)], ctl=ctl)
    fractions = [f for f, _ in ctl.calls]
    assert fractions == sorted(fractions)
    assert result.tables["scores"]["run"].tolist() == ["run 1", "run 1", "run 2", "run 2"]
    assert "population/run 2 control" in result.series and result.run_ids == [1, 2]
    with pytest.raises(Stopped):
        run_analysis("population", [long_source()], ctl=Recorder(stop_after=2))
