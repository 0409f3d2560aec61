"""Store.transaction: the writes of one thread inside the block are one transaction
(an experiment's result: run, link, data and counts land together or not at all)."""

from __future__ import annotations

import pytest

from farm_gui.config import preset
from farm_gui.store import StoreError, open_store


def test_the_writes_inside_land_together(tmp_path):
    with open_store(tmp_path / "t.db") as store:
        with store.transaction("testing"):
            first = store.create_run(preset("default"), name="first")
            assert store.get_run(first).name == "first"  # read inside: sees what it wrote
            with store.transaction("nested"):
                second = store.create_run(preset("default"), name="second")
        assert {(r.id, r.name) for r in store.list_runs()} == {(first, "first"), (second, "second")}


def test_an_error_inside_leaves_nothing(tmp_path):
    with open_store(tmp_path / "t.db") as store:
        kept = store.create_run(preset("default"), name="kept")
        with pytest.raises(StoreError, match="has no run with id 999"), store.transaction("testing"):
            store.create_run(preset("default"), name="lost")
            store.rename_run(999, "nobody")
        assert [r.id for r in store.list_runs()] == [kept]
        # the store goes on normally afterwards
        store.rename_run(kept, "renamed")
        assert store.get_run(kept).name == "renamed"
