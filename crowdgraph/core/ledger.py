"""Money: an append-only ledger of movements between accounts; every balance is derived from it.

An organization funds its budget from ``external``; holds move money aside for escrow or prize
pools; payments move it to a worker. Nothing leaves an organization's account beyond what is in it,
and every entry carries an idempotency key, so a retried payment is paid once.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from tortoise.functions import Sum
from tortoise.queryset import QuerySet

from crowdgraph.core import runtime
from crowdgraph.core.actor import Actor
from crowdgraph.core.errors import InvalidInput, NotFound
from crowdgraph.core.events import emit
from crowdgraph.core.models import LedgerEntry, Organization
from crowdgraph.core.pages import Page, PageRequest, fetch_page
from crowdgraph.core.transaction import atomic
from crowdgraph.core.validation import Checks

EXTERNAL = "external"
FUND, HOLD, RELEASE, PAYMENT = "fund", "hold", "release", "payment"


def available(organization_id: int) -> str:
    return f"org:{organization_id}:available"


def held(organization_id: int, reference: str) -> str:
    return f"org:{organization_id}:held:{reference}"


def worker_account(account_id: int) -> str:
    return f"worker:{account_id}"


ZERO_DECIMAL = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV"}
    | {"XAF", "XOF", "XPF"}
)
THREE_DECIMAL = frozenset({"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"})


def format_money(amount: int, currency: str) -> str:
    """Minor units as people read them (ISO 4217 decimals): 123456 USD -> ``1,234.56 USD``."""
    digits = 0 if currency in ZERO_DECIMAL else 3 if currency in THREE_DECIMAL else 2
    major, minor = divmod(abs(amount), 10**digits)
    fraction = f".{minor:0{digits}d}" if digits else ""
    return f"{'-' if amount < 0 else ''}{major:,}{fraction} {currency}"


async def total(query: QuerySet[LedgerEntry]) -> int:
    """The sum of the amounts of the entries a query selects."""
    rows: list[Any] = await query.annotate(total=Sum("amount")).values_list("total", flat=True)
    return int(rows[0] or 0) if rows else 0


async def balance(ledger_account: str) -> int:
    """Money in a ledger account: all it received minus all it sent."""
    received = await total(LedgerEntry.filter(destination=ledger_account))
    sent = await total(LedgerEntry.filter(source=ledger_account))
    return received - sent


@dataclass(frozen=True)
class Movement:
    organization_id: int
    kind: str
    source: str
    destination: str
    amount: int
    idempotency_key: str
    worker_id: int | None = None
    engagement_id: int | None = None
    model: str = "core"
    memo: str = ""
    created_by_id: int | None = None


async def post(movement: Movement) -> LedgerEntry:
    """Write one entry, exactly once per idempotency key; refuse to overdraw an organization."""
    checks = Checks()
    if movement.amount <= 0:
        checks.fail("amount", "OUT_OF_RANGE", f"amount must be > 0 (got {movement.amount})")
    checks.text("idempotencyKey", movement.idempotency_key, min_len=1, max_len=200)
    checks.done()
    async with atomic():
        # Lock the organization row so two payments cannot both spend the same balance (PostgreSQL);
        # SQLite transactions are already serialized.
        org = await Organization.select_for_update().get(id=movement.organization_id)
        existing = await LedgerEntry.get_or_none(idempotency_key=movement.idempotency_key)
        if existing is not None:
            same = (existing.source, existing.destination, existing.amount) == (
                movement.source,
                movement.destination,
                movement.amount,
            )
            if not same:
                raise InvalidInput.one(
                    "idempotencyKey",
                    "KEY_REUSED",
                    f"idempotency key {movement.idempotency_key!r} was used for a different movement",
                )
            return existing
        if movement.source != EXTERNAL:
            funds = await balance(movement.source)
            if funds < movement.amount:
                where = (
                    "the organization's available balance"
                    if movement.source == available(movement.organization_id)
                    else "the money held for this work"
                )
                raise InvalidInput.one(
                    "amount",
                    "INSUFFICIENT_FUNDS",
                    f"{where} is {format_money(funds, org.currency)}; "
                    f"{format_money(movement.amount, org.currency)} is needed",
                )
        entry = await LedgerEntry.create(
            organization_id=movement.organization_id,
            kind=movement.kind,
            source=movement.source,
            destination=movement.destination,
            amount=movement.amount,
            currency=org.currency,
            worker_id=movement.worker_id,
            engagement_id=movement.engagement_id,
            model=movement.model,
            idempotency_key=movement.idempotency_key,
            memo=movement.memo[:500],
            created_by_id=movement.created_by_id,
            created_at=runtime.now(),
        )
        await emit(
            f"core.ledger.{movement.kind}",
            {
                "entry_id": entry.id,
                "amount": entry.amount,
                "currency": entry.currency,
                "model": movement.model,
                "engagement_id": movement.engagement_id,
            },
            organization_id=movement.organization_id,
            account_id=movement.worker_id,
        )
    return entry


async def fund(
    actor: Actor, organization_id: int, amount: int, idempotency_key: str, memo: str = ""
) -> LedgerEntry:
    """An owner (or an admin) adds money to the organization's budget."""
    account = await actor.manages(organization_id, owner=True)
    return await post(
        Movement(
            organization_id=organization_id,
            kind=FUND,
            source=EXTERNAL,
            destination=available(organization_id),
            amount=amount,
            idempotency_key=f"fund:{organization_id}:{idempotency_key}",
            memo=memo,
            created_by_id=account.id,
        )
    )


