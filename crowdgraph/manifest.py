"""What a plugin declares about itself, in one place (``register_manifest``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel


class NoSettings(BaseModel, extra="forbid"):
    """Settings of a plugin that takes none: any key under its table is an error."""


@dataclass(frozen=True)
class Manifest:
    """A plugin's name, version, compatibility, tables and settings."""

    name: str
    version: str
    description: str = ""
    crowdgraph: str = ">=0.1"
    """Which crowdgraph versions the plugin supports, as a PEP 440 specifier."""
    requires: tuple[str, ...] = ()
    """Other plugins that must be enabled with this one."""
    models: tuple[str, ...] = ()
    """Modules holding the plugin's Tortoise models; their tables are prefixed by the plugin's name."""
    migrations: str | None = None
    """The package holding the plugin's migrations (required when it has models)."""
    settings: type[BaseModel] = field(default=NoSettings)
    """The pydantic model that validates the plugin's table in plugins.toml."""
