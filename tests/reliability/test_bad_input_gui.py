"""Bad configuration files and bad databases given to the window: a message at the
field or in a dialog naming the file, no exception, nothing executed, the previous
state kept and the files unchanged."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QPushButton, QWidget

from farm_gui.config import RunConfig

from . import bad_inputs
from .conftest import GUI_WAIT_MS
from .support import collect_unhandled, tree_checksums
from .test_bad_database import CASE_LABELS, _cases, make_valid_store


def test_every_bad_config_file_is_explained_and_the_form_kept(qtbot, make_gui, workdir, monkeypatch,
                                                               message_boxes):
    window = make_gui(steps=77)
    before = window.config_form.config()
    assert before is not None and before.simulation_steps == 77
    load = window.config_form.findChild(QPushButton, "load_config")
    assert load is not None
    cases = bad_inputs.write_bad_configs(workdir)
    with collect_unhandled() as errors:
        for case, path in cases:
            message_boxes.clear()
            monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, p=path, **k: (str(p), ""))
            load.click()
            qtbot.waitUntil(lambda: bool(message_boxes), timeout=GUI_WAIT_MS)
            title, text = message_boxes[0]
            assert str(path) in text, f"{case.label}: {text}"
            if case.field:
                assert case.field in text, f"{case.label}: {text}"
            assert "Traceback" not in text
            assert window.config_form.config() == before, f"{case.label} changed the form"
            assert window.actions.start.isEnabled()
    assert errors == []
    assert not (workdir / bad_inputs.PWNED_NAME).exists()
    print(f"bad configs handled by the GUI: {len(cases)}")


def test_bad_values_typed_into_fields_are_marked_at_the_field(qtbot, make_gui):
    window = make_gui()
    form = window.config_form
    line_edit_fields = [p for p, f in form.fields.items() if type(f.editor).__name__ == "QLineEdit"]
    assert line_edit_fields, "expected some free-text fields (very wide bounds)"
    path = "seed" if "seed" in line_edit_fields else line_edit_fields[0]
    valid = {"1_000": 1000, "7": 7}  # Python's int() syntax, which pydantic accepts too
    invalid = ("nan", "inf", "-inf", "1e400", "abc", "", "1" * 400, "0x10", "-1",
               "__import__('os').system('true')")
    with collect_unhandled() as errors:
        for text in invalid:
            form.fields[path].editor.setText(text)
            assert not form.is_valid, text
            assert form.config() is None, text
            assert form.fields[path].problem, text
            assert path in dict(form.problems()), text
            assert not window.actions.start.isEnabled(), text
            window.actions.start.trigger()
        for text, value in valid.items():
            form.fields[path].editor.setText(text)
            assert form.is_valid and form.fields[path].problem is None, text
            assert getattr(form.config(), path) == value
    assert form.is_valid and window.actions.start.isEnabled()
    # None of the triggers above started a run: the one Start that is allowed now makes
    # the first and only run (its config has the last valid value).
    window.config_form.set_value("simulation_steps", 5)
    window.actions.start.trigger()
    qtbot.waitUntil(lambda: len(window.registry.runs()) == 1, timeout=GUI_WAIT_MS)
    run = window.registry.runs()[0]
    qtbot.waitUntil(lambda: run.state == "finished", timeout=GUI_WAIT_MS)
    assert getattr(window.store.run_config(run.run_id), path) == 7
    assert len(window.store.list_runs()) == 1 and len(window.registry.runs()) == 1
    assert errors == []


def test_bad_workspace_files_are_explained_and_left_unchanged(qtbot, make_gui, workdir, message_boxes):
    window = make_gui()
    good_store = window.store
    (workdir / "valid").mkdir()
    (workdir / "bad").mkdir()
    cases = _cases(make_valid_store(workdir / "valid"), workdir / "bad")
    with collect_unhandled() as errors:
        for label in CASE_LABELS:
            path, word = cases[label]
            before = sha256_of(path)
            message_boxes.clear()
            window.open_workspace(str(path))
            qtbot.waitUntil(lambda: bool(message_boxes), timeout=GUI_WAIT_MS)
            title, text = message_boxes[0]
            assert str(path) in text and word in text.lower(), f"{label}: {text}"
            assert "Traceback" not in text
            assert window.store is good_store, f"{label}: the open workspace was replaced"
            assert sha256_of(path) == before, f"{label}: the file changed"
    assert errors == []


def sha256_of(path):
    return tree_checksums(path.parent)[path.name]


def test_window_started_on_a_bad_database_shows_why(qtbot, make_gui, workdir, message_boxes):
    bad = bad_inputs.not_a_database(workdir)
    before = tree_checksums(workdir)
    with collect_unhandled() as errors:
        window = make_gui(db=bad)
        qtbot.waitUntil(lambda: bool(message_boxes), timeout=GUI_WAIT_MS)
    title, text = message_boxes[0]
    assert str(bad) in text and "not a database" in text
    assert window.store is None
    assert not window.actions.start.isEnabled()
    window.config_form.set_config(RunConfig(simulation_steps=10))
    window.actions.start.trigger()
    qtbot.wait(200)
    assert window.registry.runs() == []
    assert errors == []
    assert tree_checksums(workdir) == before
    assert window.findChild(QWidget, "run_table") is not None
