"""The parameter form, generated from the chosen model's parameter schema (a pydantic
class deriving from RunParameters; the foraging ecology's RunConfig with its nested
action weights and per-type parameters).

The model picker above it (``model_picker``) chooses the model: the fields, the presets
and Load/Save YAML (a top-level ``model:`` key) follow it. Each pydantic field becomes
a spin box (or a line edit when its bounds do not fit a spin box) inside a group box
named by the field's ``group`` extra; the description becomes the tooltip, ge/le/gt
bounds the spin box range. Every edit re-validates the whole config with the schema,
and ConfigError.problems field paths mark the offending fields.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic.fields import FieldInfo
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
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
    ActionWeights,
    ConfigError,
    RunConfig,
    TypeParameters,
)
from farm_gui.config.model_files import model_params, read_model_file, save_model_yaml
from farm_gui.core.model import ModelSpec, RunParameters
from farm_gui.core.registry import UnknownModelError, get_model
from farm_gui.ui.widgets import save_folder
from farm_gui.ui.widgets.dialogs import show_warning
from farm_gui.ui.widgets.model_picker import ModelPicker

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


def iter_fields(parameters: type[RunParameters] = RunConfig) -> Iterator[FieldSpec]:
    """Every editable leaf of a model's parameters, in schema order."""
    if parameters is not RunConfig:
        yield from _iter_model_fields(parameters)
        return
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


