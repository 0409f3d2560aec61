"""The parameter form, generated from the RunConfig schema.

Each pydantic field becomes a spin box (or a line edit when its bounds do not
fit a spin box) inside a group box named by the field's ``group`` extra; the
description becomes the tooltip, ge/le/gt bounds the spin box range. Every edit
re-validates the whole config with the schema, and ConfigError.problems field
paths mark the offending fields.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic.fields import FieldInfo
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from farm_gui.config import (
    AGENT_CLASS_NAMES,
    PRESETS,
    ActionWeights,
    ConfigError,
    RunConfig,
    TypeParameters,
    config_from_dict,
    config_to_dict,
    preset,
    save_yaml,
)
from farm_gui.ui.dialogs import show_warning

INT32_MAX = 2**31 - 1
INVALID_STYLE = "border: 2px solid #d62728; border-radius: 3px;"
GROUP_ORDER = ("Run", "World", "Agents", "Resources", "Interactions", "Reproduction", "Behaviour",
               "Actions", "Agent types")


def _bounds(info: FieldInfo) -> tuple[float | None, float | None, bool]:
    low = high = None
    strict_low = False
    for item in info.metadata:
        if getattr(item, "ge", None) is not None:
            low = item.ge
        if getattr(item, "gt", None) is not None:
            low, strict_low = item.gt, True
        if getattr(item, "le", None) is not None:
            high = item.le
    return low, high, strict_low


@dataclass
class FieldSpec:
    path: str  # dotted path as in ConfigError.problems, e.g. "action_weights.move"
    label: str
    group: str
    info: FieldInfo


def iter_fields() -> Iterator[FieldSpec]:
    """Every editable leaf of RunConfig, in schema order."""
    for name, info in RunConfig.model_fields.items():
        if name == "action_weights":
            for sub, sub_info in ActionWeights.model_fields.items():
                key = sub_info.alias or sub
                yield FieldSpec(f"action_weights.{key}", key, "Actions", sub_info)
        elif name == "agent_parameters":
            for agent_type, class_name in AGENT_CLASS_NAMES.items():
                for sub, sub_info in TypeParameters.model_fields.items():
                    yield FieldSpec(f"agent_parameters.{class_name}.{sub}",
                                    f"{agent_type} {sub.replace('_', ' ')}", "Agent types", sub_info)
        else:
            extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
            yield FieldSpec(name, name.replace("_", " "), str(extra.get("group", "Other")), info)


def _number(text: str, is_int: bool) -> int | float | None:
    """The number typed (group separators allowed), or None."""
    cleaned = text.replace(",", "").replace("\u00a0", "").replace(" ", "").strip()
    try:
        return int(cleaned) if is_int else float(cleaned)
    except ValueError:
        return None


class _SpinBoxRefusals:
    """A spin box that says what it refused: typing a number beyond its range is not
    taken (Qt drops the key), but ``refused`` carries the number, so that the form shows
    why instead of silently keeping a clamped value (999,999,999 agents became 9,999,999)."""

    refused = Signal(object)

    def validate(self, text: str, pos: int):  # noqa: D102 (Qt API)
        result = super().validate(text, pos)
        state = result[0] if isinstance(result, tuple) else result
        if state == QValidator.State.Invalid:
            number = _number(text.removeprefix(self.prefix()).removesuffix(self.suffix()),
                             isinstance(self, QSpinBox))
            if number is not None and not self.minimum() <= number <= self.maximum():
                self.refused.emit(number)
        return result


class RefusingSpinBox(_SpinBoxRefusals, QSpinBox):
    pass


class RefusingDoubleSpinBox(_SpinBoxRefusals, QDoubleSpinBox):
    pass


class FieldEditor(QWidget):
    """One field: a bounded spin box (with a slider for 0..1 ranges) or a line edit."""

    changed = Signal()

    def __init__(self, spec: FieldSpec):
        super().__init__()
        self.spec = spec
        self.setObjectName(f"field_{spec.path}")
        self.is_int = spec.info.annotation is int
        low, high, self.strict_low = _bounds(spec.info)
        self.slider: QSlider | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        fits = low is not None and high is not None and (not self.is_int or high <= INT32_MAX)
        if not fits:
            self.editor: QWidget = QLineEdit()
            self.editor.textChanged.connect(self.changed)
        elif self.is_int:
            self.editor = RefusingSpinBox()
            self.editor.setRange(int(low), int(high))
            self.editor.setGroupSeparatorShown(True)
            self.editor.valueChanged.connect(self._on_value)
        else:
            self.editor = RefusingDoubleSpinBox()
            self.editor.setDecimals(4)
            self.editor.setRange(float(low), float(high))
            self.editor.setSingleStep(0.05 if high <= 1 else 0.5 if high <= 100 else 1.0)
            self.editor.valueChanged.connect(self._on_value)
            if low == 0 and high == 1:
                self.slider = QSlider(Qt.Orientation.Horizontal)
                self.slider.setRange(0, 1000)
                self.slider.setFixedWidth(70)
                self.slider.valueChanged.connect(lambda v: self.editor.setValue(v / 1000))
                self.editor.valueChanged.connect(self._sync_slider)
        self.editor.setObjectName(spec.path)
        layout.addWidget(self.editor, 1)
        if self.slider is not None:
            layout.addWidget(self.slider)
        bounds = f"{'>' if self.strict_low else '>='} {low:g}" if low is not None else ""
        if high is not None:
            bounds += f"{', ' if bounds else ''}<= {high:g}"
        self.base_tip = f"{spec.info.description or spec.label}" + (f" ({bounds})" if bounds else "")
        self.editor.setToolTip(self.base_tip)
        self.problem: str | None = None
        # A number the spin box could not hold (typed or set): the field's value until
        # the next edit, so that validation names it rather than a clamped one.
        self.refused: int | float | None = None
        if isinstance(self.editor, _SpinBoxRefusals):
            self.editor.refused.connect(self._on_refused)

    def _on_value(self, _value) -> None:
        self.refused = None
        self.changed.emit()

    def _on_refused(self, number) -> None:
        self.refused = number
        self.changed.emit()

    def _sync_slider(self, value: float) -> None:
        if self.slider is not None:
            self.slider.blockSignals(True)
            self.slider.setValue(round(value * 1000))
            self.slider.blockSignals(False)

    def value(self) -> Any:
        if self.refused is not None:
            return self.refused
        if isinstance(self.editor, QLineEdit):
            text = self.editor.text().strip()
            try:
                return int(text) if self.is_int else float(text)
            except ValueError:
                return text
        return self.editor.value()

    def set_value(self, value: Any) -> None:
        if isinstance(self.editor, QLineEdit):
            self.editor.setText(str(value))
            return
        number = value if isinstance(value, (int, float)) else _number(str(value), self.is_int)
        if number is None or not self.editor.minimum() <= number <= self.editor.maximum():
            self.refused = value  # not clamped: validation says what is wrong with it
            self.changed.emit()
            return
        self.refused = None
        if number == self.editor.value():
            self.changed.emit()  # a refused value replaced by the one shown
        self.editor.setValue(number)

    def mark(self, problem: str | None) -> None:
        self.problem = problem
        self.editor.setStyleSheet(INVALID_STYLE if problem else "")
        self.editor.setToolTip(f"{self.base_tip}\n\nProblem: {problem}" if problem else self.base_tip)


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path, value in flat.items():
        node = out
        *parents, leaf = path.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    return out


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            out.update(_flatten(value, path))
        else:
            out[path] = value
    return out


class ConfigForm(QWidget):
    """Grouped, validated editor of a RunConfig (objectName ``config_form``)."""

    validity_changed = Signal(bool)
    config_changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("config_form")
        self.fields: dict[str, FieldEditor] = {}
        self._valid = True
        self._config: RunConfig | None = RunConfig()
        self._problems: list[tuple[str, str]] = []
        self._loading = False

        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("run_name")
        self.name_edit.setPlaceholderText("Run name (optional)")
        self.preset_box = QComboBox()
        self.preset_box.setObjectName("preset_combo")
        self.preset_box.addItem("Preset...")
        self.preset_box.addItems(list(PRESETS))
        self.preset_box.setToolTip("Fill the form with a preset configuration")
        self.preset_box.activated.connect(self._on_preset)
        load = QPushButton("Load YAML...")
        load.setObjectName("load_config")
        load.clicked.connect(self.load_from_file)
        save = QPushButton("Save YAML...")
        save.setObjectName("save_config")
        save.clicked.connect(self.save_to_file)
        top = QHBoxLayout()
        top.addWidget(self.preset_box, 1)
        top.addWidget(load)
        top.addWidget(save)

        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 6, 0)
        groups: dict[str, QFormLayout] = {}
        specs = list(iter_fields())
        order = {g: i for i, g in enumerate(GROUP_ORDER)}
        for group in sorted({s.group for s in specs}, key=lambda g: order.get(g, len(order))):
            box = QGroupBox(group)
            box.setObjectName(f"group_{group}")
            form = QFormLayout(box)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            groups[group] = form
            body_layout.addWidget(box)
        for spec in specs:
            editor = FieldEditor(spec)
            editor.changed.connect(self._revalidate)
            label = QLabel(spec.label)
            label.setToolTip(editor.base_tip)
            groups[spec.group].addRow(label, editor)
            self.fields[spec.path] = editor
        body_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.problem_label = QLabel()
        self.problem_label.setObjectName("config_problems")
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet("color: #d62728;")
        self.problem_label.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.name_edit)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.problem_label)
        self.set_config(RunConfig())

    # ---- values -------------------------------------------------------------------
    def set_config(self, config: RunConfig) -> None:
        self._loading = True
        try:
            for path, value in _flatten(config_to_dict(config)).items():
                if path in self.fields:
                    self.fields[path].set_value(value)
        finally:
            self._loading = False
        self._revalidate()

    def set_value(self, path: str, value: Any) -> None:
        self.fields[path].set_value(value)

    def raw_values(self) -> dict[str, Any]:
        return _nest({path: editor.value() for path, editor in self.fields.items()})

    def config(self) -> RunConfig | None:
        """The validated config, or None while any field is invalid."""
        return self._config

    def run_name(self) -> str | None:
        return self.name_edit.text().strip() or None

    @property
    def is_valid(self) -> bool:
        return self._valid

    def problems(self) -> list[tuple[str, str]]:
        return list(self._problems)

    def _revalidate(self) -> None:
        if self._loading:
            return
        try:
            self._config = config_from_dict(self.raw_values())
            problems: list[tuple[str, str]] = []
        except ConfigError as err:
            self._config = None
            problems = err.problems
        self._problems = problems
        by_path = {}
        for path, msg in problems:
            by_path.setdefault(path, msg)
        for path, editor in self.fields.items():
            editor.mark(by_path.get(path))
        if problems:
            self.problem_label.setText("\n".join(f"{p}: {m}" for p, m in problems))
            self.problem_label.show()
        else:
            self.problem_label.hide()
        valid = not problems
        if valid != self._valid:
            self._valid = valid
            self.validity_changed.emit(valid)
        self.config_changed.emit()

    # ---- presets and files ----------------------------------------------------------
    def _on_preset(self, index: int) -> None:
        if index <= 0:
            return
        self.set_config(preset(self.preset_box.itemText(index)))
        self.preset_box.setCurrentIndex(0)

    def load_from_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load configuration", "",
                                              "Configurations (*.yaml *.yml *.json);;All files (*)")
        if path:
            self.load_file(path)

    def load_file(self, path: str) -> None:
        """Load a Farm GUI configuration, or an AgentFarm one (YAML or its saved JSON) mapped
        onto this model's parameters, listing the keys that have no counterpart."""
        from farm_gui.agentfarm import load_any_config
        from farm_gui.ui.agentfarm_flows import show_config_mapping

        try:
            config, mapping = load_any_config(path)
        except ConfigError as err:
            show_warning(self, "Cannot load configuration", str(err))
            return
        self.set_config(config)
        if mapping is not None:
            show_config_mapping(self, mapping)

    def save_to_file(self) -> None:
        config = self.config()
        if config is None:
            show_warning(self, "Cannot save configuration",
                                "Fix the marked fields first:\n" + self.problem_label.text())
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save configuration", "config.yaml",
                                              "YAML (*.yaml *.yml)")
        if not path:
            return
        try:
            save_yaml(config, path)
        except OSError as err:
            show_warning(self, "Cannot save configuration",
                                f"Could not write {path}: {err.strerror or err}")
