"""What the window remembers between sessions (QSettings, INI format).

Tests and scripts point QSettings somewhere else with
``QSettings.setPath(<IniFormat or NativeFormat>, QSettings.UserScope, tmp)``, an
organization name of their own (``QCoreApplication.setOrganizationName``), or the
``FARM_GUI_SETTINGS`` environment variable (a file path).
"""

from __future__ import annotations

import json
import os

from PySide6.QtCore import QByteArray, QCoreApplication, QSettings, QStandardPaths

from farm_gui.config import ConfigError, RunConfig, config_from_dict, config_to_dict

ORGANIZATION = "FarmGUI"
APPLICATION = "farm-gui"
MAX_RECENT = 8


def _redirected_settings(organization: str) -> QSettings | None:
    """Settings in a location moved with QSettings.setPath (tests do that), whichever
    format was redirected; None when neither was."""
    home = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericConfigLocation)
    for fmt in (QSettings.Format.IniFormat, QSettings.Format.NativeFormat):
        candidate = QSettings(fmt, QSettings.Scope.UserScope, organization, APPLICATION)
        if home and not candidate.fileName().startswith(home):
            return candidate
    return None


class WindowSettings:
    def __init__(self) -> None:
        path = os.environ.get("FARM_GUI_SETTINGS")
        if path:
            self.qsettings = QSettings(path, QSettings.Format.IniFormat)
            return
        organization = QCoreApplication.organizationName() or ORGANIZATION
        self.qsettings = _redirected_settings(organization) or QSettings(
            QSettings.Format.IniFormat, QSettings.Scope.UserScope, organization, APPLICATION)

    # geometry and dock layout
    def geometry(self) -> QByteArray | None:
        value = self.qsettings.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    def layout_state(self) -> QByteArray | None:
        value = self.qsettings.value("window/state")
        return value if isinstance(value, QByteArray) else None

    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        self.qsettings.setValue("window/geometry", geometry)
        self.qsettings.setValue("window/state", state)

    # recent workspaces
    def recent_workspaces(self) -> list[str]:
        value = self.qsettings.value("workspaces/recent", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])][:MAX_RECENT]

    def add_recent(self, path: str) -> list[str]:
        recent = [path] + [p for p in self.recent_workspaces() if p != path]
        self.qsettings.setValue("workspaces/recent", recent[:MAX_RECENT])
        return recent[:MAX_RECENT]

    def last_workspace(self) -> str | None:
        """The workspace (path or URL) the window had open last."""
        value = self.qsettings.value("workspaces/last")
        return str(value) if value else None

    def set_last_workspace(self, target: str) -> None:
        self.qsettings.setValue("workspaces/last", target)

    # last config
    def last_config(self) -> RunConfig | None:
        text = self.qsettings.value("form/last_config")
        if not text:
            return None
        try:
            return config_from_dict(json.loads(str(text)))
        except (ValueError, ConfigError):
            return None  # an older or damaged entry: start from the defaults

    def save_config(self, config: RunConfig) -> None:
        """The default model's last configuration (another model's form is not kept)."""
        if isinstance(config, RunConfig):
            self.qsettings.setValue("form/last_config", json.dumps(config_to_dict(config)))

    def kept_params(self) -> dict[str, object]:
        """Each installed model's last parameters but the default model's (``last_config``);
        an entry that no longer validates (an older or damaged one) is left out."""
        from farm_gui.config.model_files import params_from_dict
        from farm_gui.core.registry import UnknownModelError, get_model

        kept = {}
        self.qsettings.beginGroup("form/params")
        try:
            entries = {name: self.qsettings.value(name) for name in self.qsettings.childKeys()}
        finally:
            self.qsettings.endGroup()
        for name, text in entries.items():
            try:
                spec = get_model(name)
                kept[name] = params_from_dict(spec, json.loads(str(text)), f"settings form/params/{name}")
            except (UnknownModelError, ValueError, ConfigError):
                continue
        return kept

    def save_kept_params(self, kept: dict[str, object]) -> None:
        """Keep each model's parameters (the default model's as ``last_config``)."""
        from farm_gui.config.model_files import params_to_dict
        from farm_gui.core.registry import UnknownModelError, get_model

        for name, params in kept.items():
            if isinstance(params, RunConfig):
                self.save_config(params)
                continue
            try:
                spec = get_model(name)
            except UnknownModelError:
                continue
            self.qsettings.setValue(f"form/params/{name}", json.dumps(params_to_dict(spec, params)))

    def last_model(self) -> str | None:
        """The model chosen in the picker when the window last closed."""
        value = self.qsettings.value("form/last_model")
        return str(value) if value else None

    def set_last_model(self, name: str) -> None:
        self.qsettings.setValue("form/last_model", name)

    # appearance
    def dark(self) -> bool:
        return str(self.qsettings.value("view/dark", "false")).lower() == "true"

    def set_dark(self, dark: bool) -> None:
        self.qsettings.setValue("view/dark", "true" if dark else "false")

    def sync(self) -> None:
        self.qsettings.sync()