def _iter_model_fields(cls: type, prefix: str = "", group: str | None = None) -> Iterator[FieldSpec]:
    """Any pydantic parameter class: a field holding a nested pydantic model is opened up
    (its fields under "outer.inner", in the outer field's group)."""
    for name, info in cls.model_fields.items():
        key = info.alias or name
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        field_group = group or str(extra.get("group", "Other"))
        annotation = info.annotation
        if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
            yield from _iter_model_fields(annotation, f"{prefix}{key}.", field_group)
            continue
        yield FieldSpec(f"{prefix}{key}", key.replace("_", " "), field_group, info)


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
        if spec.info.annotation is bool:
            self.editor = QCheckBox()
            self.editor.toggled.connect(self.changed)
        elif not fits:
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
        if isinstance(self.editor, QCheckBox):
            return self.editor.isChecked()
        if isinstance(self.editor, QLineEdit):
            text = self.editor.text().strip()
            try:
                return int(text) if self.is_int else float(text)
            except ValueError:
                return text
        return self.editor.value()

    def set_value(self, value: Any) -> None:
        if isinstance(self.editor, QCheckBox):
            if self.editor.isChecked() == bool(value):
                self.changed.emit()
            self.editor.setChecked(bool(value))
            return
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
    """Grouped, validated editor of a model's parameters (objectName ``config_form``)."""

    validity_changed = Signal(bool)
    config_changed = Signal()
    model_changed = Signal(str)  # the model's name, after the form was rebuilt for it

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("config_form")
        self.spec: ModelSpec = get_model(None)
        self.fields: dict[str, FieldEditor] = {}
        self._valid = True
        self._config: RunParameters | None = self.spec.parameters()
        # each model's parameters as the form last had them (the window keeps them between
        # sessions): picking a model again brings them back, not its defaults
        self.kept: dict[str, RunParameters] = {}
        self._problems: list[tuple[str, str]] = []
        self._loading = False

        self.model_picker = ModelPicker()
        self.model_picker.model_chosen.connect(self._on_model_chosen)
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("run_name")
        self.name_edit.setPlaceholderText("Run name (optional)")
        self.preset_box = QComboBox()
        self.preset_box.setObjectName("preset_combo")
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

        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.problem_label = QLabel()
        self.problem_label.setObjectName("config_problems")
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet("color: #d62728;")
        self.problem_label.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.model_picker)
        layout.addWidget(self.name_edit)
        layout.addLayout(top)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.problem_label)
        self._build(self.spec)
        self.set_config(self.spec.parameters())

    # ---- the model --------------------------------------------------------------------
    def _build(self, spec: ModelSpec) -> None:
        """The fields and presets of ``spec``'s parameters (replacing any shown)."""
        self.spec = spec
        self.fields = {}
        self.preset_box.clear()
        self.preset_box.addItem("Preset...")
        self.preset_box.addItems(list(spec.preset_names))
        self.model_picker.show_model(spec.name)
        broken = self.model_picker.broken_text
        self.model_picker.setToolTip(spec.description + (f"\n\nNot available:\n{broken}" if broken else ""))
        body = QWidget()
        body.setObjectName(f"form_{spec.name}")
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 6, 0)
        groups: dict[str, QFormLayout] = {}
        specs = list(iter_fields(spec.parameters))
        order = {g: i for i, g in enumerate(GROUP_ORDER)}
        # known groups first, the others in the order the parameters declare them (not a
        # set's order, which changes from one start to the next)
        for group in sorted(dict.fromkeys(s.group for s in specs), key=lambda g: order.get(g, len(order))):
            box = QGroupBox(group)
            box.setObjectName(f"group_{group}")
            form = QFormLayout(box)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            groups[group] = form
            body_layout.addWidget(box)
        for field_spec in specs:
            editor = FieldEditor(field_spec)
            editor.changed.connect(self._revalidate)
            label = QLabel(field_spec.label)
            label.setWordWrap(True)  # a long name takes two lines, not the fields' width
            label.setToolTip(editor.base_tip)
            groups[field_spec.group].addRow(label, editor)
            self.fields[field_spec.path] = editor
        body_layout.addStretch(1)
        old = self.scroll.takeWidget()
        self.scroll.setWidget(body)
        # as wide as the fields need beside the scroll bar: the dock then never cuts them off
        bar = self.scroll.verticalScrollBar().sizeHint().width()
        self.scroll.setMinimumWidth(body.minimumSizeHint().width() + bar + 2 * self.scroll.frameWidth())
        if old is not None:
            old.deleteLater()

    def set_model(self, name: str, config: RunParameters | None = None) -> None:
        """Show the form of model ``name`` (filled with ``config``, or the model's defaults)."""
        spec = get_model(name)
        if spec.name != self.spec.name or spec is not self.spec:
            if self._config is not None:  # what the model left had, for when it is picked again
                self.kept[self.spec.name] = self._config
            self._build(spec)
            self.set_config(config if config is not None else spec.parameters())
            self.model_changed.emit(spec.name)
        elif config is not None:
            self.set_config(config)

    def restore_model(self, name: str | None) -> None:
        """Show the model chosen last time, if it is still installed (quietly otherwise),
        with the parameters it had (``kept``)."""
        if name and name != self.spec.name:
            with contextlib.suppress(UnknownModelError):
                self.set_model(name, self.kept.get(name))

    def _on_model_chosen(self, name: str) -> None:
        if name != self.spec.name:
            try:
                self.set_model(name, self.kept.get(name))  # as the user left it
            except UnknownModelError as err:
                show_warning(self, "Model not available", str(err))
                self.model_picker.show_model(self.spec.name)

    # ---- values -------------------------------------------------------------------
    def set_config(self, config: RunParameters) -> None:
        """Fill the form; parameters of another model's class switch the form to it."""
        if not isinstance(config, self.spec.parameters):
            from farm_gui.core.registry import models

            for spec in models().values():
                if type(config) is spec.parameters:
                    self.set_model(spec.name, config)
                    return
        self._loading = True
        try:
            for path, value in _flatten(config.model_dump(mode="json", by_alias=True)).items():
                if path in self.fields:
                    self.fields[path].set_value(value)
        finally:
            self._loading = False
        self._revalidate()

    def set_value(self, path: str, value: Any) -> None:
        self.fields[path].set_value(value)

    def raw_values(self) -> dict[str, Any]:
        return _nest({path: editor.value() for path, editor in self.fields.items()})

    def config(self) -> RunParameters | None:
        """The validated parameters of the chosen model, or None while any field is invalid."""
        return self._config

    def run_name(self) -> str | None:
        return self.name_edit.text().strip() or None

    @property
    def is_valid(self) -> bool:
        return self._valid

    def problems(self) -> list[tuple[str, str]]:
        return list(self._problems)

    def _validate(self, data: dict[str, Any]) -> RunParameters:
        return model_params(self.spec, data)

    def _revalidate(self) -> None:
        if self._loading:
            return
        try:
            self._config = self._validate(self.raw_values())
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
        self.set_config(self.spec.preset(self.preset_box.itemText(index)))
        self.preset_box.setCurrentIndex(0)

    def load_from_file(self) -> None:
        path = save_folder.open_file_name(self, "Load configuration",
                                          "Configurations (*.yaml *.yml *.json);;All files (*)")
        if path:
            self.load_file(path)

    def load_file(self, path: str) -> None:
        """Load a parameter file: its ``model:`` key picks the model (none: the default
        model, whose files may also be AgentFarm ones, YAML or its saved JSON, mapped onto
        its parameters, listing the keys that have no counterpart)."""
        try:
            model, data, src = read_model_file(path)
        except ConfigError:
            model = data = None  # not YAML: perhaps an AgentFarm JSON file (named below if not)
        if model is None:
            self._load_default_model_file(path)
            return
        try:
            spec = get_model(model)
        except UnknownModelError as err:
            show_warning(self, "Cannot load configuration", f"{path}: {err}")
            return
        try:
            config = model_params(spec, data, src)
        except ConfigError as err:
            show_warning(self, "Cannot load configuration", str(err))
            return
        self.set_model(spec.name, config)

    def _load_default_model_file(self, path: str) -> None:
        from farm_gui.agentfarm import load_any_config
        from farm_gui.ui.controllers.agentfarm_flows import show_config_mapping

        try:
            config, mapping = load_any_config(path)
        except ConfigError as err:
            show_warning(self, "Cannot load configuration", str(err))
            return
        self.set_model(get_model(None).name, config)
        if mapping is not None:
            show_config_mapping(self, mapping)

    def save_to_file(self) -> None:
        config = self.config()
        if config is None:
            show_warning(self, "Cannot save configuration",
                                "Fix the marked fields first:\n" + self.problem_label.text())
            return
        path, _ = save_folder.save_file_name(self, "Save configuration", f"{self.spec.name}.yaml",
                                             "YAML (*.yaml *.yml)")
        if not path:
            return
        self.save_file(path)

    def save_file(self, path: str) -> bool:
        """Write the parameters with ``model: <name>``; False (with a message) on failure."""
        config = self.config()
        if config is None:
            return False
        try:
            save_model_yaml(self.spec, config, path)
        except OSError as err:
            show_warning(self, "Cannot save configuration",
                                f"Could not write {path}: {err.strerror or err}")
            return False
        return True
