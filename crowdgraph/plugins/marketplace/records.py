"""What the talent marketplace adds to a worker's record and to an organization's skills in demand."""

from __future__ import annotations

from collections.abc import Sequence

from crowdgraph.core.models import WorkerProfile
from crowdgraph.core.workforce import OpenWork, WorkerFact
from crowdgraph.plugins.marketplace.feedback import Reputation, reputations
from crowdgraph.plugins.marketplace.models import Job, JobStatus

NAME = "marketplace"


async def worker_facts(workers: Sequence[WorkerProfile]) -> dict[int, list[WorkerFact]]:
    """Clients' revealed ratings, job success and contracts ended (hidden ratings never count)."""
    found = await reputations([w.id for w in workers])
    return {worker_id: _facts(reputation) for worker_id, reputation in found.items()}


def _facts(found: Reputation) -> list[WorkerFact]:
    facts = []
    if found.completed_contracts:
        n = found.completed_contracts
        facts.append(WorkerFact(NAME, "contracts", "Contracts ended", n, f"{n} contracts"))
    if found.rating is not None:
        facts.append(
            WorkerFact(
                NAME,
                "rating",
                "Client rating",
                found.rating,
                f"{found.rating:.2f} of 5 from {found.ratings} clients",
            )
        )
    if found.job_success is not None:
        facts.append(
            WorkerFact(
                NAME,
                "job_success",
                "Job success",
                found.job_success,
                f"{found.job_success}% job success",
            )
        )
    return facts


async def open_work(organization_id: int) -> list[OpenWork]:
    """Open jobs: their requirements, and the skills they ask for (at any level)."""
    jobs = await Job.filter(organization_id=organization_id, status=JobStatus.OPEN)
    return [
        OpenWork(
            NAME,
            job.title,
            [
                *job.requirements,
                *(
                    {"kind": "skill", "skill": slug, "min_level": 1}
                    for slug in job.skills
                    if not any(r.get("skill") == slug for r in job.requirements)
                ),
            ],
        )
        for job in jobs
    ]
