"""The line style of each overlaid run, told once under the charts: with several runs a
chart's legend names its curves by colour only (a legend entry per run and curve covered
most of a small chart)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

SAMPLE_WIDTH, SAMPLE_HEIGHT = 36, 12


class RunKey(QWidget):
    """"Runs:" then a line sample and the name of each run (objectName ``chart_run_key``)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("chart_run_key")
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.setSpacing(6)
        self.entries: list[tuple[str, Qt.PenStyle]] = []
        self.hide()

    def set_runs(self, entries: list[tuple[str, Qt.PenStyle]]) -> None:
        """(run name, line style) of each run shown; hidden for fewer than two."""
        self.entries = list(entries)
        while self.row.count():
            widget = self.row.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        if len(entries) < 2:
            self.hide()
            return
        self.row.addWidget(QLabel("Runs:"))
        color = self.palette().color(QPalette.ColorRole.WindowText)
        for name, style in entries:
            sample = QLabel()
            sample.setPixmap(self._sample(color, style))
            sample.setToolTip(f"{name}: its curves are drawn like this")
            label = QLabel(name)
            label.setObjectName("chart_run_key_name")
            self.row.addWidget(sample)
            self.row.addWidget(label)
            self.row.addSpacing(8)
        self.row.addStretch(1)
        self.show()

    def _sample(self, color, style: Qt.PenStyle) -> QPixmap:
        ratio = self.devicePixelRatioF()
        pixmap = QPixmap(int(SAMPLE_WIDTH * ratio), int(SAMPLE_HEIGHT * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        pen = QPen(color, 1.5, style)
        painter.setPen(pen)
        painter.drawLine(QPointF(0, SAMPLE_HEIGHT / 2), QPointF(SAMPLE_WIDTH, SAMPLE_HEIGHT / 2))
        painter.end()
        return pixmap
