"""The window's actions (with the stable objectNames automation relies on),
menus and toolbar. Their icons come from resources/icons/actions, recoloured for the
theme (``ui.icons.apply_action_icons``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QComboBox, QMainWindow, QMenu, QToolBar

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
    export_pdf: QAction
    export_figure: QAction
    export_data: QAction
    copy_chart: QAction
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
    export_all: dict[str, QAction] = field(default_factory=dict)  # all charts, by format
    export_world: dict[str, QAction] = field(default_factory=dict)  # the world view, by format
    examples: QAction | None = None
    new_workspace: QAction | None = None
    resume_run: QAction | None = None  # continue a stored run from its last checkpoint
    fork_run: QAction | None = None  # a new run from a checkpoint of the shown run

    def run_controls(self) -> list[QAction]:
        return [self.start, self.pause, self.resume, self.step, self.stop]


def _action(window: QMainWindow, name: str, text: str, shortcut: str | QKeySequence | None = None,
            tip: str = "") -> QAction:
    action = QAction(text, window)
    action.setObjectName(f"action_{name}")
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
    shown = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    action.setToolTip(f"{tip or text.rstrip('.')}" + (f" ({shown})" if shown else ""))
    action.setStatusTip(tip or text.rstrip("."))
    return action


def build_actions(window: QMainWindow) -> WindowActions:
    a = WindowActions(
        new_run=_action(window, "new_run", "&New Run...", QKeySequence.StandardKey.New,
                        "Prepare a new run in the parameter form"),
        open_workspace=_action(window, "open_workspace", "&Open Workspace...", QKeySequence.StandardKey.Open,
                               "Open a workspace database"),
        start=_action(window, "start", "&Start", "F5", "Start a run with the form's parameters"),
        pause=_action(window, "pause", "&Pause", "F6", "Pause the selected run"),
        resume=_action(window, "resume", "&Resume", "F7", "Resume the selected run"),
        step=_action(window, "step", "S&tep", "F10", "Perform one step of the paused run"),
        stop=_action(window, "stop", "St&op", "Shift+F5", "Stop the selected run"),
        export_csv=_action(window, "export_csv", "Run Data as &CSV...", "Ctrl+E"),
        export_parquet=_action(window, "export_parquet", "Run Data as &Parquet..."),
        export_json=_action(window, "export_json", "Run Data as &JSON..."),
        export_png=_action(window, "export_png", "Chart as P&NG...",
                           tip="Export the current chart (the one last clicked or pointed at) as PNG"),
        export_svg=_action(window, "export_svg", "Chart as &SVG...",
                           tip="Export the current chart (the one last clicked or pointed at) as SVG"),
        export_pdf=_action(window, "export_pdf", "Chart as P&DF...",
                           tip="Export the current chart (the one last clicked or pointed at) as PDF"),
        export_figure=_action(window, "export_figure", "&Figure...",
                              tip="A figure for a paper: charts as panels, size, fonts, style, data"),
        export_data=_action(window, "export_data", "Run &Data...",
                            tip="Export the selected runs: format, tables, step range and folder"),
        copy_chart=_action(window, "copy_chart", "&Copy Chart to Clipboard", "Ctrl+Shift+C",
                           "Copy the current chart to the clipboard as an image"),
        export_config=_action(window, "export_config", "Configuration as &YAML..."),
        quit=_action(window, "quit", "&Quit", QKeySequence.StandardKey.Quit, "Quit Farm GUI"),
        theme_dark=_action(window, "theme_dark", "&Dark Theme", "Ctrl+Shift+D"),
        about=_action(window, "about", "&About Farm GUI"),
        shortcuts=_action(window, "shortcuts", "&Keyboard Shortcuts", "F1"),
        speed_group=QActionGroup(window),
    )
    a.new_workspace = _action(window, "new_workspace", "New &Workspace...", "Ctrl+Shift+N",
                              "Create a workspace file (.farmws) and open it")
    a.examples = _action(window, "examples", "&Examples...",
                         tip="Example configurations: load one into the parameter form")
    a.resume_run = _action(window, "resume_run", "Resume R&un...", "Ctrl+F7",
                           "Continue the selected stopped, interrupted, failed or finished run "
                           "from its last checkpoint")
    a.fork_run = _action(window, "fork_run", "&Fork from Here...", "Ctrl+F8",
                         "Start a new run from a checkpoint of the shown run, with changed parameters")
    a.quit.setShortcut(QKeySequence("Ctrl+Q"))
    a.new_run.setShortcut(QKeySequence("Ctrl+N"))
    a.open_workspace.setShortcut(QKeySequence("Ctrl+O"))
    a.theme_dark.setCheckable(True)
    for fmt in ("png", "svg", "pdf"):
        a.export_all[fmt] = _action(window, f"export_all_{fmt}", f"As {fmt.upper()}...",
                                    tip=f"Export all charts as one {fmt.upper()}, laid out as in the window")
        a.export_world[fmt] = _action(window, f"export_world_{fmt}", f"As {fmt.upper()}...",
                                      tip=f"Export the world view at its step, with its key ({fmt.upper()})")
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
    for act in (a.export_csv, a.export_parquet, a.export_json, a.export_data):
        export_menu.addAction(act)
    export_menu.addSeparator()
    export_menu.addAction(a.export_png)
    export_menu.addAction(a.export_svg)
    export_menu.addAction(a.export_pdf)
    for title, name, group in (("&All Charts", "menu_export_all", a.export_all),
                               ("&World View", "menu_export_world", a.export_world)):
        sub = export_menu.addMenu(title)
        sub.setObjectName(name)
        sub.addActions(list(group.values()))
    export_menu.addAction(a.export_figure)
    export_menu.addAction(a.copy_chart)
    export_menu.addSeparator()
    export_menu.addAction(a.export_config)
    file_menu.addSeparator()
    file_menu.addAction(a.quit)

    run_menu = bar.addMenu("&Run")
    run_menu.setObjectName("menu_run")
    for act in a.run_controls():
        run_menu.addAction(act)
    run_menu.addSeparator()
    run_menu.addAction(a.resume_run)
    run_menu.addAction(a.fork_run)
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
    help_menu.addAction(a.examples)
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
