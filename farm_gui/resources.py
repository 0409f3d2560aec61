"""Where the application's resources are: icons, presets, example configurations
and theme files. No Qt.

The folder is ``resources/`` at the top of the repository. It is found, in order:

1. ``$FARM_GUI_RESOURCES`` (a folder), for tests and odd installs;
2. ``farm_gui/_resources`` inside the installed package: a wheel copies the top-level
   folder there (``setup.py``'s build step), and so does the packaged build;
3. ``resources/`` beside the ``farm_gui`` package: a source checkout or an editable install.

Presets live in ``presets/<model>/<name>.yaml`` (a run configuration naming only the
parameters it changes) with ``order.txt`` giving the order of the preset list;
example configurations in ``examples/*.yaml``, each starting with a comment whose first
line is its title and whose other lines describe it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

ENV_VAR = "FARM_GUI_RESOURCES"
APP_ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
DEFAULT_MODEL = "foraging"


class ResourceError(RuntimeError):
    """A resource file is missing or unreadable (a broken installation)."""


def _looks_like_resources(path: Path) -> bool:
    return (path / "icons").is_dir() and (path / "presets").is_dir()


@cache
def root() -> Path:
    """The resources folder (see the module's docstring for the search order)."""
    override = os.environ.get(ENV_VAR)
    if override:
        path = Path(override).expanduser()
        if not _looks_like_resources(path):
            raise ResourceError(f"{ENV_VAR}={override} is not a Farm GUI resources folder "
                                "(it needs icons/ and presets/)")
        return path
    package = Path(__file__).resolve().parent
    for candidate in (package / "_resources", package.parent / "resources"):
        if _looks_like_resources(candidate):
            return candidate
    raise ResourceError(f"Farm GUI's resources folder is missing (looked in {package / '_resources'} "
                        f"and {package.parent / 'resources'}); reinstall Farm GUI")


def path(*parts: str) -> Path:
    """A file or folder inside the resources folder (it must exist)."""
    target = root().joinpath(*parts)
    if not target.exists():
        raise ResourceError(f"Farm GUI resource {'/'.join(parts)} is missing in {root()}; reinstall Farm GUI")
    return target


def read_text(*parts: str) -> str:
    try:
        return path(*parts).read_text(encoding="utf-8")
    except OSError as err:
        raise ResourceError(f"cannot read Farm GUI resource {'/'.join(parts)}: {err}") from None


# ----- icons ---------------------------------------------------------------------------------


def app_icon_svg() -> Path:
    return path("icons", "app", "farm-gui.svg")


def app_icon_png(size: int) -> Path:
    return path("icons", "app", f"farm-gui-{size}.png")


def action_icon_svg(name: str) -> str:
    """The SVG text of a toolbar / menu icon, drawn in ``currentColor`` (recoloured when loaded)."""
    return read_text("icons", "actions", f"{name}.svg")


def action_icon_names() -> list[str]:
    return sorted(p.stem for p in path("icons", "actions").glob("*.svg"))


# ----- themes --------------------------------------------------------------------------------


@cache
def theme_colors() -> dict:
    """``themes/colors.yaml``: per theme (light, dark) the chart, icon and palette colours."""
    data = yaml.safe_load(read_text("themes", "colors.yaml"))
    if not isinstance(data, dict) or not {"light", "dark"} <= set(data):
        raise ResourceError("themes/colors.yaml must define the light and dark themes")
    return data


def style_sheet(theme: str) -> str:
    return read_text("themes", f"{theme}.qss")


# ----- presets and examples ------------------------------------------------------------------


def presets_folder(model: str = DEFAULT_MODEL) -> Path:
    return path("presets", model)


@cache
def preset_names(model: str = DEFAULT_MODEL) -> tuple[str, ...]:
    """The model's presets, in the order of ``order.txt`` (then any others by name)."""
    folder = presets_folder(model)
    found = {p.stem for p in folder.glob("*.yaml")}
    order_file = folder / "order.txt"
    listed = order_file.read_text(encoding="utf-8").split() if order_file.is_file() else []
    ordered = [n for n in listed if n in found]
    return tuple(ordered + sorted(found - set(ordered)))


def preset_file(name: str, model: str = DEFAULT_MODEL) -> Path | None:
    """The preset's YAML file, or None when the model has no preset of that name."""
    if name not in preset_names(model):
        return None
    return presets_folder(model) / f"{name}.yaml"


@dataclass(frozen=True)
class Example:
    path: Path
    title: str
    description: str


def examples_folder() -> Path:
    return path("examples")


def _leading_comment(text: str) -> list[str]:
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    return lines


def examples() -> list[Example]:
    """The example configurations, by title."""
    found = []
    for file in sorted(examples_folder().glob("*.yaml")):
        try:
            comment = _leading_comment(file.read_text(encoding="utf-8"))
        except OSError:
            comment = []
        title = comment[0] if comment and comment[0] else file.stem.replace("-", " ").capitalize()
        found.append(Example(file, title, " ".join(line for line in comment[1:] if line)))
    return sorted(found, key=lambda e: e.title.lower())
