"""A plot's key as a list under it (entries side by side, wrapped to its width): where a
legend inside the plot would cover its curves, as the long labels of design points do in
a narrow dock."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QSize, Qt, QTimer, Slot
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QListWidget, QSizePolicy

KEY_MAX_PX = 96  # the key's most height; more entries scroll


def swatch(color: str, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QIcon:
    """A filled square; a line sample for a dashed or dotted curve."""
    if style == Qt.PenStyle.SolidLine:
        pixmap = QPixmap(12, 12)
        pixmap.fill(QColor(color))
        return QIcon(pixmap)
    pixmap = QPixmap(24, 12)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setPen(QPen(QColor(color), 2, style))
    painter.drawLine(QPointF(0, 6), QPointF(24, 6))
    painter.end()
    return QIcon(pixmap)


class KeyList(QListWidget):
    """As tall as its entries need (wrapped to its width), up to KEY_MAX_PX; shown only
    with entries (an empty box sat under empty charts)."""

    def __init__(self) -> None:
        super().__init__()
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setFlow(QListWidget.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setSpacing(2)
        self.model().rowsInserted.connect(self.updateGeometry)
        self.model().rowsRemoved.connect(self.updateGeometry)
        self.model().dataChanged.connect(self.updateGeometry)  # a longer text may wrap to a new row
        for signal in (self.model().rowsInserted, self.model().rowsRemoved, self.model().modelReset):
            signal.connect(self._show_if_any)  # a method: disconnected when the key goes
        self.wanted = True  # False: kept hidden whatever it holds
        self.setVisible(False)

    @Slot()
    def _show_if_any(self) -> None:
        self.setVisible(self.wanted and self.count() > 0)

    def set_wanted(self, wanted: bool) -> None:
        self.wanted = wanted
        self._show_if_any()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        hint = super().sizeHint()
        frame = 2 * self.frameWidth()
        row = self.fontMetrics().height() + 2 * self.spacing() + 4
        rects = [self.visualItemRect(self.item(i)) for i in range(self.count())]
        bottom = max((r.bottom() + self.verticalOffset() for r in rects), default=row)
        if any(r.width() > self.viewport().width() for r in rects):  # a long entry scrolls sideways
            bottom += self.horizontalScrollBar().sizeHint().height()
        return QSize(hint.width(), min(KEY_MAX_PX, max(row, bottom + self.spacing() + 1) + frame))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt API): a scroll area's is 70 x 70
        return QSize(super().minimumSizeHint().width(), self.sizeHint().height())

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():  # entries wrap anew
            QTimer.singleShot(0, self.updateGeometry)
