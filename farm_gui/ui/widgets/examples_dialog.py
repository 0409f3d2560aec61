"""Help > Examples: the example configurations shipped in resources/examples (of any
model: a file's ``model:`` key picks it in the form).

A non-modal dialog lists them by title with their description; "Load into Form" reads
the chosen file (off the event loop) and fills the parameter form, "Open Folder" shows
the folder in the desktop's file manager, where the files can be copied and edited.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStatusBar,
    QVBoxLayout,
    QWidget,
)

from farm_gui import resources
from farm_gui.config import ConfigError
from farm_gui.config.model_files import load_params_file
from farm_gui.core.registry import UnknownModelError
from farm_gui.runtime.aio import run_blocking, spawn
from farm_gui.ui.widgets.config_form import ConfigForm

PATH_ROLE = Qt.ItemDataRole.UserRole


class ExamplesDialog(QDialog):
    """``config_form`` takes the example loaded; ``status_bar`` says so."""

    def __init__(self, parent: QWidget, config_form: ConfigForm, status_bar: QStatusBar,
                 show_error: Callable[[str, str], None]):
        super().__init__(parent)
        self.config_form = config_form
        self.status_bar = status_bar
        self.show_error = show_error
        self.setObjectName("examples_dialog")
        self.setWindowTitle("Example Configurations")
        self.resize(520, 360)
        self.folder = resources.examples_folder()

        self.list = QListWidget()
        self.list.setObjectName("examples_list")
        for example in resources.examples():
            item = QListWidgetItem(example.title)
            item.setData(PATH_ROLE, str(example.path))
            item.setToolTip(str(example.path))
            item.setData(Qt.ItemDataRole.StatusTipRole, example.description)
            self.list.addItem(item)
        self.description = QLabel()
        self.description.setObjectName("examples_description")
        self.description.setWordWrap(True)
        self.description.setMinimumHeight(60)
        self.description.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.load_button = QPushButton("&Load into Form")
        self.load_button.setObjectName("examples_load")
        self.folder_button = QPushButton("Open &Folder")
        self.folder_button.setObjectName("examples_open_folder")
        self.folder_button.setToolTip(str(self.folder))
        buttons.addButton(self.load_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.folder_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.load_button.clicked.connect(self.load_selected)
        self.folder_button.clicked.connect(self.open_folder)
        self.list.currentItemChanged.connect(self._show_description)
        self.list.itemDoubleClicked.connect(lambda _item: self.load_selected())

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Example configurations in {self.folder}:"))
        layout.addWidget(self.list, 1)
        layout.addWidget(self.description)
        layout.addWidget(buttons)
        if self.list.count():
            self.list.setCurrentRow(0)
        self._show_description(self.list.currentItem())

    def _show_description(self, item: QListWidgetItem | None) -> None:
        self.load_button.setEnabled(item is not None)
        self.description.setText(item.data(Qt.ItemDataRole.StatusTipRole) if item is not None else "")

    def selected_path(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else item.data(PATH_ROLE)

    def load_selected(self) -> None:
        path = self.selected_path()
        if path is not None:
            spawn(self._load(path), lambda err: self.show_error("Cannot load example", str(err)))

    async def _load(self, path: str) -> None:
        try:
            spec, params = await run_blocking(load_params_file, path)
        except (ConfigError, UnknownModelError) as err:
            self.show_error("Cannot load example", str(err))
            return
        self.config_form.set_model(spec.name, params)  # an example of another model picks it
        self.status_bar.showMessage(f"Loaded the example {path}", 5000)
        self.accept()

    def open_folder(self) -> bool:
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.folder)))


def show_examples(parent: QWidget, config_form: ConfigForm, status_bar: QStatusBar,
                  show_error: Callable[[str, str], None]) -> ExamplesDialog:
    dialog = ExamplesDialog(parent, config_form, status_bar, show_error)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
