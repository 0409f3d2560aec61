"""The charts' hover read-out: one line per run shown, each elided to the width it has.

A QLabel asks its layout for the width of its longest line: hovering a chart with a
long read-out widened the window's minimum from 1,444 to ~1,810 pixels (off-screen)
and it never shrank back. This widget asks for no width at all and draws each line
cut with an ellipsis; the whole text is its tooltip. Its height is set for the number
of runs when they are bound, not when the mouse moves, so hovering re-lays out nothing.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFont, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

MARGIN = 2  # pixels above and below the lines


class ReadoutLabel(QWidget):
    """Lines of (bold lead, rest); objectName ``chart_readout``. ``text()`` is the full,
    uncut text (lines joined by newlines)."""

    def __init__(self, text: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("chart_readout")
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._lines: list[tuple[str, str]] = []
        self._rows = 1
        self.set_rows(1)
        self.set_lines([("", text)])

    # ---- content -----------------------------------------------------------------
    def set_rows(self, rows: int) -> None:
        """Reserve the height of ``rows`` lines (the runs bound)."""
        self._rows = max(1, rows)
        self.setFixedHeight(self._rows * self.fontMetrics().lineSpacing() + 2 * MARGIN)

    def set_lines(self, lines: list[tuple[str, str]]) -> None:
        self._lines = list(lines)
        self.setToolTip(self.text())
        self.update()

    def setText(self, text: str) -> None:  # noqa: N802 (QLabel-compatible)
        self.set_lines([("", line) for line in text.splitlines()] or [("", "")])

    def text(self) -> str:
        return "\n".join(f"{lead} {rest}".strip() for lead, rest in self._lines)

    def lines(self) -> list[str]:
        return [f"{lead} {rest}".strip() for lead, rest in self._lines]

    # ---- geometry and painting -------------------------------------------------------
    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return QSize(0, self.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return QSize(0, self.height())

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt API)
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        plain, bold = self.font(), QFont(self.font())
        bold.setBold(True)
        metrics, bold_metrics = self.fontMetrics(), painter.fontMetrics()
        spacing = metrics.lineSpacing()
        width = self.width()
        shown = self._lines[: self._rows] if len(self._lines) > self._rows else self._lines
        for i, (lead, rest) in enumerate(shown):
            y = MARGIN + i * spacing
            x = 0
            if lead:
                painter.setFont(bold)
                bold_metrics = painter.fontMetrics()
                lead_text = bold_metrics.elidedText(lead + " ", Qt.TextElideMode.ElideRight, width)
                painter.drawText(x, y, width, spacing, Qt.AlignmentFlag.AlignLeft, lead_text)
                x += bold_metrics.horizontalAdvance(lead_text)
            painter.setFont(plain)
            room = max(0, width - x)
            if room and rest:
                painter.drawText(x, y, room, spacing, Qt.AlignmentFlag.AlignLeft,
                                 metrics.elidedText(rest, Qt.TextElideMode.ElideRight, room))
        painter.end()
