"""The New Experiment dialog's Design tab: the spec's factors as a table (parameter, how its
values are given, the values) and its design, samples, replications, steps and seed as
fields, above them the model. The YAML text stays the one source of truth: an edit here
rewrites the keys it shows (``to_spec_dict``), an edit of the text fills the form again
(``load``); keys the form does not show (base, preset, stop, keep, name) pass through
untouched, except that another model drops the base parameters and preset of the one before
(they are that model's: the form's model gets its own back when chosen again).
"""

from __future__ import annotations

from typing import Any

import yaml
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

KIND_LABELS = (
    ("values", "values"),
    ("range", "range: start, stop, step"),
    ("uniform", "uniform: low, high"),
    ("loguniform", "log-uniform: low, high"),
    ("integer", "integers: low, high"),
)
DESIGNS = (("grid", "Full factorial grid"), ("lhs", "Latin hypercube"), ("sobol", "Sobol (Saltelli)"))
NOT_FACTORS = ("seed", "simulation_steps", "snapshot_every", "checkpoint_every")  # how a run is run
SPIN_MAX = 2**31 - 1


def model_parameters(model: str) -> dict[str, Any]:
    """The model's parameters a factor can vary, by their spec name, with their defaults."""
    from farm_gui.core.registry import get_model

    try:
        defaults = get_model(model).parameters()
    except Exception:  # noqa: BLE001 - an unknown model: the spec's preview names it
        return {}
    out = {}
    for name, info in type(defaults).model_fields.items():
        if name not in NOT_FACTORS:
            out[info.alias or name] = getattr(defaults, name)
    return out


def _is_rate(value: Any) -> bool:
    return isinstance(value, float) and 0 < value <= 1