async def hold(
    organization_id: int, reference: str, amount: int, idempotency_key: str, *, model: str
) -> LedgerEntry:
    """Set budget aside (escrow, a prize pool) so that it can only be paid out or released."""
    return await post(
        Movement(
            organization_id=organization_id,
            kind=HOLD,
            source=available(organization_id),
            destination=held(organization_id, reference),
            amount=amount,
            idempotency_key=idempotency_key,
            model=model,
        )
    )


async def release(
    organization_id: int, reference: str, amount: int, idempotency_key: str, *, model: str
) -> LedgerEntry:
    """Give held money back to the organization's available budget."""
    return await post(
        Movement(
            organization_id=organization_id,
            kind=RELEASE,
            source=held(organization_id, reference),
            destination=available(organization_id),
            amount=amount,
            idempotency_key=idempotency_key,
            model=model,
        )
    )


async def pay(
    *,
    organization_id: int,
    worker_account_id: int,
    amount: int,
    idempotency_key: str,
    model: str,
    kind: str = PAYMENT,
    engagement_id: int | None = None,
    from_hold: str | None = None,
    memo: str = "",
    created_by_id: int | None = None,
) -> LedgerEntry:
    """Pay a worker from the available budget, or from a hold; once per idempotency key."""
    source = held(organization_id, from_hold) if from_hold else available(organization_id)
    return await post(
        Movement(
            organization_id=organization_id,
            kind=kind,
            source=source,
            destination=worker_account(worker_account_id),
            amount=amount,
            idempotency_key=idempotency_key,
            worker_id=worker_account_id,
            engagement_id=engagement_id,
            model=model,
            memo=memo,
            created_by_id=created_by_id,
        )
    )


@dataclass(frozen=True)
class HeldFunds:
    """Money still in one hold account, and the model that set it aside."""

    organization_id: int
    account: str
    model: str
    currency: str
    amount: int
    ever_held: int
    """All that was ever held into the account (it only grows: it tells releases apart)."""


