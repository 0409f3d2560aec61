"""The window's actions (with the stable objectNames automation relies on),
menus and toolbar."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QComboBox, QMainWindow, QMenu, QStyle, QToolBar

SPEEDS: tuple[tuple[str, float | None], ...] = (
    ("As fast as possible", None),
    ("1000 steps/s", 1000.0),
    ("100 steps/s", 100.0),
    ("30 steps/s", 30.0),
    ("10 steps/s", 10.0),
    ("1 step/s", 1.0),
)


@dataclass
class WindowActions:
    new_run: QAction
    open_workspace: QAction
    start: QAction
    pause: QAction
    resume: QAction
    step: QAction
    stop: QAction
    export_csv: QAction
    export_parquet: QAction
    export_json: QAction
    export_png: QAction
    export_svg: QAction
    export_config: QAction
    quit: QAction
    theme_dark: QAction
    about: QAction
    shortcuts: QAction
    speed_group: QActionGroup
    speed_actions: list[QAction] = field(default_factory=list)
    recent_menu: QMenu | None = None
    view_menu: QMenu | None = None
    analysis_menu: QMenu | None = None
    speed_box: QComboBox | None = None
    new_workspace: QAction | None = None

    def run_controls(self) -> list[QAction]:
        return [self.start, self.pause, self.resume, self.step, self.stop]


def _action(window: QMainWindow, name: str, text: str, shortcut: str | QKeySequence | None = None,
            tip: str = "", icon: QStyle.StandardPixmap | None = None) -> QAction:
    action = QAction(text, window)
    action.setObjectName(f"action_{name}")
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
    shown = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    action.setToolTip(f"{tip or text.rstrip('.')}" + (f" ({shown})" if shown else ""))
    action.setStatusTip(tip or text.rstrip("."))
    if icon is not None:
        action.setIcon(window.style().standardIcon(icon))
    return action


def build_actions(window: QMainWindow) -> WindowActions:
    sp = QStyle.StandardPixmap
    a = WindowActions(
        new_run=_action(window, "new_run", "&New Run...", QKeySequence.StandardKey.New,
                        "Prepare a new run in the parameter form", sp.SP_FileIcon),
        open_workspace=_action(window, "open_workspace", "&Open Workspace...", QKeySequence.StandardKey.Open,
                               "Open a workspace database", sp.SP_DialogOpenButton),
        start=_action(window, "start", "&Start", "F5", "Start a run with the form's parameters",
                      sp.SP_MediaPlay),
        pause=_action(window, "pause", "&Pause", "F6", "Pause the selected run", sp.SP_MediaPause),
        resume=_action(window, "resume", "&Resume", "F7", "Resume the selected run", sp.SP_MediaSeekForward),
        step=_action(window, "step", "S&tep", "F10", "Perform one step of the paused run",
                     sp.SP_MediaSkipForward),
        stop=_action(window, "stop", "St&op", "Shift+F5", "Stop the selected run", sp.SP_MediaStop),
        export_csv=_action(window, "export_csv", "Run Data as &CSV...", "Ctrl+E"),
        export_parquet=_action(window, "export_parquet", "Run Data as &Parquet..."),
        export_json=_action(window, "export_json", "Run Data as &JSON..."),
        export_png=_action(window, "export_png", "Chart as P&NG..."),
        export_svg=_action(window, "export_svg", "Chart as &SVG..."),
        export_config=_action(window, "export_config", "Config as &YAML..."),
        quit=_action(window, "quit", "&Quit", QKeySequence.StandardKey.Quit, "Quit Farm GUI"),
        theme_dark=_action(window, "theme_dark", "&Dark Theme", "Ctrl+Shift+D"),
        about=_action(window, "about", "&About Farm GUI"),
        shortcuts=_action(window, "shortcuts", "&Keyboard Shortcuts", "F1"),
        speed_group=QActionGroup(window),
    )
    a.new_workspace = _action(window, "new_workspace", "New &Workspace...", "Ctrl+Shift+N",
                              "Create a new, empty workspace database and open it", sp.SP_FileDialogNewFolder)
    a.quit.setShortcut(QKeySequence("Ctrl+Q"))
    a.new_run.setShortcut(QKeySequence("Ctrl+N"))
    a.open_workspace.setShortcut(QKeySequence("Ctrl+O"))
    a.theme_dark.setCheckable(True)
    a.speed_group.setExclusive(True)
    for i, (label, value) in enumerate(SPEEDS):
        act = QAction(label, window)
        act.setObjectName(f"action_speed_{'max' if value is None else int(value)}")
        act.setCheckable(True)
        act.setChecked(i == 0)
        act.setData(value)
        a.speed_group.addAction(act)
        a.speed_actions.append(act)
    return a


def build_menus(window: QMainWindow, a: WindowActions) -> None:
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.setObjectName("menu_file")
    file_menu.addAction(a.new_run)
    file_menu.addAction(a.new_workspace)
    file_menu.addAction(a.open_workspace)
    a.recent_menu = file_menu.addMenu("Open &Recent")
    a.recent_menu.setObjectName("menu_recent")
    file_menu.addSeparator()
    export_menu = file_menu.addMenu("&Export")
    export_menu.setObjectName("menu_export")
    for act in (a.export_csv, a.export_parquet, a.export_json):
        export_menu.addAction(act)
    export_menu.addSeparator()
    export_menu.addAction(a.export_png)
    export_menu.addAction(a.export_svg)
    export_menu.addSeparator()
    export_menu.addAction(a.export_config)
    file_menu.addSeparator()
    file_menu.addAction(a.quit)

    run_menu = bar.addMenu("&Run")
    run_menu.setObjectName("menu_run")
    for act in a.run_controls():
        run_menu.addAction(act)
    run_menu.addSeparator()
    speed_menu = run_menu.addMenu("S&peed")
    speed_menu.setObjectName("menu_speed")
    for act in a.speed_actions:
        speed_menu.addAction(act)

    a.view_menu = bar.addMenu("&View")
    a.view_menu.setObjectName("menu_view")
    a.analysis_menu = bar.addMenu("&Analysis")
    a.analysis_menu.setObjectName("menu_analysis")

    help_menu = bar.addMenu("&Help")
    help_menu.setObjectName("menu_help")
    help_menu.addAction(a.shortcuts)
    help_menu.addAction(a.about)


def build_toolbar(window: QMainWindow, a: WindowActions) -> QToolBar:
    bar = QToolBar("Run controls", window)
    bar.setObjectName("run_toolbar")
    bar.setMovable(True)
    for act in a.run_controls():
        bar.addAction(act)
    bar.addSeparator()
    a.speed_box = QComboBox(bar)
    a.speed_box.setObjectName("speed_box")
    a.speed_box.setToolTip("Simulation speed of the selected run and of new runs")
    for label, value in SPEEDS:
        a.speed_box.addItem(label, value)
    bar.addWidget(a.speed_box)
    window.addToolBar(bar)
    return bar
