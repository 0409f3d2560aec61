"""The run table: every run of the workspace, with live columns for running ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

COLUMNS = ("Name", "Status", "Step / total", "Alive", "Steps/s", "Started", "Duration", "Parent", "Model")
STATUS_COLORS = {"running": "#2ca02c", "paused": "#e69f00", "failed": "#d62728", "interrupted": "#d62728",
                 "stopped": "#7f7f7f"}


@dataclass
class RunRow:
    run_id: int
    name: str
    status: str
    steps_done: int
    total_steps: int
    alive: int | None
    steps_per_s: float | None
    started_at: datetime | None
    duration_s: float | None
    error: str | None = None
    model: str = "foraging"
    parent: str = ""  # a fork's lineage: "run P @ step"

    @classmethod
    def from_info(cls, info) -> RunRow:
        parent_run = getattr(info, "parent_run", None)
        parent = "" if parent_run is None else f"run {parent_run} @ {info.parent_step}"
        return cls(info.id, info.name, info.status, info.steps_done, info.total_steps, info.last_alive,
                   info.steps_per_s, info.started_at, info.duration_s, info.error, info.model, parent)


def model_label(name: str) -> str:
    """A model's label as the picker shows it (its name, when it is not installed)."""
    from farm_gui.core.registry import models

    spec = models().get(name)
    return spec.label if spec is not None else name  # e.g. "agentfarm": an imported run


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class RunTableModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[RunRow] = []

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, col)
        if role == Qt.ItemDataRole.ForegroundRole and col == 1 and row.status in STATUS_COLORS:
            return QColor(STATUS_COLORS[row.status])
        if role == Qt.ItemDataRole.ToolTipRole and row.error:
            return row.error
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (2, 3, 4, 6):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return row.run_id
        return None

    @staticmethod
    def _text(row: RunRow, col: int) -> str:
        if col == 0:
            return row.name
        if col == 1:
            return row.status
        if col == 2:
            return f"{row.steps_done:,} / {row.total_steps:,}"
        if col == 3:
            return "" if row.alive is None else f"{row.alive:,}"
        if col == 4:
            return "" if not row.steps_per_s else f"{row.steps_per_s:,.1f}"
        if col == 5:
            return row.started_at.astimezone().strftime("%Y-%m-%d %H:%M:%S") if row.started_at else ""
        if col == 7:
            return row.parent
        if col == 8:
            return model_label(row.model)
        return _duration(row.duration_s)

    def set_rows(self, rows: list[RunRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def update_row(self, row: RunRow) -> None:
        for i, existing in enumerate(self.rows):
            if existing.run_id == row.run_id:
                self.rows[i] = row
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(COLUMNS) - 1))
                return

    def row_of(self, run_id: int) -> int | None:
        for i, row in enumerate(self.rows):
            if row.run_id == run_id:
                return i
        return None


class RunTable(QTableView):
    """objectName ``run_table``; emits the selected run ids (possibly several)."""

    selection_changed = Signal(list)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("run_table")
        self.table_model = RunTableModel(self)
        self.setModel(self.table_model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setAlternatingRowColors(True)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(22)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, width in enumerate((150, 80, 120, 70, 80, 140)):
            self.setColumnWidth(col, width)
        self.setToolTip("Select a run to show it; select several to compare their curves")
        self.selectionModel().selectionChanged.connect(self._emit_selection)
        self._restoring = False
        # Counts the selection changes made in the table (by the user or select_ids), not
        # those that only restore a selection across a refresh.
        self.selection_serial = 0

    def selected_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.selectionModel().selectedRows()})
        return [self.table_model.rows[r].run_id for r in rows if r < len(self.table_model.rows)]

    def _emit_selection(self, *args) -> None:
        if not self._restoring:
            self.selection_serial += 1
            self.selection_changed.emit(self.selected_ids())

    def set_rows(self, rows: list[RunRow], keep: list[int] | None = None) -> None:
        """Replace the rows, keeping the selection (``keep``: ids to select instead)."""
        wanted = keep if keep is not None else self.selected_ids()
        self._restoring = True
        try:
            self.table_model.set_rows(rows)
            self.select_ids(wanted, emit=False)
        finally:
            self._restoring = False
        if keep is not None:
            self.selection_changed.emit(self.selected_ids())

    def select_ids(self, run_ids: list[int], emit: bool = True) -> None:
        selection = QItemSelection()
        for run_id in run_ids:
            row = self.table_model.row_of(run_id)
            if row is not None:
                selection.select(self.table_model.index(row, 0),
                                 self.table_model.index(row, len(COLUMNS) - 1))
        previous = self._restoring
        self._restoring = not emit
        try:
            self.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        finally:
            self._restoring = previous
