"""The first-start progress dialog while the kernels compile."""

from __future__ import annotations

import threading

import shiboken6
from PySide6.QtWidgets import QProgressDialog

from farm_gui import warmup
from farm_gui.runtime.aio import current_loop
from farm_gui.ui.widgets import kernel_progress


def test_first_start_compiles_with_a_progress_dialog(qtbot, make_window, monkeypatch):
    window = make_window()
    gui_thread = threading.get_ident()
    seen = []  # (label shown in the dialog, thread of the step)
    release = threading.Event()

    def step(name):
        def run():
            if name == "second":
                release.wait(30)  # hold the step until the test has seen the dialog
            dialog = window.findChild(QProgressDialog, "kernel_progress")
            seen.append((name, threading.get_ident(), dialog is not None))
        return run

    monkeypatch.setattr(warmup, "STEPS", [("first", step("first")), ("second", step("second"))])
    task = current_loop().create_task(kernel_progress.prepare(window, needed=True))
    qtbot.waitUntil(lambda: window.findChild(QProgressDialog, "kernel_progress") is not None
                    and "second" in window.findChild(QProgressDialog, "kernel_progress").labelText(),
                    timeout=30_000)
    dialog = window.findChild(QProgressDialog, "kernel_progress")
    assert dialog.isVisible() and dialog.value() == 1 and dialog.maximum() == 2
    release.set()
    qtbot.waitUntil(task.done, timeout=30_000)
    assert task.result() is True
    assert [s[0] for s in seen] == ["first", "second"]
    assert all(thread != gui_thread for _name, thread, _dialog in seen)  # compiled off the GUI thread
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog) or not dialog.isVisible(), timeout=30_000)
    assert "compiled" in window.statusBar().currentMessage()


def test_nothing_shown_when_the_kernels_are_there(qtbot, make_window):
    window = make_window()
    task = current_loop().create_task(kernel_progress.prepare(window))
    qtbot.waitUntil(task.done, timeout=60_000)
    assert task.result() is False
    assert window.findChild(QProgressDialog, "kernel_progress") is None


def test_the_started_application_loads_the_windows_kernels_after_showing_it(qtbot, tmp_path, monkeypatch):
    """The window's first numba call cost ~0.5 s before it was shown; the application's start
    builds it without its kernels and has them loaded in a thread once it is shown."""
    from farm_gui.app import create_main_window
    from farm_gui.display import envelope, raster

    calls = []

    def recorded(module):
        real = module.load_kernel

        def load() -> None:
            calls.append((module.__name__, threading.get_ident()))
            real()
        return load

    for module in (envelope, raster):
        monkeypatch.setattr(module, "load_kernel", recorded(module))
    window = create_main_window(str(tmp_path / "w.db"), kernels_now=False)
    qtbot.addWidget(window)
    window.show()
    assert calls == []  # built and shown without them
    task = current_loop().create_task(kernel_progress.prepare(window, needed=False))
    qtbot.waitUntil(task.done, timeout=60_000)
    assert task.result() is False and window.findChild(QProgressDialog, "kernel_progress") is None
    assert sorted(name for name, _thread in calls) == ["farm_gui.display.envelope", "farm_gui.display.raster"]
    assert all(thread != threading.get_ident() for _name, thread in calls)  # not on the GUI thread


def test_what_follows_the_kernels_runs_once_they_are_loaded(qtbot, make_window, monkeypatch):
    """The application freezes its start-up objects (farm_gui.core.gc_pauses) only once the
    kernels are loaded, which a thread does after the window shows."""
    window = make_window()
    loaded, after = threading.Event(), []

    def load() -> None:
        loaded.wait(30)

    monkeypatch.setattr(kernel_progress.kernel_cache, "needs_compiling", lambda: False)
    monkeypatch.setattr(warmup, "load_display_kernels", load)
    kernel_progress.schedule(window, then=lambda: after.append(loaded.is_set()))
    qtbot.wait(kernel_progress.CHECK_DELAY_MS + 300)
    assert after == []  # the kernels are still loading
    loaded.set()
    qtbot.waitUntil(lambda: after == [True], timeout=30_000)
