"""The main window: a shell of layout, docks, menus, the frame timer, the status bar,
settings and closing, composed from controller objects over a Qt-free state.

``self.state`` (``ui/state.py``, ``WindowState``) is what the window knows: the open
workspace, the runs listed, shown and followed, the scrubbed step, the speed, the last
error, and the asyncio locks. The controllers work on it, each given in its constructor
the state and the widgets and services it needs (none imports this module):

- ``self.runs`` (``run_flows.RunController``): the run list, start and the run controls,
  which runs are shown, the live world view and scrubbing;
- ``self.workspace`` (``workspace_flows.WorkspaceController``): opening, creating and
  closing workspaces, the recent ones;
- ``self.exports`` (``export_flows.ExportController``): run data, pictures, figures,
  configurations;
- ``self.continues`` (``continue_flows.ContinueController``): resume and fork.

The window connects the actions to them, and offers a few entry points of its own to
other panels, scripts and tests: ``store``, ``shown_ids`` and ``last_error`` (read from
the state), ``open_workspace``, ``set_speed``, ``refresh_runs_async``, ``show_error``
and ``update_actions``.
"""

from __future__ import annotations

import logging
import time
import types

import shiboken6
from PySide6.QtCore import QSize, Qt, QThreadPool, QTimer, Slot
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QWidget,
)

from farm_gui import __version__
from farm_gui.core.registry import UnknownModelError, get_model
from farm_gui.runtime.aio import ensure_loop, release_loop, wait_blocking
from farm_gui.runtime.registry import RunRegistry
from farm_gui.store import Store
from farm_gui.ui.actions import SPEEDS, build_actions, build_menus, build_toolbar
from farm_gui.ui.analysis import analysis_panel
from farm_gui.ui.controllers import agentfarm_flows
from farm_gui.ui.controllers.agentfarm_flows import AgentFarmFlows
from farm_gui.ui.controllers.continue_flows import ContinueController
from farm_gui.ui.controllers.export_flows import ExportController
from farm_gui.ui.controllers.run_flows import RunController
from farm_gui.ui.controllers.run_menu import RunMenu
from farm_gui.ui.controllers.workspace_flows import WorkspaceController
from farm_gui.ui.experiments import experiments_panel
from farm_gui.ui.plots import chart_menus
from farm_gui.ui.plots.charts import ChartsPanel
from farm_gui.ui.settings import WindowSettings
from farm_gui.ui.state import WindowState
from farm_gui.ui.widgets import save_folder
from farm_gui.ui.widgets.config_form import ConfigForm
from farm_gui.ui.widgets.dialogs import show_info, show_warning
from farm_gui.ui.widgets.examples_dialog import show_examples
from farm_gui.ui.widgets.icons import app_icon, app_pixmap, apply_action_icons
from farm_gui.ui.widgets.model_picker import report_broken
from farm_gui.ui.widgets.run_table import RunTable
from farm_gui.ui.widgets.theme import all_plots, apply_theme, style_sheet
from farm_gui.ui.world.world_view import WorldView

log = logging.getLogger(__name__)

DEFAULT_SIZE = (1400, 900)  # the first start's window, where the screen has room for it
FRAME_ALLOWANCE = QSize(0, 40)  # the title bar and frame a window manager adds around the window

# Drawing is spread over the ticks of one timer, so that no tick holds the event loop
# for long: a tick redraws TWO charts (one, when the first changed its ranges and so is
# repainted whole, axes included), the third tick does the world view (~11 Hz) or
# the table's live columns and the status bar (~5 Hz). A full chart frame takes three
# ticks (~33 frames/s); with nothing running the ticks slow down. Drawing all four
# charts in one tick put the heartbeat's p99 lateness near 20 ms while a 10k run
# competed for the GIL; one chart per tick cost 50 % more wakeups (each ~40 us of the
# GUI thread, and the GIL taken from the simulation) for a p99 of ~9 ms instead of ~11.
FRAME_MS = 10
IDLE_FRAME_MS = 20
SLOTS = 3  # two ticks of charts, then one other job
CHARTS_PER_TICK = 2
WORLD_EVERY = 3  # in "other" slots
STATUS_EVERY = 6  # in "other" slots
CLOSE_WAIT_S = 30.0


