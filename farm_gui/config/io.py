"""Loading and saving run configurations, presets, and the one error type that
every bad-config case raises."""

from __future__ import annotations

import difflib
import math
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .file_mode import give_default_mode
from .schema import FieldsError, RunConfig

MAX_CONFIG_BYTES = 5 * 1024 * 1024


class ConfigError(ValueError):
    """A configuration could not be loaded or validated.

    ``problems`` holds ``(field_path, message)`` pairs so that a form can mark the
    offending fields; ``str(err)`` is a complete sentence naming the source
    (file), the field path and what is wrong.
    """

    def __init__(self, source: str | None, problems: list[tuple[str, str]]):
        self.source = source
        self.problems = problems
        where = f"{source}: " if source else ""
        lines = [f"{where}{path}: {msg}" if path else f"{where}{msg}" for path, msg in problems]
        super().__init__("\n".join(lines))


def _field_path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc if p != "__root__") or "(config)"


def did_you_mean(name: str, known: Iterable[str], prefix: str = "") -> str:
    """"; did you mean X?" when one of the ``known`` names is close to ``name`` (a typo);
    ``prefix`` goes before it (the path of a nested setting)."""
    close = difflib.get_close_matches(str(name), [str(k) for k in known], n=1, cutoff=0.75)
    return f"; did you mean {prefix}{close[0]}?" if close else ""


def field_names(model: type[BaseModel] | None, path: Sequence[Any] = ()) -> list[str]:
    """The keys a parameters class takes at ``path`` (nested parameter classes followed)."""
    for part in path:
        field = model.model_fields.get(str(part)) if model is not None else None
        kind = field.annotation if field is not None else None
        model = kind if isinstance(kind, type) and issubclass(kind, BaseModel) else None
    if model is None:
        return []
    return [field.alias or name for name, field in model.model_fields.items()]


def validation_problems(err: ValidationError, model: type[BaseModel] | None = None) -> list[tuple[str, str]]:
    """(field, message) of each error; an unknown key names the nearest one ``model`` takes."""
    problems = []
    for e in err.errors(include_url=False):
        cause = e.get("ctx", {}).get("error")
        if isinstance(cause, FieldsError):  # one problem per field it concerns
            problems += list(cause.fields.items())
            continue
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            *path, name = e["loc"]
            msg = f"unknown key (not a parameter of this model{did_you_mean(name, field_names(model, path))})"
        elif "input" in e and not isinstance(e["input"], (dict, list)):
            msg = f"{msg} (got {e['input']!r})"
        problems.append((_field_path(tuple(e["loc"])), msg))
    return problems


def _reject_non_finite(data: Any, path: str = "") -> list[tuple[str, str]]:
    """Pydantic coerces some strings ('nan', 'inf') before the finite check; catch
    real float non-finite values wherever they appear so the message is explicit."""
    problems = []
    if isinstance(data, Mapping):
        for k, v in data.items():
            problems += _reject_non_finite(v, f"{path}.{k}" if path else str(k))
    elif isinstance(data, float) and not math.isfinite(data):
        problems.append((path or "(config)", f"must be a finite number (got {data!r})"))
    return problems


def config_from_dict(data: Any, source: str | None = None) -> RunConfig:
    """Validate a mapping into a RunConfig, raising ConfigError on any problem."""
    if not isinstance(data, Mapping):
        kind = "empty" if data is None else f"a {type(data).__name__}, not a mapping of parameters"
        raise ConfigError(source, [("", f"the configuration is {kind}")])
    if "model" in data:  # a file that names its model (see model_files.py): this one's only
        if data["model"] != "foraging":
            raise ConfigError(source, [("model", f"names model {data['model']!r}, not 'foraging'")])
        data = {k: v for k, v in data.items() if k != "model"}
    problems = _reject_non_finite(data)
    if problems:
        raise ConfigError(source, problems)
    try:
        return RunConfig.model_validate(dict(data))
    except ValidationError as err:
        raise ConfigError(source, validation_problems(err, RunConfig)) from None


def read_config_text(path: str | os.PathLike[str], kind: str = "YAML") -> tuple[str, str]:
    """The text of a configuration file and its name for messages; ConfigError for a
    file that is missing, a folder, too large, binary (``kind`` names what it should be)
    or not UTF-8. Bounded: a huge file picked by mistake is not read whole."""
    p = Path(path)
    src = str(p)
    try:
        with open(p, "rb") as fh:
            raw = fh.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(src, [("", "file not found")]) from None
    except IsADirectoryError:
        raise ConfigError(src, [("", "is a folder, not a configuration file")]) from None
    except OSError as err:
        raise ConfigError(src, [("", f"cannot be read ({err.strerror or err})")]) from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(src, [("", f"is more than {MAX_CONFIG_BYTES} bytes, too large for a "
                                     "configuration")])
    if b"\x00" in raw:
        raise ConfigError(src, [("", f"is a binary file, not {kind}")])
    try:
        return src, raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(src, [("", "is not UTF-8 text")]) from None


def parse_yaml(text: str, src: str) -> Any:
    """YAML text through the safe loader; ConfigError naming the line and column."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ConfigError(src, [("", f"is not valid YAML{where}: {problem}")]) from None
    except RecursionError:
        raise ConfigError(src, [("", "is nested too deeply to be a configuration")]) from None


def load_yaml(path: str | os.PathLike[str]) -> RunConfig:
    """Read a YAML file with the safe loader and validate it."""
    src, text = read_config_text(path)
    return config_from_dict(parse_yaml(text, src), src)


def config_to_dict(config: RunConfig) -> dict[str, Any]:
    """Plain, JSON/YAML-ready dict (AgentFarm key names)."""
    return config.model_dump(mode="json", by_alias=True)


def save_yaml(config: RunConfig, path: str | os.PathLike[str]) -> None:
    """Write the config atomically (temporary file then rename)."""
    p = Path(path)
    text = yaml.safe_dump(config_to_dict(config), sort_keys=False, default_flow_style=False)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        give_default_mode(tmp)  # before the rename: the file appears with its final mode
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class _Presets(Mapping[str, dict[str, Any]]):
    """The foraging model's presets, read from ``resources/presets/foraging/*.yaml``
    (see ``farm_gui.resources``): name -> the parameters the preset sets. The files are
    read when first asked for and kept."""

    def __init__(self, model: str = "foraging"):
        self.model = model
        self._loaded: dict[str, dict[str, Any]] | None = None

    def _load(self) -> dict[str, dict[str, Any]]:
        if self._loaded is None:
            from farm_gui import resources

            loaded = {}
            for name in resources.preset_names(self.model):
                file = resources.preset_file(name, self.model)
                data = _read_yaml_mapping(file)
                config_from_dict(data, str(file))  # a broken preset file is named, not used
                loaded[name] = data
            self._loaded = loaded
        return self._loaded

    def __getitem__(self, name: str) -> dict[str, Any]:
        return dict(self._load()[name])

    def __iter__(self):
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


def _read_yaml_mapping(file: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise ConfigError(str(file), [("", f"cannot be read as a preset: {err}")]) from None
    if not isinstance(data, Mapping):
        raise ConfigError(str(file), [("", "a preset file must hold a mapping of parameters")])
    return dict(data)


PRESETS: Mapping[str, dict[str, Any]] = _Presets()


def preset(name: str) -> RunConfig:
    try:
        overrides = PRESETS[name]
    except KeyError:
        raise ConfigError(None, [("preset", f"unknown preset {name!r}; choose one of "
                                            f"{', '.join(PRESETS)}")]) from None
    return RunConfig(**overrides)
