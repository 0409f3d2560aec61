"""Experiments in the window: Run > New Experiment... (``action_new_experiment``) opens a
dialog holding the experiment's spec (started from the parameter form; a Design tab with
the factors table, design, replications, steps and seed, and the YAML text they edit),
the backend and a preview of the number of runs and their time. The Experiments panel
(``experiments_panel``) lists the workspace's experiments with their progress (done /
failed / running / queued, runs per second, time left) and pauses, resumes, cancels,
resumes an interrupted one or exports one (``experiment_export``). The experiment
selected in it is charted in the Experiment Charts dock (``experiment_charts``), which
the panel's timer keeps up to date as runs finish.

An experiment runs on a plain thread (``runtime.experiment_jobs``) whose runs are in
worker processes; the panel reads each job's latest progress on a 0.5 s timer (no
signal per result). Store calls are awaited off the GUI loop.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import yaml
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from farm_gui.core.registry import UnknownModelError, get_model
from farm_gui.runtime.aio import run_blocking, spawn
from farm_gui.runtime.experiment_jobs import ExperimentJob
from farm_gui.ui.experiments.design_form import DesignForm
from farm_gui.ui.experiments.experiment_export import ExperimentExportButton
from farm_gui.ui.widgets.dialogs import show_warning
from farm_gui.ui.widgets.run_table import model_label

log = logging.getLogger(__name__)

# never started (the window closed as it was recorded), stopped by a crash, or cancelled
RESUMABLE = ("queued", "interrupted", "cancelled")
COLUMNS = ("Id", "Name", "Status", "Done", "Failed", "Running", "Queued", "Runs/s", "Time left")
BACKENDS = (("local", "Local processes"), ("dask-local", "Dask (local cluster)"), ("dask", "Dask scheduler"))


def spec_from_form(window: Any) -> str:
    """A starting spec: the form's model and the parameters it changed from the defaults."""
    config = window.config_form.config()
    model = window.config_form.spec.name
    lines = [f"model: {model}"]
    steps = 200
    if config is not None:
        steps = int(config.simulation_steps)
        defaults = type(config)().model_dump(mode="json", by_alias=True)
        now = config.model_dump(mode="json", by_alias=True)
        base = {k: v for k, v in now.items()
                if v != defaults.get(k) and k not in ("seed", "simulation_steps", "snapshot_every")}
        if base:
            lines.append(yaml.safe_dump({"base": base}, sort_keys=False, default_flow_style=False).rstrip())
    example = _example_factor(window.config_form.spec.parameters())
    lines += ["factors: {}" + (f"   # e.g. {example}" if example else ""), "design: grid",
              "replications: 5", f"steps: {steps}", "seed: 1"]
    return "\n".join(lines) + "\n"


def _example_factor(defaults: Any) -> str | None:
    """A factor line for the spec's comment: the model's first rate-like parameter (a
    default in (0, 1]) at half and at its default, else its first other number."""
    numbers = []
    for name, info in type(defaults).model_fields.items():
        value = getattr(defaults, name)
        if name in ("seed", "simulation_steps", "snapshot_every") or isinstance(value, bool):
            continue
        if isinstance(value, float) and 0 < value <= 1:
            return f"{info.alias or name}: {{values: [{value / 2:g}, {value:g}]}}"
        if isinstance(value, (int, float)) and value > 1:
            numbers.append(f"{info.alias or name}: {{values: [{type(value)(value / 2):g}, {value:g}]}}")
    return numbers[0] if numbers else None


def step_rates(rows: Any) -> dict[str, float]:
    """Median steps per second of the finished runs of each model (from the run table's
    rows): what the dialog's time estimate scales."""
    import statistics

    seen: dict[str, list[float]] = {}
    for row in rows:
        if row.status == "finished" and row.steps_per_s and row.model:
            seen.setdefault(row.model, []).append(float(row.steps_per_s))
    return {model: statistics.median(rates) for model, rates in seen.items()}


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def estimate_text(runs: int, steps: int, rate: float | None, workers: int | None, model: str) -> str:
    """About how long ``runs`` runs of ``steps`` steps take at ``rate`` steps/s per worker."""
    label = model_label(model)
    if not rate:
        return f"no finished run of {label} in this workspace to estimate the time from"
    seconds = runs * steps / rate / max(1, workers or 1)
    where = f"on {workers} worker{'' if workers == 1 else 's'}" if workers else "per worker"
    about = "" if seconds < 1 else "about "
    text = (f"{about}{_fmt_eta(seconds)} {where} (this workspace's runs of {label}: "
            f"{rate:,.0f} steps/s)")
    if _settles(model):  # a Schelling run of 1,000 steps is often over after 10
        text = f"at most {text}; its runs end sooner once they settle"
    return text


