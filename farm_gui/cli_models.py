"""`farm-gui models [--json]`: the available models with their version, parameters,
presets, metrics and world layers; broken plug-ins on stderr with their reason.

Exit codes: 0 when at least one model works; 1 when none does."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from pydantic_core import to_jsonable_python

from farm_gui.core.model import ModelSpec, PointLayer


def _parameter(name: str, field) -> dict[str, Any]:
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    bounds: dict[str, Any] = {}
    for meta in field.metadata:
        for key, attr in (("minimum", "ge"), ("minimum", "gt"), ("maximum", "le"), ("maximum", "lt")):
            value = getattr(meta, attr, None)
            if value is not None:
                bounds[key] = value
    annotation = field.annotation
    kind = getattr(annotation, "__name__", None) or str(annotation)
    default = field.get_default(call_default_factory=True)
    try:
        default = to_jsonable_python(default, by_alias=True)
    except Exception:  # noqa: BLE001 - a default pydantic cannot turn into JSON is shown as text
        default = str(default)
    return {"name": field.alias or name, "type": kind, "default": default,
            "description": field.description or "", "group": extra.get("group", ""),
            "minimum": bounds.get("minimum"), "maximum": bounds.get("maximum")}


def describe(spec: ModelSpec) -> dict[str, Any]:
    """A model's declaration as plain JSON-ready data."""
    fields = spec.parameters.model_fields
    return {
        "name": spec.name,
        "version": spec.version,
        "title": spec.label,
        "description": spec.description,
        "storage": spec.storage,
        "parameters": [_parameter(name, field) for name, field in fields.items()],
        "presets": list(spec.preset_names),
        "metrics": list(spec.metric_names),
        "metric_details": [{"name": m.name, "label": m.label, "unit": m.unit, "integer": m.integer,
                            "chart": m.chart, "category": m.category} for m in spec.metrics],
        "charts": [{"name": c.name, "title": c.title, "y_label": c.y_label} for c in spec.charts],
        "layers": [{"name": layer.name, "label": layer.label, "kind": layer.kind,
                    **({"fields": list(layer.fields)} if isinstance(layer, PointLayer)
                       else {"mode": layer.mode}),
                    "categories": [c.name for c in layer.categories]} for layer in spec.layers],
        "categories": [c.name for c in spec.categories],
        "events": spec.events,
        "death_causes": list(spec.death_causes),
    }


def cmd_models(args: argparse.Namespace) -> int:
    from farm_gui.core.registry import broken_models, models

    found = models()
    broken = broken_models()
    for b in broken:
        print(f"farm-gui: model plug-in {b.name!r} ({b.source}) is not available: {b.reason}",
              file=sys.stderr)
    if args.json:
        print(json.dumps([describe(spec) for spec in found.values()], indent=2))
    else:
        for spec in found.values():
            print(f"{spec.name} {spec.version}  {spec.label}")
            if spec.description:
                print(f"    {spec.description}")
            print(f"    presets: {', '.join(spec.preset_names)}")
            print(f"    metrics: {', '.join(spec.metric_names)}")
            params = ", ".join(f"{p['name']}={json.dumps(p['default'])}"
                               for p in (_parameter(n, f) for n, f in spec.parameters.model_fields.items())
                               if not isinstance(p["default"], dict))
            print(f"    parameters: {params}")
    if not found:
        print("farm-gui: no model is available", file=sys.stderr)
        return 1
    return 0


def add_models(sub) -> None:
    p = sub.add_parser("models", help="list the available models (built-in and plug-ins)",
                       description="Models come from the farm_gui.models entry points; plug-ins that "
                       "cannot be loaded are listed on stderr with the reason.")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_models)
