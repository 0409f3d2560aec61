"""The run loop for a model-generic model (``spec.storage == "generic"``): build the
engine from the declaration, step it, check what it hands out against the declaration,
and hand every step to the store's GenericRunWriter, honouring pause / single step /
speed / stop exactly like the foraging ecology's loop (session.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from farm_gui.core.model import EngineOutputError, ModelSpec, check_layers, metric_values


class EngineFailure(RuntimeError):
    """The model's own code raised: the message names the model and the step."""


def build_engine(spec: ModelSpec, params) -> Any:
    try:
        return spec.create_engine(params, params.seed)
    except Exception as err:  # noqa: BLE001 - a plug-in's failure is reported with its name
        raise EngineFailure(f"model {spec.name!r}: building the engine raised "
                            f"{type(err).__name__}: {err}") from err


def restore_engine(spec: ModelSpec, params, state: dict) -> Any:
    if spec.restore_engine is None:
        raise ValueError(f"model {spec.name!r} cannot continue from a checkpoint (it declares no "
                         "restore_engine)")
    try:
        return spec.restore_engine(params, state)
    except (ValueError, KeyError, TypeError) as err:
        raise ValueError(f"model {spec.name!r}: {err}") from None


def _layers(spec: ModelSpec, params, engine) -> dict:
    try:
        layers = engine.layers()
    except Exception as err:  # noqa: BLE001
        raise EngineFailure(f"model {spec.name!r}: layers() raised {type(err).__name__}: {err}") from err
    check_layers(spec, params, layers)
    return {layer.name: layers[layer.name] for layer in spec.layers}


def can_save(engine) -> bool:
    return callable(getattr(engine, "save_state", None))


def state_capture(spec: ModelSpec, engine) -> Callable[[], dict]:
    def capture() -> dict:
        state = dict(engine.save_state())
        state.setdefault("engine", spec.name)
        state["step_index"] = int(engine.step_index)
        return state

    return capture


def run_generic(session, spec: ModelSpec, engine, writer) -> None:
    """Step `engine` until it is done, has made params.simulation_steps steps or is
    stopped; `session` is the RunSession (control, callbacks, status)."""
    params = session.config
    total = int(params.simulation_steps)
    every = int(params.snapshot_every)
    names = spec.metric_names
    if spec.events and callable(getattr(engine, "drain_events", None)):
        writer.take_events_from(engine.drain_events)
    first = int(engine.step_index)
    if spec.layers and every and (first % every == 0 or session._fork):
        writer.add_snapshot(first, _layers(spec, params, engine))
    saves = can_save(engine)
    capture = state_capture(spec, engine) if saves else None
    checkpoint_every = int(getattr(params, "checkpoint_every", 0) or 0) if saves else 0
    if saves:
        if session._continued:
            writer.known_checkpoint(first)
        else:
            writer.add_checkpoint(first, capture)
    control = session.control

    def paused() -> None:
        if saves:
            writer.add_checkpoint(int(engine.step_index), capture)
        writer.set_status("paused")
        session._state("paused")

    def resumed() -> None:
        writer.set_status("running")
        session._state("running")

    on_step = session.on_step
    while not engine.done and engine.step_index < total:
        if control.stopped or not control.wait_until_runnable(paused, resumed):
            break
        started = time.perf_counter()
        try:
            metrics = engine.step()
        except Exception as err:  # noqa: BLE001 - the model's code failed; the run records it
            raise EngineFailure(f"model {spec.name!r}: step {int(engine.step_index) + 1} raised "
                                f"{type(err).__name__}: {err}") from err
        k = int(engine.step_index)
        row = {"step": k - 1}
        row.update(zip(names, metric_values(spec, metrics), strict=True))
        layers = None
        if spec.layers and every and (k % every == 0 or engine.done or k >= total):
            try:
                layers = _layers(spec, params, engine)
            except BaseException:
                writer.add_step(row, None)  # the step itself is kept; its world could not be
                raise
        writer.add_step(row, layers)
        if checkpoint_every and k % checkpoint_every == 0 and not engine.done and k < total:
            writer.add_checkpoint(k, capture)
        if on_step is not None:
            on_step(row, engine)
        if control.speed:
            control.pace(started)
    last = int(engine.step_index)
    if spec.layers and every and not writer.has_snapshot(last):
        writer.add_snapshot(last, _layers(spec, params, engine))
    if saves:
        writer.add_checkpoint(last, capture)


__all__ = ["EngineFailure", "EngineOutputError", "build_engine", "can_save", "restore_engine", "run_generic"]
