"""The New Experiment dialog's Design tab, clicked as a user would: factors added from the
model's parameters, the design, samples, replications and steps set in fields, the YAML
text following (and filling the form back when edited), and the experiment started from it."""

from __future__ import annotations

import yaml
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QDialog, QLineEdit, QMessageBox, QPushButton

from .conftest import WAIT_MS


def _open_dialog(qtbot, window):
    window.findChild(type(window.actions.start), "action_new_experiment").trigger()
    qtbot.waitUntil(lambda: window.findChild(QDialog, "new_experiment_dialog") is not None, timeout=WAIT_MS)
    return window.findChild(QDialog, "new_experiment_dialog")


def _spec(dialog) -> dict:
    return yaml.safe_load(dialog.editor.toPlainText())


def _click(qtbot, dialog, name: str) -> None:
    qtbot.mouseClick(dialog.findChild(QPushButton, name), Qt.MouseButton.LeftButton)


def _cell(form, row: int, column: int):
    return form.table.cellWidget(row, column)


def test_factors_and_design_set_in_the_form_write_the_spec_and_start_it(qtbot, make_window):
    window = make_window()
    dialog = _open_dialog(qtbot, window)
    form = dialog.design
    assert dialog.tabs.currentWidget() is form and form.table.rowCount() == 0
    assert form.replications.value() == 5  # read from the starting spec

    _click(qtbot, dialog, "experiment_add_factor")
    _click(qtbot, dialog, "experiment_add_factor")
    assert form.table.rowCount() == 2
    names = [_cell(form, r, 0).currentText() for r in range(2)]
    assert len(set(names)) == 2 and all(n in form.parameters for n in names)
    factors = _spec(dialog)["factors"]
    assert list(factors) == names and all(len(f["values"]) == 2 for f in factors.values())
    qtbot.waitUntil(lambda: dialog.preview.text().startswith("20 runs: 4 design points x 5"), timeout=WAIT_MS)

    # sampled design: both factors uniform, a Latin hypercube of 6 points, 2 replications
    for row in range(2):
        kind = _cell(form, row, 1)
        kind.setCurrentIndex(kind.findData("uniform"))
    assert all("uniform" in f for f in _spec(dialog)["factors"].values())
    form.design.setCurrentIndex(form.design.findData("lhs"))
    assert form.samples.isEnabled()
    form.samples.setValue(6)
    form.replications.setValue(2)
    form.steps.setValue(12)
    form.seed.setValue(77)
    spec = _spec(dialog)
    assert (spec["design"], spec["samples"], spec["replications"], spec["steps"], spec["seed"]) == \
        ("lhs", 6, 2, 12, 77)
    qtbot.waitUntil(lambda: dialog.preview.text().startswith("12 runs: 6 design points x 2"), timeout=WAIT_MS)

    # a bad value typed in the table is named in the preview, and Start is refused
    values = _cell(form, 0, 2)
    values.clear()
    qtbot.keyClicks(values, "0.5, 0.1")  # high below low
    qtbot.waitUntil(lambda: f"factors.{names[0]}" in dialog.preview.text(), timeout=WAIT_MS)
    start = dialog.findChild(QPushButton, "experiment_start")
    assert not start.isEnabled()
    values.clear()
    qtbot.keyClicks(values, "0.05, 0.2")
    qtbot.waitUntil(lambda: dialog.preview.text().startswith("12 runs"), timeout=WAIT_MS)

    dialog.workers.setValue(2)
    qtbot.mouseClick(start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: [e.status for e in window.store.list_experiments()] == ["finished"],
                    timeout=WAIT_MS)
    experiment = window.store.list_experiments()[0]
    assert experiment.runs_finished == 12
    stored = yaml.safe_load(window.store.experiment_spec_text(experiment.id))
    assert stored["factors"][names[0]] == {"uniform": [0.05, 0.2]} and stored["design"] == "lhs"
    runs = window.store.experiment_runs(experiment.id)
    assert len({r.seed for r in runs}) == 12
    assert all(0.05 <= r.factors[names[0]] <= 0.2 for r in runs)


