"""The workspace of the main window (``WorkspaceController``): the one opened at start
(the last one, else the default), File > Open Workspace... and Open Recent, File > New
Workspace..., opening a path that does not exist yet (created after asking), and closing.

The open store is the window's ``WindowState.store`` (``ui/state.py``); opening another
one makes the ``RunController`` forget every run id of the old one first. Store calls
are awaited off the GUI loop, except the one opening the first workspace while the
window is built.
"""

from __future__ import annotations

import logging
import types
from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QFileDialog, QLabel, QMenu, QWidget

from farm_gui.desktop import NEW_WORKSPACE_FILTER, WORKSPACE_FILTER, WORKSPACE_SUFFIX, WORKSPACE_SUFFIXES
from farm_gui.runtime.aio import run_blocking, spawn
from farm_gui.runtime.registry import RunRegistry
from farm_gui.store import StoreError, open_store
from farm_gui.ui.controllers.run_flows import RunController
from farm_gui.ui.settings import WindowSettings
from farm_gui.ui.state import WindowState, workspace_name
from farm_gui.ui.widgets import save_folder
from farm_gui.ui.widgets.ask import ask
from farm_gui.ui.widgets.icons import app_icon

log = logging.getLogger(__name__)


def with_suffix(path: str, chosen_filter: str = "") -> str:
    """``path`` with a workspace suffix added when it has none: ``.db`` when the user chose
    the SQLite filter, else ``.farmws``."""
    if Path(path).suffix.lower() in WORKSPACE_SUFFIXES:
        return path
    return path + (".db" if "*.db" in chosen_filter and WORKSPACE_SUFFIX not in chosen_filter
                   else WORKSPACE_SUFFIX)


def pick_workspace_to_open(parent, chosen: Callable[[str], None]) -> None:
    """Let the user pick a workspace path, existing or not, and call ``chosen`` with it
    (the dialog of getOpenFileName refuses a name that does not exist; a substitute of
    it, in tests, is used as is). The dialog is window-modal, opened with open(); it starts in
    the folder last used (save_folder), and the folder picked from is the next start."""

    def picked(path: str) -> None:
        if path:
            save_folder.remember(str(Path(path).expanduser().absolute().parent))
            chosen(path)

    start = save_folder.folder()
    if not isinstance(QFileDialog.getOpenFileName, types.BuiltinFunctionType):
        picked(QFileDialog.getOpenFileName(parent, "Open workspace", start, WORKSPACE_FILTER)[0])
        return
    dialog = QFileDialog(parent, "Open workspace", start, WORKSPACE_FILTER)
    dialog.setObjectName("open_workspace_dialog")
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)  # a new name: created after asking
    dialog.setLabelText(QFileDialog.DialogLabel.Accept, "Open")
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.fileSelected.connect(picked)
    dialog.open()


