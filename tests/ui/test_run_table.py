"""The run table updates rows in place: a run that changes, starts or ends does not reset
the table (a reset repainted every row and made the selection and the Analysis panel's
run list start over)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from PySide6.QtCore import Qt

from farm_gui.ui.widgets.run_table import STATUS_COLORS, RunRow, RunTable

from .conftest import WAIT_MS, start_and_get_run, wait_final


def _row(run_id: int, status: str = "finished", steps: int = 10, error: str | None = None) -> RunRow:
    return RunRow(run_id, f"run {run_id}", status, steps, 100, 30, 12.5,
                  datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), 65.0, error, model="foraging")


class Signals:
    """Which of the model's change signals were emitted, in order."""

    def __init__(self, model):
        self.seen: list[str] = []
        self.changed_rows: list[tuple[int, int]] = []
        model.modelReset.connect(lambda: self.seen.append("reset"))
        model.rowsInserted.connect(lambda _p, first, last: self.seen.append(f"inserted {first}-{last}"))
        model.rowsRemoved.connect(lambda _p, first, last: self.seen.append(f"removed {first}-{last}"))
        model.dataChanged.connect(self._changed)

    def _changed(self, top_left, bottom_right, *_roles) -> None:
        self.seen.append("changed")
        self.changed_rows.append((top_left.row(), bottom_right.row()))


def _texts(table: RunTable, row: int) -> list[str]:
    model = table.table_model
    return [model.index(row, col).data() for col in range(model.columnCount())]


def test_a_changed_row_is_updated_not_reset(qtbot):
    table = RunTable()
    qtbot.addWidget(table)
    table.set_rows([_row(3), _row(2, "running", 5), _row(1)])
    table.select_ids([2])
    signals = Signals(table.table_model)

    table.set_rows([_row(3), _row(2, "running", 7), _row(1)])
    assert signals.seen == ["changed"] and signals.changed_rows == [(1, 1)]
    assert _texts(table, 1)[2] == "7 / 100"

    table.table_model.update_row(_row(2, "failed", 7, error="boom"))
    assert signals.seen == ["changed", "changed"]
    index = table.table_model.index(1, 1)
    assert index.data() == "failed"
    assert index.data(Qt.ItemDataRole.ForegroundRole).color().name() == STATUS_COLORS["failed"]
    assert index.data(Qt.ItemDataRole.ToolTipRole) == "boom"

    table.set_rows([_row(3), _row(2, "failed", 7, error="boom"), _row(1)])  # nothing changed
    assert signals.seen == ["changed", "changed"]
    assert table.selected_ids() == [2]


def test_runs_added_and_removed_are_inserted_and_removed(qtbot):
    table = RunTable()
    qtbot.addWidget(table)
    table.set_rows([_row(2), _row(1, "running")])
    table.select_ids([1])
    signals = Signals(table.table_model)

    table.set_rows([_row(4, "running"), _row(3), _row(2), _row(1)])  # two new runs, newest first
    assert signals.seen == ["inserted 0-0", "inserted 1-1", "changed"]  # run 1 ended too
    assert [r.run_id for r in table.table_model.rows] == [4, 3, 2, 1]
    assert [_texts(table, r)[0] for r in range(4)] == ["run 4", "run 3", "run 2", "run 1"]
    assert table.selected_ids() == [1]  # the selection stays with its run

    signals.seen.clear()
    table.set_rows([_row(4), _row(1, "stopped")])  # runs 3 and 2 deleted, the others changed
    assert signals.seen == ["removed 2-2", "removed 1-1", "changed", "changed"]
    assert [_texts(table, r)[:2] for r in range(2)] == [["run 4", "finished"], ["run 1", "stopped"]]
    assert table.table_model.index(1, 0).data(Qt.ItemDataRole.UserRole) == 1

    signals.seen.clear()
    table.set_rows([_row(1), _row(4)])  # another order: a reset
    assert signals.seen == ["reset"]
    assert [_texts(table, r)[0] for r in range(2)] == ["run 1", "run 4"]


