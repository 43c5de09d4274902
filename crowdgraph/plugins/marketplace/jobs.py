"""Job postings: an organization's freelance work, with its budget, screening and audience."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tortoise.expressions import Q, Subquery

from crowdgraph.core import eligibility, projects, runtime
from crowdgraph.core.actor import Actor
from crowdgraph.core.errors import InvalidInput
from crowdgraph.core.events import OPEN_WORK, emit, open_work
from crowdgraph.core.models import Audience, Organization, WorkerProfile
from crowdgraph.core.pages import Page, PageRequest, fetch_page
from crowdgraph.core.transaction import atomic
from crowdgraph.core.validation import Checks
from crowdgraph.plugins.marketplace.common import check_skills, missing
from crowdgraph.plugins.marketplace.models import (
    Job,
    JobStatus,
    OnboardingStep,
    Pricing,
    Proposal,
)


@dataclass
class JobDraft:
    project_id: int
    title: str
    description: str
    pricing: Pricing
    budget: int
    duration_days: int
    skills: list[str] = field(default_factory=list)
    weekly_hours_cap: int | None = None
    requirements: list[dict[str, Any]] = field(default_factory=list)
    onboarding_step_ids: list[int] = field(default_factory=list)
    audience: Audience | None = None
    """Defaults to the project's audience."""


def check_weekly_cap(checks: Checks, pricing: Pricing, weekly_hours_cap: int | None) -> None:
    """Hourly work has a weekly cap of 1 to 80 hours; fixed-price work has none."""
    if pricing == Pricing.HOURLY:
        if weekly_hours_cap is None:
            checks.fail("weeklyHoursCap", "REQUIRED", "hourly work needs a weekly hours cap")
        checks.range("weeklyHoursCap", weekly_hours_cap, low=1, high=80)
    elif weekly_hours_cap is not None:
        checks.fail("weeklyHoursCap", "NOT_ALLOWED", "only hourly work has a weekly hours cap")


async def post_job(actor: Actor, draft: JobDraft) -> Job:
    project = await projects.get_managed_project(actor, draft.project_id)
    account = actor.require_account()
    checks = Checks()
    checks.text("title", draft.title, min_len=1, max_len=160)
    checks.text("description", draft.description, min_len=1, max_len=20_000)
    checks.range("budget", draft.budget, low=1)
    checks.range("durationDays", draft.duration_days, low=1, high=3650)
    check_weekly_cap(checks, draft.pricing, draft.weekly_hours_cap)
    checks.done()
    skills = await check_skills(draft.skills)
    requirements = await eligibility.validate_requirements(draft.requirements)
    steps = set(
        await OnboardingStep.filter(
            id__in=draft.onboarding_step_ids, organization_id=project.organization_id
        ).values_list("id", flat=True)
    )
    unknown = [i for i in draft.onboarding_step_ids if i not in steps]
    if unknown:
        checks.fail(
            "onboardingStepIds",
            "UNKNOWN_STEP",
            f"onboardingStepIds must name the organization's onboarding steps (unknown: {unknown})",
        )
    checks.done()
    org = await Organization.get(id=project.organization_id)
    async with atomic():
        job = await Job.create(
            organization_id=project.organization_id,
            project_id=project.id,
            title=draft.title.strip(),
            description=draft.description,
            skills=skills,
            pricing=draft.pricing,
            budget=draft.budget,
            currency=org.currency,
            weekly_hours_cap=draft.weekly_hours_cap,
            duration_days=draft.duration_days,
            requirements=requirements,
            onboarding_step_ids=list(dict.fromkeys(draft.onboarding_step_ids)),
            audience=draft.audience or project.audience,
            created_by_id=account.id,
            created_at=runtime.now(),
        )
        await emit(
            "marketplace.job.posted",
            {
                "job_id": job.id,
                "title": job.title,
                "audience": job.audience.value,
                OPEN_WORK: open_work(job.audience.value, job.requirements),
            },
            organization_id=job.organization_id,
            project_id=job.project_id,
        )
    return job