class WorkspaceController(QObject):
    """Opening, creating and closing workspaces. ``update_actions`` is the window's
    (Start is disabled while no workspace is open)."""

    def __init__(self, state: WindowState, registry: RunRegistry, settings: WindowSettings, *,
                 runs: RunController, label: QLabel, recent_menu: QMenu, parent: QWidget,
                 show_error: Callable[[str, str], None], update_actions: Callable[[], None]):
        super().__init__(parent)
        self.state = state
        self.registry = registry
        self.settings = settings
        self.runs = runs
        self.label = label
        self.recent_menu = recent_menu
        self.dialog_parent = parent
        self.show_error = show_error
        self._update_window_actions = update_actions
        state.store_changed.connect(self._show_workspace)

    def _report(self, title: str):
        return lambda err: self.show_error(title, str(err))

    def _show_workspace(self, store) -> None:
        if store is not None:
            self.label.setText(f"Workspace: {workspace_name(store.url)}")
            self.label.setToolTip(store.url)

    def set_store(self, store, show_newest: bool = False) -> None:
        """Follow ``store``; ``show_newest``: show its newest run once listed (unless the
        user picks runs first): the window started again shows where one left off."""
        self.runs.forget_workspace()
        self.state.store = store  # named in the status bar
        self._update_window_actions()  # Start was disabled while no workspace was open
        since = self.runs.run_table.selection_serial if show_newest else None
        spawn(self.runs.refresh_runs_async(select_newest=show_newest, unless_selected_since=since),
              self._report("Cannot list runs"))

    def open_initial(self, db_url: str | None) -> None:
        """The workspace the window starts on: ``db_url``, else the last one (the default
        one when that is gone or does not open)."""
        last = self.settings.last_workspace() if db_url is None else None
        if last is not None and "://" not in last and not Path(last).exists():
            last = None  # moved or deleted since: the default workspace
        try:
            try:
                store = open_store(db_url if last is None else last)
            except StoreError as err:
                if last is None:
                    raise
                log.warning("the last workspace did not open (%s); opening the default one", err)
                last, store = None, open_store(None)
        except StoreError as err:
            self.show_error("Cannot open workspace", str(err))
            self.label.setText("no workspace")
            return
        self.set_store(store, show_newest=True)
        opened = str(db_url) if db_url is not None else (last or store.url)
        self.settings.set_last_workspace(opened)
        if "://" not in opened:  # (a URL may hold a password: not kept)
            # the default workspace too: after switching away from it, Open Recent leads back
            # (it was never listed, and its path is in a hidden folder)
            self.settings.add_recent(opened)
            self.rebuild_recent_menu()

    def close_store(self) -> None:
        store, self.state.store = self.state.store, None
        if store is not None:
            try:
                store.close()
            except StoreError:
                log.exception("closing the workspace failed")

    # ---- opening another one --------------------------------------------------------------
    def choose_workspace(self) -> None:
        pick_workspace_to_open(self.dialog_parent, self.open_or_create_workspace)

    def open_workspace(self, path: str) -> None:
        if self.registry.active_ids():
            self.show_error("Cannot open workspace",
                            "Stop the running simulations before opening another workspace.")
            return
        spawn(self.open_workspace_async(path), self._report("Cannot open workspace"))

    async def open_workspace_async(self, path: str) -> None:
        try:
            store = await run_blocking(open_store, path)
        except StoreError as err:
            self.show_error("Cannot open workspace", str(err))
            return
        state = self.state
        async with state.store_lock:
            old, state.store = state.store, None
            if old is not None:
                await run_blocking(old.close)
            self.set_store(store)
        self.settings.add_recent(str(path))
        self.settings.set_last_workspace(str(path))
        self.rebuild_recent_menu()
        self.state.wanted_ids = []
        await self.runs.show_runs_async([])

    def rebuild_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        recent = self.settings.recent_workspaces()
        for path in recent:
            act = menu.addAction(app_icon(), path)
            act.triggered.connect(partial(self.open_or_create_workspace, path))
        menu.setEnabled(bool(recent))

    def new_workspace(self) -> None:
        """File > New Workspace...: a new, empty workspace file, opened at once."""
        path, chosen = save_folder.save_file_name(self.dialog_parent, "New workspace",
                                                  f"workspace{WORKSPACE_SUFFIX}", NEW_WORKSPACE_FILTER,
                                                  options=QFileDialog.Option.DontConfirmOverwrite)
        if not path:
            return
        path = with_suffix(path, chosen)
        if Path(path).exists():
            self.show_error("Cannot create workspace",
                            f"{path} already exists. Choose another name, or open it with "
                            "File > Open Workspace.")
            return
        self.open_workspace(path)

    def open_or_create_workspace(self, path: str) -> None:
        """Open ``path``; one that does not exist yet is created after asking."""
        if "://" in path or Path(path).exists():
            self.open_workspace(path)
            return
        folder = Path(path).expanduser().absolute().parent
        if not folder.is_dir():
            self.show_error("Cannot open workspace", f"{path}: the folder {folder} does not exist.")
            return
        ask(self.dialog_parent, "Create workspace?",
            f"{path} does not exist yet. Create a new, empty workspace there?",
            lambda: self.open_workspace(path), "Create", "create_workspace_box")
