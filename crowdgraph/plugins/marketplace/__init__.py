"""Talent marketplace: offers, job postings, screening exams, proposals and contracts with milestones."""

from __future__ import annotations

import logging
from typing import Any

from crowdgraph import __version__, hookimpl
from crowdgraph.core.eligibility import RequirementKind
from crowdgraph.manifest import Manifest
from crowdgraph.platform import Platform
from crowdgraph.plugins.marketplace import contracts, exams, records, schema, stages
from crowdgraph.plugins.marketplace import demo as demo_data
from crowdgraph.plugins.marketplace.settings import MarketplaceSettings, settings_of
from crowdgraph.schema.part import SchemaPart

log = logging.getLogger("crowdgraph.marketplace")


@hookimpl
def register_manifest() -> Manifest:
    return Manifest(
        name="marketplace",
        version=__version__,
        description="Talent marketplace: offers, job postings, screening exams, proposals and contracts with milestones.",
        crowdgraph=f"=={__version__}",
        models=("crowdgraph.plugins.marketplace.models",),
        migrations="crowdgraph.plugins.marketplace.migrations",
        settings=MarketplaceSettings,
    )


@hookimpl
def register_requirements(platform: Platform) -> list[RequirementKind]:
    return [exams.EXAM_REQUIREMENT, stages.WAS_HIRED]


@hookimpl
def register_worker_facts(platform: Any) -> Any:
    return records.worker_facts


@hookimpl
def register_open_work(platform: Any) -> Any:
    return records.open_work


@hookimpl
def register_stage_runners(platform: Platform) -> list[Any]:
    return [stages.RUNNER]


@hookimpl
async def handle_event(platform: Platform, event: Any) -> None:
    await stages.on_event(platform, event)


@hookimpl
def register_schema(platform: Platform) -> SchemaPart:
    return schema.schema_part()


@hookimpl
async def register_demo_data(platform: Platform, demo: Any) -> None:
    await demo_data.create(demo)


async def _sweep() -> None:
    released = await contracts.release_overdue()
    if released:
        log.info("released %d overdue milestones", released)


@hookimpl
async def startup(platform: Platform) -> None:
    """Release overdue milestones now, then every few seconds; reads release them lazily too."""
    await _sweep()
    platform.every(settings_of(platform).sweep_seconds, "marketplace.milestones", _sweep)