def _settles(model: str) -> bool:
    try:
        return get_model(model).settles
    except UnknownModelError:
        return False


class NewExperimentDialog(QDialog):
    def __init__(self, text: str, parent: QWidget | None = None, rates: dict[str, float] | None = None):
        super().__init__(parent)
        self.rates = rates or {}
        self.setObjectName("new_experiment_dialog")
        self.setWindowTitle("New Experiment")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.editor = QPlainTextEdit(text)
        self.editor.setObjectName("experiment_spec_editor")
        self.backend = QComboBox()
        self.backend.setObjectName("experiment_backend")
        for key, label in BACKENDS:
            self.backend.addItem(label, key)
        self.workers = QSpinBox()
        self.workers.setObjectName("experiment_workers")
        self.workers.setRange(1, 4 * (os.cpu_count() or 1))
        self.workers.setValue(os.cpu_count() or 1)
        self.address = QLineEdit()
        self.address.setObjectName("experiment_scheduler")
        self.address.setPlaceholderText("tcp://host:8786")
        self.preview = QLabel()
        self.preview.setObjectName("experiment_preview")
        self.preview.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.start_button = buttons.addButton("Start", QDialogButtonBox.ButtonRole.AcceptRole)
        self.start_button.setObjectName("experiment_start")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Backend", self.backend)
        form.addRow("Workers", self.workers)
        form.addRow("Scheduler", self.address)
        self.design = DesignForm()
        yaml_tab = QWidget()
        yaml_layout = QVBoxLayout(yaml_tab)
        yaml_layout.addWidget(QLabel("The experiment's specification (see the README's Experiments section); "
                                     "the Design tab edits the same text"))
        yaml_layout.addWidget(self.editor, 1)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("experiment_spec_tabs")
        self.tabs.addTab(self.design, "Design")
        self.tabs.addTab(yaml_tab, "YAML")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(form)
        layout.addWidget(self.preview)
        layout.addWidget(buttons)
        self.resize(720, 620)
        self.spec = None
        self._writing = False  # the Design tab is writing the text: do not fill it back from it
        self._design_stale = False
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.update_preview)
        self.editor.textChanged.connect(self._text_changed)
        self.design.edited.connect(self._design_edited)
        self._load_design()
        self.backend.currentIndexChanged.connect(self._backend_changed)
        self.workers.valueChanged.connect(self._debounce.start)
        self._backend_changed()
        self.update_preview()

    def _parsed(self) -> dict | None:
        try:
            data = yaml.safe_load(self.editor.toPlainText())
        except yaml.YAMLError:
            return None
        return data if isinstance(data, dict) else None

    def _load_design(self) -> None:
        data = self._parsed()
        if data is not None:
            self.design.load(data)
        self._design_stale = False

    def _text_changed(self) -> None:
        if not self._writing:
            self._design_stale = True
        self._debounce.start()

    def _design_edited(self) -> None:
        data = self._parsed()
        if data is None:  # the text does not parse: the form cannot rewrite it without losing it
            self.preview.setText("<span style='color:#c0392b'>The YAML tab's text is not a valid "
                                 "specification: correct it there first</span>")
            return
        text = yaml.safe_dump(self.design.to_spec_dict(data), sort_keys=False, default_flow_style=None)
        self._writing = True
        try:
            self.editor.setPlainText(text)
        finally:
            self._writing = False

    def accept(self) -> None:
        self._debounce.stop()
        self.update_preview()  # what is started is what the dialog shows now
        if self.spec is not None:
            super().accept()

    def _backend_changed(self) -> None:
        self.address.setEnabled(self.backend.currentData() == "dask")
        self.workers.setEnabled(self.backend.currentData() != "dask")
        self._debounce.start()

    def update_preview(self) -> None:
        from farm_gui.config import ConfigError
        from farm_gui.experiments.designs import n_points
        from farm_gui.experiments.spec import spec_from_text

        if self._design_stale:
            self._load_design()
        try:
            spec = spec_from_text(self.editor.toPlainText(), "spec")
        except ConfigError as err:
            self.spec = None
            self.preview.setText(f"<span style='color:#c0392b'>{str(err).replace(chr(10), '<br>')}</span>")
            self.start_button.setEnabled(False)
            return
        self.spec = spec
        points = n_points(spec)
        steps = spec.steps or "the model's"
        runs = points * spec.replications
        workers = None if self.backend.currentData() == "dask" else self.workers.value()
        steps_each = int(spec.steps or _default_steps(spec.model))
        estimate = estimate_text(runs, steps_each, self.rates.get(spec.model), workers, spec.model)
        self.preview.setText(f"{_plural(runs, 'run')}: {_plural(points, 'design point')} x "
                             f"{_plural(spec.replications, 'replication')}, {steps} steps each; {estimate}")
        self.start_button.setEnabled(True)

    def make_backend(self):
        from farm_gui.experiments.backends import make_backend

        kind = self.backend.currentData()
        if kind == "dask":
            return make_backend(scheduler=self.address.text().strip() or None, dask=True)
        return make_backend(self.workers.value(), dask=kind == "dask-local")


