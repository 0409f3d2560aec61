"""Analysis > Clean Up...: remove old analysis results with a preview and a confirmation,
and the optional automatic clean-up when a workspace opens (off by default).

The criteria are those of ``farm-gui analyses prune``: older than N days, statuses,
keep the N newest of those matched. The preview and the removal run off the GUI
thread (``Store.prune_analyses``, one transaction). Criteria and the automatic
setting are kept in QSettings under ``analysis/cleanup/``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from farm_gui.runtime.aio import run_blocking, spawn
from farm_gui.store import StoreError
from farm_gui.store.analyses_table import ANALYSIS_STATUSES
from farm_gui.ui.analysis.analysis_history import human_bytes
from farm_gui.ui.widgets.confirm import ask

KEY = "analysis/cleanup/"
DEFAULTS: dict[str, Any] = {"use_age": True, "days": 30, "statuses": "failed,stopped", "use_keep": False,
                            "keep": 20, "auto": False}


def load_settings(qsettings: Any) -> dict[str, Any]:
    values = dict(DEFAULTS)
    if qsettings is None:
        return values
    for name, default in DEFAULTS.items():
        raw = qsettings.value(KEY + name, default)
        if isinstance(default, bool):
            values[name] = raw if isinstance(raw, bool) else str(raw).lower() in ("true", "1", "yes")
        elif isinstance(default, int):
            try:
                values[name] = int(raw)
            except (TypeError, ValueError):
                values[name] = default
        else:
            values[name] = str(raw)
    return values


def save_settings(qsettings: Any, values: dict[str, Any]) -> None:
    if qsettings is not None:
        for name, value in values.items():
            qsettings.setValue(KEY + name, value)


def criteria(values: dict[str, Any]) -> dict[str, Any]:
    """``Store.prune_analyses`` arguments from the settings."""
    statuses = [s for s in str(values["statuses"]).split(",") if s in ANALYSIS_STATUSES]
    return {"older_than": timedelta(days=int(values["days"])) if values["use_age"] else None,
            "statuses": statuses or list(ANALYSIS_STATUSES),
            "keep_last": int(values["keep"]) if values["use_keep"] else None}


class CleanupDialog(QDialog):
    """objectName ``analysis_cleanup_dialog``; emits ``removed`` with the deleted analysis ids."""

    removed = Signal(list)

    def __init__(self, store: Any, qsettings: Any = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("analysis_cleanup_dialog")
        self.setWindowTitle("Clean Up Analyses")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.store = store
        self.qsettings = qsettings
        self.plan = None
        self._generation = 0
        values = load_settings(qsettings)

        self.age_check = QCheckBox("Older than")
        self.age_check.setObjectName("cleanup_use_age")
        self.age_check.setChecked(values["use_age"])
        self.days_spin = QSpinBox()
        self.days_spin.setObjectName("cleanup_days")
        self.days_spin.setRange(0, 3650)
        self.days_spin.setSuffix(" days")
        self.days_spin.setValue(values["days"])
        chosen = set(values["statuses"].split(","))
        self.status_checks = {}
        for status in ANALYSIS_STATUSES:
            box = QCheckBox(status)
            box.setObjectName(f"cleanup_status_{status}")
            box.setChecked(status in chosen)
            self.status_checks[status] = box
        self.keep_check = QCheckBox("but keep the newest")
        self.keep_check.setObjectName("cleanup_use_keep")
        self.keep_check.setChecked(values["use_keep"])
        self.keep_spin = QSpinBox()
        self.keep_spin.setObjectName("cleanup_keep")
        self.keep_spin.setRange(0, 100000)
        self.keep_spin.setValue(values["keep"])
        self.auto_check = QCheckBox("Clean up like this automatically whenever a workspace opens")
        self.auto_check.setObjectName("cleanup_auto")
        self.auto_check.setChecked(values["auto"])

        self.preview = QTableWidget(0, 5)
        self.preview.setObjectName("cleanup_preview")
        self.preview.setHorizontalHeaderLabels(["Id", "Module", "Runs", "Status", "Created"])
        self.preview.verticalHeader().setVisible(False)
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.preview.horizontalHeader().setStretchLastSection(True)
        self.summary = QLabel("")
        self.summary.setObjectName("cleanup_summary")
        self.summary.setWordWrap(True)
        self.result_label = QLabel("")
        self.result_label.setObjectName("cleanup_result")

        grid = QGridLayout()
        grid.addWidget(self.age_check, 0, 0)
        grid.addWidget(self.days_spin, 0, 1)
        statuses = QHBoxLayout()
        statuses.addWidget(QLabel("with status"))
        for box in self.status_checks.values():
            statuses.addWidget(box)
        statuses.addStretch(1)
        grid.addLayout(statuses, 1, 0, 1, 3)
        grid.addWidget(self.keep_check, 2, 0)
        grid.addWidget(self.keep_spin, 2, 1)
        buttons = QDialogButtonBox()
        self.remove_button = QPushButton("Remove")
        self.remove_button.setObjectName("cleanup_remove")
        buttons.addButton(self.remove_button, QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.close_and_save)
        self.remove_button.clicked.connect(self.confirm_remove)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Remove stored analysis results that are:"))
        layout.addLayout(grid)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.result_label)
        layout.addWidget(self.auto_check)
        layout.addWidget(buttons)
        self.resize(620, 440)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self.refresh_preview)
        for widget in (self.age_check, self.keep_check, *self.status_checks.values()):
            widget.toggled.connect(lambda _on: self._debounce.start())
        for spin in (self.days_spin, self.keep_spin):
            spin.valueChanged.connect(lambda _v: self._debounce.start())
        self.refresh_preview()

    def values(self) -> dict[str, Any]:
        return {"use_age": self.age_check.isChecked(), "days": self.days_spin.value(),
                "statuses": ",".join(s for s, box in self.status_checks.items() if box.isChecked()),
                "use_keep": self.keep_check.isChecked(), "keep": self.keep_spin.value(),
                "auto": self.auto_check.isChecked()}

    def close_and_save(self) -> None:
        save_settings(self.qsettings, self.values())
        self.close()

    # ----- preview ----------------------------------------------------------------------------
    def refresh_preview(self) -> None:
        self._generation += 1
        self.remove_button.setEnabled(False)
        self.summary.setText("Looking…")
        spawn(self._preview_async(self._generation), lambda err: self.summary.setText(str(err)))

    async def _preview_async(self, generation: int) -> None:
        try:
            plan = await run_blocking(self.store.prune_analyses, **criteria(self.values()), dry_run=True)
            present = await run_blocking(self.store.run_ids_present)
        except StoreError as err:
            self.summary.setText(str(err))
            return
        if generation != self._generation:
            return  # the criteria changed meanwhile; the newer preview shows
        self.plan = plan
        self.preview.setRowCount(len(plan.remove))
        for i, a in enumerate(plan.remove):
            runs = ", ".join(f"{r}" if r in present else f"{r} (deleted)" for r in a.run_ids)
            created = a.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
            cells = (str(a.id), a.module, runs, a.status, created)
            for col, text in enumerate(cells):
                self.preview.setItem(i, col, QTableWidgetItem(text))
        n = len(plan.remove)
        self.summary.setText(f"{n} analys{'is' if n == 1 else 'es'} would be removed, freeing "
                             f"{human_bytes(plan.size_bytes)} of stored results." if n else
                             "Nothing matches: nothing would be removed.")
        self.remove_button.setEnabled(n > 0)
        self.remove_button.setText(f"Remove {n}..." if n else "Remove")

    # ----- removing -----------------------------------------------------------------------------
    def confirm_remove(self) -> None:
        if not self.plan or not self.plan.remove:
            return
        n = len(self.plan.remove)
        ask(self, "Remove Analyses", f"Remove {n} analys{'is' if n == 1 else 'es'} "
            f"({human_bytes(self.plan.size_bytes)})?", lambda _ticked: spawn(self._remove_async()),
            object_name="cleanup_confirm_box", yes_text="Remove", detail="This cannot be undone.")

    async def _remove_async(self) -> None:
        save_settings(self.qsettings, self.values())
        try:
            plan = await run_blocking(self.store.prune_analyses, **criteria(self.values()))
        except StoreError as err:
            self.summary.setText(f"Nothing was removed: {err}")
            return
        self.removed.emit(plan.ids)
        self.result_label.setText(f"Removed {len(plan.ids)} analys{'is' if len(plan.ids) == 1 else 'es'}, "
                                  f"freeing {human_bytes(plan.size_bytes)}.")
        self.refresh_preview()
