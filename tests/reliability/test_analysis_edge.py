"""Analyses started on runs with no recorded steps yet (just started, pending, failed
at once): every module returns a result or refuses with an AnalysisError, never an
unexplained exception (which the panel would show as e.g. 'ValueError: Encountered
all NA values'). A result is looked at: it claims no observed value for a run that
has no steps, and it reads back from the store as it was computed."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from farm_gui.analysis import AnalysisError, analyse_stored_runs, available_modules
from farm_gui.analysis.runner import load_result
from farm_gui.config import RunConfig
from farm_gui.runtime.session import RunSession
from farm_gui.store import open_store

CASES = {"no steps": ("empty0",), "no steps + one step": ("empty0", "one"),
         "two without steps": ("empty0", "empty1")}
# Numbers a result may give for a run without steps: what its configuration says (the
# initial population) and -1 for "no such step". Coordinates and bins are layout.
FROM_CONFIG = {"start"}
LAYOUT = {"run", "step", "time", "x_start", "x_end", "y_start", "y_end", "bin_start", "bin_end"}
# numpy's warnings for a mean or variance over an empty group (the value is NaN, and the
# checks below see it); any other warning fails the test.
EMPTY_GROUP_WARNINGS = ("Mean of empty slice", "Degrees of freedom <= 0")


@pytest.fixture(scope="module")
def store_with_empty_runs(tmp_path_factory):
    store = open_store(tmp_path_factory.mktemp("empty_runs") / "runs.db")
    ids = {f"empty{i}": store.create_run(RunConfig(simulation_steps=10, seed=s), name=f"pending {s}")
           for i, s in enumerate((1, 2))}
    ids["one"] = store.create_run(RunConfig(simulation_steps=1), name="one step")
    assert RunSession(store, ids["one"], RunConfig(simulation_steps=1)).run() == "finished"
    yield store, ids
    store.close()


def _rows_about_empty_runs(table: pd.DataFrame, empty_ids: set[int], single_run: bool) -> pd.DataFrame:
    if "run" in table.columns:
        return table[table["run"].isin(empty_ids)]
    return table if single_run else table.iloc[0:0]


@pytest.mark.parametrize("module,which", [(m, w) for m in sorted(available_modules()) for w in CASES
                                          if len(CASES[w]) >= available_modules()[m].min_runs])
def test_analysis_of_runs_without_steps_is_a_result_or_a_clear_refusal(store_with_empty_runs, module,
                                                                       which):
    store, ids = store_with_empty_runs
    run_ids = [ids[k] for k in CASES[which]]
    empty_ids = {ids[k] for k in CASES[which] if k.startswith("empty")}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            analysis_id, result = analyse_stored_runs(store, module, run_ids)
        except AnalysisError as err:
            assert str(err).strip()
            return
    unexpected = [str(w.message) for w in caught if not str(w.message).startswith(EMPTY_GROUP_WARNINGS)]
    assert unexpected == []
    assert result.tables, "a result with no table at all"
    for name, table in result.tables.items():
        rows = _rows_about_empty_runs(table, empty_ids, len(run_ids) == 1)
        numbers = rows.select_dtypes("number").drop(columns=list(LAYOUT | FROM_CONFIG), errors="ignore")
        values = numbers.to_numpy(dtype=float)
        sentinel = np.zeros_like(values, dtype=bool)
        for j, column in enumerate(numbers.columns):
            if column.endswith("_step"):
                sentinel[:, j] = values[:, j] == -1
        invented = np.isfinite(values) & (values != 0) & ~sentinel
        assert not invented.any(), (f"{module}.{name} claims values for a run without steps:\n"
                                    f"{numbers.loc[:, invented.any(axis=0)].head()}")
    again = load_result(store, analysis_id)
    assert set(again.tables) == set(result.tables)
    for name, table in result.tables.items():
        pd.testing.assert_frame_equal(again.tables[name].reset_index(drop=True), table.reset_index(drop=True),
                                      check_dtype=False)
