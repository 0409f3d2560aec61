"""Application entry points: ``main()`` (the event loop) and
``create_main_window()`` (the window alone, for tests and scripts)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys

import pyqtgraph as pg
import qasync
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from farm_gui import __version__
from farm_gui.core.gc_pauses import freeze_start_up_objects
from farm_gui.ui.gui_gc import GuiThreadCollector

log = logging.getLogger(__name__)


def _configure_pyqtgraph() -> None:
    pg.setConfigOptions(antialias=False, useOpenGL=False, foreground="#303030", background="w")


_gui_thread_gc: GuiThreadCollector | None = None


def _collect_garbage_in_gui_thread() -> None:
    """Collection on a timer in the GUI thread only (see farm_gui/ui/gui_gc.py)."""
    global _gui_thread_gc
    if _gui_thread_gc is None:
        _gui_thread_gc = GuiThreadCollector()


def ensure_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
        app.setApplicationName("Farm GUI")
        app.setOrganizationName("FarmGUI")
        app.setApplicationVersion(__version__)
        app.setStyle("Fusion")
        app.setDesktopFileName("farm-gui")  # ties the windows to the desktop entry (Wayland)
    if app.windowIcon().isNull():
        from farm_gui.ui.widgets.icons import app_icon

        app.setWindowIcon(app_icon())  # every window and dialog inherits it
    _collect_garbage_in_gui_thread()
    return app  # type: ignore[return-value]


# Set by main(): the window it shows loads its numba kernels once shown (kernel_progress).
_kernels_after_show = False


def create_main_window(db_url: str | os.PathLike[str] | None = None, *, kernels_now: bool | None = None):
    """Build the main window on ``db_url`` (None: the default workspace) without
    starting an event loop. Works with an existing QApplication (pytest-qt).
    ``kernels_now=False``: the charts and the world view do not load their numba kernels
    (the application's start has ``kernel_progress`` load them once the window is shown);
    by default they do, except under ``main()``."""
    if kernels_now is None:
        kernels_now = not _kernels_after_show
    ensure_app()
    _configure_pyqtgraph()
    from farm_gui.ui.main_window import MainWindow

    window = MainWindow(None if db_url is None else str(db_url), kernels_now=kernels_now)
    # modules, widgets and the first window out of the collector's full collections
    freeze_start_up_objects("first window", collect_first=True)
    return window


def _close_on_signals(app: QApplication) -> None:
    """Ctrl-C and SIGTERM close the windows the normal way (runs stopped, flushed and
    marked stopped) instead of killing the process mid-write. Nobody is asked: a
    signal is not a question."""

    def handler(_signum, _frame) -> None:
        for widget in app.topLevelWidgets():
            if hasattr(widget, "_ask_stop_runs"):
                widget._ask_stop_runs = lambda _count: True
        QTimer.singleShot(0, app.closeAllWindows)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, handler)


def _absolute(workspace: str | os.PathLike[str] | None) -> str | None:
    if workspace is None or "://" in str(workspace):
        return None if workspace is None else str(workspace)
    return os.path.abspath(os.path.expanduser(os.fspath(workspace)))


def _after_kernels_loaded() -> None:
    freeze_start_up_objects("kernels loaded")
    # The runs' fork server (runtime/run_process.py) warms up in the background: the first
    # run started ~1.2 s after its click without, like every later one (~0.06 s) with.
    from farm_gui.experiments.backends import start_fork_server
    from farm_gui.runtime.aio import run_blocking, spawn

    spawn(run_blocking(start_fork_server), lambda err: log.warning("starting the fork server: %s", err))


def main(argv: list[str] | None = None, workspace: str | os.PathLike[str] | None = None) -> int:
    """Open the main window on ``workspace`` (None: the default workspace) and run until
    it closes."""
    app = ensure_app(argv)
    _close_on_signals(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    closed = asyncio.Event()

    async def run() -> None:
        from farm_gui.ui import startup_probe
        from farm_gui.ui.widgets import kernel_progress

        # the window is shown ~0.5 s sooner when its kernels load afterwards, in a thread
        global _kernels_after_show
        _kernels_after_show = True
        window = create_main_window(_absolute(workspace))
        window.show()
        startup_probe.watch(window)
        # loads them (nothing compiled yet: with a progress dialog); then what the workspace
        # and the kernels loaded since the window froze its start-up objects is frozen too
        kernel_progress.schedule(window, then=_after_kernels_loaded)
        app.lastWindowClosed.connect(closed.set)
        await closed.wait()

    with loop:
        loop.run_until_complete(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
