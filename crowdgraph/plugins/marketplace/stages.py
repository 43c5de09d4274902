"""Marketplace stages of combined projects: one job per stage, the previous stage's qualifiers
invited to it, and a hire as what qualifies."""

from __future__ import annotations

from typing import Any

from crowdgraph.core.eligibility import Requirement, RequirementKind
from crowdgraph.core.events import Event
from crowdgraph.core.models import StageStatus, WorkerProfile
from crowdgraph.core.stages import StageRunner, StageStart, follow, shape_problems
from crowdgraph.plugins.marketplace.jobs import JobDraft, job_verdict, post_job
from crowdgraph.plugins.marketplace.models import Contract, ContractStatus, Job, JobStatus, Pricing
from crowdgraph.plugins.marketplace.proposals import invite_worker

DETAIL_TYPE = "MarketplaceJob"
REQUIRED = ("description", "pricing", "budget", "duration_days")
OPTIONAL = ("skills", "weekly_hours_cap", "requirements", "invitation")
HIRED = [ContractStatus.PENDING, ContractStatus.ACTIVE, ContractStatus.ENDED]
FINISHED = {"marketplace.contract.hired", "marketplace.job.closed"}


def _validate_hired(req: Requirement) -> list[str]:
    return [] if isinstance(req.get("job_id"), int) else ["job_id must be the id of a job"]


async def _check_hired(worker: WorkerProfile, req: Requirement) -> str | None:
    hired = await Contract.exists(job_id=req["job_id"], worker_id=worker.id, status__in=HIRED)
    return None if hired else f"needs to have been hired for job {req['job_id']}"


WAS_HIRED = RequirementKind(
    "marketplace.hired", "hired for a marketplace job", _validate_hired, _check_hired
)


def _settings_problems(settings: dict[str, Any]) -> list[str]:
    problems = shape_problems(settings, REQUIRED, OPTIONAL)
    pricing = settings.get("pricing")
    if "pricing" in settings and pricing not in {p.value for p in Pricing}:
        problems.append(f"pricing must be fixed or hourly (got {pricing!r})")
    return problems


async def _start(start: StageStart) -> int:
    """Post the job (its screening joined by the stage's) and invite the previous stage's qualifiers."""
    settings = start.settings
    job = await post_job(
        start.actor,
        JobDraft(
            project_id=start.project_id,
            title=start.title,
            description=settings["description"],
            pricing=Pricing(settings["pricing"]),
            budget=settings["budget"],
            duration_days=settings["duration_days"],
            skills=settings.get("skills", []),
            weekly_hours_cap=settings.get("weekly_hours_cap"),
            requirements=[*settings.get("requirements", []), *start.requirements],
        ),
    )
    workers = await WorkerProfile.in_bulk(start.carried, "id")
    for worker_id in start.carried:
        # A qualifier who fails the job's own screening is not invited (they could not apply).
        if worker_id in workers and (await job_verdict(workers[worker_id], job)).eligible:
            await invite_worker(start.actor, job.id, worker_id, settings.get("invitation", ""))
    return job.id


async def _status(job_id: int) -> StageStatus:
    job = await Job.get(id=job_id)
    return StageStatus.RUNNING if job.status == JobStatus.OPEN else StageStatus.COMPLETED


def _carry_requirement(job_id: int, rule: dict[str, Any]) -> Requirement:
    return {"kind": WAS_HIRED.name, "job_id": job_id}


async def _qualified(job_id: int, rule: dict[str, Any]) -> list[int]:
    contracts = await Contract.filter(job_id=job_id, status__in=HIRED).order_by("id")
    return [c.worker_id for c in contracts]


RUNNER = StageRunner(
    model="marketplace",
    detail_type=DETAIL_TYPE,
    settings_problems=_settings_problems,
    start=_start,
    status=_status,
    carry_problems=lambda rule: shape_problems(rule, [], []),
    carry_requirement=_carry_requirement,
    qualified=_qualified,
)


async def on_event(platform: Any, event: Event) -> None:
    """A hire (which fills the job) or a closed job moves the flow of the project it is a stage of."""
    if event.name in FINISHED:
        await follow(DETAIL_TYPE, event.payload["job_id"])