class MainWindow(QMainWindow):
    def __init__(self, db_url: str | None = None, parent: QWidget | None = None, *, kernels_now: bool = True):
        super().__init__(parent)
        self.setObjectName("main_window")
        self.setWindowTitle("Farm GUI")
        self.setWindowIcon(app_icon())
        self.loop = ensure_loop()
        self._loop_released = False
        self._side_widths: dict[QDockWidget, int] = {}  # the side docks' widths when the charts were hidden
        self.settings = WindowSettings()
        save_folder.follow(self.settings.qsettings)
        self.state = WindowState()
        self.registry = RunRegistry(pool=QThreadPool(self), parent=self)

        # The charts of the model the form will show (the one chosen last time): built now
        # instead of in the turn that shows that model's first run (~100-300 ms).
        self.charts = ChartsPanel(model=installed_model(self.settings.last_model()), kernels_now=kernels_now)
        self.setCentralWidget(self.charts)
        self.config_form = ConfigForm()
        self.run_table = RunTable()
        self.world_view = WorldView(kernels_now=kernels_now)
        self.docks: dict[str, QDockWidget] = {}
        self._add_dock("parameters", "Parameters", self.config_form, "left")
        self._add_dock("runs", "Runs", self.run_table, "bottom")
        self._add_dock("world", "World", self.world_view, "right")

        self.actions = build_actions(self)
        build_menus(self, self.actions)
        self.toolbar = build_toolbar(self, self.actions)
        self._build_view_menu()
        self._build_status_bar()
        self.state.speed_changed.connect(self._show_speed)
        self._build_controllers()
        self._connect()
        self.chart_tracker = chart_menus.install(self)
        self.exports.chart_tracker = self.chart_tracker
        self.charts.charts_rebuilt.connect(lambda: chart_menus.rewire(self))  # another model's charts
        self.continues = ContinueController(
            self.state, self.registry, runs=self.runs, actions=self.actions, run_table=self.run_table,
            world_view=self.world_view, parent=self, show_error=self.show_error)
        self.analysis_panel = None
        self._install_analysis_panel()
        # the run table's context menu: rename, notes, re-run, delete
        self.run_menu = RunMenu(
            self.state, self.registry, self.runs, run_table=self.run_table, config_form=self.config_form,
            parameters_dock=self.docks["parameters"], status_bar=self.statusBar(),
            analysis_panel=self.analysis_panel, parent=self, show_error=self.show_error)
        self.agentfarm = agentfarm_flows.install(
            AgentFarmFlows(self.state, self.runs, run_table=self.run_table, status_bar=self.statusBar(),
                           parent=self, show_error=self.show_error),
            self.menuBar().findChild(QMenu, "menu_file"), self.actions.recent_menu.menuAction(),
            self.menuBar().findChild(QMenu, "menu_run"))
        self.experiments_panel = experiments_panel.install(self)  # Run > New Experiment..., its dock
        chart_menus.install_other_plots(self)  # after every dock with plots is built

        last = self.settings.last_config()
        if last is not None:
            self.config_form.set_config(last)
        self.config_form.kept.update(self.settings.kept_params())
        self.config_form.restore_model(self.settings.last_model())
        self.config_form.model_changed.connect(self.runs.on_form_model_changed)
        self.resize(self.first_size())
        if (geometry := self.settings.geometry()) is not None:
            self.restoreGeometry(geometry)
        state = self.settings.layout_state()
        self._default_layout_pending = state is None or not self.restoreState(state)
        self.actions.theme_dark.setChecked(self.settings.dark())
        self.set_dark(self.settings.dark())
        self.workspace.rebuild_recent_menu()

        self._tick = 0
        self.frame_timer = QTimer(self)
        self.frame_timer.setObjectName("frame_timer")
        self.frame_timer.timeout.connect(self._on_frame)
        self.frame_timer.start(FRAME_MS)

        self.workspace.open_initial(db_url)
        self.update_actions()
        report_broken(self.config_form.model_picker, self.statusBar())  # plug-ins that failed to load

    # ---- construction helpers -----------------------------------------------------
    def _build_controllers(self) -> None:
        state, status_bar = self.state, self.statusBar()
        self.runs = RunController(
            state, self.registry, self.settings, actions=self.actions, run_table=self.run_table,
            charts=self.charts, world_view=self.world_view, config_form=self.config_form,
            parameters_dock=self.docks["parameters"], status_bar=status_bar, parent=self,
            show_error=self.show_error, update_actions=self.update_actions,
            refresh_status=self.refresh_status,
            refuse_imported=lambda ids, doing: self.agentfarm.refuse_if_imported(ids, doing))
        self.workspace = WorkspaceController(
            state, self.registry, self.settings, runs=self.runs, label=self.workspace_label,
            recent_menu=self.actions.recent_menu, parent=self, show_error=self.show_error,
            update_actions=self.update_actions)
        self.exports = ExportController(
            state, self.settings, run_table=self.run_table, charts=self.charts, world_view=self.world_view,
            config_form=self.config_form, status_bar=status_bar, parent=self, show_error=self.show_error,
            model_of_run=self.runs.model_of_run)

    def _add_dock(self, name: str, title: str, widget: QWidget, area: str) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{name}")
        dock.setWidget(widget)
        areas = {"left": Qt.DockWidgetArea.LeftDockWidgetArea, "right": Qt.DockWidgetArea.RightDockWidgetArea,
                 "bottom": Qt.DockWidgetArea.BottomDockWidgetArea}
        self.addDockWidget(areas[area], dock)
        self.docks[name] = dock
        return dock

    def _build_view_menu(self) -> None:
        menu = self.actions.view_menu
        for dock in self.docks.values():
            toggle = dock.toggleViewAction()
            toggle.setObjectName(f"action_show_{dock.objectName().removeprefix('dock_')}")
            menu.addAction(toggle)
        toolbar_toggle = self.toolbar.toggleViewAction()
        toolbar_toggle.setObjectName("action_show_toolbar")
        menu.addAction(toolbar_toggle)
        charts_toggle = menu.addAction("Charts")
        charts_toggle.setObjectName("action_show_charts")
        charts_toggle.setCheckable(True)
        charts_toggle.setChecked(True)
        charts_toggle.toggled.connect(self._show_charts)
        menu.addSeparator()
        menu.addAction(self.actions.theme_dark)

    def _show_charts(self, shown: bool) -> None:
        """View > Charts. Hidden, the charts leave their room to the side docks; shown again,
        the side docks get back the widths they had (they kept the room, and the charts came
        back ~200 px wide between them)."""
        if not shown:
            sides = (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea)
            self._side_widths = {dock: dock.width() for dock in self.docks.values()
                                 if dock.isVisible() and not dock.isFloating()
                                 and self.dockWidgetArea(dock) in sides
                                 and not dock.visibleRegion().isEmpty()}  # not a tab behind another
            self.charts.setVisible(False)
            return
        self.charts.setVisible(True)
        QTimer.singleShot(0, self, self._restore_side_widths)  # once the charts are laid out again

    def _restore_side_widths(self) -> None:
        widths = {dock: width for dock, width in self._side_widths.items() if dock.isVisible()}
        if widths and self.charts.isVisible():
            self.resizeDocks(list(widths), list(widths.values()), Qt.Orientation.Horizontal)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.progress = QProgressBar()
        self.progress.setObjectName("run_progress")
        self.progress.setMaximumWidth(220)
        self.progress.setFormat("%p%")
        self.progress.setToolTip("Progress of the run shown")
        self.progress.setTextVisible(False)  # no run shown yet: not "0%"
        self.rate_label = QLabel("")
        self.rate_label.setObjectName("steps_per_s_label")
        self.counts_label = QLabel("")
        self.counts_label.setObjectName("run_counts_label")
        self.workspace_label = QLabel("")
        self.workspace_label.setObjectName("workspace_label")
        bar.addPermanentWidget(self.workspace_label)
        bar.addPermanentWidget(self.counts_label)
        bar.addPermanentWidget(self.rate_label)
        bar.addPermanentWidget(self.progress)

    def _connect(self) -> None:
        a, runs, exports = self.actions, self.runs, self.exports
        a.new_run.triggered.connect(runs.new_run)
        a.open_workspace.triggered.connect(self.workspace.choose_workspace)
        a.new_workspace.triggered.connect(self.workspace.new_workspace)
        a.start.triggered.connect(runs.start_run)
        a.pause.triggered.connect(runs.pause_run)
        a.resume.triggered.connect(runs.resume_run)
        a.step.triggered.connect(runs.step_run)
        a.stop.triggered.connect(runs.stop_run)
        a.export_csv.triggered.connect(lambda: exports.export_run_data("csv"))
        a.export_parquet.triggered.connect(lambda: exports.export_run_data("parquet"))
        a.export_json.triggered.connect(lambda: exports.export_run_data("json"))
        a.export_png.triggered.connect(lambda: exports.export_chart("png"))
        a.export_svg.triggered.connect(lambda: exports.export_chart("svg"))
        a.export_pdf.triggered.connect(lambda: exports.export_chart("pdf"))
        for fmt in ("png", "svg", "pdf"):
            a.export_all[fmt].triggered.connect(lambda _=False, f=fmt: exports.export_all_charts(f))
            a.export_world[fmt].triggered.connect(lambda _=False, f=fmt: exports.export_world(f))
        a.export_figure.triggered.connect(lambda: exports.open_figure_dialog())
        a.export_data.triggered.connect(exports.export_run_data_dialog)
        a.copy_chart.triggered.connect(lambda: exports.copy_chart())
        a.export_config.triggered.connect(exports.export_config)
        a.quit.triggered.connect(self.close)
        a.theme_dark.toggled.connect(self.set_dark)
        a.about.triggered.connect(self.show_about)
        a.shortcuts.triggered.connect(self.show_shortcuts)
        a.examples.triggered.connect(self.show_examples)
        a.speed_group.triggered.connect(lambda act: self.set_speed(act.data()))
        a.speed_box.activated.connect(lambda i: self.set_speed(a.speed_box.itemData(i)))
        self.config_form.validity_changed.connect(lambda _valid: self.update_actions())
        self.run_table.selection_changed.connect(runs.on_selection_changed)
        self.registry.run_state_changed.connect(runs.on_run_state_changed)
        self.world_view.scrub_requested.connect(runs.scrub_to)
        self.charts.step_clicked.connect(runs.show_world_of_row)

    def first_size(self) -> QSize:
        """The window's size on a first start: DEFAULT_SIZE, within the screen's free area
        (a laptop's 1366 x 768 held only part of a 1400 x 900 window: the run table, the
        status bar and the World dock's right edge were off the screen). The offscreen
        platform's screen is a nominal 800 x 600, not a screen to fit."""
        size = QSize(*DEFAULT_SIZE)
        screen = self.screen()
        if screen is None or QGuiApplication.platformName() in ("offscreen", "minimal"):
            return size
        free = screen.availableGeometry().size() - FRAME_ALLOWANCE
        return size.boundedTo(free).expandedTo(self.minimumSizeHint())

    def _install_analysis_panel(self) -> None:
        self.analysis_panel = analysis_panel.install(self)
        # A tab next to the world view, where there is height for it.
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.docks["analysis"])
        self.tabifyDockWidget(self.docks["world"], self.docks["analysis"])
        self.docks["world"].raise_()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if self._default_layout_pending:  # first start: charts get the most room
            self._default_layout_pending = False
            side_docks = [self.docks["parameters"], self.docks["world"]]
            self.resizeDocks(side_docks, [330, 460], Qt.Orientation.Horizontal)
            runs_height = max(120, min(200, self.height() // 5))  # a laptop's screen: the charts first
            self.resizeDocks([self.docks["runs"]], [runs_height], Qt.Orientation.Vertical)

    # ---- appearance and help ------------------------------------------------------
    @Slot(bool)
    def set_dark(self, dark: bool) -> None:
        apply_theme(dark, all_plots(self))
        apply_action_icons(self, dark)
        self.toolbar.setStyleSheet(style_sheet(dark))
        self.settings.set_dark(dark)

    def show_about(self) -> None:
        box = show_info(self, "About Farm GUI",
                        f"<b>Farm GUI {__version__}</b><p>A desktop workbench for agent-based simulation "
                        "research: configure, run, watch, compare and export foraging-ecology "
                        "simulations.</p>", "about_box")
        box.setIconPixmap(app_pixmap(64))

    def show_examples(self):
        return show_examples(self, self.config_form, self.statusBar(), self.show_error)

    def show_shortcuts(self) -> None:
        rows = []
        for act in self.findChildren(type(self.actions.start)):
            if not act.shortcut().isEmpty():
                rows.append(f"<tr><td>{act.text().replace('&', '')}</td>"
                            f"<td><b>{act.shortcut().toString()}</b></td></tr>")
        show_info(self, "Keyboard Shortcuts", "<table>" + "".join(sorted(rows)) + "</table>", "shortcuts_box")

    def show_error(self, title: str, text: str) -> None:
        """Tell the user what went wrong, without blocking the loop (see ``dialogs``)."""
        self.state.report_error(title, text)
        if not shiboken6.isValid(self):
            log.warning("%s: %s", title, text)
            return
        self.statusBar().showMessage(f"{title}: {text.splitlines()[0] if text else ''}", 10000)
        show_warning(self, title, text)

    # ---- entry points for other panels, scripts and tests ------------------------------
    @property
    def store(self) -> Store | None:
        """The open workspace's store (``state.store``; None while none is open)."""
        return self.state.store

    @property
    def shown_ids(self) -> list[int]:
        """The runs the charts show (``state.shown_ids``)."""
        return self.state.shown_ids

    @property
    def last_error(self) -> tuple[str, str] | None:
        """(title, text) of the last error shown (``state.last_error``)."""
        return self.state.last_error

    def open_workspace(self, path: str) -> None:
        """Open the workspace at ``path`` (as File > Open Workspace... does)."""
        self.workspace.open_workspace(path)

    async def refresh_runs_async(self, select: list[int] | None = None,
                                 unless_selected_since: int | None = None) -> None:
        """Reload the run table (``RunController.refresh_runs_async``)."""
        await self.runs.refresh_runs_async(select, unless_selected_since)

    def update_actions(self) -> None:
        """Enable every controller's actions as they apply now."""
        self.runs.update_actions()
        self.continues.update_actions()

    # ---- speed ------------------------------------------------------------------------
    def set_speed(self, steps_per_s: float | None) -> None:
        """The speed of the selected runs and of new runs (None: as fast as possible)."""
        self.state.set_speed(steps_per_s)

    def _show_speed(self, steps_per_s: float | None) -> None:
        for i, (_label, value) in enumerate(SPEEDS):
            if value == steps_per_s:
                self.actions.speed_actions[i].setChecked(True)
                self.actions.speed_box.setCurrentIndex(i)

    # ---- periodic refresh -------------------------------------------------------------
    @Slot()
    def _on_frame(self) -> None:
        self._tick += 1
        if self._tick % SLOTS:
            for _ in range(CHARTS_PER_TICK):
                self.charts.refresh_next()
                if self.charts.axes_moved:  # that chart is repainted whole, axes too: enough
                    break
            return
        other = self._tick // SLOTS
        if other % WORLD_EVERY == 0:
            self.runs.refresh_live_world()
        elif other % STATUS_EVERY == 1:
            self.runs.refresh_live_rows()
            self.refresh_status()
            live = self.registry.counts()["running"] > 0
            interval = FRAME_MS if live else IDLE_FRAME_MS
            if self.frame_timer.interval() != interval:
                self.frame_timer.setInterval(interval)
        elif self.state.waits_for_first_world():
            # A run shown a moment ago: its first world state as soon as it has one, not up
            # to a world slot later (a run that ends after ~25 steps showed "no world state"
            # for most of its life).
            self.runs.refresh_live_world()

    def refresh_status(self) -> None:
        counts = self.registry.counts()
        live_ids = {r.run_id for r in self.registry.runs()}
        for row in self.run_table.table_model.rows:
            if row.run_id not in live_ids:
                key = "running" if row.status == "pending" else row.status
                counts[key] = counts.get(key, 0) + 1
        # Stopped, failed and interrupted runs are not "finished": named when there are any.
        shown = ["running", "paused", "finished"] + [k for k in ("stopped", "failed", "interrupted")
                                                     if counts.get(k)]
        self.counts_label.setText(" · ".join(f"{counts.get(k, 0)} {k}" for k in shown))
        row = self.runs.primary_row()
        if self.progress.isTextVisible() != (row is not None):
            # With no run shown the bar said "0%" next to "60 finished" (an experiment's runs).
            self.progress.setTextVisible(row is not None)
        if row is None:
            set_progress(self.progress, self.progress.maximum(), 0)
            self.rate_label.setText("")
            return
        # A model may end its run early (everyone happy, both species extinct): finished is 100 %.
        total = row.steps_done if row.status == "finished" else row.total_steps
        set_progress(self.progress, max(1, total), min(row.steps_done, total))
        self.rate_label.setText(f"{row.steps_per_s:,.1f} steps/s" if row.steps_per_s else "")

    # ---- settings and closing -----------------------------------------------------------
    def save_settings(self) -> None:
        self.settings.save_window(self.saveGeometry(), self.saveState())
        kept = dict(self.config_form.kept)  # each model's parameters, the one shown as it is now
        if (config := self.config_form.config()) is not None:
            kept[self.config_form.spec.name] = config
        self.settings.save_kept_params(kept)
        self.settings.set_last_model(self.config_form.spec.name)
        self.settings.sync()

    def _ask_stop_runs(self, count: int) -> bool:
        substituted = not isinstance(QMessageBox.question, types.BuiltinFunctionType)
        if QGuiApplication.platformName() in ("offscreen", "minimal") and not substituted:
            return True  # no screen, nobody to ask: stopping is the safe answer
        answer = QMessageBox.question(
            self, "Stop running simulations?",
            f"{count} simulation{'s are' if count > 1 else ' is'} still running. Stop "
            f"{'them' if count > 1 else 'it'} and close? Everything computed so far is kept.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        return answer in (QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.Ok)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        active = self.registry.active_ids()
        if active and not self._ask_stop_runs(len(active)):
            event.ignore()
            return
        self.state.closing = True
        self.frame_timer.stop()
        # Ask runs and analyses to stop together, then wait for both: they wind down in parallel.
        self.registry.stop_all()
        if self.analysis_panel is not None:
            self.analysis_panel.stop_all()
        self.experiments_panel.stop_all()  # cancels; the finished runs are kept (resumable)
        t0 = time.monotonic()
        if not self.registry.wait(CLOSE_WAIT_S):
            log.warning("runs still going after %.0f s at close", time.monotonic() - t0)
        if self.analysis_panel is not None:
            self.analysis_panel.shutdown(max(1.0, CLOSE_WAIT_S - (time.monotonic() - t0)))
        self.agentfarm.shutdown(max(1.0, CLOSE_WAIT_S - (time.monotonic() - t0)))
        self.save_settings()
        if not wait_blocking(max(1.0, CLOSE_WAIT_S - (time.monotonic() - t0))):
            log.warning("reads or exports still going at close; the store refuses them from now on")
        self.workspace.close_store()
        if not self._loop_released:
            self._loop_released = True
            release_loop()
        event.accept()
        super().closeEvent(event)
        self._release_graphics()

    def _release_graphics(self) -> None:
        """Take the plots apart now, in the GUI thread and while their scenes still exist.
        Left to the garbage collector, pyqtgraph's item cycles were collected after Qt had
        already deleted parts of them, which crashed the process."""
        for plot in all_plots(self):
            plot.close()
            # PlotWidget.close() unparents the widget: without this it outlived the window as a
            # hidden top-level, deleted whenever Python dropped it (the leak guard of tests/).
            plot.deleteLater()


def set_progress(bar: QProgressBar, maximum: int, value: int) -> None:
    """Set a progress bar to be repainted with the rest of the window, and only when what
    it shows changes (its percentage or its filled width). QProgressBar's setValue
    repaints at once, and a repaint at once paints everything else in the window that
    waits to be painted (the run table, the charts) in the same event-loop turn: inside
    the slot that started a run, ~50 ms."""
    if bar.maximum() == maximum and bar.value() == value:
        return
    bar.setUpdatesEnabled(False)  # setValue's repaint does nothing
    try:
        bar.setMaximum(maximum)
        bar.setValue(value)
    finally:
        # Not setUpdatesEnabled(True): that would repaint the bar, changed or not.
        bar.setAttribute(Qt.WidgetAttribute.WA_UpdatesDisabled, False)
    total = max(1, maximum - bar.minimum())
    done = max(0, value - bar.minimum())
    shown = (maximum, done * 100 // total, done * bar.width() // total)
    if shown != getattr(bar, "_shown", None):
        bar._shown = shown
        bar.update()


def installed_model(name: str | None):
    """The declaration of model ``name`` (None: not given or not installed)."""
    if not name:
        return None
    try:
        return get_model(name)
    except UnknownModelError:
        return None