def _default_steps(model: str) -> int:
    from farm_gui.core.registry import UnknownModelError, get_model

    try:
        return int(get_model(model).parameters().simulation_steps)
    except UnknownModelError:
        return 0


def _fmt_eta(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1:
        return "under 1 s"  # was "0 s": as if nothing were left to do
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class ExperimentsPanel(QWidget):
    def __init__(self, window: Any):
        super().__init__(window)
        self.setObjectName("experiments_panel")
        self.window_ = window
        self.jobs: dict[int, ExperimentJob] = {}
        self.infos: dict[int, Any] = {}
        self._listed_store: Any = None  # the workspace whose experiments are listed
        self._to_select: int | None = None  # an experiment to select once it is listed
        self.charts: Any = None  # the ExperimentCharts of the selected experiment (install sets it)
        self.charts_dock: Any = None
        self.closed = False  # the window is closing: no more refreshes
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("experiments_table")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()  # the Id column numbers the experiments
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.buttons = {}
        row = QHBoxLayout()
        for name, label, slot in (("pause", "Pause", self.pause), ("resume", "Resume", self.resume),
                                  ("cancel", "Cancel", self.cancel),
                                  ("continue", "Resume Experiment", self.continue_selected)):
            button = QPushButton(label)
            button.setObjectName(f"experiment_{name}")
            button.clicked.connect(slot)
            row.addWidget(button)
            self.buttons[name] = button
        self.buttons["export"] = ExperimentExportButton(self)
        row.addWidget(self.buttons["export"])
        analyse = QPushButton("Analyse...")
        analyse.setObjectName("experiment_analyse")
        analyse.setToolTip("Tick the selected experiment's finished runs in the Analysis panel, "
                           "with the module that fits its design (comparison per design point, "
                           "or Sobol sensitivity)")
        analyse.clicked.connect(self.analyse_selected)
        row.addWidget(analyse)
        self.buttons["analyse"] = analyse
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.table)
        layout.addLayout(row)
        self.timer = QTimer(self)
        self.timer.setInterval(500)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self._update_buttons()

    # ----- data ---------------------------------------------------------------------
    async def reload(self) -> None:
        store = self.window_.store
        if store is None:
            return
        infos = await run_blocking(store.list_experiments)
        if self.closed:
            return
        self.infos = {i.id: i for i in infos}
        self.refresh()

    def rows(self) -> list[tuple]:
        out = []
        for eid in sorted(set(self.infos) | set(self.jobs), reverse=True):
            info, job = self.infos.get(eid), self.jobs.get(eid)
            p = job.progress if job is not None else None
            if job is not None and job.alive and p is not None:
                status = "paused" if p.paused else "running"
                out.append((eid, info.name if info else "", status, f"{p.finished}/{p.total}", p.failed,
                            p.running, p.queued, f"{p.rate:.2f}", _fmt_eta(p.eta_s)))
            elif info is not None:
                out.append((eid, info.name, info.status, f"{info.runs_done}/{info.runs_total}",
                            info.runs_failed, 0, info.runs_queued, "-", "-"))
        return out

    def refresh(self) -> None:
        if self.closed:
            return
        if self.window_.store is not self._listed_store:
            self._listed_store = self.window_.store
            self.infos = {}
            spawn(self.reload())
        ended = [eid for eid, job in self.jobs.items() if not job.alive]
        for eid in ended:
            job = self.jobs.pop(eid)
            if job.error:
                show_warning(self.window_, "Experiment", f"Experiment {eid} stopped: {job.error}")
        if ended:
            spawn(self._after_end())
        rows = self.rows()
        if self.table.rowCount() != len(rows):
            self.table.setRowCount(len(rows))
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                text = str(value)
                item = self.table.item(r, c)
                if item is None:
                    self.table.setItem(r, c, QTableWidgetItem(text))
                elif item.text() != text:
                    item.setText(text)
        if self._to_select is not None:
            self.select_experiment(self._to_select)
        self._follow()
        self._update_buttons()

    def _update_buttons(self) -> None:
        """Offer what applies to the selected experiment (or the only one running)."""
        job = self._job()
        running = job is not None and job.alive
        paused = running and job.control.paused
        eid = self.selected_id()
        info = self.infos.get(eid) if eid is not None else None
        resumable = info is not None and eid not in self.jobs and info.status in RESUMABLE
        finished = info is not None and info.runs_finished > 0
        for name, enabled in (("pause", running and not paused), ("resume", paused), ("cancel", running),
                              ("continue", resumable), ("export", eid is not None), ("analyse", finished)):
            self.buttons[name].setEnabled(bool(enabled))

    def analyse_selected(self) -> None:
        """The selected experiment's finished runs ticked in the Analysis panel, which is
        shown with the module that fits the design: Sobol sensitivity for a Sobol design,
        otherwise the comparison (one group per design point)."""
        eid = self.selected_id()
        info = self.infos.get(eid) if eid is not None else None
        store = self.window_.store
        if info is None or store is None or getattr(self.window_, "analysis_panel", None) is None:
            return
        spawn(self._analyse(store, eid, info),
              lambda err: show_warning(self.window_, "Experiment", f"Cannot analyse experiment {eid}: {err}"))

    async def _analyse(self, store: Any, eid: int, info: Any) -> None:
        runs = await run_blocking(store.experiment_runs, eid, "finished")
        ids = [r.run_id for r in runs if r.run_id is not None]
        panel = self.window_.analysis_panel
        if store is not self.window_.store or not ids:
            return
        panel.check_runs_when_listed(ids)
        panel.set_module("sensitivity" if info.design == "sobol" else "comparison")
        dock = self.window_.docks["analysis"]
        dock.show()
        dock.raise_()
        panel.say(f"Experiment {eid}: its {len(ids)} finished run{'' if len(ids) == 1 else 's'} ticked; "
                  "set the parameters (e.g. outcome=...) and press Run Analysis.")

    def done_count(self, experiment_id: int) -> int | None:
        """Runs of the experiment with a stored result (finished or failed), as known now:
        its job's latest progress while it runs, else the workspace's count."""
        job, info = self.jobs.get(experiment_id), self.infos.get(experiment_id)
        if job is not None and job.progress is not None:
            return job.progress.finished
        return info.runs_done if info is not None else None

    def _follow(self) -> None:
        """Keep the charts on the selected experiment; they read only when runs were added."""
        if self.charts is None:
            return
        eid = self.selected_id()
        info = self.infos.get(eid) if eid is not None else None
        if info is None:  # not listed yet (just started): wait for the list
            self.charts.follow(None, None, None)
            return
        self.charts.follow(eid, info.model, self.done_count(eid), info.name)

    def _selection_changed(self) -> None:
        if self.selected_id() is not None and self.charts_dock is not None:
            self.charts_dock.show()
            self.charts_dock.raise_()
        self._follow()
        self._update_buttons()

    def select_experiment(self, experiment_id: int) -> None:
        """Select it now, or as soon as the list shows it (a loaded machine listed the
        workspace's experiments before the one just started had reported anything)."""
        self._to_select = experiment_id
        for r in range(self.table.rowCount()):
            item = self.table.item(r, 0)
            if item is not None and item.text() == str(experiment_id):
                self._to_select = None
                self.table.selectRow(r)
                return

    async def _after_end(self) -> None:
        await self.reload()
        await self.window_.refresh_runs_async()

    def selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return int(self.table.item(rows[0].row(), 0).text())

    # ----- actions ------------------------------------------------------------------
    def _job(self) -> ExperimentJob | None:
        eid = self.selected_id()
        if eid is None and len(self.jobs) == 1:
            eid = next(iter(self.jobs))
        return self.jobs.get(eid) if eid is not None else None

    def pause(self) -> None:
        if (job := self._job()) is not None:
            job.control.pause()
        self._update_buttons()

    def resume(self) -> None:
        if (job := self._job()) is not None:
            job.control.resume()
        self._update_buttons()

    def cancel(self) -> None:
        if (job := self._job()) is not None:
            job.control.stop()
        self._update_buttons()

    def continue_selected(self) -> None:
        eid = self.selected_id()
        info = self.infos.get(eid) if eid is not None else None
        if info is None or eid in self.jobs or info.status not in RESUMABLE:
            return
        from farm_gui.experiments.backends import make_backend

        self.start_job(eid, make_backend())

    def start_job(self, experiment_id: int, backend) -> None:
        if self.closed or self.window_.store is None:  # closed while it was being recorded: it
            return  # stays queued, and Resume Experiment runs it
        job = ExperimentJob(self.window_.store, experiment_id, backend)
        self.jobs[experiment_id] = job
        job.start()
        spawn(self._reload_and_select(experiment_id))

    async def _reload_and_select(self, experiment_id: int) -> None:
        """List the experiment just started and select it: its charts fill as runs finish."""
        await self.reload()
        if not self.closed:
            self.select_experiment(experiment_id)

    async def create_and_start(self, spec, backend) -> None:
        from farm_gui.experiments.runner import create_experiment

        store = self.window_.store
        if store is None or spec is None:
            return
        try:
            experiment_id = await run_blocking(create_experiment, store, spec)
        except Exception as err:  # noqa: BLE001 - the store's message, in front of the user
            if not self.closed:
                show_warning(self.window_, "New Experiment", str(err))
            return
        self.start_job(experiment_id, backend)

    def open_dialog(self) -> None:
        from farm_gui.experiments.backends import start_fork_server

        dialog = NewExperimentDialog(spec_from_form(self.window_), self.window_,
                                     step_rates(self.window_.run_table.table_model.rows))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # read the dialog now: it is deleted when it closes
        dialog.accepted.connect(lambda: spawn(self.create_and_start(dialog.spec, dialog.make_backend())))
        self.dialog = dialog
        dialog.open()
        # while the user fills in the dialog, the workers' fork server starts and warms up
        spawn(run_blocking(start_fork_server), lambda err: log.warning("starting the fork server: %s", err))

    def stop_all(self, timeout: float = 5.0) -> None:
        """At close: cancel the experiments (what finished is kept, resumable) and stop
        refreshing (the window takes its widgets and workspace away next)."""
        self.closed = True
        self.timer.stop()
        if self.charts is not None:
            self.charts.shut()
        for job in list(self.jobs.values()):
            job.control.stop()
        for job in list(self.jobs.values()):
            job.stop(timeout)


