"""File > Export > Run Data...: format, which tables, a step range (as the CLI's
``--steps A:B``) and the folder, for the runs selected in the run table.

The tables offered are the ones the selected runs have, as the store's export names
them: a foraging run's metrics, agent and node snapshots, action counts and agents; a
run of another model its metrics, one ``layer_<name>`` table per declared layer and,
when the model records births and deaths, agents. With runs of several models the
dialog offers the union, says next to each table which runs have it, and lists what
each run will get (a run that has none of the ticked tables is left out)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from farm_gui.store.export import FORMATS, TABLES, tables_of_model
from farm_gui.store.generic_export import LAYER_PREFIX
from farm_gui.store.model_tables import find_spec
from farm_gui.store.side_tables import READ_ONLY_LABELS
from farm_gui.ui.widgets import save_folder

MAX_STEP = 2_000_000_000
LISTED_IDS = 6  # run ids named in a label before "and N more"

TABLE_TIPS = {
    "metrics": "One row per step: the step's metrics.",
    "agent_snapshots": "One row per living agent per stored world snapshot.",
    "node_snapshots": "One row per resource node per stored world snapshot.",
    "action_counts": "One row per step, agent type and action.",
    "agents": "One row per agent: birth step, parent, generation, death step and cause.",
}


@dataclass(frozen=True)
class ExportRun:
    """A selected run as the dialog needs it (from the run table's row)."""

    run_id: int
    name: str
    model: str


@dataclass(frozen=True)
class DataExportChoice:
    folder: str
    fmt: str
    tables: tuple[str, ...]  # the ticked tables
    steps: tuple[int | None, int | None] | None
    per_run: dict[int, tuple[str, ...]]  # each exported run's files (table names)
    skipped: tuple[int, ...] = ()  # runs that have none of the ticked tables

    @property
    def run_ids(self) -> list[int]:
        return list(self.per_run)


def _id_list(ids: Sequence[int]) -> str:
    shown = ", ".join(str(i) for i in ids[:LISTED_IDS])
    more = f" and {len(ids) - LISTED_IDS} more" if len(ids) > LISTED_IDS else ""
    return f"run{'s' if len(ids) > 1 else ''} {shown}{more}"


def _model_label(model: str) -> str:
    spec = find_spec(model)
    return spec.label if spec is not None else READ_ONLY_LABELS.get(model, model)


def _table_label(table: str, models: Sequence[str]) -> tuple[str, str]:
    """A table's checkbox text and tooltip."""
    if not table.startswith(LAYER_PREFIX):
        return table.replace("_", " "), TABLE_TIPS.get(table, "")
    name = table[len(LAYER_PREFIX):]
    for model in models:
        spec = find_spec(model)
        layer = next((lay for lay in spec.layers if lay.name == name), None) if spec else None
        if layer is None:
            continue
        if layer.kind == "points":
            columns = ", ".join(("step", "point", "x", "y", *layer.fields))
            return (f"{name} layer ({layer.label})",
                    f"One row per point per stored world snapshot: {columns}.")
        return (f"{name} layer ({layer.label})",
                "One row per grid cell per stored world snapshot: step, row, col, value.")
    return f"{name} layer", ""


def _order(table: str) -> int:
    if table == "metrics":
        return 0
    if table in TABLES and table != "agents":
        return 1
    if table.startswith(LAYER_PREFIX):
        return 2
    return 3


class DataExportDialog(QDialog):
    def __init__(self, parent: QWidget, runs: Sequence[ExportRun], settings=None):
        super().__init__(parent)
        self.setObjectName("data_export_dialog")
        self.setWindowTitle(f"Export {len(runs)} run(s)")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.settings = settings
        self.runs = sorted(runs, key=lambda r: r.run_id)
        # what each run has, and so which runs each offered table applies to
        self.run_tables: dict[int, list[str]] = {r.run_id: tables_of_model(r.model) for r in self.runs}
        offered: list[str] = []
        for run in self.runs:
            offered += [t for t in self.run_tables[run.run_id] if t not in offered]
        offered.sort(key=_order)  # stable: metrics, foraging snapshots, layers, agents
        models = list(dict.fromkeys(r.model for r in self.runs))
        self.applies_to = {t: [r.run_id for r in self.runs if t in self.run_tables[r.run_id]]
                           for t in offered}
        form = QFormLayout()
        self.format_box = QComboBox()
        self.format_box.setObjectName("export_format")
        self.format_box.addItems([f.upper() for f in FORMATS])
        form.addRow("Format", self.format_box)
        self.table_boxes: dict[str, QCheckBox] = {}
        tables = QVBoxLayout()
        for table in offered:
            text, tip = _table_label(table, models)
            runs_with = self.applies_to[table]
            if len(runs_with) < len(self.runs):  # not every selected run has it: say which do
                owners = sorted({_model_label(r.model) for r in self.runs if r.run_id in runs_with})
                text += f"  ({', '.join(owners)}: {_id_list(runs_with)})"
            box = QCheckBox(text)
            box.setObjectName(f"export_table_{table}")
            box.setToolTip(tip)
            box.setChecked(True)
            box.toggled.connect(self._validate)
            tables.addWidget(box)
            self.table_boxes[table] = box
        form.addRow("Tables", tables)
        self.summary = QLabel()
        self.summary.setObjectName("export_summary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        form.addRow("Files", self.summary)
        self.all_steps = QCheckBox("All steps")
        self.all_steps.setObjectName("export_all_steps")
        self.all_steps.setChecked(True)
        self.first_step = QSpinBox()
        self.first_step.setObjectName("export_first_step")
        self.last_step = QSpinBox()
        self.last_step.setObjectName("export_stop_step")
        for box in (self.first_step, self.last_step):
            box.setRange(0, MAX_STEP)
            box.setEnabled(False)
            box.valueChanged.connect(self._validate)
        self.last_step.setValue(1000)
        self.last_step.setToolTip("The first step not exported (as --steps A:B)")
        self.all_steps.toggled.connect(lambda on: (self.first_step.setEnabled(not on),
                                                   self.last_step.setEnabled(not on), self._validate()))
        steps = QHBoxLayout()
        steps.addWidget(self.all_steps)
        steps.addWidget(self.first_step)
        steps.addWidget(self.last_step)
        form.addRow("Steps (from, to before)", steps)
        self.folder = QLineEdit()
        self.folder.setObjectName("export_folder")
        last = settings.qsettings.value("export/folder", "", type=str) if settings is not None else ""
        self.folder.setText(last)
        self.folder.textChanged.connect(self._validate)
        browse = QPushButton("Choose...")
        browse.clicked.connect(self._browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)
        form.addRow("Folder", folder_row)
        buttons = QDialogButtonBox.StandardButton
        self.buttons = QDialogButtonBox(buttons.Ok | buttons.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self._validate()

    def _browse(self) -> None:
        directory = QFileDialog.getExistingDirectory(self, "Export run data to folder", self.folder.text())
        if directory:
            self.folder.setText(directory)

    def ticked(self) -> tuple[str, ...]:
        return tuple(t for t, box in self.table_boxes.items() if box.isChecked())

    def per_run(self) -> dict[int, tuple[str, ...]]:
        """The files (table names) each run gets for the ticked tables; runs with none left out."""
        ticked = self.ticked()
        out = {}
        for run in self.runs:
            mine = tuple(t for t in self.run_tables[run.run_id] if t in ticked)
            if mine:
                out[run.run_id] = mine
        return out

    def summary_text(self) -> str:
        per_run = self.per_run()
        groups: dict[tuple[str, tuple[str, ...]], list[int]] = {}
        for run in self.runs:
            groups.setdefault((run.model, per_run.get(run.run_id, ())), []).append(run.run_id)
        lines = []
        for (model, files), ids in groups.items():
            what = (", ".join(files) + " and a metadata file" if files
                    else "none of the ticked tables: not exported")
            lines.append(f"{_model_label(model)} ({_id_list(ids)}): {what}")
        if len(lines) > 1:
            lines = [f"\u2022 {line}" for line in lines]
        return "\n".join(lines)

    def problem(self) -> str | None:
        if not self.ticked():
            return "Choose at least one table."
        if not self.per_run():
            return "None of the selected runs has any of the ticked tables."
        if not self.all_steps.isChecked() and self.last_step.value() <= self.first_step.value():
            return "The step range is empty: 'to before' must be greater than 'from'."
        if not self.folder.text().strip():
            return "Choose a folder."
        return None

    def _validate(self, *_args) -> None:
        if not hasattr(self, "buttons"):  # still being built
            return
        self.summary.setText(self.summary_text())
        problem = self.problem()
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(problem is None)
        ok.setToolTip(problem or "")

    def choice(self) -> DataExportChoice:
        steps = None if self.all_steps.isChecked() else (self.first_step.value(), self.last_step.value())
        per_run = self.per_run()
        skipped = tuple(r.run_id for r in self.runs if r.run_id not in per_run)
        return DataExportChoice(self.folder.text().strip(), self.format_box.currentText().lower(),
                                self.ticked(), steps, per_run, skipped)

    def _accept(self) -> None:
        if self.problem() is None:
            save_folder.remember(self.folder.text().strip())
            self.accept()
