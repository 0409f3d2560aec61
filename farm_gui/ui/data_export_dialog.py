"""File > Export > Run Data...: format, which tables, a step range (as the CLI's
``--steps A:B``) and the folder, for the runs selected in the run table."""

from __future__ import annotations

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
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from farm_gui.store.export import FORMATS, TABLES

MAX_STEP = 2_000_000_000


@dataclass(frozen=True)
class DataExportChoice:
    folder: str
    fmt: str
    tables: tuple[str, ...]
    steps: tuple[int | None, int | None] | None


class DataExportDialog(QDialog):
    def __init__(self, parent: QWidget, run_ids: list[int], settings=None):
        super().__init__(parent)
        self.setObjectName("data_export_dialog")
        self.setWindowTitle(f"Export {len(run_ids)} run(s)")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.settings = settings
        form = QFormLayout()
        self.format_box = QComboBox()
        self.format_box.setObjectName("export_format")
        self.format_box.addItems([f.upper() for f in FORMATS])
        form.addRow("Format", self.format_box)
        self.table_boxes: dict[str, QCheckBox] = {}
        tables = QVBoxLayout()
        for table in TABLES:
            box = QCheckBox(table.replace("_", " "))
            box.setObjectName(f"export_table_{table}")
            box.setChecked(True)
            box.toggled.connect(self._validate)
            tables.addWidget(box)
            self.table_boxes[table] = box
        form.addRow("Tables", tables)
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

    def problem(self) -> str | None:
        if not any(box.isChecked() for box in self.table_boxes.values()):
            return "Choose at least one table."
        if not self.all_steps.isChecked() and self.last_step.value() <= self.first_step.value():
            return "The step range is empty: 'to before' must be greater than 'from'."
        if not self.folder.text().strip():
            return "Choose a folder."
        return None

    def _validate(self, *_args) -> None:
        if not hasattr(self, "buttons"):  # still being built
            return
        problem = self.problem()
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(problem is None)
        ok.setToolTip(problem or "")

    def choice(self) -> DataExportChoice:
        steps = None if self.all_steps.isChecked() else (self.first_step.value(), self.last_step.value())
        return DataExportChoice(self.folder.text().strip(), self.format_box.currentText().lower(),
                                tuple(t for t, box in self.table_boxes.items() if box.isChecked()), steps)

    def _accept(self) -> None:
        if self.problem() is None:
            if self.settings is not None:
                self.settings.qsettings.setValue("export/folder", self.folder.text().strip())
            self.accept()
