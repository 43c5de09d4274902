"""Who is calling a service, and the permission checks every service shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from tortoise.context import require_context
from tortoise.models import Model

from crowdgraph.core.errors import Forbidden, NotAuthenticated, NotFound
from crowdgraph.core.models import (
    Account,
    ApiToken,
    MemberRole,
    Membership,
    Organization,
    Role,
    WorkerProfile,
)


@dataclass
class Actor:
    """The caller: an account (or nobody), with its memberships loaded once per request."""

    account: Account | None = None
    memberships: dict[int, MemberRole] = field(default_factory=dict)
    token_id: int | None = None
    auth_problem: str | None = None
    """Why a presented token was refused, so that a later "sign in first" can say so."""
    _worker: WorkerProfile | None = None
    _worker_looked_up: bool = False
    """Whether ``_worker`` holds the answer (None for an account without a worker profile)."""

    @classmethod
    async def for_account(cls, account: Account | None, token_id: int | None = None) -> Actor:
        if account is None:
            return cls()
        rows = await Membership.filter(account_id=account.id).values_list("organization_id", "role")
        return cls(
            account=account,
            memberships={org_id: MemberRole(role) for org_id, role in rows},
            token_id=token_id,
        )

    @property
    def authenticated(self) -> bool:
        return self.account is not None

    @property
    def is_admin(self) -> bool:
        return self.account is not None and self.account.role == Role.ADMIN

    @property
    def account_id(self) -> int | None:
        return self.account.id if self.account else None

    def require_account(self) -> Account:
        if self.account is None:
            raise NotAuthenticated(*([self.auth_problem] if self.auth_problem else []))
        return self.account

    def require_admin(self) -> Account:
        account = self.require_account()
        if account.role != Role.ADMIN:
            raise Forbidden("only an admin may do this")
        return account

    def is_member(self, organization_id: int, *roles: MemberRole) -> bool:
        role = self.memberships.get(organization_id)
        return role is not None and (not roles or role in roles)

    def can_manage(self, organization_id: int) -> bool:
        """Owners and managers of the organization, and admins."""
        return self.is_admin or self.is_member(organization_id)

    def require_manager(self, organization_id: int) -> Account:
        account = self.require_account()
        if not self.can_manage(organization_id):
            raise Forbidden("only the organization's owners and managers may do this")
        return account

    def require_owner(self, organization_id: int) -> Account:
        account = self.require_account()
        if not (self.is_admin or self.is_member(organization_id, MemberRole.OWNER)):
            raise Forbidden("only the organization's owners may do this")
        return account

    async def manages(self, organization_id: int, *, owner: bool = False) -> Account:
        """``require_manager`` (``require_owner`` with ``owner``) of an organization that exists:
        an admin, who passes for any organization, gets NotFound for one that is not there."""
        account = (
            self.require_owner(organization_id) if owner else self.require_manager(organization_id)
        )
        if self.is_admin and not await Organization.exists(id=organization_id):
            raise NotFound("no such organization")
        return account

    async def worker(self) -> WorkerProfile | None:
        if self.account is None:
            return None
        if not self._worker_looked_up:
            self._worker = await WorkerProfile.get_or_none(account_id=self.account.id)
            self._worker_looked_up = True
        return self._worker

    async def require_worker(self) -> WorkerProfile:
        self.require_account()
        profile = await self.worker()
        if profile is None:
            raise Forbidden("only workers may do this: create a worker profile first")
        return profile


ANONYMOUS = Actor()


def _columns(model: type[Model], alias: str) -> list[str]:
    return [
        f'{alias}."{column}" AS "{alias}_{column}"'
        for column in model._meta.fields_db_projection.values()
    ]


@cache
def _caller_statement(dialect: str) -> str:
    """One statement for a request's caller: the token, its account, the worker profile (if
    any) and the memberships (``org:role,...``), instead of three."""
    join = "string_agg" if dialect == "postgres" else "group_concat"
    mark = "$1" if dialect == "postgres" else "?"
    selected = ", ".join(
        [*_columns(ApiToken, "t"), *_columns(Account, "a"), *_columns(WorkerProfile, "w")]
    )
    return (
        f"SELECT {selected}, (SELECT {join}(m.organization_id || ':' || m.role, ',') "
        "FROM core_membership m WHERE m.account_id = a.id) AS memberships "
        "FROM core_api_token t JOIN core_account a ON a.id = t.account_id "
        f"LEFT JOIN core_worker_profile w ON w.account_id = a.id WHERE t.token_hash = {mark}"
    )


def _row_of(model: type[Model], alias: str, found: dict[str, Any]) -> Any:
    prefix = f"{alias}_"
    return model._init_from_db(
        **{key[len(prefix) :]: value for key, value in found.items() if key.startswith(prefix)}
    )


async def caller_by_token(token_hash: str) -> tuple[ApiToken, Actor] | None:
    """The token with this hash and the actor behind it (memberships and worker profile loaded),
    in one statement; None for an unknown hash. The token's validity is the caller's to check."""
    db = require_context().db()
    _, rows = await db.execute_query(_caller_statement(db.capabilities.dialect), [token_hash])
    if not rows:
        return None
    found = dict(rows[0])
    token: ApiToken = _row_of(ApiToken, "t", found)
    account: Account = _row_of(Account, "a", found)
    token.account = account
    worker = _row_of(WorkerProfile, "w", found) if found["w_id"] is not None else None
    memberships = {}
    for pair in (found["memberships"] or "").split(","):
        if pair:
            organization_id, _, role = pair.partition(":")
            memberships[int(organization_id)] = MemberRole(role)
    actor = Actor(
        account=account,
        memberships=memberships,
        token_id=token.id,
        _worker=worker,
        _worker_looked_up=True,
    )
    return token, actor
