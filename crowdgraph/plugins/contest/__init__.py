"""Contests: a challenge posed to the crowd; entrants compete, judges score, several winners are ranked and paid."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from crowdgraph import __version__, hookimpl
from crowdgraph.manifest import Manifest
from crowdgraph.plugins.contest import contests, phases, records, stages
from crowdgraph.plugins.contest.loaders import ContestLoaders
from crowdgraph.schema.part import SchemaPart


class ContestSettings(BaseModel, extra="forbid"):
    sweep_seconds: float = Field(default=30.0, gt=0)
    """How often the sweeper applies passed deadlines (reads apply them too)."""


@hookimpl
def register_manifest() -> Manifest:
    return Manifest(
        name="contest",
        version=__version__,
        description="Contests: a challenge posed to the crowd; entrants compete, judges score, several winners are ranked and paid.",
        crowdgraph=f"=={__version__}",
        models=("crowdgraph.plugins.contest.models",),
        migrations="crowdgraph.plugins.contest.migrations",
        settings=ContestSettings,
    )


@hookimpl
def register_requirements(platform: Any) -> list[Any]:
    return [stages.PLACED]


@hookimpl
def register_engagement_visibility(platform: Any) -> Any:
    return contests.hidden_engagements


@hookimpl
def register_worker_facts(platform: Any) -> Any:
    return records.worker_facts


@hookimpl
def register_open_work(platform: Any) -> Any:
    return records.open_work


@hookimpl
def register_stage_runners(platform: Any) -> list[Any]:
    return [stages.RUNNER]


@hookimpl
async def handle_event(platform: Any, event: Any) -> None:
    await stages.on_event(platform, event)


@hookimpl
def register_schema(platform: Any) -> SchemaPart:
    from crowdgraph.plugins.contest.schema import part

    return part()


@hookimpl
def register_context(platform: Any, context: Any) -> dict[str, Any]:
    return {"loaders": ContestLoaders()}


@hookimpl
async def register_demo_data(platform: Any, demo: Any) -> None:
    from crowdgraph.plugins.contest.demo import create_demo_contest

    await create_demo_contest(demo)


@hookimpl
async def startup(platform: Any) -> None:
    """Apply passed deadlines every ``sweep_seconds`` (reads apply them too)."""
    interval = platform.plugin_settings("contest").sweep_seconds
    platform.every(interval, "contest.deadlines", phases.sweep)
