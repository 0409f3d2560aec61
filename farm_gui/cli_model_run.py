"""Which model `farm-gui run` runs, and with which parameters: `--model NAME` (or the
`model:` key of a `--config` YAML file, or the model of `--from-run`; the foraging ecology
by default), a preset or configuration file, the --steps/--seed/--snapshot-every
overrides and `--set key=value` (values read as YAML, validated by the model's
parameters: a bad field is a ConfigError naming it, exit code 2)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from farm_gui.config import ConfigError
from farm_gui.config.io import parse_yaml, read_config_text, validation_problems
from farm_gui.runtime.continuation import apply_settings as runtime_apply_settings

DEFAULT_MODEL = "foraging"


def read_model_file(path: str) -> tuple[str | None, dict[str, Any], str]:
    """(model named by its `model:` key or None, the parameters, the file's name)."""
    src, text = read_config_text(path)
    data = parse_yaml(text, src)
    if not isinstance(data, Mapping):
        kind = "empty" if data is None else f"a {type(data).__name__}, not a mapping of parameters"
        raise ConfigError(src, [("", f"the configuration is {kind}")])
    data = dict(data)
    model = data.pop("model", None)
    if model is not None and not isinstance(model, str):
        raise ConfigError(src, [("model", f"must be a model name, got {model!r}")])
    return model, data, src


def validate(spec, data: Mapping[str, Any], source: str) -> BaseModel:
    if spec.storage == "foraging_v1":
        from farm_gui.config import config_from_dict

        return config_from_dict(dict(data), source=source)
    try:
        return spec.parameters.model_validate(dict(data))
    except ValidationError as err:
        raise ConfigError(source, validation_problems(err, spec.parameters)) from None


def apply_settings(spec, params: BaseModel, settings: Mapping[str, Any], source: str) -> BaseModel:
    """`params` with `settings` (dotted keys reach nested settings) applied and validated."""
    return runtime_apply_settings(params, settings, source)


def get_spec(name: str):
    """The model's declaration; UsageError listing the available models otherwise."""
    from farm_gui.cli import UsageError
    from farm_gui.core.registry import UnknownModelError, get_model

    try:
        return get_model(name)
    except UnknownModelError as err:
        raise UsageError(str(err)) from None


def model_params(args) -> tuple[str, BaseModel]:
    """(model name, parameters) for `farm-gui run`."""
    from farm_gui.cli import UsageError
    from farm_gui.runtime.continuation import parse_settings

    model = args.model
    params = None
    if args.config:
        named, data, src = read_model_file(args.config)
        if model is not None and named is not None and named != model:
            raise UsageError(f"{src} is a configuration of model {named!r}, not of {model!r}")
        model = model or named or DEFAULT_MODEL
        params = validate(get_spec(model), data, src)
    elif args.from_run:
        from farm_gui.cli import _config_of_run

        run_model, params = _config_of_run(args.db, args.from_run, with_model=True)
        if model is not None and model != run_model:
            raise UsageError(f"run {args.from_run} is a run of model {run_model!r}, not of {model!r}")
        model = run_model
    elif args.agentfarm_config:
        if model not in (None, DEFAULT_MODEL):
            raise UsageError(f"--agentfarm-config maps onto the foraging ecology, not model {model!r}")
        import sys

        from farm_gui.agentfarm import load_agentfarm_config

        mapping = load_agentfarm_config(args.agentfarm_config)
        print(f"farm-gui: {mapping.message(limit=None)}", file=sys.stderr)
        model, params = DEFAULT_MODEL, mapping.config
    model = model or DEFAULT_MODEL
    spec = get_spec(model)
    if params is None:
        if spec.storage == "foraging_v1":
            from farm_gui.config import preset

            params = preset(args.preset or "default")
        else:
            try:
                params = spec.preset(args.preset or "default")
            except KeyError as err:
                raise ConfigError(None, [("preset", str(err).strip('"'))]) from None
            except ValidationError as err:
                problems = validation_problems(err, spec.parameters)
                raise ConfigError(f"preset {args.preset}", problems) from None
    overrides = {k: v for k, v in (("simulation_steps", args.steps), ("seed", args.seed),
                                   ("snapshot_every", args.snapshot_every)) if v is not None}
    if overrides:
        params = apply_settings(spec, params, overrides, "command line")
    settings = parse_settings(args.set)
    if settings:
        params = apply_settings(spec, params, settings, "--set")
    return model, params
