"""The run table: every run of the workspace, with live columns for running ones."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from farm_gui.store.side_tables import READ_ONLY_LABELS
from farm_gui.ui.state import RunRow  # the row type lives with the window's Qt-free state

COLUMNS = ("Name", "Status", "Step / total", "Alive", "Steps/s", "Started", "Duration", "Parent", "Model")
STATUS_COLORS = {"running": "#2ca02c", "paused": "#e69f00", "failed": "#d62728", "interrupted": "#d62728",
                 "stopped": "#7f7f7f"}


def model_label(name: str) -> str:
    """A model's label as the picker shows it ("AgentFarm (imported)" for imported runs;
    its name, when it is not installed)."""
    from farm_gui.core.registry import models

    spec = models().get(name)
    return spec.label if spec is not None else READ_ONLY_LABELS.get(name, name)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_RIGHT_COLUMNS = frozenset((2, 3, 4, 6))
_STATUS_BRUSHES = {status: QBrush(QColor(color)) for status, color in STATUS_COLORS.items()}
_FLAGS = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled  # not editable


class RunTableModel(QStandardItemModel):
    """The rows of the run table (``rows``: the RunRow of each).

    The cells are QStandardItems: the view reads them in C++. A Python ``data()`` was
    called for every role of every visible cell at each repaint (~1,700 calls for 20
    rows: a repaint of the table took ~36 ms instead of ~14 ms). ``set_rows`` updates
    the rows in place when it can (a changed row, runs added or removed): a model reset
    repainted every row and made the view, its selection and the Analysis panel start
    over, each time a run started or ended."""

    rows_set = Signal()  # set_rows was called (the run list was reloaded), changed or not

    def __init__(self, parent=None):
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(list(COLUMNS))
        self.rows: list[RunRow] = []

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

    @classmethod
    def _items(cls, row: RunRow) -> list[QStandardItem]:
        items = []
        for col in range(len(COLUMNS)):
            item = QStandardItem(cls._text(row, col))
            item.setFlags(_FLAGS)
            item.setData(row.run_id, Qt.ItemDataRole.UserRole)
            if col in _RIGHT_COLUMNS:
                item.setTextAlignment(_RIGHT)
            if row.error:
                item.setToolTip(row.error)
            if col == 1 and row.status in _STATUS_BRUSHES:
                item.setForeground(_STATUS_BRUSHES[row.status])
            items.append(item)
        return items

    def set_rows(self, rows: list[RunRow]) -> None:
        """Show ``rows``. The same runs in the same order: only the rows that changed are
        updated (dataChanged); runs added or removed, the others kept in the same order:
        rows are inserted or removed; anything else (a new order): a model reset."""
        rows = list(rows)
        old_ids = [row.run_id for row in self.rows]
        new_ids = [row.run_id for row in rows]
        if old_ids != new_ids and not self._move_rows(old_ids, new_ids, rows):
            self.beginResetModel()
            blocked = self.blockSignals(True)  # the reset tells the views
            try:
                self.removeRows(0, self.rowCount())
                for i, row in enumerate(rows):
                    self.insertRow(i, self._items(row))
            finally:
                self.blockSignals(blocked)
            self.rows = rows
            self.endResetModel()
        else:
            for i, row in enumerate(rows):
                if self.rows[i] != row:
                    self._set_row(i, row)
        self.rows_set.emit()

    def _move_rows(self, old_ids: list[int], new_ids: list[int], rows: list[RunRow]) -> bool:
        """Remove the runs that are gone and insert the new ones, when the runs kept are
        in the same order in both (True); the rows kept still hold their old values."""
        new_set, old_set = set(new_ids), set(old_ids)
        if [i for i in old_ids if i in new_set] != [i for i in new_ids if i in old_set]:
            return False
        for i in range(len(old_ids) - 1, -1, -1):  # from the end: the rows before stay put
            if old_ids[i] not in new_set:
                del self.rows[i]
                self.removeRow(i)
        for i, row in enumerate(rows):
            if row.run_id not in old_set:
                self.rows.insert(i, row)
                self.insertRow(i, self._items(row))
        return True

    def _set_row(self, i: int, row: RunRow) -> None:
        """Set the cells of row ``i`` quietly, then tell the views once for the row."""
        old = self.rows[i]
        self.rows[i] = row
        blocked = self.blockSignals(True)
        try:
            for col in range(len(COLUMNS)):
                item = self.item(i, col)
                text = self._text(row, col)
                if item.text() != text:
                    item.setText(text)
                if row.run_id != old.run_id:
                    item.setData(row.run_id, Qt.ItemDataRole.UserRole)
                if row.error != old.error:
                    item.setToolTip(row.error or "")
            if row.status != old.status:
                brush = _STATUS_BRUSHES.get(row.status)
                self.item(i, 1).setData(brush, Qt.ItemDataRole.ForegroundRole)
        finally:
            self.blockSignals(blocked)
        self.dataChanged.emit(self.index(i, 0), self.index(i, len(COLUMNS) - 1))

    def update_row(self, row: RunRow) -> None:
        for i, existing in enumerate(self.rows):
            if existing.run_id == row.run_id:
                if existing != row:
                    self._set_row(i, row)
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
        # the name takes the room to spare: an experiment's runs differ only at its end
        # ("... p3 r1"), which a fixed-width column cut off while the model's had half the row
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(60)
        for col, width in enumerate((150, 80, 120, 70, 80, 140, 70, 70, 140)):
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