def test_the_yaml_text_and_the_form_follow_each_other(qtbot, make_window):
    window = make_window()
    dialog = _open_dialog(qtbot, window)
    form = dialog.design
    text = ("model: foraging\npreset: default\nfactors:\n  base_consumption_rate: {range: [0.1, 0.3, 0.1]}\n"
            "  max_population: {values: [100, 200]}\ndesign: grid\nreplications: 3\nsteps: 40\nseed: 9\n")
    dialog.tabs.setCurrentIndex(1)
    dialog.editor.setPlainText(text)
    qtbot.waitUntil(lambda: form.table.rowCount() == 2, timeout=WAIT_MS)
    assert [(_cell(form, r, 0).currentText(), _cell(form, r, 1).currentData(), _cell(form, r, 2).text())
            for r in range(2)] == [("base_consumption_rate", "range", "0.1, 0.3, 0.1"),
                                   ("max_population", "values", "100, 200")]
    assert (form.replications.value(), form.steps.value(), form.seed.value()) == (3, 40, 9)
    qtbot.waitUntil(lambda: dialog.preview.text().startswith("18 runs: 6 design points x 3"), timeout=WAIT_MS)

    # removing the selected factor in the form keeps what the form does not show (the preset)
    dialog.tabs.setCurrentIndex(0)
    form.table.selectRow(0)
    qtbot.mouseClick(form.remove_button, Qt.MouseButton.LeftButton)
    spec = _spec(dialog)
    assert list(spec["factors"]) == ["max_population"] and spec["preset"] == "default"
    qtbot.waitUntil(lambda: dialog.preview.text().startswith("6 runs: 2 design points x 3"), timeout=WAIT_MS)

    # a parameter picked from the list gets values suggested from its default
    parameter = form.table.cellWidget(0, 0)
    assert isinstance(parameter, QComboBox)
    parameter.setCurrentText("base_consumption_rate")
    values = form.table.cellWidget(0, 2)
    assert isinstance(values, QLineEdit) and values.text() == "0.075, 0.15"
    assert _spec(dialog)["factors"] == {"base_consumption_rate": {"values": [0.075, 0.15]}}
    # one of each, in the singular; the model by its title
    dialog.editor.setPlainText("model: boltzmann_wealth\nreplications: 1\nsteps: 10\n")
    one = "1 run: 1 design point x 1 replication, 10 steps"
    qtbot.waitUntil(lambda: dialog.preview.text().startswith(one), timeout=WAIT_MS)
    assert "no finished run of Boltzmann wealth in this workspace" in dialog.preview.text()
    dialog.reject()


def test_closing_the_window_while_an_experiment_is_recorded_shows_and_logs_no_error(
        qtbot, make_window, tmp_path, caplog, monkeypatch):
    import threading

    from farm_gui.experiments import runner
    from farm_gui.store import open_store

    recording, release = threading.Event(), threading.Event()
    create = runner.create_experiment

    def slow_create(*args, **kwargs):  # the window closes while the experiment is being recorded
        recording.set()
        release.wait(10)
        return create(*args, **kwargs)

    monkeypatch.setattr(runner, "create_experiment", slow_create)
    window = make_window("closing.db")
    dialog = _open_dialog(qtbot, window)
    dialog.editor.setPlainText("model: foraging\npreset: default\nreplications: 2\nsteps: 10\nseed: 3\n")
    qtbot.waitUntil(lambda: dialog.preview.text().startswith("2 runs"), timeout=WAIT_MS)
    panel = window.experiments_panel
    qtbot.mouseClick(dialog.findChild(QPushButton, "experiment_start"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(recording.is_set, timeout=WAIT_MS)
    window.close()
    release.set()
    qtbot.wait(1500)  # the recording ends (the store is closed by now) and the coroutine goes on
    assert panel.jobs == {}
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")], caplog.text
    with open_store(tmp_path / "closing.db") as store:  # not recorded, or recorded and resumable
        assert [e.status for e in store.list_experiments()] in ([], ["queued"])


def test_the_model_is_chosen_in_the_dialog_and_the_forms_parameters_come_back_with_it(qtbot, make_window):
    """The dialog starts on the form's model with the form's changed parameters as its base;
    another model drops them (and the factors it does not have), and its runs are that
    model's; the form's model chosen again gets the form's parameters back."""
    window = make_window()
    window.config_form.set_value("max_population", 250)  # a change in the form: the base
    dialog = _open_dialog(qtbot, window)
    form = dialog.design
    model = dialog.findChild(QComboBox, "experiment_model")
    assert model.currentData() == "foraging" and model.currentText() == "Foraging ecology"
    assert _spec(dialog)["base"]["max_population"] == 250
    _click(qtbot, dialog, "experiment_add_factor")
    assert _cell(form, 0, 0).currentText() in form.parameters

    model.setCurrentIndex(model.findData("schelling"))
    spec = _spec(dialog)
    assert spec["model"] == "schelling" and "base" not in spec and "preset" not in spec
    assert form.table.rowCount() == 0 and spec["factors"] == {}  # a foraging parameter: dropped
    _click(qtbot, dialog, "experiment_add_factor")
    added = _cell(form, 0, 0).currentText()
    assert added in form.parameters and "max_population" not in form.parameters
    form.replications.setValue(2)
    form.steps.setValue(5)
    qtbot.waitUntil(lambda: dialog.preview.text().startswith("4 runs: 2 design points x 2"), timeout=WAIT_MS)
    assert "Schelling" in dialog.preview.text()

    model.setCurrentIndex(model.findData("foraging"))
    assert _spec(dialog)["base"]["max_population"] == 250 and form.table.rowCount() == 0
    model.setCurrentIndex(model.findData("schelling"))
    _click(qtbot, dialog, "experiment_add_factor")
    qtbot.waitUntil(lambda: dialog.preview.text().startswith("4 runs"), timeout=WAIT_MS)
    qtbot.mouseClick(dialog.findChild(QPushButton, "experiment_start"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: [e.status for e in window.store.list_experiments()] == ["finished"],
                    timeout=WAIT_MS)
    experiment = window.store.list_experiments()[0]
    assert experiment.model == "schelling" and experiment.runs_finished == 4
    assert {window.store.get_run(r.run_id).model for r in window.store.experiment_runs(experiment.id)} == \
        {"schelling"}
