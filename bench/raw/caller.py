"""Who is calling: the bearer token looked up with its account, memberships and worker profile."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bench.raw.db import Connection

TOUCH_EVERY = timedelta(minutes=5)
"""How stale a token's ``last_used_at`` may get before a request records it (as crowdgraph does)."""

MEMBERSHIPS = {
    "postgres": "(SELECT json_agg(json_build_array(m.organization_id, m.role))::text "
    "FROM core_membership m WHERE m.account_id = a.id)",
    "sqlite": "(SELECT json_group_array(json_array(m.organization_id, m.role)) "
    "FROM core_membership m WHERE m.account_id = a.id)",
}
CALLER = """
SELECT t.id AS token_id, t.expires_at, t.revoked_at, t.last_used_at,
  a.id AS account_id, a.role, a.name, a.is_active,
  w.id AS worker_id, w.kind AS worker_kind, w.employer_id, w.country,
  {memberships} AS memberships
FROM core_api_token t
JOIN core_account a ON a.id = t.account_id
LEFT JOIN core_worker_profile w ON w.account_id = a.id
WHERE t.token_hash = $1"""


class Refused(Exception):
    """A request the operation refuses: answered as a GraphQL error with ``code``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Worker:
    id: int
    kind: str
    employer_id: int | None
    country: str


@dataclass
class Caller:
    """The authenticated account behind the bearer token."""

    account_id: int
    role: str
    name: str
    memberships: dict[int, str] = field(default_factory=dict)
    worker: Worker | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def can_manage(self, organization_id: int) -> bool:
        return self.is_admin or organization_id in self.memberships

    def require_worker(self) -> Worker:
        if self.worker is None:
            raise Refused("FORBIDDEN", "only workers may do this: create a worker profile first")
        return self.worker


def now() -> datetime:
    return datetime.now(UTC)


def when(value: datetime | str | None) -> datetime | None:
    """A stored datetime (SQLite keeps them as text)."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def to_global_id(type_name: str, pk: int) -> str:
    """Relay's global ID, as crowdgraph.schema.relay writes it."""
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def from_global_id(value: str, type_name: str, field_name: str) -> int:
    try:
        kind, _, pk = base64.b64decode(value).decode().partition(":")
        if kind == type_name:
            return int(pk)
    except (ValueError, UnicodeDecodeError):
        pass
    raise Refused("INVALID_INPUT", f"{field_name} must be the ID of a {type_name}")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def authenticate(db: Connection, authorization: str | None) -> Caller:
    """The caller behind ``Authorization: Bearer <token>``; anything else is refused."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Refused("UNAUTHENTICATED", "sign in first")
    row = await db.fetchrow(CALLER.format(memberships=MEMBERSHIPS[db.dialect]), hash_token(token))
    moment = now()
    expires = when(row["expires_at"]) if row else None
    if row is None or row["revoked_at"] is not None or expires is None or expires <= moment:
        raise Refused("UNAUTHENTICATED", "the token is unknown, expired or revoked: log in again")
    if not row["is_active"]:
        raise Refused("UNAUTHENTICATED", "this account is deactivated")
    used = when(row["last_used_at"])
    if used is None or moment - used > TOUCH_EVERY:
        await db.execute(
            "UPDATE core_api_token SET last_used_at = $1 WHERE id = $2", moment, row["token_id"]
        )
    worker = None
    if row["worker_id"] is not None:
        worker = Worker(row["worker_id"], row["worker_kind"], row["employer_id"], row["country"])
    memberships = {int(org): role for org, role in json.loads(row["memberships"] or "[]")}
    return Caller(row["account_id"], row["role"], row["name"], memberships, worker)
