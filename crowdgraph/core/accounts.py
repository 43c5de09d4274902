"""Accounts, password login and bearer tokens (hashed at rest, expiring, revocable)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from tortoise.exceptions import IntegrityError

from crowdgraph.core import runtime
from crowdgraph.core.actor import Actor
from crowdgraph.core.errors import InvalidInput, NotAuthenticated, NotFound
from crowdgraph.core.models import Account, ApiToken, Role, TokenKind, WorkerKind, WorkerProfile
from crowdgraph.core.transaction import atomic
from crowdgraph.core.validation import EMAIL, Checks

TOKEN_PREFIX = "cg_"
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
MIN_PASSWORD = 10


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **SCRYPT)
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(
        password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p)
    )
    return hmac.compare_digest(candidate.hex(), digest)


def hash_token(token: str) -> str:
    """Tokens are 256 random bits, so one SHA-256 is enough to keep them unusable at rest."""
    return hashlib.sha256(token.encode()).hexdigest()


def check_account_input(checks: Checks, email: str, name: str, password: str) -> None:
    checks.pattern("email", email, EMAIL, "an email address such as ada@example.com")
    checks.text("name", name, min_len=1, max_len=120)
    if len(password) < MIN_PASSWORD:
        checks.fail(
            "password", "TOO_SHORT", f"password must have at least {MIN_PASSWORD} characters"
        )
    checks.text("password", password, max_len=200)


async def create_account(
    email: str,
    name: str,
    password: str,
    role: Role,
    *,
    worker_kind: WorkerKind | None = None,
    employer_id: int | None = None,
) -> Account:
    """Create an account (and a worker profile for a worker); the email must be new."""
    email = email.strip().lower()
    checks = Checks()
    check_account_input(checks, email, name, password)
    checks.done()
    now = runtime.now()
    try:
        async with atomic():
            account = await Account.create(
                email=email,
                name=name.strip(),
                password_hash=hash_password(password),
                role=role,
                created_at=now,
            )
            if role == Role.WORKER:
                await WorkerProfile.create(
                    account=account,
                    kind=worker_kind or WorkerKind.EXTERNAL,
                    employer_id=employer_id,
                    created_at=now,
                    updated_at=now,
                )
    except IntegrityError as exc:
        raise InvalidInput.one(
            "email", "TAKEN", f"an account with email {email} already exists"
        ) from exc
    return account


async def register(email: str, name: str, password: str, role: Role) -> Account:
    """Self-service sign-up as an external worker or as a client; admins are made by the CLI."""
    if role == Role.ADMIN:
        raise InvalidInput.one(
            "role", "INVALID_CHOICE", "role must be one of client, worker (got 'admin')"
        )
    return await create_account(email, name, password, role)


async def issue_token(
    account: Account, kind: TokenKind, name: str, lifetime: timedelta
) -> tuple[str, ApiToken]:
    """A new bearer token; the plain token is returned once and only its hash is stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = runtime.now()
    row = await ApiToken.create(
        account=account,
        kind=kind,
        name=name,
        token_hash=hash_token(token),
        prefix=token[:10],
        created_at=now,
        expires_at=now + lifetime,
    )
    return token, row


async def login(email: str, password: str, lifetime: timedelta) -> tuple[str, ApiToken]:
    account = await Account.get_or_none(email=email.strip().lower(), is_active=True)
    if account is None or not verify_password(password, account.password_hash):
        raise InvalidInput.one("password", "BAD_CREDENTIALS", "email or password is wrong")
    return await issue_token(account, TokenKind.SESSION, "login", lifetime)


async def authenticate(token: str) -> Actor:
    """The actor behind a bearer token; an unknown, expired or revoked token is refused."""
    row = await ApiToken.get_or_none(token_hash=hash_token(token)).select_related("account")
    now = runtime.now()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise NotAuthenticated("the token is unknown, expired or revoked: log in again")
    if not row.account.is_active:
        raise NotAuthenticated("this account is deactivated")
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=5):
        await ApiToken.filter(id=row.id).update(last_used_at=now)
    return await Actor.for_account(row.account, token_id=row.id)


async def logout(actor: Actor) -> None:
    actor.require_account()
    if actor.token_id is not None:
        await ApiToken.filter(id=actor.token_id).update(revoked_at=runtime.now())


API_TOKEN_MAX_DAYS = 3660
"""Ten years: an API token lives at most this long."""


async def create_api_token(actor: Actor, name: str, days: int) -> tuple[str, ApiToken]:
    """A token for scripts, valid for ``days`` (1 to ten years)."""
    account = actor.require_account()
    checks = Checks()
    checks.text("name", name, min_len=1, max_len=80)
    checks.range("expiresInDays", days, low=1, high=API_TOKEN_MAX_DAYS)
    checks.done()
    return await issue_token(account, TokenKind.API, name.strip(), timedelta(days=days))


async def list_tokens(actor: Actor) -> list[ApiToken]:
    account = actor.require_account()
    return await ApiToken.filter(account_id=account.id, revoked_at=None).order_by("id")


async def revoke_token(actor: Actor, token_id: int) -> ApiToken:
    account = actor.require_account()
    row = await ApiToken.get_or_none(id=token_id, account_id=account.id)
    if row is None:
        raise NotFound("no such token")
    if row.revoked_at is None:
        row.revoked_at = runtime.now()
        await row.save(update_fields=["revoked_at"])
    return row
