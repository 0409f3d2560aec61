"""The world view's step label changes text with every world state shown without laying
out the world view, its dock and the main window again each time."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QLabel

from farm_gui.ui.world.world_view import WorldView


def wanted(text: str) -> int:
    """The width a label of its own would take for ``text``."""
    return QLabel(text).sizeHint().width()


class LayoutRequests(QObject):
    count = 0

    def eventFilter(self, _obj, event) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


def test_new_step_texts_ask_for_no_layout_and_are_shown_whole(qtbot):
    view = WorldView()
    qtbot.addWidget(view)
    view.resize(500, 500)
    view.show()
    qtbot.waitExposed(view)
    label = view.step_label
    label.setText("step 0, 1,000 agents")  # wider than "no run": the label grows once
    qtbot.wait(10)
    requests = LayoutRequests()
    view.installEventFilter(requests)
    for step in range(1, 40):
        label.setText(f"step {step}, {1000 + step:,} agents")
        qtbot.wait(1)
    assert requests.count == 0
    assert label.text() == "step 39, 1,039 agents" and label.width() >= wanted(label.text())

    long = "the stored world state of this step could not be read from the workspace file"
    label.setText(long)  # more room needed: the label grows
    qtbot.waitUntil(lambda: label.width() >= wanted(long) > 150, timeout=5000)
    label.setText("step 3")  # much less: it gives the room back
    qtbot.waitUntil(lambda: label.width() == 150, timeout=5000)
