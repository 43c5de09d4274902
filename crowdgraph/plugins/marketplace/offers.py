"""Offers: what a worker pitches (a service at a fixed price or an hourly rate), searchable."""

from __future__ import annotations

from dataclasses import dataclass, field

from tortoise.expressions import Q, Subquery

from crowdgraph.core import runtime
from crowdgraph.core.actor import Actor
from crowdgraph.core.errors import Forbidden
from crowdgraph.core.events import emit
from crowdgraph.core.models import WorkerProfile
from crowdgraph.core.pages import Page, PageRequest, fetch_page
from crowdgraph.core.transaction import atomic
from crowdgraph.core.validation import CURRENCY, Checks
from crowdgraph.core.workers import visible_workers
from crowdgraph.plugins.marketplace.common import check_skills, filter_currency, missing
from crowdgraph.plugins.marketplace.models import Offer, Pricing


@dataclass
class OfferDraft:
    title: str
    description: str
    pricing: Pricing
    price: int
    currency: str
    delivery_days: int
    skills: list[str] = field(default_factory=list)


def tags(skills: list[str]) -> str:
    return f",{','.join(skills)}," if skills else ""


async def create_offer(actor: Actor, draft: OfferDraft) -> Offer:
    worker = await actor.require_worker()
    checks = Checks()
    checks.text("title", draft.title, min_len=1, max_len=140)
    checks.text("description", draft.description, min_len=1, max_len=20_000)
    checks.range("price", draft.price, low=1)
    checks.pattern("currency", draft.currency, CURRENCY, "an ISO 4217 code such as USD")
    checks.range("deliveryDays", draft.delivery_days, low=1, high=365)
    checks.done()
    skills = await check_skills(draft.skills)
    async with atomic():
        offer = await Offer.create(
            worker_id=worker.id,
            title=draft.title.strip(),
            description=draft.description,
            skills=skills,
            skill_tags=tags(skills),
            pricing=draft.pricing,
            price=draft.price,
            currency=draft.currency,
            delivery_days=draft.delivery_days,
            created_at=runtime.now(),
        )
        await emit(
            "marketplace.offer.created",
            {"offer_id": offer.id, "title": offer.title},
            account_id=worker.account_id,
        )
    return offer


async def set_offer_active(actor: Actor, offer_id: int, active: bool) -> Offer:
    worker = await actor.require_worker()
    offer = await Offer.get_or_none(id=offer_id)
    if offer is None:
        raise missing("offer")
    if offer.worker_id != worker.id:
        raise Forbidden("only the worker who made the offer may change it")
    offer.active = active
    await offer.save(update_fields=["active"])
    return offer


def visible_offers(actor: Actor) -> Q:
    """Offers of the workers the caller may see; a worker also sees their own paused ones."""
    workers = WorkerProfile.filter(visible_workers(actor)).values("id")
    rule = Q(worker_id__in=Subquery(workers)) & Q(active=True)
    if actor.account is not None:
        own = WorkerProfile.filter(account_id=actor.account.id).values("id")
        rule |= Q(worker_id__in=Subquery(own))
    return rule


async def get_offer(actor: Actor, offer_id: int) -> Offer:
    actor.require_account()
    offer = await Offer.get_or_none(Q(id=offer_id) & visible_offers(actor))
    if offer is None:
        raise missing("offer")
    return offer


async def search_offers(
    actor: Actor,
    page: PageRequest,
    *,
    text: str | None = None,
    skill: str | None = None,
    pricing: Pricing | None = None,
    max_price: int | None = None,
    currency: str | None = None,
    worker_id: int | None = None,
) -> Page[Offer]:
    """Offers by text, skill and pricing; a maximum price is in one currency (``currency``, by
    default the caller's): offers priced in another never match it."""
    actor.require_account()
    if max_price is not None:
        currency = await filter_currency(actor, currency, "maxPrice")
    query = Offer.filter(visible_offers(actor))
    if text:
        query = query.filter(Q(title__icontains=text) | Q(description__icontains=text))
    if skill:
        query = query.filter(skill_tags__contains=f",{skill},")
    if pricing is not None:
        query = query.filter(pricing=pricing)
    if currency is not None:
        query = query.filter(currency=currency)
    if max_price is not None:
        query = query.filter(price__lte=max_price)
    if worker_id is not None:
        query = query.filter(worker_id=worker_id)
    return await fetch_page(query, page)
