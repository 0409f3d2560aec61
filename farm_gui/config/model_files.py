"""Parameter files of any model: YAML with a top-level ``model:`` key naming the model
the parameters belong to (a file without it is the default model's, as every file the
first release wrote). No Qt: the window's Load/Save YAML and scripts use it alike."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from farm_gui.core.model import ModelSpec, RunParameters

from .file_mode import give_default_mode
from .io import ConfigError, _reject_non_finite, parse_yaml, read_config_text, validation_problems

MODEL_KEY = "model"


def params_from_dict(spec: ModelSpec, data: Any, source: str | None = None) -> RunParameters:
    """Validate a mapping into ``spec``'s parameters (a ``model:`` key naming this model is
    allowed); ConfigError with one (field path, message) per problem."""
    if not isinstance(data, Mapping):
        kind = "empty" if data is None else f"a {type(data).__name__}, not a mapping of parameters"
        raise ConfigError(source, [("", f"the configuration is {kind}")])
    data = dict(data)
    named = data.pop(MODEL_KEY, None)
    if named is not None and named != spec.name:
        raise ConfigError(source, [(MODEL_KEY, f"names model {named!r}, not {spec.name!r}")])
    problems = _reject_non_finite(data)
    if problems:
        raise ConfigError(source, problems)
    try:
        return spec.parameters.model_validate(data)
    except ValidationError as err:
        raise ConfigError(source, validation_problems(err, spec.parameters)) from None


def params_to_dict(spec: ModelSpec, params: RunParameters) -> dict[str, Any]:
    """A plain dict with the model's name first (aliases as the parameter class names them)."""
    return {MODEL_KEY: spec.name, **params.model_dump(mode="json", by_alias=True)}


def read_model_file(path: str | os.PathLike[str]) -> tuple[str | None, dict[str, Any], str]:
    """(model name, the parameters as written, the file's name for messages). The name is
    None for a file with no ``model:`` key (the default model's, as the first release wrote
    them); ConfigError for a file that cannot be read."""
    src, text = read_config_text(path)
    data = parse_yaml(text, src)
    if not isinstance(data, Mapping):
        kind = "empty" if data is None else f"a {type(data).__name__}, not a mapping of parameters"
        raise ConfigError(src, [("", f"the configuration is {kind}")])
    data = dict(data)
    model = data.pop(MODEL_KEY, None)
    if model is not None and not isinstance(model, str):
        raise ConfigError(src, [(MODEL_KEY, f"must be a model's name (got {model!r})")])
    return model, data, src


def load_params_file(path: str | os.PathLike[str]) -> tuple[ModelSpec, RunParameters]:
    """A parameter file read and validated: the model its ``model:`` key names (none: the
    default model) with its parameters. ConfigError names a bad file or field;
    UnknownModelError a model this installation does not have."""
    from farm_gui.core.registry import get_model

    model, data, src = read_model_file(path)
    spec = get_model(model)
    return spec, model_params(spec, data, src)


def model_params(spec: ModelSpec, data: Any, source: str | None = None) -> RunParameters:
    """``data`` validated as ``spec``'s parameters: the default model's as its configuration
    files always were (``config_from_dict``), any other's with ``params_from_dict``."""
    from .io import config_from_dict
    from .schema import RunConfig

    if spec.parameters is RunConfig:
        return config_from_dict(data, source)
    return params_from_dict(spec, data, source)


def save_model_yaml(spec: ModelSpec, params: RunParameters, path: str | os.PathLike[str]) -> None:
    """Write the parameters with ``model: <name>`` first, atomically (as ``io.save_yaml``)."""
    p = Path(path)
    text = yaml.safe_dump(params_to_dict(spec, params), sort_keys=False, default_flow_style=False)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        give_default_mode(tmp)
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
