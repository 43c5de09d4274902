"""The plugin manager: built-ins by name, third-party plugins by entry point, only those enabled.

Core plugins (webhooks) are part of every server: registered first, whatever plugins.toml says.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any

import pluggy
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version
from pydantic import BaseModel, ValidationError

from crowdgraph import __version__, hookspecs
from crowdgraph.config import (
    ConfigError,
    Settings,
    describe_validation_error,
    from_environment,
)
from crowdgraph.manifest import Manifest

ENTRY_POINT_GROUP = "crowdgraph.plugins"
CORE_PLUGINS = {"webhooks": "crowdgraph.webhooks"}
"""Always on, never listed in plugins.enabled (their settings are read from ``[plugins.NAME]``)."""
BUILTINS = {
    "microtask": "crowdgraph.plugins.microtask",
    "contest": "crowdgraph.plugins.contest",
    "marketplace": "crowdgraph.plugins.marketplace",
}


class PluginError(ConfigError):
    """A plugin cannot be loaded or configured; the message names the plugin."""


@dataclass(frozen=True)
class LoadedPlugin:
    name: str
    module: ModuleType | Any
    source: str
    """``builtin`` or the distribution that provides the entry point."""
    manifest: Manifest
    settings: BaseModel


def available_plugins() -> dict[str, tuple[str, Any]]:
    """Every plugin this installation could enable: name -> (source, loader)."""
    found: dict[str, tuple[str, Any]] = {
        name: ("builtin", lambda path=path: importlib.import_module(path))
        for name, path in {**CORE_PLUGINS, **BUILTINS}.items()
    }
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist.name if ep.dist else "unknown distribution"
        if ep.name in found:
            raise PluginError(
                f"plugin {ep.name}: two plugins have this name ({found[ep.name][0]} and {dist})"
            )
        found[ep.name] = (dist, ep.load)
    return found


def new_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("crowdgraph")
    pm.add_hookspecs(hookspecs)
    return pm


def load_plugins(
    settings: Settings, extra: dict[str, Any] | None = None
) -> tuple[pluggy.PluginManager, list[LoadedPlugin]]:
    """Register the enabled plugins, validate their manifests and settings, and check versions.

    ``extra`` maps names to plugin objects that are not installed (used by tests and embedders).
    """
    pm = new_manager()
    enabled = settings.plugins.enabled
    duplicates = {name for name in enabled if enabled.count(name) > 1}
    if duplicates:
        raise PluginError(f"plugin {sorted(duplicates)[0]}: listed twice in plugins.enabled")
    for name in enabled:
        if name in CORE_PLUGINS:
            raise PluginError(
                f"plugin {name}: built in and always on; remove it from plugins.enabled"
            )
    available = available_plugins()
    for name, obj in (extra or {}).items():
        if name in available:
            raise PluginError(
                f"plugin {name}: two plugins have this name ({available[name][0]} and {obj!r})"
            )
        available[name] = ("embedded", lambda obj=obj: obj)
    loaded: list[LoadedPlugin] = []
    for name in [*CORE_PLUGINS, *enabled]:
        if name not in available:
            known = ", ".join(sorted(available)) or "none"
            raise PluginError(f"plugin {name}: unknown plugin (installed: {known})")
        source, load = available[name]
        try:
            module = load()
        except ImportError as exc:
            raise PluginError(f"plugin {name}: cannot be imported: {exc}") from exc
        try:
            pm.register(module, name=name)
        except pluggy.PluginValidationError as exc:
            raise PluginError(f"plugin {name}: {exc}") from exc
        manifest = _manifest(pm, name, module)
        answered_by(pm, "register_hookspecs", module)(pm=pm)
        plugin_settings = _settings(settings, name, manifest)
        loaded.append(LoadedPlugin(name, module, source, manifest, plugin_settings))
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin {pm.get_name(exc.plugin)}: {exc}") from exc
    names = {p.name for p in loaded}
    _check_tables(settings, names, available)
    for plugin in loaded:
        missing = [r for r in plugin.manifest.requires if r not in names]
        if missing:
            raise PluginError(
                f"plugin {plugin.name}: requires plugin {', '.join(missing)}, which is not enabled"
            )
    return pm, loaded


def answered_by(pm: pluggy.PluginManager, hook: str, plugin: object) -> Callable[..., list[Any]]:
    """``hook`` as ``plugin`` alone answers it, still called through pluggy (argument matching,
    tracing, and every plugin's wrappers around it)."""
    wrapping = [
        impl.plugin
        for impl in getattr(pm.hook, hook).get_hookimpls()
        if impl.wrapper or impl.hookwrapper
    ]
    others = [
        p
        for p in pm.get_plugins()
        if p is not plugin and not any(p is wrapper for wrapper in wrapping)
    ]
    return pm.subset_hook_caller(hook, remove_plugins=others)


def by_plugin(pm: pluggy.PluginManager, hook: str) -> list[tuple[str, Callable[..., list[Any]]]]:
    """Each plugin that implements ``hook``, with a caller of its answer (``answered_by``), in
    the order the plugins were enabled: so a result, or a failure, is known by its plugin."""
    return [
        (impl.plugin_name, answered_by(pm, hook, impl.plugin))
        for impl in getattr(pm.hook, hook).get_hookimpls()
        if not (impl.wrapper or impl.hookwrapper)
    ]


def contributions(pm: pluggy.PluginManager, hook: str, **kwargs: Any) -> list[tuple[str, Any]]:
    """What each plugin's ``hook`` returned, with the plugin's name, in the order plugins were
    enabled; Nones left out."""
    found: list[tuple[str, Any]] = []
    for name, call in by_plugin(pm, hook):
        try:
            answers = call(**kwargs)
        except PluginError:
            raise
        except Exception as exc:
            raise PluginError(f"plugin {name}: {hook} failed: {type(exc).__name__}: {exc}") from exc
        found.extend((name, answer) for answer in answers)
    return found


def registry_hooks(pm: pluggy.PluginManager) -> dict[str, hookspecs.Registry]:
    """The hooks marked ``@registry`` (the core's and the plugins' own), by name."""
    found = {}
    for name, caller in vars(pm.hook).items():
        spec = getattr(caller, "spec", None)
        marked = getattr(spec.function, "crowdgraph_registry", None) if spec else None
        if isinstance(marked, hookspecs.Registry):
            found[name] = marked
    return found


def collect_registry(
    pm: pluggy.PluginManager, hook: str, taken: dict[str, str], **kwargs: Any
) -> dict[str, Any]:
    """Everything the plugins register through the registry hook ``hook``, by name. A name
    registered twice (or in ``taken``: name -> its owner) stops the start, naming both owners."""
    spec = registry_hooks(pm)[hook]
    owners = dict(taken)
    found: dict[str, Any] = {}
    for plugin, contributed in contributions(pm, hook, **kwargs):
        if not isinstance(contributed, list | tuple):
            raise PluginError(f"plugin {plugin}: {hook} must return a list of {spec.what}s")
        for item in contributed:
            name = getattr(item, spec.key, None)
            if not isinstance(name, str):
                raise PluginError(
                    f"plugin {plugin}: {hook} returned {item!r}, which has no {spec.key}"
                )
            if name in owners:
                by = "itself" if owners[name] == f"plugin {plugin}" else owners[name]
                raise PluginError(
                    f"plugin {plugin}: {spec.what} {name} is already registered by {by}"
                )
            owners[name] = f"plugin {plugin}"
            found[name] = item
    return found


def _manifest(pm: pluggy.PluginManager, name: str, module: Any) -> Manifest:
    if not any(impl.plugin is module for impl in pm.hook.register_manifest.get_hookimpls()):
        raise PluginError(f"plugin {name}: does not implement register_manifest")
    answers = answered_by(pm, "register_manifest", module)()
    manifest = answers[0] if answers else None
    if not isinstance(manifest, Manifest):
        raise PluginError(f"plugin {name}: register_manifest must return a crowdgraph Manifest")
    if manifest.name != name:
        raise PluginError(f"plugin {name}: its manifest calls it {manifest.name!r}")
    try:
        supported = SpecifierSet(manifest.crowdgraph)
    except InvalidSpecifier as exc:
        raise PluginError(
            f"plugin {name}: crowdgraph = {manifest.crowdgraph!r} is not a version specifier"
        ) from exc
    if Version(__version__) not in supported:
        raise PluginError(
            f"plugin {name}: supports crowdgraph {manifest.crowdgraph}, this is crowdgraph {__version__}"
        )
    if manifest.models and not manifest.migrations:
        raise PluginError(f"plugin {name}: has models but declares no migrations package")
    return manifest


def _settings(settings: Settings, name: str, manifest: Manifest) -> BaseModel:
    """The plugin's table, with the environment's ``CROWDGRAPH_PLUGINS_<NAME>_<KEY>`` over it."""
    table, given = from_environment(
        manifest.settings, settings.plugins.table(name), ("plugins", name), settings.environment
    )
    try:
        return manifest.settings.model_validate(table)
    except ValidationError as exc:
        problems = describe_validation_error(exc, f"plugins.{name}", given)
        raise PluginError(f"plugin {name}: bad settings: {problems}") from exc


def _check_tables(settings: Settings, loaded: set[str], available: dict[str, Any]) -> None:
    """A settings table must belong to a plugin that runs: else it is a typo or forgotten."""
    for table in settings.plugins.model_extra or {}:
        if table in loaded:
            continue
        if table in available:
            raise PluginError(
                f"plugins.{table}: plugin {table} is not enabled; add it to plugins.enabled "
                "or remove its table"
            )
        known = ", ".join(sorted(available)) or "none"
        raise PluginError(f"plugins.{table}: no plugin is called {table} (installed: {known})")


def describe_plugins(
    settings: Settings, available: dict[str, tuple[str, Any]]
) -> list[dict[str, Any]]:
    """Every installed plugin: name, version, source, enabled, the hooks it implements."""
    rows = []
    for name, (source, load) in sorted(available.items()):
        row: dict[str, Any] = {
            "name": name,
            "version": "?",
            "source": source,
            "enabled": name in CORE_PLUGINS or name in settings.plugins.enabled,
            "hooks": [],
        }
        try:
            pm = new_manager()
            module = load()
            pm.register(module, name=name)
            row["version"] = _manifest(pm, name, module).version
            row["hooks"] = sorted(
                hook
                for hook, caller in vars(pm.hook).items()
                if any(impl.plugin is module for impl in caller.get_hookimpls())
            )
        except (ImportError, PluginError) as exc:
            row["error"] = str(exc)
        rows.append(row)
    return rows
