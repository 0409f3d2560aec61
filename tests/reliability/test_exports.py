"""Exports under faults: an unwritable folder, existing files, a writer that fails
part-way, hostile run names. Nothing partial may remain and nothing outside the
chosen folder may be written."""

from __future__ import annotations

import errno
import shutil
import subprocess
from pathlib import Path

import pytest

from farm_gui import cli
from farm_gui.config import RunConfig
from farm_gui.runtime.session import RunSession
from farm_gui.store import StoreError, open_store
from farm_gui.store import export as export_module
from farm_gui.store.export import export_runs

from .support import tree_checksums

HOSTILE_NAMES = [
    "../../etc/passwd",
    "/etc/passwd",
    "a/b\\c",
    "..",
    ".",
    "",
    "~root",
    "run'; DROP TABLE runs; --",
    'quote " and \x00 nul and \n newline',
    "x" * 5000,
    "нет/имени",
]


@pytest.fixture(scope="module")
def store_with_runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export_src")
    store = open_store(folder / "runs.db")
    config = RunConfig(simulation_steps=30)
    ids = []
    for name in ["plain", *HOSTILE_NAMES]:
        run_id = store.create_run(config, name=name or None)
        assert RunSession(store, run_id, config).run() == "finished"
        ids.append(run_id)
    yield store, ids
    store.close()


def _all_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink())


def test_hostile_run_names_export_inside_the_chosen_folder(store_with_runs, tmp_path):
    store, ids = store_with_runs
    out = tmp_path / "exports"
    sentinel_root = tmp_path.parent
    before = {p for p in sentinel_root.rglob("*") if p.is_file()}
    paths = export_runs(store, ids, out, "csv")
    resolved = out.resolve()
    for p in paths:
        assert p.resolve().parent == resolved, f"{p} is outside {resolved}"
        assert p.exists()
        assert len(p.name.encode()) <= 255
    assert len(set(paths)) == len(paths), "two runs wrote the same file"
    after = {p for p in sentinel_root.rglob("*") if p.is_file()}
    assert {p for p in after - before if out not in p.parents} == set()
    # Names with quotes and SQL round-trip unchanged through the store.
    stored = {r.name for r in store.list_runs()}
    for name in HOSTILE_NAMES:
        if name and "\x00" not in name:
            assert name in stored


def test_existing_file_is_not_overwritten_without_consent(store_with_runs, tmp_path):
    store, ids = store_with_runs
    out = tmp_path / "exports"
    first = export_runs(store, ids[:1], out, "csv")
    victim = first[0]
    victim.write_text("precious user data\n")
    others = [p for p in first if p != victim]
    for p in others:
        p.unlink()
    before = tree_checksums(out)
    with pytest.raises(StoreError) as err:
        export_runs(store, ids[:1], out, "csv")
    assert str(victim) in str(err.value)
    assert tree_checksums(out) == before, "files appeared or changed although the export was refused"
    # With consent it is replaced.
    export_runs(store, ids[:1], out, "csv", overwrite=True)
    assert victim.read_text() != "precious user data\n"


@pytest.mark.parametrize("fail_at", [1, 3, 7], ids=["first file", "third file", "second run"])
@pytest.mark.parametrize("error", [OSError(errno.ENOSPC, "No space left on device"),
                                   ValueError("writer bug")], ids=["disk full", "writer bug"])
def test_writer_failing_part_way_leaves_no_files(store_with_runs, tmp_path, monkeypatch, fail_at, error):
    store, ids = store_with_runs
    out = tmp_path / "exports"
    out.mkdir()
    (out / "keep.txt").write_text("unrelated file\n")
    real = export_module.WRITERS["csv"]
    calls = [0]

    def failing(frame, path):
        calls[0] += 1
        if calls[0] == fail_at:
            path.write_text("half a file")
            raise error
        real(frame, path)

    monkeypatch.setitem(export_module.WRITERS, "csv", failing)
    with pytest.raises((StoreError, type(error))) as err:
        export_runs(store, ids[:2], out, "csv")
    assert calls[0] == fail_at
    assert [p.name for p in _all_files(out)] == ["keep.txt"], _all_files(out)
    if isinstance(error, OSError):
        assert isinstance(err.value, StoreError) and "No space" in str(err.value), err.value


