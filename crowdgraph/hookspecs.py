"""Every hook a crowdgraph plugin can implement.

A plugin is a module (or object) whose functions are marked with ``crowdgraph.hookimpl``.
Hooks that contribute things are named ``register_*``; each returns its contribution or None.
The platform calls every hook through pluggy (``pm.hook.NAME``), so an implementation may take
fewer arguments than its spec, and ``wrapper=True`` implementations and hook tracing work.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import pluggy

if TYPE_CHECKING:
    import click

    from crowdgraph.core.events import Event
    from crowdgraph.core.runtime import HiddenEngagements, OpenWorkOf, WorkerFacts
    from crowdgraph.core.stages import StageRunner
    from crowdgraph.manifest import Manifest
    from crowdgraph.platform import Platform
    from crowdgraph.schema.part import SchemaPart

hookspec = pluggy.HookspecMarker("crowdgraph")

Spec = TypeVar("Spec", bound=Callable[..., Any])


@dataclass(frozen=True)
class Registry:
    """What a registry hook's implementations return: lists of ``what``, each named by ``key``."""

    what: str
    key: str


def registry(what: str, key: str = "name") -> Callable[[Spec], Spec]:
    """Mark a hookspec whose implementations return lists of named things: the platform collects
    them once, when it is built, and a name two plugins register stops the start."""

    def mark(spec: Spec) -> Spec:
        spec.crowdgraph_registry = Registry(what, key)  # type: ignore[attr-defined]
        return spec

    return mark


@hookspec
def register_manifest() -> Manifest:
    """What the plugin is and adds: name, version, supported crowdgraph versions, tables, settings."""


@hookspec
def register_hookspecs(pm: pluggy.PluginManager) -> None:
    """Add hookspecs of the plugin's own (e.g. microtask's aggregators) for other plugins to implement."""


@hookspec
def register_schema(platform: Platform) -> SchemaPart:
    """The plugin's part of the GraphQL schema: root fields, mutations, subscriptions and types."""


@hookspec
def register_context(platform: Platform, context: Any) -> dict[str, Any]:
    """Per-request additions to the GraphQL context, such as the plugin's DataLoaders."""


@registry("requirement kind")
@hookspec
def register_requirements(platform: Platform) -> list[Any]:
    """Eligibility checks (``RequirementKind``) that any model's requirements can name."""


@hookspec
def register_engagement_visibility(platform: Platform) -> HiddenEngagements:
    """A rule hiding some of the model's engagements from some callers (say, judges of a blind contest)."""


@hookspec
def register_worker_facts(platform: Platform) -> WorkerFacts:
    """What the model knows of a worker, for their record across models (accuracy, ratings, placements)."""


@hookspec
def register_open_work(platform: Platform) -> OpenWorkOf:
    """The model's open work in an organization with its requirements, for skills in demand."""


@registry("stage runner for model", key="model")
@hookspec
def register_stage_runners(platform: Platform) -> list[StageRunner]:
    """How the model runs a stage of a combined project: start it, see it end, carry who qualified."""


@hookspec
def register_commands(cli: click.Group, platform_factory: Any) -> None:
    """Add sub-commands to the ``crowdgraph`` command line."""


@hookspec
async def register_demo_data(platform: Platform, demo: Any) -> None:
    """Create the plugin's sample data in a fresh demo database."""


@hookspec
async def handle_event(platform: Platform, event: Event) -> None:
    """React to a committed domain event from any model."""


@hookspec
async def startup(platform: Platform) -> None:
    """Start the plugin's background work (sweepers, timers) when the server starts."""


@hookspec
async def shutdown(platform: Platform) -> None:
    """Stop the plugin's background work when the server stops."""
