"""Micro-tasks: batches of small tasks, claimed and answered by many workers; redundancy and aggregation decide the result."""

from __future__ import annotations

from functools import partial
from typing import Any

import pluggy

from crowdgraph import __version__, hookimpl
from crowdgraph.manifest import Manifest
from crowdgraph.plugins.microtask import hookspecs, records, stages
from crowdgraph.plugins.microtask.aggregation import BUILTIN, Aggregator
from crowdgraph.plugins.microtask.config import NAME, Config, MicrotaskSettings
from crowdgraph.plugins.microtask.sweeper import sweep
from crowdgraph.schema.part import SchemaPart


@hookimpl
def register_manifest() -> Manifest:
    return Manifest(
        name=NAME,
        version=__version__,
        description="Micro-tasks: batches of small tasks, claimed and answered by many workers; redundancy and aggregation decide the result.",
        crowdgraph=f"=={__version__}",
        models=("crowdgraph.plugins.microtask.models",),
        migrations="crowdgraph.plugins.microtask.migrations",
        settings=MicrotaskSettings,
    )


@hookimpl
def register_hookspecs(pm: pluggy.PluginManager) -> None:
    pm.add_hookspecs(hookspecs)


@hookimpl
def register_aggregators() -> list[Aggregator]:
    return BUILTIN


@hookimpl
def register_requirements(platform: Any) -> list[Any]:
    return [stages.GOLD_ACCURACY]


@hookimpl
def register_worker_facts(platform: Any) -> Any:
    return records.worker_facts


@hookimpl
def register_open_work(platform: Any) -> Any:
    return records.open_work


@hookimpl
def register_stage_runners(platform: Any) -> list[Any]:
    return [stages.runner(Config.of(platform))]


@hookimpl
async def handle_event(platform: Any, event: Any) -> None:
    await stages.on_event(platform, event)


@hookimpl
def register_schema(platform: Any) -> SchemaPart:
    from crowdgraph.plugins.microtask.schema import schema_part

    return schema_part()


@hookimpl
def register_context(platform: Any, context: Any) -> dict[str, Any]:
    from crowdgraph.plugins.microtask.schema import results_loader, standings_loader

    config = Config.of(platform)
    return {
        "config": config,
        "standings": standings_loader(),
        "results": results_loader(config),
    }


@hookimpl
def register_commands(cli: Any, platform_factory: Any) -> None:
    from crowdgraph.plugins.microtask.cli import register

    register(cli, platform_factory)


@hookimpl
async def register_demo_data(platform: Any, demo: Any) -> None:
    from crowdgraph.plugins.microtask.demo import create

    await create(platform, demo)


@hookimpl
async def startup(platform: Any) -> None:
    """Sweep (leases, auto-approval, deadlines, appeals) every ``sweep_seconds``, once at a time."""
    config = Config.of(platform)
    platform.every(config.settings.sweep_seconds, "microtask.sweep", partial(sweep, config))
