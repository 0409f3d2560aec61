"""Finding models: every ``farm_gui.models`` entry point (the built-in models declare
theirs in Farm GUI's own pyproject.toml, exactly like a researcher's plug-in).

An entry point names a ``ModelSpec`` or a function returning one. A plug-in that fails
to import or whose declaration is invalid is reported (``broken_models()``: the plug-in's
name and the reason) and left out; the other models stay available.
"""

from __future__ import annotations

import difflib
import logging
import threading
from dataclasses import dataclass
from importlib.metadata import EntryPoint, PackageNotFoundError, distribution, entry_points

from .model import ModelSpec

log = logging.getLogger(__name__)

GROUP = "farm_gui.models"
DEFAULT_MODEL = "foraging"
BUILTIN_PACKAGE = "farm_gui.models"


class UnknownModelError(KeyError):
    def __str__(self) -> str:  # KeyError quotes its message
        return str(self.args[0])


@dataclass(frozen=True)
class BrokenModel:
    name: str  # the entry point's name
    source: str  # "module:attribute"
    reason: str


_lock = threading.Lock()
_models: dict[str, ModelSpec] | None = None
_broken: list[BrokenModel] = []
_extra: dict[str, ModelSpec] = {}  # registered in-process (tests, scripts)


def _load(ep: EntryPoint) -> ModelSpec:
    obj = ep.load()
    spec = obj() if callable(obj) and not isinstance(obj, ModelSpec) else obj
    if not isinstance(spec, ModelSpec):
        raise TypeError(f"{ep.value} is {type(spec).__name__}, not a ModelSpec")
    problems = spec.problems()
    if problems:
        raise ValueError("; ".join(problems))
    if spec.name != ep.name:
        raise ValueError(f"the entry point is named {ep.name!r} but the model calls itself {spec.name!r}")
    return spec


def _builtin_entry_points() -> list[EntryPoint]:
    """The built-in models' entry points, read from the ``farm_gui.models`` package when
    Farm GUI's own metadata is not there to declare them: a source tree on ``sys.path``
    without ``pip install``, or a frozen build that left the metadata out (the packaged
    build once did, and knew no model at all)."""
    try:
        distribution("farm-gui")
        return []
    except PackageNotFoundError:
        pass
    import pkgutil
    from importlib.util import find_spec

    package = find_spec(BUILTIN_PACKAGE)  # found by name, as entry points are: no import of a model
    if package is None or not package.submodule_search_locations:
        return []
    return [EntryPoint(name, f"{BUILTIN_PACKAGE}.{name}:SPEC", GROUP)
            for _finder, name, is_package in pkgutil.iter_modules(package.submodule_search_locations)
            if is_package]


def _discover() -> dict[str, ModelSpec]:
    global _models
    with _lock:
        if _models is not None:
            return _models
        found: dict[str, ModelSpec] = {}
        broken: list[BrokenModel] = []
        declared = [*entry_points(group=GROUP), *_builtin_entry_points()]
        for ep in sorted(declared, key=lambda e: e.name):
            if ep.name in found:
                broken.append(BrokenModel(ep.name, ep.value, "another plug-in already provides this name"))
                continue
            try:
                found[ep.name] = _load(ep)
            except Exception as err:  # noqa: BLE001 - any failure of a plug-in is reported, not raised
                reason = f"{type(err).__name__}: {err}"
                log.warning("model plug-in %s (%s) is not available: %s", ep.name, ep.value, reason)
                broken.append(BrokenModel(ep.name, ep.value, reason))
        _broken[:] = broken
        _models = found
        return found


def models() -> dict[str, ModelSpec]:
    """Every available model by name, the default model first, then by name."""
    found = {**_discover(), **_extra}
    order = sorted(found, key=lambda n: (n != DEFAULT_MODEL, n))
    return {n: found[n] for n in order}


def broken_models() -> list[BrokenModel]:
    _discover()
    return list(_broken)


def get_model(name: str | None) -> ModelSpec:
    name = name or DEFAULT_MODEL
    found = models()
    if name in found:
        return found[name]
    for b in broken_models():
        if b.name == name:
            raise UnknownModelError(f"model {name!r} is not available: {b.reason}")
    close = difflib.get_close_matches(str(name), list(found), n=1, cutoff=0.75)
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise UnknownModelError(f"unknown model {name!r}{hint}; available: {', '.join(found) or 'none'}")


def declared_by_entry_point(name: str) -> bool:
    """Whether the model ``name`` comes from an entry point (a built-in or an installed
    plug-in), so that another process finds it too (not one given to ``register``)."""
    return name not in _extra and name in _discover()


def register(spec: ModelSpec) -> None:
    """Make a model available in this process without an entry point (tests, notebooks)."""
    problems = spec.problems()
    if problems:
        raise ValueError(f"model {spec.name!r}: " + "; ".join(problems))
    _extra[spec.name] = spec


def unregister(name: str) -> None:
    _extra.pop(name, None)


def reload() -> None:
    """Forget what was discovered (after installing a plug-in in a running process)."""
    global _models
    with _lock:
        _models = None
        _broken.clear()
