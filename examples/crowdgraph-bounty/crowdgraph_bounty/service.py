"""The rules of open bounties, with no GraphQL inside: posting, fulfilling, accepting, declining, closing.

Money: posting a bounty holds ``reward * max_accepted`` of the organization's budget; each accepted
fulfilment is paid once from that hold (the ledger's idempotency key names the fulfilment); closing
gives whatever is left back. Every step is one transaction that also writes its event.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.functions import Count

from crowdgraph.core import eligibility, engagements, ledger, projects, runtime
from crowdgraph.core.actor import Actor
from crowdgraph.core.errors import InvalidInput, NotFound
from crowdgraph.core.events import emit
from crowdgraph.core.models import Audience, Engagement, EngagementStatus, Organization
from crowdgraph.core.pages import Page, PageRequest, fetch_page
from crowdgraph.core.transaction import atomic
from crowdgraph.core.validation import Checks
from crowdgraph_bounty.models import Bounty, BountyFulfilment, BountyStatus, FulfilmentStatus

MODEL = "bounty"
DETAIL_TYPE = "BountyFulfilment"
URL = re.compile(r"^https?://\S+$")
MAX_LINKS = 20


def hold_reference(bounty: Bounty) -> str:
    """The ledger hold that funds a bounty (``org:<id>:held:bounty:<id>``)."""
    return f"bounty:{bounty.id}"


@dataclass
class BountyDraft:
    """What a funder fills in to post a bounty (amounts in the organization's minor units)."""

    title: str
    description: str
    reward: int
    max_accepted: int
    audience: Audience | None = None
    requirements: list[dict[str, Any]] = field(default_factory=list)


def _check_draft(draft: BountyDraft, max_accepted: int) -> None:
    checks = Checks()
    checks.text("title", draft.title, min_len=1, max_len=160)
    checks.text("description", draft.description, min_len=1, max_len=20_000)
    checks.range("reward", draft.reward, low=1)
    checks.range("maxAccepted", draft.max_accepted, low=1, high=max_accepted)
    checks.done()


async def post_bounty(
    actor: Actor, project_id: int, draft: BountyDraft, *, max_accepted: int
) -> Bounty:
    """A manager posts a bounty in their project; its full cost is held from the budget at once."""
    project = await projects.get_managed_project(actor, project_id)
    account = actor.require_account()
    _check_draft(draft, max_accepted)
    await eligibility.validate_requirements(draft.requirements)
    org = await Organization.get(id=project.organization_id)
    cost = draft.reward * draft.max_accepted
    async with atomic():
        available = await ledger.balance(ledger.available(org.id))
        if available < cost:
            raise InvalidInput.one(
                "reward",
                "INSUFFICIENT_FUNDS",
                f"{draft.max_accepted} fulfilments of {draft.reward} need {cost} {org.currency} "
                f"minor units; the organization has {available} available",
            )
        bounty = await Bounty.create(
            organization_id=org.id,
            project_id=project.id,
            created_by_id=account.id,
            title=draft.title.strip(),
            description=draft.description,
            requirements=draft.requirements,
            audience=draft.audience or project.audience,
            currency=org.currency,
            reward=draft.reward,
            max_accepted=draft.max_accepted,
            posted_at=runtime.now(),
        )
        await ledger.hold(
            org.id, hold_reference(bounty), cost, f"bounty:{bounty.id}:hold", model=MODEL
        )
        await emit(
            "bounty.bounty.posted",
            {"bounty_id": bounty.id, "reward": bounty.reward, "max_accepted": bounty.max_accepted},
            organization_id=org.id,
            project_id=project.id,
        )
    return bounty


async def visible_rule(actor: Actor) -> Q:
    """Bounties the caller may see: their organizations' and, for workers, open ones they may fulfil
    or ones they fulfilled."""
    if actor.is_admin:
        return Q()
    rule = Q(organization_id__in=list(actor.memberships))
    worker = await actor.worker()
    if worker is not None:
        fulfilled = await BountyFulfilment.filter(worker_id=worker.id).values_list(
            "bounty_id", flat=True
        )
        rule |= Q(id__in=list(fulfilled))
        rule |= projects.audience_rule(worker) & Q(status=BountyStatus.OPEN)
    return rule


async def get_bounty(actor: Actor, bounty_id: int) -> Bounty:
    actor.require_account()
    bounty = await Bounty.get_or_none(Q(id=bounty_id) & await visible_rule(actor))
    if bounty is None:
        raise NotFound("no such bounty")
    return bounty


async def list_bounties(
    actor: Actor, page: PageRequest, *, project_id: int | None = None
) -> Page[Bounty]:
    actor.require_account()
    query = Bounty.filter(await visible_rule(actor))
    if project_id is not None:
        query = query.filter(project_id=project_id)
    return await fetch_page(query, page)


async def project_bounties(actor: Actor, project_ids: Sequence[int]) -> list[Bounty]:
    """The bounties of these projects the caller may see, oldest first."""
    actor.require_account()
    rule = Q(project_id__in=list(project_ids)) & await visible_rule(actor)
    return list(await Bounty.filter(rule).order_by("id"))


def _closed() -> InvalidInput:
    return InvalidInput.one("bountyId", "BOUNTY_CLOSED", "this bounty is closed")


def _already_submitted() -> InvalidInput:
    return InvalidInput.one(
        "bountyId", "ALREADY_SUBMITTED", "you already submitted a fulfilment to this bounty"
    )


def _check_work(text: str, links: list[str]) -> None:
    checks = Checks()
    checks.text("text", text, min_len=1, max_len=50_000)
    if len(links) > MAX_LINKS:
        checks.fail("links", "TOO_MANY", f"at most {MAX_LINKS} links (got {len(links)})")
    for i, link in enumerate(links):
        checks.pattern(f"links[{i}]", link, URL, "an http(s) URL")
    checks.done()


async def submit_fulfilment(
    actor: Actor, bounty_id: int, text: str, links: list[str]
) -> BountyFulfilment:
    """An eligible worker answers an open bounty, once; a core engagement starts."""
    worker = await actor.require_worker()
    bounty = await get_bounty(actor, bounty_id)
    if bounty.status != BountyStatus.OPEN:
        raise _closed()
    if not projects.audience_admits(bounty.audience, bounty.organization_id, worker):
        raise InvalidInput.one(
            "bountyId", "NOT_ELIGIBLE", f"this bounty is for the {bounty.audience.value} crowd"
        )
    verdict = await eligibility.check(worker, bounty.requirements)
    if not verdict.eligible:
        raise InvalidInput.one("bountyId", "NOT_ELIGIBLE", "; ".join(verdict.reasons))
    _check_work(text, links)
    if await BountyFulfilment.exists(bounty_id=bounty.id, worker_id=worker.id):
        raise _already_submitted()
    try:
        async with atomic():
            # Under the bounty's lock, so that no fulfilment slips in while the bounty closes.
            locked = await Bounty.select_for_update().get(id=bounty.id)
            if locked.status != BountyStatus.OPEN:
                raise _closed()
            fulfilment = await BountyFulfilment.create(
                bounty_id=bounty.id,
                worker_id=worker.id,
                account_id=worker.account_id,
                text=text,
                links=links,
                submitted_at=runtime.now(),
            )
            engagement = await engagements.start_engagement(
                worker_id=worker.id,
                worker_account_id=worker.account_id,
                organization_id=bounty.organization_id,
                project_id=bounty.project_id,
                model=MODEL,
                detail_type=DETAIL_TYPE,
                detail_id=fulfilment.id,
                pay_amount=bounty.reward,
                title=bounty.title,
            )
            fulfilment.engagement_id = engagement.id
            await fulfilment.save(update_fields=["engagement_id"])
            await emit(
                "bounty.fulfilment.submitted",
                {"bounty_id": bounty.id, "fulfilment_id": fulfilment.id},
                organization_id=bounty.organization_id,
                account_id=worker.account_id,
                project_id=bounty.project_id,
            )
    except IntegrityError as exc:  # the same worker, submitting twice at once
        raise _already_submitted() from exc
    return fulfilment


def may_see_fulfilment(actor: Actor, fulfilment: BountyFulfilment, bounty: Bounty) -> bool:
    """Its worker and the funding organization's managers (and admins)."""
    return actor.can_manage(bounty.organization_id) or (
        actor.account_id is not None and actor.account_id == fulfilment.account_id
    )


async def get_fulfilment(actor: Actor, fulfilment_id: int) -> BountyFulfilment:
    actor.require_account()
    fulfilment = await BountyFulfilment.get_or_none(id=fulfilment_id).prefetch_related("bounty")
    if fulfilment is None or not may_see_fulfilment(actor, fulfilment, fulfilment.bounty):
        raise NotFound("no such fulfilment")
    return fulfilment


async def _decidable(actor: Actor, fulfilment_id: int) -> tuple[Bounty, BountyFulfilment]:
    """The bounty (locked for this transaction) and a fulfilment of it still waiting for a decision."""
    found = await get_fulfilment(actor, fulfilment_id)
    actor.require_manager(found.bounty.organization_id)
    # Lock the bounty row so that two acceptances cannot both take the last place (PostgreSQL);
    # SQLite transactions are serialized already. Re-read both rows under the lock.
    bounty = await Bounty.select_for_update().get(id=found.bounty_id)
    fulfilment = await BountyFulfilment.get(id=fulfilment_id)
    if fulfilment.status != FulfilmentStatus.SUBMITTED:
        raise InvalidInput.one(
            "fulfilmentId",
            "ALREADY_DECIDED",
            f"this fulfilment was {fulfilment.status.value} already",
        )
    if bounty.status != BountyStatus.OPEN:
        raise InvalidInput.one("fulfilmentId", "BOUNTY_CLOSED", "this bounty is closed")
    return bounty, fulfilment


async def _end_engagement(
    fulfilment: BountyFulfilment, status: EngagementStatus, outcome: str
) -> None:
    if fulfilment.engagement_id is None:
        return
    engagement = await Engagement.get(id=fulfilment.engagement_id)
    if engagement.status not in engagements.ENDED:
        await engagements.move_engagement(engagement, status, outcome=outcome)


async def accept_fulfilment(actor: Actor, fulfilment_id: int) -> BountyFulfilment:
    """The funder accepts a fulfilment: its worker is paid the reward from the bounty's hold, once.

    Accepting the last place closes the bounty.
    """
    async with atomic():
        bounty, fulfilment = await _decidable(actor, fulfilment_id)
        payment = await ledger.pay(
            organization_id=bounty.organization_id,
            worker_account_id=fulfilment.account_id,
            amount=bounty.reward,
            idempotency_key=f"bounty:{bounty.id}:fulfilment:{fulfilment.id}",
            model=MODEL,
            kind="bounty_reward",
            engagement_id=fulfilment.engagement_id,
            from_hold=hold_reference(bounty),
            memo=f"{bounty.title}: accepted fulfilment",
            created_by_id=actor.account_id,
        )
        fulfilment.status = FulfilmentStatus.ACCEPTED
        fulfilment.ledger_entry_id = payment.id
        fulfilment.decided_at = runtime.now()
        await fulfilment.save(update_fields=["status", "ledger_entry_id", "decided_at"])
        bounty.accepted_count += 1
        await bounty.save(update_fields=["accepted_count"])
        await _end_engagement(fulfilment, EngagementStatus.COMPLETED, "accepted")
        await emit(
            "bounty.fulfilment.accepted",
            {
                "bounty_id": bounty.id,
                "fulfilment_id": fulfilment.id,
                "amount": bounty.reward,
                "ledger_entry_id": payment.id,
            },
            organization_id=bounty.organization_id,
            account_id=fulfilment.account_id,
            project_id=bounty.project_id,
        )
        if bounty.accepted_count >= bounty.max_accepted:
            await _close(bounty, "every place was filled")
    return fulfilment


async def decline_fulfilment(actor: Actor, fulfilment_id: int, reason: str) -> BountyFulfilment:
    """The funder declines a fulfilment, saying why; its worker's engagement fails."""
    checks = Checks()
    checks.text("reason", reason, min_len=1, max_len=2_000)
    checks.done()
    async with atomic():
        bounty, fulfilment = await _decidable(actor, fulfilment_id)
        await _decline(bounty, fulfilment, reason.strip(), EngagementStatus.FAILED)
    return fulfilment


async def _decline(
    bounty: Bounty, fulfilment: BountyFulfilment, reason: str, ends_as: EngagementStatus
) -> None:
    fulfilment.status = FulfilmentStatus.DECLINED
    fulfilment.decline_reason = reason
    fulfilment.decided_at = runtime.now()
    await fulfilment.save(update_fields=["status", "decline_reason", "decided_at"])
    await _end_engagement(fulfilment, ends_as, f"declined: {reason}")
    await emit(
        "bounty.fulfilment.declined",
        {"bounty_id": bounty.id, "fulfilment_id": fulfilment.id, "reason": reason},
        organization_id=bounty.organization_id,
        account_id=fulfilment.account_id,
        project_id=bounty.project_id,
    )


async def close_bounty(actor: Actor, bounty_id: int) -> Bounty:
    """The funder closes a bounty: waiting fulfilments are declined and the rest of the hold released."""
    found = await get_bounty(actor, bounty_id)
    actor.require_manager(found.organization_id)
    async with atomic():
        bounty = await Bounty.select_for_update().get(id=found.id)
        if bounty.status != BountyStatus.OPEN:
            raise InvalidInput.one("bountyId", "BOUNTY_CLOSED", "this bounty is closed already")
        await _close(bounty, "closed by the funder")
    return bounty


async def _close(bounty: Bounty, why: str) -> None:
    waiting = await BountyFulfilment.filter(
        bounty_id=bounty.id, status=FulfilmentStatus.SUBMITTED
    ).order_by("id")
    for fulfilment in waiting:
        await _decline(bounty, fulfilment, f"the bounty closed ({why})", EngagementStatus.CANCELLED)
    reference = hold_reference(bounty)
    rest = await ledger.balance(ledger.held(bounty.organization_id, reference))
    if rest > 0:
        await ledger.release(
            bounty.organization_id, reference, rest, f"bounty:{bounty.id}:release", model=MODEL
        )
    bounty.status = BountyStatus.CLOSED
    bounty.closed_at = runtime.now()
    await bounty.save(update_fields=["status", "closed_at"])
    await emit(
        "bounty.bounty.closed",
        {"bounty_id": bounty.id, "accepted": bounty.accepted_count, "released": rest, "why": why},
        organization_id=bounty.organization_id,
        project_id=bounty.project_id,
    )


async def accepted_by_worker(worker_ids: Sequence[int]) -> dict[int, int]:
    """Accepted fulfilments per worker, for many workers in one statement."""
    rows = (
        await BountyFulfilment.filter(
            worker_id__in=list(worker_ids), status=FulfilmentStatus.ACCEPTED
        )
        .annotate(n=Count("id"))
        .group_by("worker_id")
        .values_list("worker_id", "n")
    )
    return {int(worker_id): int(n) for worker_id, n in rows}


async def accepted_fulfilments(worker_id: int) -> int:
    return await BountyFulfilment.filter(
        worker_id=worker_id, status=FulfilmentStatus.ACCEPTED
    ).count()