async def visible_jobs(actor: Actor) -> Q:
    """Managers see their organizations' jobs; workers see open jobs whose audience admits them,
    and the jobs they have proposed to."""
    if actor.is_admin:
        return Q()
    rule = Q(organization_id__in=list(actor.memberships))
    worker = await actor.worker()
    if worker is not None:
        proposed = Proposal.filter(worker_id=worker.id).values("job_id")
        rule |= (projects.audience_rule(worker) & Q(status=JobStatus.OPEN)) | Q(
            id__in=Subquery(proposed)
        )
    return rule


async def get_job(actor: Actor, job_id: int) -> Job:
    actor.require_account()
    job = await Job.get_or_none(Q(id=job_id) & await visible_jobs(actor))
    if job is None:
        raise missing("job")
    return job


def require_open(job: Job) -> None:
    if job.status != JobStatus.OPEN:
        raise InvalidInput.one("jobId", "JOB_NOT_OPEN", f"the job is {job.status.value}")


async def get_job_to_apply(actor: Actor, worker: WorkerProfile, job_id: int) -> Job:
    """The open job a worker applies to. A closed or filled job whose audience admits them is
    JOB_NOT_OPEN (they could have seen it open); any other is not found, so nothing leaks."""
    rule = await visible_jobs(actor) | projects.audience_rule(worker)
    job = await Job.get_or_none(Q(id=job_id) & rule)
    if job is None:
        raise missing("job")
    require_open(job)
    return job


async def get_managed_job(actor: Actor, job_id: int) -> Job:
    job = await get_job(actor, job_id)
    actor.require_manager(job.organization_id)
    return job


async def list_jobs(
    actor: Actor,
    page: PageRequest,
    *,
    organization_id: int | None = None,
    project_id: int | None = None,
    status: JobStatus | None = None,
) -> Page[Job]:
    actor.require_account()
    query = Job.filter(await visible_jobs(actor))
    if organization_id is not None:
        query = query.filter(organization_id=organization_id)
    if project_id is not None:
        query = query.filter(project_id=project_id)
    if status is not None:
        query = query.filter(status=status)
    return await fetch_page(query, page)


async def project_jobs(actor: Actor, project_ids: Sequence[int]) -> list[Job]:
    """The jobs of these projects the caller may see, oldest first."""
    actor.require_account()
    rule = Q(project_id__in=list(project_ids)) & await visible_jobs(actor)
    return list(await Job.filter(rule).order_by("id"))


async def set_job_status(actor: Actor, job_id: int, status: JobStatus) -> Job:
    """Close an open job, reopen a closed one; ``filled`` is set by hiring."""
    job = await get_managed_job(actor, job_id)
    if status == job.status:
        return job
    allowed = {JobStatus.OPEN: {JobStatus.CLOSED}, JobStatus.CLOSED: {JobStatus.OPEN}}
    if status not in allowed.get(job.status, set()):
        raise InvalidInput.one(
            "status",
            "INVALID_TRANSITION",
            f"a job that is {job.status.value} cannot become {status.value}",
        )
    async with atomic():
        job.status = status
        await job.save(update_fields=["status"])
        payload: dict[str, object] = {"job_id": job.id}
        if status == JobStatus.OPEN:  # open work again: workers who qualify hear of it
            payload[OPEN_WORK] = open_work(job.audience.value, job.requirements)
        await emit(
            f"marketplace.job.{'reopened' if status == JobStatus.OPEN else status.value}",
            payload,
            organization_id=job.organization_id,
            project_id=job.project_id,
        )
    return job


async def job_verdict(worker: WorkerProfile, job: Job) -> eligibility.Verdict:
    """Whether a worker may apply: the job's audience, then its screening requirements."""
    verdict = await eligibility.check(worker, job.requirements)
    if projects.audience_admits(job.audience, job.organization_id, worker):
        return verdict
    crowd = "internal" if job.audience == Audience.INTERNAL else "external"
    return eligibility.Verdict(False, [f"open to the {crowd} crowd only", *verdict.reasons])


async def my_verdict(actor: Actor, job_id: int) -> eligibility.Verdict:
    """Whether the calling worker may apply to a job, with the reasons when not."""
    worker = await actor.require_worker()
    return await job_verdict(worker, await get_job(actor, job_id))
