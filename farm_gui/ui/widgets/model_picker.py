"""The model picker (objectName ``model_picker``): every model the registry found, by
label, above the parameter form; plug-ins that could not be loaded are reported once
(log, status bar and the picker's tooltip), and the window goes on with the others."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QWidget

from farm_gui.core import registry

log = logging.getLogger(__name__)


class ModelPicker(QComboBox):
    """Emits ``model_chosen(name)`` when the user picks a model (not when the form shows one)."""

    model_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("model_picker")
        self.broken_text: str | None = None  # the plug-ins that could not be loaded, reported
        self.reload()
        self.activated.connect(self._on_activated)

    def reload(self) -> None:
        """List the registry's models again (after a plug-in was registered or installed)."""
        current = self.current_model()
        self.blockSignals(True)
        try:
            self.clear()
            for name, spec in registry.models().items():
                self.addItem(spec.label, name)
                self.setItemData(self.count() - 1, f"{spec.name} {spec.version}: {spec.description}",
                                 Qt.ItemDataRole.ToolTipRole)
            if current is not None:
                self.show_model(current)
        finally:
            self.blockSignals(False)

    def names(self) -> list[str]:
        return [self.itemData(i) for i in range(self.count())]

    def current_model(self) -> str | None:
        return self.currentData() if self.count() else None

    def show_model(self, name: str) -> None:
        """Select ``name`` without announcing it as the user's choice."""
        if name not in self.names():
            self.reload_if_missing(name)
        index = self.findData(name)
        if index >= 0 and index != self.currentIndex():
            self.blockSignals(True)
            self.setCurrentIndex(index)
            self.blockSignals(False)

    def reload_if_missing(self, name: str) -> None:
        if name in registry.models() and name not in self.names():
            self.reload()

    def _on_activated(self, index: int) -> None:
        name = self.itemData(index)
        if name:
            self.model_chosen.emit(name)


def broken_models_text() -> str | None:
    """One line per plug-in that could not be loaded (name: reason), or None."""
    broken = registry.broken_models()
    if not broken:
        return None
    return "\n".join(f"{b.name} ({b.source}): {b.reason}" for b in broken)


def report_broken(picker: ModelPicker, status_bar) -> str | None:
    """Say, without blocking anything, which plug-ins could not be loaded and why: a status
    bar message naming them, the reasons in the picker's tooltip (and in the log, where the
    registry wrote them). Returns the text reported, or None."""
    text = broken_models_text()
    if text is None:
        return None
    names = ", ".join(b.name for b in registry.broken_models())
    status_bar.showMessage(f"Model plug-ins not available: {names} (see the model picker's tooltip)", 20000)
    picker.setToolTip(f"{picker.toolTip()}\n\nNot available:\n{text}".strip())
    picker.broken_text = text
    return text
