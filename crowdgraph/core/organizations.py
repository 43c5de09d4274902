"""Organizations, their members (owners and managers) and their employees (the internal crowd)."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet

from crowdgraph.core import runtime
from crowdgraph.core.accounts import create_account
from crowdgraph.core.actor import Actor
from crowdgraph.core.errors import Forbidden, InvalidInput, NotFound
from crowdgraph.core.events import emit
from crowdgraph.core.models import (
    Account,
    MemberRole,
    Membership,
    Organization,
    Role,
    WorkerKind,
    WorkerProfile,
)
from crowdgraph.core.pages import Page, PageRequest, fetch_page
from crowdgraph.core.transaction import atomic
from crowdgraph.core.validation import CURRENCY, SLUG, Checks


async def create_organization(
    actor: Actor, name: str, slug: str, currency: str = "USD"
) -> Organization:
    """A client or admin creates an organization and becomes its owner."""
    account = actor.require_account()
    if account.role not in (Role.CLIENT, Role.ADMIN):
        raise Forbidden("only clients and admins may create organizations")
    checks = Checks()
    checks.text("name", name, min_len=1, max_len=120)
    checks.pattern("slug", slug, SLUG, "lowercase letters, digits and single dashes")
    checks.text("slug", slug, max_len=60)
    checks.pattern("currency", currency, CURRENCY, "an ISO 4217 code such as USD")
    checks.done()
    try:
        async with atomic():
            org = await Organization.create(
                name=name.strip(), slug=slug, currency=currency, created_at=runtime.now()
            )
            await Membership.create(
                organization=org, account=account, role=MemberRole.OWNER, created_at=runtime.now()
            )
            await emit(
                "core.organization.created",
                {"organization_id": org.id, "name": org.name, "slug": org.slug},
                organization_id=org.id,
            )
    except IntegrityError as exc:
        raise InvalidInput.one("slug", "TAKEN", f"slug {slug} is already taken") from exc
    actor.memberships[org.id] = MemberRole.OWNER
    return org


async def get_organization(organization_id: int) -> Organization:
    """Organizations' names are public: workers see who they work for."""
    org = await Organization.get_or_none(id=organization_id)
    if org is None:
        raise NotFound("no such organization")
    return org


async def my_organizations(actor: Actor) -> list[Organization]:
    actor.require_account()
    return await Organization.filter(id__in=list(actor.memberships)).order_by("id")


async def add_member(
    actor: Actor, organization_id: int, email: str, role: MemberRole
) -> Membership:
    """An owner adds a client account as owner or manager (or changes its role)."""
    await actor.manages(organization_id, owner=True)
    account = await Account.get_or_none(email=email.strip().lower())
    if account is None:
        raise InvalidInput.one("email", "NOT_FOUND", f"no account with email {email}")
    if account.role != Role.CLIENT:
        raise InvalidInput.one(
            "email", "NOT_A_CLIENT", f"{email} cannot be added: members must be client accounts"
        )
    async with atomic():
        membership, created = await Membership.get_or_create(
            organization_id=organization_id,
            account_id=account.id,
            defaults={"role": role, "created_at": runtime.now()},
        )
        if not created and membership.role != role:
            if role != MemberRole.OWNER:
                await keep_an_owner(organization_id, account.id, "role")
            membership.role = role
            await membership.save(update_fields=["role"])
    return membership


async def keep_an_owner(organization_id: int, account_id: int, field: str) -> None:
    """Refuse to let ``account_id`` stop owning the organization if it is the only owner."""
    # Lock the organization so that two owners cannot both step down at once (PostgreSQL).
    await Organization.select_for_update().get(id=organization_id)
    owners = await Membership.filter(
        organization_id=organization_id, role=MemberRole.OWNER
    ).values_list("account_id", flat=True)
    if list(owners) == [account_id]:
        raise InvalidInput.one(field, "LAST_OWNER", "an organization must keep at least one owner")


async def remove_member(actor: Actor, organization_id: int, account_id: int) -> None:
    await actor.manages(organization_id, owner=True)
    async with atomic():
        await keep_an_owner(organization_id, account_id, "accountId")
        deleted = await Membership.filter(
            organization_id=organization_id, account_id=account_id
        ).delete()
    if not deleted:
        raise NotFound("no such member")


async def members(actor: Actor, organization_id: int) -> list[Membership]:
    await actor.manages(organization_id)
    return await _members(organization_id).order_by("id")


async def member_page(actor: Actor, organization_id: int, page: PageRequest) -> Page[Membership]:
    await actor.manages(organization_id)
    return await fetch_page(_members(organization_id), page)


def _members(organization_id: int) -> QuerySet[Membership]:
    """The organization's memberships, each with its account read in the same statement."""
    return Membership.filter(organization_id=organization_id).select_related("account")


async def add_employee(
    actor: Actor, organization_id: int, email: str, name: str, password: str
) -> WorkerProfile:
    """Create an internal-crowd worker account employed by the organization."""
    await actor.manages(organization_id)
    await get_organization(organization_id)
    account = await create_account(
        email,
        name,
        password,
        Role.WORKER,
        worker_kind=WorkerKind.INTERNAL,
        employer_id=organization_id,
    )
    return await WorkerProfile.get(account_id=account.id)
