"""Analyses started on runs with no recorded steps yet (just started, pending, failed
at once): every module returns a result or refuses with an AnalysisError, never an
unexplained exception (which the panel would show as e.g. 'ValueError: Encountered
all NA values')."""

from __future__ import annotations

import warnings

import pytest

from farm_gui.analysis import AnalysisError, analyse_stored_runs, available_modules
from farm_gui.config import RunConfig
from farm_gui.runtime.session import RunSession
from farm_gui.store import open_store


@pytest.fixture(scope="module")
def store_with_empty_runs(tmp_path_factory):
    store = open_store(tmp_path_factory.mktemp("empty_runs") / "runs.db")
    empty = [store.create_run(RunConfig(simulation_steps=10, seed=s), name=f"pending {s}") for s in (1, 2)]
    one = store.create_run(RunConfig(simulation_steps=1), name="one step")
    assert RunSession(store, one, RunConfig(simulation_steps=1)).run() == "finished"
    yield store, empty, one
    store.close()


@pytest.mark.parametrize("module", sorted(available_modules()))
@pytest.mark.parametrize("which", ["no steps", "no steps + one step", "two without steps"])
def test_analysis_of_runs_without_steps_is_a_result_or_a_clear_refusal(store_with_empty_runs, module,
                                                                       which):
    store, empty, one = store_with_empty_runs
    ids = {"no steps": empty[:1], "no steps + one step": [empty[0], one], "two without steps": empty}[which]
    if len(ids) < available_modules()[module].min_runs:
        pytest.skip("module needs more runs")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            analyse_stored_runs(store, module, ids)
        except AnalysisError as err:
            assert str(err).strip()