def test_cli_export_writer_bug_is_reported_without_files(store_with_runs, tmp_path, monkeypatch, capsys):
    store, ids = store_with_runs
    out = tmp_path / "exports"

    def broken(frame, path):
        path.write_text("partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setitem(export_module.WRITERS, "csv", broken)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    code = cli.main(["export", str(ids[0]), "--format", "csv", "--out", str(out), "--db",
                     store.url])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "No space" in err and "Traceback" not in err
    assert not out.exists() or _all_files(out) == []


@pytest.fixture
def read_only_folder(tmp_path):
    mnt = tmp_path / "ro"
    mnt.mkdir()
    ok = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,ro", "tmpfs", str(mnt)], capture_output=True)
    if ok.returncode != 0:
        pytest.skip("cannot mount a read-only tmpfs here")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_unwritable_folder_gives_clear_message(store_with_runs, read_only_folder):
    store, ids = store_with_runs
    for target in (read_only_folder, read_only_folder / "new_sub_folder"):
        with pytest.raises(StoreError) as err:
            export_runs(store, ids[:1], target, "parquet")
        assert str(read_only_folder) in str(err.value)
        assert "Traceback" not in str(err.value)
    assert list(read_only_folder.iterdir()) == []


def test_export_folder_that_is_a_file(store_with_runs, tmp_path):
    store, ids = store_with_runs
    not_folder = tmp_path / "file.txt"
    not_folder.write_text("x")
    with pytest.raises(StoreError, match="not a folder"):
        export_runs(store, ids[:1], not_folder, "json")
    assert not_folder.read_text() == "x"
    shutil.rmtree(tmp_path / "exports", ignore_errors=True)


def test_gui_export_never_overwrites_and_leaves_nothing_partial(qtbot, make_gui, workdir, monkeypatch,
                                                                 message_boxes):
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from .conftest import GUI_WAIT_MS

    window = make_gui(db=workdir / "gui.db", steps=20)
    window.actions.start.trigger()
    qtbot.waitUntil(lambda: bool(window.registry.runs()) and window.registry.runs()[-1].state == "finished",
                    timeout=GUI_WAIT_MS)
    run_id = window.registry.runs()[-1].run_id
    qtbot.waitUntil(lambda: window.run_table.table_model.row_of(run_id) is not None, timeout=GUI_WAIT_MS)
    window.run_table.select_ids([run_id])
    out = workdir / "out"
    out.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(out))
    window.actions.export_csv.trigger()
    qtbot.waitUntil(lambda: any(out.glob("*_metadata.json")), timeout=GUI_WAIT_MS)
    qtbot.wait(200)
    before = tree_checksums(out)
    asked = []

    def decline(parent, title, text, *args, **kwargs):
        asked.append((title, text))
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "question", decline)
    window.actions.export_csv.trigger()  # same folder again: nothing is replaced unless the user says so
    qtbot.waitUntil(lambda: bool(asked), timeout=GUI_WAIT_MS)
    assert "Replace" in asked[-1][0] and str(out) in asked[-1][1] and "_metrics.csv" in asked[-1][1]
    qtbot.waitUntil(lambda: "cancelled" in window.statusBar().currentMessage(), timeout=GUI_WAIT_MS)
    assert tree_checksums(out) == before and not message_boxes

    message_boxes.clear()
    fresh = workdir / "fresh"
    fresh.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(fresh))

    def broken(frame, path):
        path.write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setitem(export_module.WRITERS, "parquet", broken)
    window.actions.export_parquet.trigger()
    qtbot.waitUntil(lambda: bool(message_boxes), timeout=GUI_WAIT_MS)
    assert "No space" in message_boxes[-1][1] and "Traceback" not in message_boxes[-1][1]
    assert _all_files(fresh) == []


def test_symlink_planted_in_the_export_folder_is_not_followed(store_with_runs, tmp_path):
    store, ids = store_with_runs
    out = tmp_path / "exports"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("must not change\n")
    expected = [p.name for p in export_runs(store, ids[:1], tmp_path / "probe", "csv")]
    link = out / expected[0]
    link.symlink_to(victim)
    with pytest.raises(StoreError, match="already exists"):
        export_runs(store, ids[:1], out, "csv")
    export_runs(store, ids[:1], out, "csv", overwrite=True)
    assert victim.read_text() == "must not change\n"
    assert not link.is_symlink() and link.stat().st_size > 0