def test_cells_show_what_the_row_says(qtbot):
    table = RunTable()
    qtbot.addWidget(table)
    row = replace(_row(7, "running", 1234), parent="run 2 @ 50", alive=None, steps_per_s=None)
    table.set_rows([row])
    texts = _texts(table, 0)
    assert texts[:5] == ["run 7", "running", "1,234 / 100", "", ""]
    assert texts[6] == "1:05" and texts[7] == "run 2 @ 50" and texts[8] == "Foraging ecology"
    model = table.table_model
    assert model.headerData(2, Qt.Orientation.Horizontal) == "Step / total"
    right = model.index(0, 2).data(Qt.ItemDataRole.TextAlignmentRole)
    assert Qt.AlignmentFlag(right) & Qt.AlignmentFlag.AlignRight
    assert model.index(0, 0).data(Qt.ItemDataRole.TextAlignmentRole) is None
    assert not model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable  # rename is in the menu


def test_starting_and_ending_runs_in_the_window_never_resets_the_table(qtbot, make_window):
    window = make_window(steps=30)
    first = start_and_get_run(qtbot, window)
    wait_final(qtbot, window, first)
    qtbot.waitUntil(lambda: window.run_table.table_model.rows[0].status == "finished", timeout=WAIT_MS)
    signals = Signals(window.run_table.table_model)

    second = start_and_get_run(qtbot, window)
    wait_final(qtbot, window, second)
    model = window.run_table.table_model
    qtbot.waitUntil(lambda: [(r.run_id, r.status) for r in model.rows]
                    == [(second.run_id, "finished"), (first.run_id, "finished")], timeout=WAIT_MS)
    assert "reset" not in signals.seen and "inserted 0-0" in signals.seen
    assert _texts(window.run_table, 0)[2] == "30 / 30"
    assert window.run_table.selected_ids() == [second.run_id]


def test_status_bar_progress_does_not_paint_the_window_at_once(qtbot, make_window):
    """QProgressBar.setValue repaints at once, and with it everything in the window waiting
    to be painted (a table whose rows changed, the charts), inside the slot that set it."""
    from PySide6.QtCore import QEvent, QObject

    from farm_gui.ui.main_window import set_progress

    window = make_window(steps=40)
    run = start_and_get_run(qtbot, window)
    wait_final(qtbot, window, run)
    qtbot.waitUntil(lambda: window.runs.primary_row() is not None
                    and window.runs.primary_row().status == "finished", timeout=WAIT_MS)

    class Paints(QObject):
        count = 0

        def eventFilter(self, obj, event):  # noqa: N802
            if event.type() == QEvent.Type.Paint:
                self.count += 1
            return False

    paints = Paints()
    for widget in (window.progress, window.run_table.viewport()):
        widget.installEventFilter(paints)
    set_progress(window.progress, 40, 0)  # as the status bar showed the run's start
    window.run_table.viewport().update()  # waits for the next paint
    paints.count = 0
    window.refresh_status()
    assert paints.count == 0
    assert window.progress.value() == window.progress.maximum() == 40
    qtbot.waitUntil(lambda: paints.count >= 2, timeout=WAIT_MS)  # painted with the window


def test_an_ended_run_reads_the_same_before_and_after_the_workspace_is_reopened(qtbot, make_window):
    """Steps/s and Duration of a run that ended are the store's figures (its running time,
    pauses left out), not the window's own clock from the click on Start: they read the same
    when the workspace is opened again (they differed up to sixfold for a short run)."""
    window = make_window(steps=40, speed=400.0)
    run = start_and_get_run(qtbot, window)
    wait_final(qtbot, window, run)
    model = window.run_table.table_model
    qtbot.waitUntil(lambda: model.rows[0].status == "finished", timeout=WAIT_MS)
    info = window.store.get_run(run.run_id)
    qtbot.waitUntil(lambda: _texts(window.run_table, 0)[4] == f"{info.steps_per_s:,.1f}", timeout=WAIT_MS)
    live = _texts(window.run_table, 0)
    window.close()

    again = make_window()  # the same workspace, opened anew
    qtbot.waitUntil(lambda: [r.run_id for r in again.run_table.table_model.rows] == [run.run_id],
                    timeout=WAIT_MS)
    reopened = _texts(again.run_table, 0)
    assert reopened[4] == live[4] and reopened[6] == live[6], (live, reopened)