def suggested_text(kind: str, default: Any) -> str:
    """What a factor's values field starts with, from the parameter's default."""
    if isinstance(default, bool):
        return "false, true" if kind == "values" else ""
    if not isinstance(default, (int, float)):
        return f"{default}" if kind == "values" else ""
    low, high = (default / 2, default) if default > 0 else (0, 1)
    if isinstance(default, int) or kind == "integer":
        low, high = int(low), max(int(high), int(low) + 1)
    if kind == "range":
        step = (high - low) / 4 if isinstance(low, float) else max(1, (high - low) // 4)
        return f"{low:g}, {high:g}, {step:g}"
    return f"{low:g}, {high:g}"


def parse_items(text: str) -> list[Any]:
    """``0.1, 0.2`` -> [0.1, 0.2]; each item read as YAML (numbers, true/false, words)."""
    out = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            out.append(yaml.safe_load(part))
        except yaml.YAMLError:
            out.append(part)
    return out


def items_text(values: Any) -> str:
    if not isinstance(values, list):
        return "" if values is None else str(values)
    return ", ".join(yaml.safe_dump(v, default_flow_style=True).strip().removesuffix("...").strip()
                     if not isinstance(v, (int, float)) or isinstance(v, bool) else f"{v:g}"
                     for v in values)


class DesignForm(QWidget):
    """Emits ``edited`` when the user changes anything here (not when ``load`` fills it)."""

    edited = Signal()
    COLUMNS = ("Parameter", "Values given as", "Values")

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("experiment_design_form")
        self._loading = False
        self.parameters: dict[str, Any] = {}
        self._settings_of: dict[str, dict[str, Any]] = {}  # a model's base and preset, as loaded
        self.model = QComboBox()
        self.model.setObjectName("experiment_model")
        self.model.setToolTip("The model every run of the experiment runs; its base parameters are "
                              "the form's when it is the form's model, else its defaults")
        self._list_models()
        self.model.currentIndexChanged.connect(self._model_changed)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setObjectName("experiment_factors_table")
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.add_button = QPushButton("Add Factor")
        self.add_button.setObjectName("experiment_add_factor")
        self.add_button.clicked.connect(self.add_factor)
        self.remove_button = QPushButton("Remove Factor")
        self.remove_button.setObjectName("experiment_remove_factor")
        self.remove_button.clicked.connect(self.remove_factor)
        self.design = QComboBox()
        self.design.setObjectName("experiment_design")
        for key, label in DESIGNS:
            self.design.addItem(label, key)
        self.samples = self._spin("experiment_samples", 1, 1_000_000, 16)
        self.samples.setToolTip("Latin hypercube: the number of design points; Sobol: the base sample N "
                                "(a power of 2), giving N x (factors + 2) points")
        self.replications = self._spin("experiment_replications", 1, 100_000, 5)
        self.steps = self._spin("experiment_steps", 1, SPIN_MAX, 200)
        self.seed = self._spin("experiment_seed", 0, SPIN_MAX, 1)
        self.seed.setToolTip("Every run's seed is derived from this one: the same spec gives the same seeds")
        self.design.currentIndexChanged.connect(self._changed)

        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        top = QFormLayout()
        model_label = QLabel("Model")
        # the two forms' fields start at one x: the label as wide as the widest one below
        model_label.setMinimumWidth(QLabel("Steps per run").sizeHint().width())
        top.addRow(model_label, self.model)
        fields = QFormLayout()
        fields.addRow("Design", self.design)
        fields.addRow("Samples", self.samples)
        fields.addRow("Replications", self.replications)
        fields.addRow("Steps per run", self.steps)
        fields.addRow("Seed", self.seed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addLayout(fields)
        self._update_enabled()

    def _spin(self, name: str, low: int, high: int, value: int) -> QSpinBox:
        spin = QSpinBox()
        spin.setObjectName(name)
        spin.setRange(low, high)
        spin.setValue(value)
        spin.setGroupSeparatorShown(True)
        spin.valueChanged.connect(self._changed)
        return spin

    # ----- reading and writing the spec ------------------------------------------------------
    def load(self, data: dict[str, Any]) -> None:
        """Fill the form from a parsed spec (a mapping); no ``edited`` signal."""
        self._loading = True
        try:
            model = str(data.get("model", "foraging"))
            self._settings_of[model] = {k: data[k] for k in ("base", "preset") if k in data}
            if self.model.findData(model) < 0:
                self.model.addItem(model, model)  # not a known model: the preview says so
            self.model.setCurrentIndex(self.model.findData(model))
            self.parameters = model_parameters(model)
            index = self.design.findData(data.get("design", "grid"))
            self.design.setCurrentIndex(max(0, index))
            for spin, key in ((self.samples, "samples"), (self.replications, "replications"),
                              (self.steps, "steps"), (self.seed, "seed")):
                value = data.get(key)
                if isinstance(value, int) and not isinstance(value, bool):
                    spin.setValue(value)
            self.table.setRowCount(0)
            factors = data.get("factors") or {}
            if isinstance(factors, dict):
                for name, factor in factors.items():
                    kind, values = next(iter(factor.items())) if isinstance(factor, dict) and factor \
                        else ("values", factor)
                    self._add_row(str(name), str(kind), items_text(values))
        finally:
            self._loading = False
        self._update_enabled()

    def to_spec_dict(self, data: dict[str, Any]) -> dict[str, Any]:
        """``data`` with the keys this form shows set from it (the others kept, in order)."""
        out = dict(data)
        model = self.model.currentData()
        if model and model != out.get("model"):
            out = {"model": model, **{k: v for k, v in out.items() if k not in ("model", "base", "preset")}}
            out.update(self._settings_of.get(model, {}))
        factors = {}
        for row in range(self.table.rowCount()):
            name, kind, text = self.row(row)
            if name:
                factors[name] = {kind: parse_items(text)}
        out["factors"] = factors
        out["design"] = self.design.currentData()
        if self.design.currentData() == "grid":
            out.pop("samples", None)
        else:
            out["samples"] = self.samples.value()
        out["replications"] = self.replications.value()
        out["steps"] = self.steps.value()
        out["seed"] = self.seed.value()
        return out

    def row(self, row: int) -> tuple[str, str, str]:
        """(parameter, kind, values text) of a table row."""
        return (self.table.cellWidget(row, 0).currentText(), self.table.cellWidget(row, 1).currentData(),
                self.table.cellWidget(row, 2).text())

    # ----- editing ---------------------------------------------------------------------------
    def _list_models(self) -> None:
        from farm_gui.core import registry

        for name, spec in registry.models().items():
            self.model.addItem(spec.label, name)

    def _model_changed(self) -> None:
        """Another model: its parameters to vary; factors it does not have are dropped."""
        if self._loading:
            return
        self.parameters = model_parameters(self.model.currentData())
        for row in reversed(range(self.table.rowCount())):
            if self.row(row)[0] not in self.parameters:
                self.table.removeRow(row)
        for row in range(self.table.rowCount()):
            combo = self.table.cellWidget(row, 0)
            name = combo.currentText()
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(list(self.parameters))
            combo.setCurrentText(name)
            combo.blockSignals(False)
        self._changed()

    def add_factor(self) -> None:
        used = {self.row(r)[0] for r in range(self.table.rowCount())}
        free = [n for n in self.parameters if n not in used] or list(self.parameters) or [""]
        rates = [n for n in free if _is_rate(self.parameters.get(n))]  # the likeliest to vary first
        name = (rates or free)[0]
        self._add_row(name, "values", suggested_text("values", self.parameters.get(name)))
        self.table.selectRow(self.table.rowCount() - 1)
        self._changed()

    def remove_factor(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True) \
            or ([self.table.rowCount() - 1] if self.table.rowCount() else [])
        for row in rows:
            self.table.removeRow(row)
        self._changed()

    def _add_row(self, name: str, kind: str, text: str) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        parameter = QComboBox()
        parameter.setObjectName("experiment_factor_parameter")
        parameter.addItems(list(self.parameters))
        if name and parameter.findText(name) < 0:
            parameter.addItem(name)  # not one of the model's: the preview says so
        parameter.setCurrentText(name)
        how = QComboBox()
        how.setObjectName("experiment_factor_kind")
        for key, label in KIND_LABELS:
            how.addItem(label, key)
        how.setCurrentIndex(max(0, how.findData(kind)))
        values = QLineEdit(text)
        values.setObjectName("experiment_factor_values")
        values.setPlaceholderText("comma-separated")
        self.table.setCellWidget(row, 0, parameter)
        self.table.setCellWidget(row, 1, how)
        self.table.setCellWidget(row, 2, values)
        header = self.table.horizontalHeader()  # ResizeToContents does not see cell widgets
        for column, widget in ((0, parameter), (1, how)):
            header.resizeSection(column, max(header.sectionSize(column), widget.sizeHint().width()))
        parameter.currentTextChanged.connect(lambda _t, w=values, k=how, p=parameter: self._suggest(p, k, w))
        how.currentIndexChanged.connect(lambda _i, w=values, k=how, p=parameter: self._suggest(p, k, w))
        values.textEdited.connect(self._changed)

    def _suggest(self, parameter: QComboBox, kind: QComboBox, values: QLineEdit) -> None:
        if self._loading:
            return
        values.setText(suggested_text(kind.currentData(), self.parameters.get(parameter.currentText())))
        self._changed()

    def _update_enabled(self) -> None:
        self.samples.setEnabled(self.design.currentData() != "grid")
        self.remove_button.setEnabled(self.table.rowCount() > 0)

    def _changed(self, *_args) -> None:
        self._update_enabled()
        if not self._loading:
            self.edited.emit()
