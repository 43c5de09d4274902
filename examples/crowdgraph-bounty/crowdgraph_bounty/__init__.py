"""Open bounties for crowdgraph: a bounty takes many fulfilments, and the funder accepts one or more.

This module is the plugin: the entry point ``bounty = "crowdgraph_bounty"`` (pyproject.toml) names it,
and crowdgraph registers its ``@hookimpl`` functions when ``bounty`` is enabled in plugins.toml.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crowdgraph import hookimpl
from crowdgraph.core.eligibility import Requirement, RequirementKind
from crowdgraph.core.models import WorkerProfile
from crowdgraph.core.workforce import WorkerFact
from crowdgraph.manifest import Manifest
from crowdgraph.schema.part import SchemaPart
from crowdgraph_bounty.settings import BountySettings

__version__ = "1.0.0"


@hookimpl
def register_manifest() -> Manifest:
    return Manifest(
        name="bounty",
        version=__version__,
        description="Open bounties: many fulfilments, the funder accepts one or more.",
        crowdgraph=">=0.1,<0.2",
        models=("crowdgraph_bounty.models",),
        migrations="crowdgraph_bounty.migrations",
        settings=BountySettings,
    )


@hookimpl
def register_schema(platform: Any) -> SchemaPart:
    from crowdgraph_bounty.schema import part

    return part()


def _validate_accepted(req: Requirement) -> list[str]:
    n = req.get("min")
    if isinstance(n, int) and not isinstance(n, bool) and n >= 1:
        return []
    return [f"min must be a whole number >= 1 (got {n!r})"]


async def _check_accepted(worker: WorkerProfile, req: Requirement) -> str | None:
    from crowdgraph_bounty.service import accepted_fulfilments

    done = await accepted_fulfilments(worker.id)
    return (
        None
        if done >= req["min"]
        else f"needs {req['min']} or more accepted bounty fulfilments (has {done})"
    )


@hookimpl
def register_requirements(platform: Any) -> list[RequirementKind]:
    return [
        RequirementKind(
            "bounty.accepted",
            "a number of accepted bounty fulfilments",
            _validate_accepted,
            _check_accepted,
        )
    ]


async def _worker_facts(workers: Sequence[WorkerProfile]) -> dict[int, list[WorkerFact]]:
    """What bounties add to a worker's record across models (``Worker.record.facts``)."""
    from crowdgraph_bounty.service import accepted_by_worker

    return {
        worker_id: [
            WorkerFact("bounty", "accepted", "Bounties won", n, f"{n} fulfilments accepted")
        ]
        for worker_id, n in (await accepted_by_worker([w.id for w in workers])).items()
    }


@hookimpl
def register_worker_facts(platform: Any) -> Any:
    return _worker_facts


@hookimpl
async def register_demo_data(platform: Any, demo: Any) -> None:
    from crowdgraph_bounty.demo import create_demo_bounty

    await create_demo_bounty(platform, demo)