async def held_funds(
    models: Collection[str] | None = None, *, excluding: Collection[str] = ()
) -> list[HeldFunds]:
    """Hold accounts with money left, of ``models`` (default: every model) but not ``excluding``."""
    holds = LedgerEntry.filter(kind=HOLD).exclude(model__in=list(excluding))
    if models is not None:
        holds = holds.filter(model__in=list(models))
    rows = (
        await holds.annotate(total=Sum("amount"))
        .group_by("organization_id", "destination", "model", "currency")
        .values_list("organization_id", "destination", "model", "currency", "total")
    )
    if not rows:
        return []
    paid_out = dict(
        await LedgerEntry.filter(
            organization_id__in={row[0] for row in rows}, source__contains=":held:"
        )
        .annotate(total=Sum("amount"))
        .group_by("source")
        .values_list("source", "total")
    )
    found = [
        HeldFunds(
            org_id, account, model, currency, int(held) - int(paid_out.get(account) or 0), int(held)
        )
        for org_id, account, model, currency, held in rows
    ]
    return [funds for funds in found if funds.amount > 0]


async def release_held_funds(model: str, memo: str) -> list[LedgerEntry]:
    """Give everything still held for ``model`` back to its organizations' available budgets,
    all in one transaction (for a model that is no longer enabled: nothing of it will pay)."""
    async with atomic():
        return [
            await post(
                Movement(
                    organization_id=funds.organization_id,
                    kind=RELEASE,
                    source=funds.account,
                    destination=available(funds.organization_id),
                    amount=funds.amount,
                    idempotency_key=f"{funds.account}:released:{funds.ever_held}",
                    model=model,
                    memo=memo,
                )
            )
            for funds in await held_funds([model])
        ]


@dataclass(frozen=True)
class Budget:
    currency: str
    funded: int
    available: int
    held: int
    spent: int


async def budget(actor: Actor, organization_id: int) -> Budget:
    """Funded, available, held and spent money of an organization, all derived from the ledger."""
    await actor.manages(organization_id)
    org = await Organization.get(id=organization_id)
    totals = dict(
        await LedgerEntry.filter(organization_id=organization_id)
        .annotate(total=Sum("amount"))
        .group_by("kind")
        .values_list("kind", "total")
    )
    prefix = f"org:{organization_id}:"
    spent = sum(
        int(total)
        for kind, total in totals.items()
        if kind not in (FUND, HOLD, RELEASE) and total is not None
    )
    funded = int(totals.get(FUND) or 0)
    own_available = await balance(available(organization_id))
    holds_in = await total(LedgerEntry.filter(destination__startswith=f"{prefix}held:"))
    holds_out = await total(LedgerEntry.filter(source__startswith=f"{prefix}held:"))
    return Budget(
        currency=org.currency,
        funded=funded,
        available=own_available,
        held=holds_in - holds_out,
        spent=spent,
    )


@dataclass(frozen=True)
class Earnings:
    currency: str
    total: int


async def earnings(actor: Actor) -> list[Earnings]:
    """What the caller has been paid, per currency."""
    account = actor.require_account()
    rows = (
        await LedgerEntry.filter(destination=worker_account(account.id))
        .annotate(total=Sum("amount"))
        .group_by("currency")
        .values_list("currency", "total")
    )
    return [Earnings(currency=c, total=int(t or 0)) for c, t in sorted(rows)]


async def my_payments(actor: Actor, page: PageRequest) -> Page[LedgerEntry]:
    account = actor.require_account()
    return await fetch_page(LedgerEntry.filter(destination=worker_account(account.id)), page)


async def get_entry(actor: Actor, entry_id: int) -> LedgerEntry:
    """A movement, for the organization's owners and managers, the worker it paid, and admins."""
    account = actor.require_account()
    entry = await LedgerEntry.get_or_none(id=entry_id)
    if entry is None or not (
        actor.can_manage(entry.organization_id) or entry.worker_id == account.id
    ):
        raise NotFound("no such ledger entry")
    return entry


async def organization_entries(
    actor: Actor, organization_id: int, page: PageRequest
) -> Page[LedgerEntry]:
    await actor.manages(organization_id)
    return await fetch_page(LedgerEntry.filter(organization_id=organization_id), page)
