"""Talent search for organizations and job recommendations for workers, ranked with reasons.

Both read a bounded set of candidates with a fixed number of statements, then score in Python:
a wanted skill held at the level asked counts most (more for a higher level, more again when
verified), then the client rating and job success, then availability.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tortoise.expressions import Q, Subquery

from crowdgraph.core import projects
from crowdgraph.core.actor import Actor
from crowdgraph.core.errors import Forbidden
from crowdgraph.core.ledger import format_money
from crowdgraph.core.models import Availability, Role, WorkerKind, WorkerProfile, WorkerSkill
from crowdgraph.core.pages import Page, PageRequest, window
from crowdgraph.core.skills import check_level
from crowdgraph.core.validation import COUNTRY, Checks
from crowdgraph.core.workers import visible_workers
from crowdgraph.plugins.marketplace.common import filter_currency
from crowdgraph.plugins.marketplace.feedback import Reputation, reputations
from crowdgraph.plugins.marketplace.models import Job, JobStatus, Pricing

SKILL_MATCH = 10.0
PER_LEVEL = 2.0
VERIFIED_BONUS = 4.0
PER_RATING_STAR = 2.0
AVAILABLE_BONUS = 1.0


@dataclass(frozen=True)
class SkillWanted:
    slug: str
    min_level: int = 1
    verified: bool = False


@dataclass
class TalentQuery:
    skills: list[SkillWanted] = field(default_factory=list)
    min_rating: float | None = None
    max_rate: int | None = None
    """The highest hourly rate, minor units of ``currency``; workers without a rate are kept."""
    currency: str | None = None
    """The currency of ``max_rate``; by default the caller's (see ``filter_currency``)."""
    availability: Availability | None = None
    kind: WorkerKind | None = None
    country: str | None = None


@dataclass(frozen=True)
class TalentMatch:
    worker: WorkerProfile
    score: float
    reasons: list[str]
    reputation: Reputation


@dataclass(frozen=True)
class JobMatch:
    job: Job
    score: float
    reasons: list[str]


def _skill_points(level: int, verified: bool) -> float:
    return SKILL_MATCH + PER_LEVEL * level + (VERIFIED_BONUS if verified else 0.0)


def _held_reason(slug: str, level: int, verified_by: str | None) -> str:
    how = f", verified by {verified_by.replace('_', ' ')}" if verified_by else ""
    return f"{slug} at level {level}{how}"


async def search_talent(
    actor: Actor, search: TalentQuery, page: PageRequest, candidates: int
) -> Page[tuple[int, TalentMatch]]:
    """Workers the caller may see, filtered, ranked by relevance; items are (position, match)."""
    account = actor.require_account()
    if account.role == Role.WORKER:
        raise Forbidden("only clients and admins may search talent")
    checks = Checks()
    for index, wanted in enumerate(search.skills):
        check_level(checks, wanted.min_level, f"skills[{index}].minLevel")
    checks.pattern("country", search.country, COUNTRY, "an ISO 3166 alpha-2 code such as DE")
    checks.range("minRating", search.min_rating, low=1, high=5)
    checks.range("maxRate", search.max_rate, low=0)
    checks.done()
    currency = None
    if search.max_rate is not None:
        currency = await filter_currency(actor, search.currency, "maxRate")
    query = WorkerProfile.filter(visible_workers(actor))
    slugs = [w.slug for w in search.skills]
    if slugs:
        holders = WorkerSkill.filter(skill__slug__in=slugs).values("worker_id")
        query = query.filter(id__in=Subquery(holders))
    if search.kind:
        query = query.filter(kind=search.kind)
    if search.country:
        query = query.filter(country=search.country)
    if search.availability:
        query = query.filter(availability=search.availability)
    if search.max_rate is not None:
        # No exchange rates: a rate in another currency is not known to be within the maximum.
        query = query.filter(
            Q(hourly_rate__isnull=True) | Q(hourly_rate__lte=search.max_rate, currency=currency)
        )
    workers = await query.order_by("id").limit(candidates)
    ids = [w.id for w in workers]
    held: dict[int, dict[str, dict[str, Any]]] = {i: {} for i in ids}
    if slugs and ids:
        rows = await WorkerSkill.filter(worker_id__in=ids, skill__slug__in=slugs).values(
            "worker_id", "level", "verified_at", "verified_by", slug="skill__slug"
        )
        for row in rows:
            held[row["worker_id"]][row["slug"]] = row
    reps = await reputations(ids) if ids else {}
    matches = []
    for worker in workers:
        match = _score_worker(worker, search, held[worker.id], reps[worker.id])
        if match is not None:
            matches.append(match)
    matches.sort(key=lambda m: (-m.score, m.worker.id))
    return window(list(enumerate(matches, start=1)), page)


