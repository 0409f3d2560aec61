"""Initial agents are checked against the population cap at the field, nothing is
clamped silently, and a run that needs more memory than the machine has is asked about
before it starts."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from farm_gui.config import ConfigError, config_from_dict
from farm_gui.runtime import memory

from .conftest import WAIT_MS


def test_initial_agents_beyond_the_cap_are_marked_at_the_fields():
    try:
        config_from_dict({"system_agents": 500, "max_population": 400})
    except ConfigError as err:
        problems = dict(err.problems)
    else:
        raise AssertionError("500 initial agents under a cap of 400 were accepted")
    for field in ("system_agents", "independent_agents", "control_agents"):
        assert "population cap" in problems[field] and "520" in problems[field]
    assert "max_population" in problems and "order_agents" not in problems


def test_a_number_too_large_for_the_field_is_not_clamped(qtbot, make_window):
    window = make_window()
    form = window.config_form
    field = form.fields["system_agents"]
    field.editor.setFocus()
    field.editor.lineEdit().selectAll()
    qtbot.keyClicks(field.editor.lineEdit(), "999999999")
    assert not form.is_valid and not window.actions.start.isEnabled()
    assert field.problem and "10000000" in field.problem  # what the field holds at most
    assert form.config() is None  # no clamped config to start from
    form.set_value("system_agents", 999_999_999)
    assert field.refused == 999_999_999 and "999999999" in field.problem
    form.set_value("system_agents", 600)
    assert not form.is_valid and "population cap" in field.problem
    form.set_value("max_population", 2000)
    assert form.is_valid and form.config().system_agents == 600
    qtbot.keyClick(field.editor.lineEdit(), Qt.Key.Key_Enter)
    assert form.is_valid


def test_a_run_beyond_the_machines_memory_is_asked_about_first(qtbot, make_window, monkeypatch):
    window = make_window(steps=20)
    monkeypatch.setattr(memory, "available_bytes", lambda: 10 * 2**20)  # 10 MB free
    asked, answer = [], [QMessageBox.StandardButton.Cancel]

    def question(parent, title, text, *args):
        asked.append((parent, title, text))
        return answer[0]

    monkeypatch.setattr(QMessageBox, "question", question)
    window.actions.start.trigger()
    assert len(asked) == 1 and asked[0][0] is window
    assert "memory" in asked[0][2] and "30 agents" in asked[0][2] and "10 MB" in asked[0][2]
    qtbot.wait(200)
    assert window.registry.runs() == [] and window.store.list_runs() == []  # Cancel: nothing started
    answer[0] = QMessageBox.StandardButton.Yes
    window.actions.start.trigger()
    qtbot.waitUntil(lambda: len(window.store.list_runs()) == 1, timeout=WAIT_MS)
    monkeypatch.setattr(memory, "available_bytes", lambda: 64 * 2**30)
    window.actions.start.trigger()  # enough memory: nobody is asked
    qtbot.waitUntil(lambda: len(window.store.list_runs()) == 2, timeout=WAIT_MS)
    assert len(asked) == 2


def test_the_estimate_grows_with_the_agents():
    from farm_gui.config import RunConfig

    small = memory.estimate_run_bytes(RunConfig())
    big = memory.estimate_run_bytes(RunConfig(system_agents=10_000_000, max_population=20_000_000))
    assert small < 100 * 2**20 and 4 * 2**30 < big < 8 * 2**30  # 10 million agents: 5.4 GB seen
    assert memory.memory_warning(RunConfig(), available=2**30) is None
