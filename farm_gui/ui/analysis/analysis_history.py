"""The history view of the Analysis panel: statistics of the stored analyses (one line,
elided, details in its tooltip) above a collapsible row of filters (module, run,
status, date) that hide the jobs table's rows that do not match."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QVBoxLayout, QWidget
from superqt import QCollapsible, QElidingLabel, QSearchableComboBox

from farm_gui.runtime.analysis_jobs import AnalysisJob

ANY = "any"
STATUSES = ("finished", "failed", "stopped", "running", "paused", "queued")
DATES = (("any time", None), ("today", timedelta(days=1)), ("last 7 days", timedelta(days=7)),
         ("last 30 days", timedelta(days=30)), ("older than 30 days", -timedelta(days=30)))


def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "kB", "MB"):
        if size < 1000:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"


def stats_text(stats: dict | None) -> tuple[str, str]:
    """(one line, tooltip) for ``Store.analysis_stats()``."""
    if stats is None:
        return "Stored analyses: reading…", ""
    if not stats["total"]:
        return "No stored analyses yet.", ""
    by_status = " · ".join(f"{n} {s}" for s, n in sorted(stats["by_status"].items(), key=lambda kv: -kv[1]))
    mean = stats["mean_duration_s"]
    timing = f" · mean {mean:.1f} s" if mean is not None else ""
    line = f"{stats['total']} stored: {by_status}{timing} · {human_bytes(stats['size_bytes'])}"

    def when(d) -> str:
        return d.astimezone().strftime("%Y-%m-%d %H:%M") if d else "-"

    tip = "\n".join([f"By module: {', '.join(f'{m} {n}' for m, n in sorted(stats['by_module'].items()))}",
                     f"Total time: {stats['total_duration_s']:.1f} s",
                     f"Oldest: {when(stats['oldest'])}", f"Newest: {when(stats['newest'])}",
                     f"Space taken by results: {human_bytes(stats['size_bytes'])}"])
    return line, tip


class HistoryFilters(QWidget):
    """Emits ``changed`` when a filter changes; ``matches(job)`` says if a job is shown."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.stats_label = QElidingLabel("")
        self.stats_label.setObjectName("analysis_stats_label")
        self.stats_label.setElideMode(Qt.TextElideMode.ElideRight)
        self.module_filter = QSearchableComboBox()
        self.module_filter.setObjectName("analysis_filter_module")
        self.run_filter = QSearchableComboBox()
        self.run_filter.setObjectName("analysis_filter_run")
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("analysis_filter_status")
        self.status_filter.addItems([ANY, *STATUSES])
        self.date_filter = QComboBox()
        self.date_filter.setObjectName("analysis_filter_date")
        for text, span in DATES:
            self.date_filter.addItem(text, span)
        self.shown_label = QLabel("")
        self.shown_label.setObjectName("analysis_filter_shown")
        self._set_items(self.module_filter, [])
        self._set_items(self.run_filter, [])

        # two filters a row: four in one made the panel ~530 px wide at least, wider than
        # the dock on a laptop's screen
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        for i, (text, widget) in enumerate((("Module", self.module_filter), ("Run", self.run_filter),
                                            ("Status", self.status_filter), ("Date", self.date_filter))):
            grid.addWidget(QLabel(text), i // 2, 2 * (i % 2))
            grid.addWidget(widget, i // 2, 2 * (i % 2) + 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        inner = QWidget()
        inner_layout = QVBoxLayout(inner)
        inner_layout.setContentsMargins(0, 0, 0, 0)
        inner_layout.addLayout(grid)
        inner_layout.addWidget(self.shown_label)
        self.section = QCollapsible("Filter the history")
        self.section.setObjectName("analysis_history_filters")
        self.section.addWidget(inner)
        self.section.setDuration(0)  # no animation: it would only slow tests and screenshots
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stats_label)
        layout.addWidget(self.section)
        for combo in (self.module_filter, self.run_filter, self.status_filter, self.date_filter):
            combo.currentIndexChanged.connect(lambda _i: self.changed.emit())

    @staticmethod
    def _set_items(combo: QComboBox, values: list[str]) -> None:
        current = combo.currentText() or ANY
        combo.blockSignals(True)
        combo.clear()
        combo.addItems([ANY, *values])
        index = combo.findText(current)
        combo.setCurrentIndex(max(0, index))
        combo.blockSignals(False)

    def set_choices(self, modules: list[str], run_ids: list[int]) -> None:
        """The modules and runs offered (the current choice is kept where it still exists)."""
        self._set_items(self.module_filter, sorted(modules))
        self._set_items(self.run_filter, [str(r) for r in sorted(run_ids, reverse=True)])

    def set_stats(self, stats: dict | None) -> None:
        line, tip = stats_text(stats)
        self.stats_label.setText(line)
        self.stats_label.setToolTip(tip or line)

    def set_filter(self, module: str = ANY, run: int | str = ANY, status: str = ANY,
                   date: str = "any time") -> None:
        for combo, value in ((self.module_filter, module), (self.run_filter, str(run)),
                             (self.status_filter, status), (self.date_filter, date)):
            combo.setCurrentIndex(max(0, combo.findText(value)))

    def active(self) -> bool:
        return any(c.currentIndex() > 0 for c in (self.module_filter, self.run_filter, self.status_filter,
                                                   self.date_filter))

    def matches(self, job: AnalysisJob, now: datetime | None = None) -> bool:
        module, run, status = (self.module_filter.currentText(), self.run_filter.currentText(),
                               self.status_filter.currentText())
        if module not in ("", ANY) and job.module != module:
            return False
        if run not in ("", ANY) and int(run) not in job.run_ids:
            return False
        if status not in ("", ANY):
            shown = {"held": "queued"}.get(job.status, job.status)
            if shown != status:
                return False
        span = self.date_filter.currentData()
        if span is not None:
            when = job.queued_at
            age = (now or datetime.now(UTC)) - when
            if (span > timedelta(0) and age > span) or (span < timedelta(0) and age <= -span):
                return False
        return True
