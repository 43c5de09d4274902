"""Fixtures for the microtask tests: a platform with only microtask, and a ready batch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest_asyncio

from crowdgraph import hookimpl
from crowdgraph.core.models import Organization, Project
from crowdgraph.manifest import Manifest
from crowdgraph.platform import Platform
from crowdgraph.plugins.microtask import batches
from crowdgraph.plugins.microtask.aggregation import NUMERIC, Aggregator, Estimate, Vote
from crowdgraph.plugins.microtask.batches import BatchFields
from crowdgraph.plugins.microtask.config import Config
from crowdgraph.plugins.microtask.models import Batch
from crowdgraph.testing import Factory, Person, PlatformFactory

LABELS = {"kind": "label", "labels": ["cat", "dog", "bird"]}


@dataclass
class Shop:
    """An organization with money, its owner, a project and the plugin's config."""

    platform: Platform
    config: Config
    org: Organization
    owner: Person
    project: Project
    factory: Factory

    async def batch(
        self, tasks: int = 3, *, open_it: bool = True, gold: list[Any] | None = None, **fields: Any
    ) -> Batch:
        values: dict[str, Any] = {
            "title": "Label animals",
            "answer_spec": LABELS,
            "reward": 10,
            "overlap": 2,
            **fields,
        }
        batch = await batches.create_batch(
            self.owner.actor, self.config, self.project.id, BatchFields(**values)
        )
        items: list[dict[str, Any]] = [{"input": {"image": f"img{i}.jpg"}} for i in range(tasks)]
        items += [
            {"input": {"image": f"gold{i}.jpg"}, "gold": answer}
            for i, answer in enumerate(gold or [])
        ]
        if items:
            await batches.add_tasks(self.owner.actor, self.config, batch.id, items)
        if open_it:
            batch = await batches.open_batch(self.owner.actor, batch.id)
        return batch


@pytest_asyncio.fixture
async def platform(make_platform: PlatformFactory) -> Platform:
    return await make_platform(plugins=["microtask"])


@pytest_asyncio.fixture
async def shop(platform: Platform, factory: Factory) -> Shop:
    org, owner = await factory.organization(funds=100_000)
    project = await factory.project(owner, org)
    return Shop(platform, Config.of(platform), org, owner, project, factory)


class TrimmedMeanPlugin:
    """A third-party plugin that adds an aggregator through microtask's own hookspec."""

    @staticmethod
    @hookimpl
    def register_manifest() -> Manifest:
        return Manifest(name="trimmed", version="1.0", requires=("microtask",))

    @staticmethod
    @hookimpl
    def register_aggregators() -> list[Aggregator]:
        def trimmed(votes: Sequence[Vote], accuracy: dict[int, float]) -> dict[int, Estimate]:
            values = sorted(float(v.value) for v in votes)
            kept = values[1:-1] or values
            return {votes[0].task_id: Estimate(sum(kept) / len(kept), 1.0)}

        return [Aggregator("trimmed_mean", NUMERIC, "mean without the extremes", trimmed)]


crowdgraph_extra_plugins = {"trimmed": TrimmedMeanPlugin}
