"""Engagements: the common record of a worker doing work for an organization under some model."""

from __future__ import annotations

from tortoise.expressions import F, Q, Subquery

from crowdgraph.core import runtime
from crowdgraph.core.actor import Actor
from crowdgraph.core.errors import InvalidInput, NotFound
from crowdgraph.core.events import emit
from crowdgraph.core.models import Engagement, EngagementStatus, Organization, Project
from crowdgraph.core.pages import Page, PageRequest, fetch_page
from crowdgraph.core.transaction import atomic

S = EngagementStatus
TRANSITIONS: dict[EngagementStatus, set[EngagementStatus]] = {
    S.PENDING: {S.ACTIVE, S.CANCELLED},
    S.ACTIVE: {S.COMPLETED, S.CANCELLED, S.FAILED},
    S.COMPLETED: set(),
    S.CANCELLED: set(),
    S.FAILED: set(),
}
ENDED = {S.COMPLETED, S.CANCELLED, S.FAILED}


async def start_engagement(
    *,
    worker_id: int,
    worker_account_id: int,
    organization_id: int,
    model: str,
    detail_type: str,
    detail_id: str | int,
    project_id: int | None = None,
    pay_amount: int | None = None,
    title: str = "",
    status: EngagementStatus = S.ACTIVE,
    currency: str | None = None,
) -> Engagement:
    """Open the core record for a plugin's piece of work (call inside the plugin's transaction).

    ``currency`` is the pay's, when the caller has it; else the organization's is read.
    """
    if currency is None:
        currency = (await Organization.get(id=organization_id)).currency
    now = runtime.now()
    async with atomic():
        engagement = await Engagement.create(
            worker_id=worker_id,
            organization_id=organization_id,
            project_id=project_id,
            model=model,
            status=status,
            pay_amount=pay_amount,
            currency=currency,
            detail_type=detail_type,
            detail_id=str(detail_id),
            title=title[:200],
            created_at=now,
            started_at=now if status == S.ACTIVE else None,
            updated_at=now,
        )
        await emit(
            "core.engagement.started",
            {"engagement_id": engagement.id, "model": model, "status": status.value},
            organization_id=organization_id,
            account_id=worker_account_id,
            project_id=project_id,
        )
    return engagement


async def move_engagement(
    engagement: Engagement,
    to: EngagementStatus,
    *,
    pay_amount: int | None = None,
    outcome: str | None = None,
) -> Engagement:
    """Move an engagement along its lifecycle; a move the lifecycle forbids is refused."""
    if to == engagement.status:
        return engagement
    if to not in TRANSITIONS[engagement.status]:
        raise InvalidInput.one(
            "status",
            "INVALID_TRANSITION",
            f"an engagement that is {engagement.status.value} cannot become {to.value}",
        )
    now = runtime.now()
    engagement.status = to
    engagement.updated_at = now
    if to == S.ACTIVE and engagement.started_at is None:
        engagement.started_at = now
    if to in ENDED:
        engagement.ended_at = now
    if pay_amount is not None:
        engagement.pay_amount = pay_amount
    if outcome is not None:
        engagement.outcome = outcome[:200]
    async with atomic():
        # Only the lifecycle's columns: a full save would write back the stale ``seconds_worked``
        # this object was read with, losing time that add_time counted since.
        await engagement.save(
            update_fields=[
                "status",
                "updated_at",
                "started_at",
                "ended_at",
                "pay_amount",
                "outcome",
            ]
        )
        worker = await engagement.worker
        await emit(
            f"core.engagement.{to.value}",
            {"engagement_id": engagement.id, "model": engagement.model},
            organization_id=engagement.organization_id,
            account_id=worker.account_id,
            project_id=engagement.project_id,
        )
    return engagement


async def find_engagement(model: str, detail_type: str, detail_id: str | int) -> Engagement | None:
    return await Engagement.get_or_none(
        model=model, detail_type=detail_type, detail_id=str(detail_id)
    )


async def visible_engagements(actor: Actor) -> Q:
    """Admins see all; members their organizations'; a worker their own; minus what plugins hide."""
    if actor.is_admin:
        rule = Q()
    else:
        rule = Q(organization_id__in=list(actor.memberships))
        worker = await actor.worker()
        if worker is not None:
            rule |= Q(worker_id=worker.id)
        if actor.account is not None:  # a mentor follows the mentees of learning projects
            mentored = Project.filter(mentor_id=actor.account.id, learning=True)
            rule |= Q(project_id__in=Subquery(mentored.values("id")))
    hidden = await hidden_engagements(actor)
    return rule if hidden is None else rule & ~hidden


async def hidden_engagements(actor: Actor) -> Q | None:
    """What the plugins' rules hide from this caller (``register_engagement_visibility``)."""
    found = [rule for hide in runtime.current().hidden_engagements if (rule := await hide(actor))]
    if not found:
        return None
    combined = found[0]
    for rule in found[1:]:
        combined |= rule
    return combined


async def get_engagement(actor: Actor, engagement_id: int) -> Engagement:
    actor.require_account()
    found = await Engagement.get_or_none(Q(id=engagement_id) & await visible_engagements(actor))
    if found is None:
        raise NotFound("no such engagement")
    return found


async def list_engagements(
    actor: Actor,
    page: PageRequest,
    *,
    worker_id: int | None = None,
    organization_id: int | None = None,
    model: str | None = None,
    status: EngagementStatus | None = None,
) -> Page[Engagement]:
    actor.require_account()
    query = Engagement.filter(await visible_engagements(actor))
    if worker_id is not None:
        query = query.filter(worker_id=worker_id)
    if organization_id is not None:
        query = query.filter(organization_id=organization_id)
    if model is not None:
        query = query.filter(model=model)
    if status is not None:
        query = query.filter(status=status)
    return await fetch_page(query, page)


async def add_time(engagement_id: int, seconds: int) -> None:
    """Add time the model measured or the worker logged, for effective hourly pay."""
    if seconds > 0:
        await Engagement.filter(id=engagement_id).update(
            seconds_worked=F("seconds_worked") + seconds
        )


async def add_pay(engagement_id: int, amount: int) -> None:
    """Raise the agreed pay (a contract grew by a milestone)."""
    await Engagement.filter(id=engagement_id).update(
        pay_amount=F("pay_amount") + amount, updated_at=runtime.now()
    )
