"""Worker profiles: the one identity a worker carries across every staffing model."""

from __future__ import annotations

from dataclasses import dataclass, field

from tortoise.expressions import Q, Subquery

from crowdgraph.core import runtime
from crowdgraph.core.actor import Actor
from crowdgraph.core.errors import Forbidden, NotFound
from crowdgraph.core.models import Availability, Role, WorkerKind, WorkerProfile, WorkerSkill
from crowdgraph.core.pages import Page, PageRequest, fetch_page
from crowdgraph.core.skills import check_level
from crowdgraph.core.validation import COUNTRY, CURRENCY, Checks


def visible_workers(actor: Actor) -> Q:
    """External workers are visible to any signed-in caller; internal ones only to their employer."""
    if actor.is_admin:
        return Q()
    rule = Q(kind=WorkerKind.EXTERNAL) | Q(employer_id__in=list(actor.memberships))
    if actor.account is not None:
        rule |= Q(account_id=actor.account.id)
    return rule


def can_see_worker(actor: Actor, worker: WorkerProfile) -> bool:
    return (
        actor.is_admin
        or worker.kind == WorkerKind.EXTERNAL
        or worker.account_id == actor.account_id
        or (worker.employer_id is not None and worker.employer_id in actor.memberships)
    )


async def get_worker(actor: Actor, worker_id: int) -> WorkerProfile:
    actor.require_account()
    worker = await WorkerProfile.get_or_none(id=worker_id)
    if worker is None or not can_see_worker(actor, worker):
        raise NotFound("no such worker")
    return worker


@dataclass
class ProfileChanges:
    headline: str | None = None
    bio: str | None = None
    country: str | None = None
    timezone: str | None = None
    hourly_rate: int | None = None
    currency: str | None = None
    availability: Availability | None = None
    hours_per_week: int | None = None


async def update_my_profile(actor: Actor, changes: ProfileChanges) -> WorkerProfile:
    worker = await actor.require_worker()
    checks = Checks()
    checks.text("headline", changes.headline, max_len=140)
    checks.text("bio", changes.bio, max_len=5000)
    checks.pattern("country", changes.country, COUNTRY, "an ISO 3166 alpha-2 code such as DE")
    checks.timezone("timezone", changes.timezone)
    checks.range("hourlyRate.amount", changes.hourly_rate, low=0)
    checks.pattern(
        "hourlyRate.currency", changes.currency, CURRENCY, "an ISO 4217 code such as USD"
    )
    checks.range("hoursPerWeek", changes.hours_per_week, low=0, high=80)
    checks.done()
    for name, value in vars(changes).items():
        if value is not None:
            setattr(worker, name, value)
    worker.updated_at = runtime.now()
    await worker.save()
    return worker


@dataclass(frozen=True)
class SkillFilter:
    slug: str
    min_level: int = 1
    verified: bool = False


@dataclass
class WorkerSearch:
    skills: list[SkillFilter] = field(default_factory=list)
    kind: WorkerKind | None = None
    country: str | None = None
    availability: Availability | None = None


async def search_workers(
    actor: Actor, search: WorkerSearch, page: PageRequest
) -> Page[WorkerProfile]:
    """Workers with every listed skill at the level asked (verified if asked), and the other
    filters; each with its account (its name) read in the same statement."""
    account = actor.require_account()
    if account.role == Role.WORKER:
        raise Forbidden("only clients and admins may search workers")
    checks = Checks()
    for index, wanted in enumerate(search.skills):
        check_level(checks, wanted.min_level, f"skills[{index}].minLevel")
    checks.pattern("country", search.country, COUNTRY, "an ISO 3166 alpha-2 code such as DE")
    checks.done()
    query = WorkerProfile.filter(visible_workers(actor))
    for wanted in search.skills:
        holders = WorkerSkill.filter(skill__slug=wanted.slug, level__gte=wanted.min_level)
        if wanted.verified:
            holders = holders.filter(verified_at__isnull=False)
        query = query.filter(id__in=Subquery(holders.values("worker_id")))
    if search.kind:
        query = query.filter(kind=search.kind)
    if search.country:
        query = query.filter(country=search.country)
    if search.availability:
        query = query.filter(availability=search.availability)
    return await fetch_page(query.select_related("account"), page)
