"""The Analysis panel: pick a module and runs, start analyses that run in the
background, watch and control them in a jobs table that is also the history of
every stored analysis (filters and statistics above it), and look at (and export)
a finished job's tables and plots.

Plugging it into a window: ``install(window)`` (used by the main window) docks
it, fills the Analysis menu and follows the window's workspace and run list (the
run table's model: nothing is read from the store on the GUI thread, nothing is
polled); elsewhere build ``AnalysisPanel(store)`` and call ``shutdown()`` before
the store closes. Store reads and writes are in ``analysis_panel_data``.
"""

from __future__ import annotations

import logging
import shlex
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QAbstractItemModel, QEvent, QObject, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from superqt import QCollapsible

from farm_gui.analysis import AnalysisError, applicable_modules, available_modules, check_models
from farm_gui.analysis.base import registered_modules
from farm_gui.analysis.cli_support import parse_param_options
from farm_gui.core.registry import models as installed_models
from farm_gui.runtime.aio import spawn
from farm_gui.runtime.analysis_jobs import DEFAULT_MAX_CONCURRENT, AnalysisJob, AnalysisJobManager
from farm_gui.ui.analysis.analysis_history import HistoryFilters
from farm_gui.ui.analysis.analysis_panel_data import PanelData
from farm_gui.ui.analysis.analysis_results import ResultView

log = logging.getLogger(__name__)

COLUMNS = ("Job", "Module", "Runs", "Status", "Progress", "Started", "Time", "Error")
COL = {name: i for i, name in enumerate(COLUMNS)}
CLOCK_MS = 1000
NARROW_PX = 900  # below this width the results go under the jobs, not beside them
RESULTS_ROOM_PX = 320  # a result shown in less height than this folds the New analysis form away
# Under the jobs, with the form folded away: the jobs' share of the dock (their least height
# if more); half left a comparison's plot ~80 px tall beside an empty half of the jobs table.
FOLDED_JOBS_SHARE = 0.3


def params_from_text(text: str) -> dict[str, Any]:
    """``key=value key=value`` (values read as JSON when they parse) or a JSON object."""
    text = text.strip()
    if not text:
        return {}
    if text.startswith("{"):
        return parse_param_options(None, text)
    try:
        items = shlex.split(text.replace(",", " ") if "[" not in text else text)
    except ValueError as err:
        raise AnalysisError(f"parameters: {err}") from None
    return parse_param_options(items)


def describe_params(name: str) -> str:
    model = available_modules()[name].params_model
    return "\n".join(f"{field}={info.default!r}: {info.description or ''}"
                     for field, info in model.model_fields.items())


def params_placeholder(name: str) -> str:
    """The parameters field's hint: one of the module's own parameters as the example."""
    fields = available_modules()[name].params_model.model_fields
    if not fields:
        return "this module has no parameters"
    example = next(((field, info.default) for field, info in fields.items()
                    if isinstance(info.default, int | float | str) and not isinstance(info.default, bool)),
                   None)
    if example is None:
        return "parameters (empty: defaults; hover for the list)"
    return f"parameters, e.g. {example[0]}={example[1]} (empty: defaults; hover for the list)"


