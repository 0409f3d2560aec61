"""Resume and fork: turning a stored checkpoint into a model ready to step and a run
record ready to record it. Qt-free; the CLI (cli_continue.py) and the window
(ui/controllers/continue_flows.py) both use these, then hand the result to a RunSession.

Everything that can be refused (no checkpoint, a run still running, a damaged or newer
checkpoint, parameters a continued run cannot take) is checked before the database is
changed, so a refusal leaves the workspace exactly as it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError

from farm_gui.config import ConfigError, RunConfig, config_from_dict, config_to_dict
from farm_gui.config.io import did_you_mean, validation_problems
from farm_gui.core.registry import UnknownModelError, get_model
from farm_gui.runtime.generic_run import restore_engine
from farm_gui.sim import Model, restore_model
from farm_gui.store import CheckpointError, Store
from farm_gui.store.records import LIVE_STATUSES
from farm_gui.store.side_tables import refuse_continuation


def _generic_spec(model: str):
    """The declaration of a model-generic model, None for the foraging ecology."""
    try:
        spec = get_model(model)
    except UnknownModelError:
        return None
    return spec if spec.storage != "foraging_v1" else None


@dataclass
class Continuation:
    """A run ready to go on: give these to RunSession(store, run_id, config, model=model,
    fork=fork)."""

    run_id: int
    config: RunConfig
    model: Model
    fork: bool
    step: int  # the checkpoint it starts from


def parse_settings(items: list[str] | None) -> dict[str, Any]:
    """``key=value`` strings (values read as YAML scalars: 3, 0.5, true, text) into a dict;
    dotted keys reach nested settings (``action_weights.move=0.5``)."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError("--set", [("", f"expected key=value, got {item!r}")])
        try:
            value = yaml.safe_load(text) if text.strip() else ""
        except yaml.YAMLError:
            value = text
        out[key.strip()] = value
    return out


def apply_settings(config: RunConfig, settings: Mapping[str, Any], source: str) -> RunConfig:
    """`config` (any model's parameters) with `settings` applied and validated."""
    data = config_to_dict(config)
    for key, value in settings.items():
        target = data
        *path, last = key.split(".")
        for depth, part in enumerate(path):
            if not isinstance(target.get(part), dict):
                raise ConfigError(source, [(key, _unknown(part, target, path[:depth]))])
            target = target[part]
        if last not in target:
            raise ConfigError(source, [(key, _unknown(last, target, path))])
        target[last] = value
    if not isinstance(config, RunConfig):  # another model's parameters
        try:
            return type(config).model_validate(data)
        except ValidationError as err:
            raise ConfigError(source, validation_problems(err, type(config))) from None
    return config_from_dict(data, source=source)


def _unknown(name: str, known: Mapping[str, Any], path: list[str]) -> str:
    prefix = "".join(f"{part}." for part in path)
    return f"unknown setting (not a parameter of this model{did_you_mean(name, known, prefix)})"


def _restore(config: RunConfig, state: dict[str, Any], model: str, where: str) -> Model:
    spec = _generic_spec(model)
    try:
        if spec is not None:
            return restore_engine(spec, config, state)
        return restore_model(config, state, model)
    except ValueError as err:
        raise CheckpointError(f"{where} cannot be used: {err}") from None


def restore_checkpoint(store: Store, run_id: int, step: int, config: RunConfig, model: str) -> Model:
    """The model of run ``run_id``'s checkpoint at ``step``, with ``config``, once
    ``prepare_resume`` or ``prepare_fork`` has checked it (a run's own process restores it
    again: runtime/run_process.py)."""
    step, state = store.load_checkpoint(run_id, step)
    return _restore(config, state, model, f"the checkpoint of run {run_id} at step {step}")


def prepare_resume(store: Store, run_id: int, more_steps: int | None = None) -> Continuation:
    """Run `run_id` from its last checkpoint, in the same run record; `more_steps`: run that
    many steps from the checkpoint (needed for a run that finished all its steps)."""
    info = store.get_run(run_id)
    if info.status in LIVE_STATUSES:
        raise CheckpointError(f"run {run_id} ({info.name}) is still {info.status}; "
                              "only a stopped, interrupted, failed or finished run can be resumed")
    refuse_continuation(info, "resumed")  # an imported run: before "no checkpoint", which misleads
    step, state = store.load_checkpoint(run_id)
    config = store.run_config(run_id)
    if more_steps is not None:
        if more_steps < 1:
            raise ConfigError("--steps", [("", f"must be at least 1, got {more_steps}")])
        config = apply_settings(config, {"simulation_steps": step + more_steps}, "resume")
    where = f"the checkpoint of run {run_id} at step {step}"
    model = _restore(config, state, info.model, where)
    if model.done or model.step_index >= config.simulation_steps:
        if int(state.get("alive", 1)) == 0:
            raise CheckpointError(f"run {run_id} ({info.name}) has no agent alive at step {step}; "
                                  "there is nothing to continue")
        if model.step_index < config.simulation_steps:  # done before its last step
            raise CheckpointError(f"run {run_id} ({info.name}) ended itself at step {step} (its model "
                                  "came to its end state); there is nothing to continue: fork it with "
                                  "other settings instead")
        raise CheckpointError(f"run {run_id} ({info.name}) has done all its {config.simulation_steps} steps; "
                              "give a number of steps to continue for (--steps N)")
    store.prepare_resume(run_id, step, config, state.get("alive"))  # None: no population counted
    return Continuation(run_id, config, model, False, step)


def prepare_fork(store: Store, parent_id: int, step: int, settings: Mapping[str, Any] | None = None,
                 name: str | None = None) -> Continuation:
    """A new run continuing run `parent_id` from its checkpoint at `step`, with the parent's
    configuration changed by `settings` (the world's size cannot change)."""
    info = store.get_run(parent_id)
    refuse_continuation(info, "forked")
    step, state = store.load_checkpoint(parent_id, step)
    config = store.run_config(parent_id)
    if settings:
        config = apply_settings(config, settings, "fork settings")
    where = f"the checkpoint of run {parent_id} at step {step}"
    model = _restore(config, state, info.model, where)
    if model.done or model.step_index >= config.simulation_steps:
        raise CheckpointError(
            f"a fork of run {parent_id} at step {step} would have nothing to run "
            + ("(no agent is alive)" if int(state.get("alive", 1)) == 0 else
               "(the model is at its end state there with these settings; change one that lets it "
               "go on)" if model.step_index < config.simulation_steps else
               f"(simulation_steps is {config.simulation_steps}; change it to a larger "
               "number, e.g. simulation_steps=N)"))
    new_id = store.create_fork(parent_id, step, config, name, state.get("alive"))
    return Continuation(new_id, config, model, True, step)
