"""Small rules the marketplace's services share."""

from __future__ import annotations

from crowdgraph.core.actor import Actor
from crowdgraph.core.errors import InvalidInput, NotFound
from crowdgraph.core.models import Organization
from crowdgraph.core.skills import skill_by_slug
from crowdgraph.core.validation import CURRENCY, Checks

MODEL = "marketplace"
MAX_SKILLS = 20


async def check_skills(slugs: list[str], field: str = "skills") -> list[str]:
    """Every slug names a skill of the taxonomy; returns them without duplicates, in order."""
    checks = Checks()
    if len(slugs) > MAX_SKILLS:
        checks.fail(field, "TOO_MANY", f"{field} may list at most {MAX_SKILLS} skills")
    checks.done()
    unique = list(dict.fromkeys(slugs))
    for index, slug in enumerate(unique):
        await skill_by_slug(slug, f"{field}[{index}]")
    return unique


def missing(what: str) -> NotFound:
    return NotFound(f"no such {what}")


async def filter_currency(actor: Actor, currency: str | None, amount_field: str) -> str:
    """The currency a money filter compares in: the one given, else the caller's organizations'
    (when they share one), else the caller's worker profile's. There are no exchange rates, so
    an amount in another currency never matches."""
    checks = Checks()
    checks.pattern("currency", currency, CURRENCY, "an ISO 4217 code such as USD")
    checks.done()
    if currency:
        return currency
    rows = await Organization.filter(id__in=list(actor.memberships)).values_list(
        "currency", flat=True
    )
    used = {str(row) for row in rows}
    if len(used) == 1:
        return used.pop()
    worker = await actor.worker() if not used else None
    if worker is not None:
        return worker.currency
    among = f" (your organizations use {', '.join(sorted(used))})" if used else ""
    raise InvalidInput.one(
        "currency",
        "REQUIRED",
        f"{amount_field} is compared in one currency: give its currency{among}",
    )