class AnalysisPanel(PanelData, QWidget):
    max_concurrent_changed = Signal(int)
    result_shown = Signal(int)  # job id whose result is now displayed
    history_loaded = Signal()  # the store's analyses are in the jobs table
    stats_shown = Signal(dict)  # the statistics line was updated (Store.analysis_stats())

    def __init__(self, store: Any = None, *, store_provider: Callable[[], Any] | None = None,
                 selected_runs: Callable[[], list[int]] | None = None,
                 max_concurrent: int = DEFAULT_MAX_CONCURRENT, parent: QWidget | None = None,
                 run_model: QAbstractItemModel | None = None, refresh_runs: Callable[[], Any] | None = None,
                 qsettings: Any = None):
        super().__init__(parent)
        self.setObjectName("analysis_panel")
        self.store: Any = None
        self.manager: AnalysisJobManager | None = None
        self._store_provider = store_provider
        self._selected_runs = selected_runs
        self._max_concurrent = max_concurrent
        self._rows: dict[int, int] = {}
        self._offered_for: tuple | None = None  # what the modules offered were judged for
        self._follow_job: int | None = None
        self._said_job: int | None = None  # the job the message line tells of (kept up to date)
        self._check_later: set[int] = set()  # runs to tick once listed (check_runs_when_listed)
        # The ticks show the run table's selection (what Run Analysis would take) until the
        # user ticks or unticks a run here; with none ticked they follow it again.
        self._ticks_follow_selection = True
        self._ticking = False  # the panel itself is setting ticks
        self._init_data(run_model, refresh_runs, qsettings)
        self._build()
        self._update_controls()
        self.set_store(store if store is not None else (store_provider() if store_provider else None))
        self._follow_run_model()
        self._clock = QTimer(self)
        self._clock.timeout.connect(self._tick)
        self._clock.start(CLOCK_MS)

    # ----- construction -----------------------------------------------------------------
    def _action(self, name: str, text: str, slot: Callable[[], Any]) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _button(self, action: QAction) -> QToolButton:
        button = QToolButton()
        button.setDefaultAction(action)
        button.setObjectName(action.objectName().replace("action_", "button_"))
        return button

    def _build(self) -> None:
        self.module_combo = QComboBox()
        self.module_combo.setObjectName("analysis_module_combo")
        for module in available_modules().values():
            if not module.name.startswith("_"):
                self.module_combo.addItem(module.title, module.name)
        self.module_info = QLabel()
        self.module_info.setObjectName("analysis_module_description")
        self.module_info.setWordWrap(True)
        self.runs_list = QListWidget()
        self.runs_list.setObjectName("analysis_runs_list")
        rows = 3 * self.runs_list.fontMetrics().height() + 12  # three runs at least, with the frame
        self.runs_list.setMinimumHeight(rows)
        self.runs_list.setMaximumHeight(max(96, rows))
        self.runs_list.itemChanged.connect(self._on_tick_changed)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setObjectName("analysis_refresh_runs")
        self.refresh_button.clicked.connect(self.refresh_runs)
        self.refresh_button.setVisible(self._run_model is None)  # a window's run list is always current
        self.params_edit = QLineEdit()
        self.params_edit.setObjectName("analysis_params_edit")
        self.slots_spin = QSpinBox()
        self.slots_spin.setObjectName("analysis_max_concurrent")
        self.slots_spin.setRange(1, 32)
        self.slots_spin.setValue(self._max_concurrent)
        self.slots_spin.setToolTip("How many analyses may run at once; the others wait queued")
        self.slots_spin.valueChanged.connect(self.set_max_concurrent)
        self.message = QLabel()
        self.message.setObjectName("analysis_message_label")
        self.message.setWordWrap(True)
        self.message.hide()  # an empty line left a gap above the buttons: shown with a message

        self.run_action = self._action("action_run_analysis", "&Run Analysis", self.start_analysis)
        self.pause_action = self._action("action_pause_analysis", "Pause", lambda: self._control("pause"))
        self.resume_action = self._action("action_resume_analysis", "Resume", lambda: self._control("resume"))
        self.stop_action = self._action("action_stop_analysis", "Stop", lambda: self._control("stop"))
        for action, what in ((self.pause_action, "Pause"), (self.resume_action, "Resume"),
                             (self.stop_action, "Stop")):
            action.setStatusTip(f"{what} the analyses selected in the jobs table")
        self.delete_action = self._action("action_delete_analysis", "Delete Stored Result...",
                                          self.delete_selected)
        self.cleanup_action = self._action("action_cleanup_analyses", "Clean &Up...", self.open_cleanup)
        self.results = ResultView()
        self.results.message.connect(self._say)
        self.export_actions = {
            "csv": self._action("action_export_analysis_csv", "Export Result Table as CSV…",
                                self.results.export_csv),
            "json": self._action("action_export_analysis_json", "Export Result as JSON…",
                                 self.results.export_json),
            "png": self._action("action_export_analysis_png", "Export Result Plot as PNG…",
                                lambda: self.results.export_plot("png")),
            "svg": self._action("action_export_analysis_svg", "Export Result Plot as SVG…",
                                lambda: self.results.export_plot("svg")),
        }

        form = QFormLayout()
        form.addRow("Module", self.module_combo)
        form.addRow("", self.module_info)
        runs_row = QHBoxLayout()
        runs_row.addWidget(self.runs_list, 1)
        runs_row.addWidget(self.refresh_button, 0, Qt.AlignmentFlag.AlignTop)
        form.addRow("Runs", runs_row)
        form.addRow("Parameters", self.params_edit)
        form.addRow("Run at once", self.slots_spin)

        self.jobs_table = QTableWidget(0, len(COLUMNS))
        self.jobs_table.setObjectName("analysis_jobs_table")
        self.jobs_table.setHorizontalHeaderLabels(list(COLUMNS))
        self.jobs_table.verticalHeader().setVisible(False)
        self.jobs_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.jobs_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.jobs_table.horizontalHeader().setSectionResizeMode(COL["Error"], QHeaderView.ResizeMode.Stretch)
        self.jobs_table.itemSelectionChanged.connect(self._on_job_selected)
        self.jobs_table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.jobs_table.addAction(self.delete_action)
        self.history = HistoryFilters()
        self.history.changed.connect(self.apply_filters)
        self.counts_label = QLabel()
        self.counts_label.setObjectName("analysis_counts_label")
        # On a line of its own: beside the buttons a dock of ordinary width wrapped it to three.
        self.counts_label.setWordWrap(True)
        controls = QHBoxLayout()
        for action in (self.run_action, self.pause_action, self.resume_action, self.stop_action):
            controls.addWidget(self._button(action))
        controls.addStretch(1)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        form_widget = _HeightForWidth()
        form.setContentsMargins(0, 0, 0, 0)
        form_widget.setLayout(form)
        self.form_section = QCollapsible("New analysis")  # collapse it to give the jobs and results room
        self.form_section.setObjectName("analysis_form_section")
        self.form_section.setDuration(0)
        self.form_section.addWidget(form_widget)
        self.form_section.expand(animate=False)
        self.form_section.toggled.connect(self._on_form_toggled)
        self._form_toggled_by_user = False
        self._folding_form = False
        top_layout.addWidget(self.form_section)
        top_layout.addWidget(self.message)
        top_layout.addLayout(controls)
        top_layout.addWidget(self.counts_label)
        top_layout.addWidget(self.history)
        top_layout.addWidget(self.jobs_table, 1)
        # Two rows at least: with four, the form, the jobs and a result needed ~920 px, and the
        # window grew past the screen's fit when the first result appeared.
        self.jobs_table.setMinimumHeight(2 * self.jobs_table.verticalHeader().defaultSectionSize() + 30)
        self.splitter = splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("analysis_splitter")
        splitter.addWidget(top)
        splitter.addWidget(self.results)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setHandleWidth(6)
        splitter.splitterMoved.connect(lambda *_: setattr(self, "_user_split", True))
        # its height follows the form's (folded, unfolded) after the layout has run: split again then
        splitter.installEventFilter(self)
        # On a small screen the dock may be smaller than the form, the jobs and a result
        # need: they scroll, instead of the window growing past the screen.
        scroll = QScrollArea()
        scroll.setObjectName("analysis_scroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(splitter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(scroll)
        self.module_combo.currentIndexChanged.connect(self._on_module_changed)
        self._on_module_changed()

    # ----- store and runs ---------------------------------------------------------------
    def set_store(self, store: Any) -> None:
        """Follow another workspace: stop this one's analyses and show the other's."""
        if store is self.store:
            return
        if self.manager is not None:
            self.manager.shutdown(5.0)
            self.manager.deleteLater()
            self.manager = None
        self.store = store
        self._rows.clear()
        self.jobs_table.setRowCount(0)
        self.results.set_result(None)
        self.history.set_stats(None)
        self._ended.clear()
        # the other workspace's runs share ids with these, not ticks
        self.runs_list.clear()
        self._listed_ids = []
        self._check_later = set()
        self._ticks_follow_selection = True
        if store is not None:
            self.manager = AnalysisJobManager(store, self._max_concurrent, parent=self)
            self.manager.job_added.connect(self._on_job_added)
            self.manager.job_changed.connect(self._on_job_changed)
            self.manager.counts_changed.connect(self._update_counts)
            self._load_store(store)  # history and statistics, read off the GUI thread
        self.refresh_runs()
        self._update_counts()
        self._update_controls()

    def checked_runs(self) -> list[int]:
        items = (self.runs_list.item(i) for i in range(self.runs_list.count()))
        return sorted(int(it.data(Qt.ItemDataRole.UserRole)) for it in items
                      if it.checkState() == Qt.CheckState.Checked)

    def set_checked_runs(self, run_ids: list[int]) -> None:
        """Tick exactly these runs (as the user would: the run table's selection no longer
        changes them, until none is ticked)."""
        self._ticks_follow_selection = not run_ids
        self._apply_ticks(run_ids)

    def _apply_ticks(self, run_ids: list[int]) -> None:
        wanted = set(run_ids)
        self._ticking = True
        try:
            for i in range(self.runs_list.count()):
                item = self.runs_list.item(i)
                on = item.data(Qt.ItemDataRole.UserRole) in wanted
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        finally:
            self._ticking = False
        self.offer_modules()

    def check_runs_when_listed(self, run_ids: list[int]) -> None:
        """Tick exactly these runs: those listed now, the others as soon as they are (an
        experiment's runs reach the list with the window's next reload). They stay ticked
        when the run table's selection changes."""
        self.set_checked_runs(run_ids)
        self._check_later = set(run_ids) - set(self._listed_ids)

    def follow_selection(self, run_ids: list[int]) -> None:
        """The run table's selection changed: tick it, unless the user has ticked runs here."""
        if self._ticks_follow_selection:
            self._apply_ticks(run_ids)
            self._check_later = set(run_ids) - set(self._listed_ids)

    def _on_tick_changed(self, _item) -> None:
        if not self._ticking:  # the user's click
            self._check_later = set()
            self._ticks_follow_selection = not self.checked_runs()
            self.offer_modules()

    def set_module(self, name: str) -> None:
        self.module_combo.setCurrentIndex(self.module_combo.findData(name))

    def offer_modules(self) -> None:
        """Offer the modules that apply to all the ticked runs (none ticked: to any listed
        run), judged from their models' declarations: no store call."""
        ticked = self.checked_runs()
        models = {self._run_models.get(r) for r in ticked}
        # Judging every module against every model is done again only when what it depends
        # on changed: it was done on every change of the run list (a run's steps included).
        key = (frozenset(models) if ticked else None, frozenset(self._run_models.values()),
               tuple(installed_models()), tuple(registered_modules()))
        if key == self._offered_for:
            return
        self._offered_for = key
        if ticked:
            offered = applicable_modules(models)
        elif self._run_models:
            fits = set().union(*(applicable_modules([m]) for m in set(self._run_models.values())))
            offered = {n: m for n, m in available_modules().items() if n in fits}
        else:
            offered = {n: m for n, m in available_modules().items() if not n.startswith("_")}
        names = [self.module_combo.itemData(i) for i in range(self.module_combo.count())]
        if names == list(offered):
            return
        current = self.module_combo.currentData()
        self.module_combo.blockSignals(True)
        self.module_combo.clear()
        for module in offered.values():
            self.module_combo.addItem(module.title, module.name)
        index = self.module_combo.findData(current)
        self.module_combo.setCurrentIndex(index if index >= 0 else 0)
        self.module_combo.blockSignals(False)
        self._on_module_changed()

    # ----- starting and controlling -------------------------------------------------------
    def start_analysis(self) -> int | None:
        """Queue the chosen module on the chosen runs; returns the job id (None on bad input)."""
        if self.manager is None:
            return self._say("Open a workspace first.", error=True)
        run_ids = self.checked_runs() or (self._selected_runs() if self._selected_runs else [])
        if not run_ids:
            return self._say("Tick one or more runs (or select them in the run table).", error=True)
        if self.module_combo.currentData() is None:
            return self._say("No analysis module applies to these runs.", error=True)
        try:
            params = params_from_text(self.params_edit.text())
            check_models(self.module_combo.currentData(),
                         {r: self._run_models[r] for r in run_ids if r in self._run_models}, params)
            job_id = self.manager.submit(self.module_combo.currentData(), run_ids, params)
        except AnalysisError as err:
            return self._say(str(err), error=True)
        self._follow_job = self._said_job = job_id
        self._tell_job(self.manager.job(job_id))  # "queued" (or already further on)
        if job_id in self._rows:  # Pause and Stop apply to the job just started
            self.jobs_table.selectRow(self._rows[job_id])
        return job_id

    def _tell_job(self, job: AnalysisJob) -> None:
        """The message line follows the job it announced: running, then how it ended."""
        text = {"queued": f"Job {job.id} queued.", "held": f"Job {job.id} paused (queued).",
                "running": f"Job {job.id} running.", "paused": f"Job {job.id} paused.",
                "finished": f"Job {job.id} finished: its result is shown below.",
                "stopped": f"Job {job.id} stopped.",
                "failed": f"Job {job.id} failed: {job.error}"}.get(job.status)
        if text is not None and self.message.text() != text:
            self._set_message(text, job.status == "failed")

    def _control(self, what: str) -> None:
        if self.manager is None:
            return
        for job_id in self.selected_jobs():
            getattr(self.manager, what)(job_id)
        self._update_controls()

    def _update_controls(self) -> None:
        """Pause, Resume and Stop are enabled when they apply to a selected job (they
        were always enabled, and did nothing with no job, or a finished one, selected)."""
        manager = self.manager
        states = {manager.job(job_id).status for job_id in self.selected_jobs()} if manager else set()
        self.pause_action.setEnabled(bool(states & {"queued", "running"}))
        self.resume_action.setEnabled(bool(states & {"held", "paused"}))
        self.stop_action.setEnabled(bool(states & {"queued", "held", "running", "paused"}))

    def selected_jobs(self) -> list[int]:
        rows = {index.row() for index in self.jobs_table.selectionModel().selectedRows()}
        return [job for job, row in self._rows.items() if row in rows]

    def set_max_concurrent(self, n: int) -> None:
        self._max_concurrent = n
        if self.slots_spin.value() != n:
            self.slots_spin.setValue(n)
        if self.manager is not None:
            self.manager.set_max_concurrent(n)
        self.max_concurrent_changed.emit(n)

    def stop_all(self) -> None:
        """Ask every analysis to stop, without waiting."""
        if self.manager is not None:
            self.manager.stop_all()

    def shutdown(self, timeout_s: float = 5.0) -> None:
        """Stop every analysis and wait for the workers (before the store closes)."""
        if self.manager is not None:
            self.manager.shutdown(timeout_s)

    # ----- jobs table ---------------------------------------------------------------------
    @Slot(int)
    def _on_job_added(self, job_id: int) -> None:
        self._choices_dirty = True
        row = self.jobs_table.rowCount()
        self.jobs_table.insertRow(row)
        self._rows[job_id] = row
        for col in range(len(COLUMNS)):
            if col != COL["Progress"]:
                self.jobs_table.setItem(row, col, QTableWidgetItem())
        bar = QProgressBar()
        bar.setRange(0, 100)
        bar.setObjectName(f"analysis_progress_{job_id}")
        self.jobs_table.setCellWidget(row, COL["Progress"], bar)
        self._on_job_changed(job_id)
        self.jobs_table.setRowHidden(row, not self.history.matches(self.manager.job(job_id)))

    @Slot(int)
    def _on_job_changed(self, job_id: int) -> None:
        if self.manager is None or job_id not in self._rows:
            return
        job = self.manager.job(job_id)
        row = self._rows[job_id]
        status = {"held": "paused (queued)"}.get(job.status, job.status)
        texts = {
            "Job": str(job.id), "Module": job.module, "Runs": self._runs_text(job),
            "Status": status,
            "Started": job.started_at.astimezone().strftime("%H:%M:%S") if job.started_at else "",
            "Time": self._duration(job), "Error": job.error or "",
        }
        for name, text in texts.items():
            item = self.jobs_table.item(row, COL[name])
            if item is not None and item.text() != text:
                item.setText(text)
                if name == "Error":
                    item.setToolTip(text)
        bar = self.jobs_table.cellWidget(row, COL["Progress"])
        if isinstance(bar, QProgressBar):
            bar.setValue(int(round(100 * job.progress)))
            bar.setFormat(f"%p%  {job.message}" if job.message and not job.final else "%p%")
        if job_id == self._said_job:
            self._tell_job(job)
        if job.final and job_id not in self._ended:
            self._ended.add(job_id)
            self._refresh_stats()
            self.jobs_table.setRowHidden(row, not self.history.matches(job))
        if job.status == "finished" and job_id == self._follow_job:
            self._follow_job = None
            self.jobs_table.selectRow(row)
            self.show_result(job_id)
        if job_id in self.selected_jobs():
            self._update_controls()

    def _duration(self, job: AnalysisJob) -> str:
        seconds = job.run_seconds
        return "" if seconds is None else f"{seconds:.1f} s"

    @Slot()
    def _tick(self) -> None:
        if self.manager is None:
            return
        for job in self.manager.jobs():
            if job.status in ("running", "paused"):
                self._on_job_changed(job.id)

    @Slot()
    def _update_counts(self) -> None:
        if self.manager is None:
            self.counts_label.setText("no workspace")
            return
        c = self.manager.counts()
        self.counts_label.setText(f"{c['running']} running · {c['queued']} queued · {c['free']} free slots")

    @Slot()
    def _on_job_selected(self) -> None:
        self._update_controls()
        jobs = self.selected_jobs()
        if len(jobs) == 1 and self.manager is not None and self.manager.job(jobs[0]).status == "finished":
            self.show_result(jobs[0])

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        wanted = Qt.Orientation.Vertical if self.width() < NARROW_PX else Qt.Orientation.Horizontal
        if self.splitter.orientation() != wanted:
            self.splitter.setOrientation(wanted)
            self._user_split = False
        self._apply_split()

    def _on_form_toggled(self, *_args) -> None:
        if not self._folding_form:
            self._form_toggled_by_user = True
        QTimer.singleShot(0, self._apply_split)

    def make_room_for_results(self) -> None:
        """A result shown under the jobs (a narrow dock) got a few rows: fold the New analysis
        form away to read it (a click on its title brings it back, and from then on the user
        decides)."""
        vertical = self.splitter.orientation() == Qt.Orientation.Vertical
        if (self._form_toggled_by_user or not vertical or not self.form_section.isExpanded()
                or self.results.height() >= RESULTS_ROOM_PX):
            return
        self._folding_form = True
        try:
            self.form_section.collapse(animate=False)
        finally:
            self._folding_form = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.splitter and event.type() == QEvent.Type.Resize:
            self._apply_split()
        return super().eventFilter(watched, event)

    def _apply_split(self) -> None:
        if not getattr(self, "_user_split", False):  # until the user drags the handle: results get half
            vertical = self.splitter.orientation() == Qt.Orientation.Vertical
            # the splitter's own extent: in the scroll area it is taller than the panel while
            # the unfolded form needs more than the panel has
            extent = self.splitter.height() if vertical else self.splitter.width()
            first = extent // 2
            if vertical and not self.form_section.isExpanded():  # the jobs need little: results get more
                least = self.splitter.widget(0).minimumSizeHint().height()
                first = min(first, max(least, int(extent * FOLDED_JOBS_SHARE)))
            self.splitter.setSizes([first, extent - first])

    def _on_module_changed(self) -> None:
        name = self.module_combo.currentData()
        if name:
            module = available_modules()[name]
            self.module_info.setText(module.description)
            self.params_edit.setToolTip(describe_params(name))
            self.params_edit.setPlaceholderText(params_placeholder(name))

    def say(self, text: str) -> None:
        """A message on the panel's message line (e.g. from another panel)."""
        self._say(text)

    @Slot(str, bool)
    def _say(self, text: str, error: bool = False) -> None:
        if not shiboken6.isValid(self.message):  # a late reply after the window closed
            log.info("analysis panel (closed): %s", text)
            return None
        self._said_job = None  # the line tells of something else now
        self._set_message(text, error)
        return None

    def _set_message(self, text: str, error: bool) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #c0392b;" if error else "")
        self.message.setVisible(bool(text))


class _HeightForWidth(QWidget):
    """A widget whose size hints have the height its layout needs at its present width. A
    QCollapsible sizes its content from the size hint, and the panel's layout squeezed the
    form to its minimum: in a narrow dock a wrapped description lost its last line and the
    run list showed a row and a half, where the panel should scroll instead."""

    def _at_width(self, hint: QSize) -> QSize:
        layout = self.layout()
        if layout is not None and layout.hasHeightForWidth() and self.width() > 0:
            hint.setHeight(max(hint.height(), layout.totalHeightForWidth(self.width())))
        return hint

    def sizeHint(self) -> QSize:  # noqa: N802
        return self._at_width(super().sizeHint())

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return self._at_width(super().minimumSizeHint())

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()  # another width, another height


def install(window: Any) -> AnalysisPanel:
    """Dock the panel in the main window, fill its Analysis menu, follow its workspace,
    keep the "run at once" setting and stop analyses when the window closes."""
    settings = window.settings.qsettings
    try:
        cap = int(settings.value("analysis/max_concurrent", DEFAULT_MAX_CONCURRENT))
    except (TypeError, ValueError):
        cap = DEFAULT_MAX_CONCURRENT
    panel = AnalysisPanel(store_provider=lambda: window.state.store,
                          selected_runs=window.run_table.selected_ids,
                          max_concurrent=max(1, cap), parent=window, run_model=window.run_table.table_model,
                          refresh_runs=lambda: spawn(window.runs.refresh_runs_async()), qsettings=settings)
    panel.max_concurrent_changed.connect(lambda n: settings.setValue("analysis/max_concurrent", n))
    window.run_table.selection_changed.connect(panel.follow_selection)
    dock = window._add_dock("analysis", "Analysis", panel, "bottom")
    menu = window.actions.analysis_menu
    panel.run_action.triggered.connect(lambda _checked=False: (dock.show(), dock.raise_()))
    menu.addAction(panel.run_action)
    for action in (panel.pause_action, panel.resume_action, panel.stop_action):
        menu.addAction(action)
    menu.addSeparator()
    menu.addAction(panel.delete_action)
    menu.addAction(panel.cleanup_action)
    menu.addSeparator()
    for action in panel.export_actions.values():
        menu.addAction(action)
    menu.addSeparator()
    toggle = dock.toggleViewAction()
    toggle.setObjectName("action_show_analysis")
    toggle.setText("Analysis Panel")  # checkable: in the View menu among the docks, and here
    menu.addAction(toggle)
    # ... and in the View menu with the other docks (it was missing there)
    view = window.actions.view_menu
    after_docks = window.findChild(QAction, "action_show_toolbar")  # the View menu's docks end there
    view.insertAction(after_docks, toggle) if after_docks is not None else view.addAction(toggle)
    return panel