def install(window: Any) -> ExperimentsPanel:
    """Add the panel (a tab beside the run list), its charts (a tab beside the world view,
    where there is height for two charts), Run > New Experiment..., and View entries."""
    from farm_gui.ui.experiments.experiment_charts import ExperimentCharts

    panel = ExperimentsPanel(window)
    dock = window._add_dock("experiments", "Experiments", panel, "bottom")
    window.tabifyDockWidget(window.docks["runs"], dock)
    window.docks["runs"].raise_()
    panel.charts = ExperimentCharts(lambda: window.store, window)
    panel.charts_dock = window._add_dock("experiment_charts", "Experiment Charts", panel.charts, "right")
    window.tabifyDockWidget(window.docks["world"], panel.charts_dock)
    window.docks["world"].raise_()
    view = window.actions.view_menu
    after_docks = window.findChild(QAction, "action_show_toolbar")  # the View menu's docks end there
    for d in (dock, panel.charts_dock):
        toggle = d.toggleViewAction()
        toggle.setObjectName(f"action_show_{d.objectName().removeprefix('dock_')}")
        view.insertAction(after_docks, toggle) if after_docks is not None else view.addAction(toggle)
    action = QAction("New E&xperiment...", window)
    action.setObjectName("action_new_experiment")
    action.setStatusTip("Run a parameter sweep or replications of the form's parameters")
    action.triggered.connect(lambda _checked=False: (dock.show(), dock.raise_(), panel.open_dialog()))
    menu = window.menuBar().findChild(QMenu, "menu_run")
    if menu is not None:
        menu.addSeparator()
        menu.addAction(action)
    window.addAction(action)
    window.actions_new_experiment = action
    return panel