def _score_worker(
    worker: WorkerProfile,
    search: TalentQuery,
    held: dict[str, dict[str, Any]],
    rep: Reputation,
) -> TalentMatch | None:
    score, reasons = 0.0, []
    for wanted in search.skills:
        row = held.get(wanted.slug)
        if row is None or row["level"] < wanted.min_level:
            continue
        verified = row["verified_at"] is not None
        if wanted.verified and not verified:
            continue
        score += _skill_points(row["level"], verified)
        reasons.append(
            _held_reason(wanted.slug, row["level"], row["verified_by"] if verified else None)
        )
    if search.skills and not reasons:
        return None
    if search.min_rating is not None and (rep.rating is None or rep.rating < search.min_rating):
        return None
    if rep.rating is not None:
        score += PER_RATING_STAR * rep.rating
        reasons.append(f"rated {rep.rating} by clients over {rep.ratings} contracts")
    if rep.job_success is not None:
        score += rep.job_success / 20
        reasons.append(f"job success {rep.job_success}%")
    if worker.availability == Availability.AVAILABLE:
        score += AVAILABLE_BONUS
        reasons.append("available now")
    if search.max_rate is not None and worker.hourly_rate is not None:
        reasons.append(
            f"hourly rate {format_money(worker.hourly_rate, worker.currency)} "
            f"within {format_money(search.max_rate, worker.currency)}"
        )
    return TalentMatch(worker, round(score, 2), reasons, rep)


def _pays_at_least(job: Job, rate: int, currency: str) -> bool:
    """An hourly job whose top rate is at least ``rate``, in the same currency (no exchange)."""
    return job.pricing == Pricing.HOURLY and job.currency == currency and job.budget >= rate


async def recommend_jobs(
    actor: Actor, page: PageRequest, candidates: int
) -> Page[tuple[int, JobMatch]]:
    """Open jobs whose audience admits the worker and that ask for skills they hold, best first."""
    worker = await actor.require_worker()
    skills = {
        row["slug"]: row
        for row in await WorkerSkill.filter(worker_id=worker.id).values(
            "level", "verified_at", "verified_by", slug="skill__slug"
        )
    }
    jobs = (
        await Job.filter(projects.audience_rule(worker), status=JobStatus.OPEN)
        .order_by("-id")
        .limit(candidates)
    )
    matches = []
    for job in jobs:
        score, reasons = 0.0, []
        for slug in job.skills:
            row = skills.get(slug)
            if row is None:
                continue
            verified = row["verified_at"] is not None
            score += _skill_points(row["level"], verified)
            reasons.append(
                "you have "
                + _held_reason(slug, row["level"], row["verified_by"] if verified else None)
            )
        if not reasons:
            continue
        reasons.append(f"{len(reasons)} of the {len(job.skills)} skills asked")
        rate = worker.hourly_rate
        if rate is not None and _pays_at_least(job, rate, worker.currency):
            score += AVAILABLE_BONUS
            reasons.append(
                f"pays up to {format_money(job.budget, job.currency)} an hour, "
                f"at or above your rate of {format_money(rate, worker.currency)}"
            )
        matches.append(JobMatch(job, round(score, 2), reasons))
    matches.sort(key=lambda m: (-m.score, -m.job.id))
    return window(list(enumerate(matches, start=1)), page)
