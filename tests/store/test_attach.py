"""attach_store: a second process of the application (a window's run) opens a database the
window has opened and checked, without checking it again."""

import pytest

from farm_gui.runtime.session import RunSession
from farm_gui.store import StoreError, attach_store

from .conftest import small_config


def test_an_attached_store_records_a_run_the_opener_reads(store, db_path):
    run_id = store.create_run(small_config(simulation_steps=30))
    attached = attach_store(str(db_path))
    try:
        assert RunSession(attached, run_id, small_config(simulation_steps=30)).run() == "finished"
    finally:
        attached.close()
    assert store.get_run(run_id).steps_done == 30
    assert store.metrics(run_id)["step"].tolist() == list(range(30))


def test_attaching_to_a_missing_file_names_it(tmp_path):
    missing = tmp_path / "gone.db"
    with pytest.raises(StoreError, match="gone.db does not exist"):
        attach_store(str(missing))
    assert not missing.exists()  # and creates nothing
