"""First start on a computer with nothing compiled: compile the numba kernels with a
progress dialog, instead of freezing the window at the first run (see
``farm_gui.kernel_cache``). The check runs off the event loop half a second after the
window is shown; when the kernels are there (the usual case: `make` and the packaged
build compile them) nothing is shown."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QProgressDialog, QWidget

from farm_gui import kernel_cache, warmup
from farm_gui.runtime.aio import run_blocking, spawn

CHECK_DELAY_MS = 500
TEXT = "Preparing the simulation kernels for this computer (first start only)..."


def schedule(window: QWidget, then: Callable[[], None] | None = None) -> None:
    """Load (or compile) the kernels soon after the window shows; ``then`` after that."""
    async def prepare_then() -> None:
        await prepare(window)
        if then is not None:
            then()

    QTimer.singleShot(CHECK_DELAY_MS, window, lambda: spawn(
        prepare_then(), lambda err: window.show_error("Cannot prepare the kernels", str(err))))


async def prepare(window: QWidget, needed: bool | None = None) -> bool:
    """Compile the kernels with a progress dialog if they are not compiled for this
    computer. Returns whether it compiled them."""
    if needed is None:
        needed = await run_blocking(kernel_cache.needs_compiling)
    if not needed:
        # compiled: the window left loading its own kernels until it was shown
        await run_blocking(warmup.load_display_kernels)
        return False
    dialog = QProgressDialog(TEXT, "", 0, len(warmup.STEPS), window)
    dialog.setObjectName("kernel_progress")
    dialog.setWindowTitle("Farm GUI: first start")
    dialog.setCancelButton(None)  # the compiled kernels are needed anyway
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(0)
    dialog.setAutoClose(False)
    dialog.setValue(0)
    dialog.open()
    loop = asyncio.get_running_loop()

    def show(done: int, _total: int, label: str) -> None:
        if label:
            dialog.setLabelText(f"{TEXT}\nCompiling {label} ({done + 1} of {len(warmup.STEPS)})")
        dialog.setValue(done)  # last: a modal dialog's setValue processes events

    try:
        await run_blocking(warmup.compile_all, lambda *a: loop.call_soon_threadsafe(show, *a))
    finally:
        dialog.close()
        dialog.deleteLater()
    window.statusBar().showMessage("Simulation kernels compiled for this computer", 5000)
    return True
