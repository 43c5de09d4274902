"""Accounts, password login and bearer tokens (hashed at rest, expiring, revocable)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet

from crowdgraph.core import runtime
from crowdgraph.core.actor import Actor, caller_by_token
from crowdgraph.core.errors import InvalidInput, NotAuthenticated, NotFound
from crowdgraph.core.models import Account, ApiToken, Role, TokenKind, WorkerKind, WorkerProfile
from crowdgraph.core.pages import Page, PageRequest, fetch_page
from crowdgraph.core.transaction import atomic
from crowdgraph.core.validation import EMAIL, Checks

TOKEN_PREFIX = "cg_"
TOKEN_SHAPE = re.compile(re.escape(TOKEN_PREFIX) + r"[A-Za-z0-9_-]{43}")
"""What issue_token makes: the prefix and 32 random bytes, URL-safe base64."""
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
MIN_PASSWORD = 10
MAX_PASSWORD = 200
MIN_DIFFERENT = 5
PASSWORD_RULE = (
    f"At least {MIN_PASSWORD} characters (at most {MAX_PASSWORD}), at least {MIN_DIFFERENT} of "
    "them different; not the email address or its part before the @; not a commonly used password."
)
_COMMON = """
    0123456789 0987654321 1234567890 1234567890a 123456789a a123456789 1234512345 12345abcde
    12345qwert 1234qwer!@ 1q2w3e4r5t 1q2w3e4r5t6y 1qaz2wsx3edc q1w2e3r4t5 q1w2e3r4t5y6 qwertyuiop
    qwertyuiop123 qwerty1234 qwerty12345 qwerty123456 qwertz1234 azerty1234 asdfghjkl1 asdfghjkl123
    qazwsxedc123 qweasdzxc123 123qweasdzxc zaq12wsxcde3 password12 password123 password1234
    password12345 password!23 passw0rd123 p@ssw0rd123 p@ssword123 passwort123 iloveyou12
    iloveyou123 letmein123 letmein1234 welcome123 welcome1234 administrator admin12345
    admin123456 abc1234567 abcd123456 abcdefghij abcdefghijk abc123abc123 changeme123 trustno1234
    football123 baseball123 sunshine123 princess123 superman123 starwars123 whatever123
    computer123 internet123 michael123 jennifer123 dragon1234 monkey1234 master1234 secret1234
    123123123123 1122334455 1234554321 9876543210 1q2w3e4r5t6y7u8i
"""
COMMON_PASSWORDS = frozenset(_COMMON.split())
"""Passwords of 10 or more characters found at the top of published breach lists."""


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


def check_password(checks: Checks, password: str, email: str) -> None:
    """PASSWORD_RULE: long enough, varied enough, not the email, not a common password."""
    folded = password.strip().lower()
    if len(password) < MIN_PASSWORD:
        checks.fail(
            "password", "TOO_SHORT", f"password must have at least {MIN_PASSWORD} characters"
        )
    elif len(set(password)) < MIN_DIFFERENT:
        checks.fail(
            "password",
            "TOO_FEW_CHARACTERS",
            f"password must use at least {MIN_DIFFERENT} different characters "
            f"(got {len(set(password))})",
        )
    elif folded in (email, email.partition("@")[0]):
        checks.fail("password", "SAME_AS_EMAIL", "password must not be the email address")
    elif folded in COMMON_PASSWORDS:
        checks.fail(
            "password",
            "TOO_COMMON",
            "password must not be a commonly used password: choose a less guessable one",
        )
    checks.text("password", password, max_len=MAX_PASSWORD)


def check_account_input(checks: Checks, email: str, name: str, password: str) -> None:
    checks.pattern("email", email, EMAIL, "an email address such as ada@example.com")
    checks.text("name", name, min_len=1, max_len=120)
    check_password(checks, password, email)


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
    password_hash = await asyncio.to_thread(hash_password, password)
    now = runtime.now()
    try:
        async with atomic():
            account = await Account.create(
                email=email,
                name=name.strip(),
                password_hash=password_hash,
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


@dataclass(frozen=True)
class LoginLimits:
    """Failed logins allowed within ``window`` per email and per address; 0 turns one off."""

    per_account: int
    per_address: int
    window: timedelta


@cache
def _stand_in_hash(n: int, r: int, p: int) -> str:
    """A hash no password matches, made once per cost (n, r, p): checking it takes as long as
    checking a real account's, so the answer time does not tell which emails have accounts."""
    return hash_password(secrets.token_urlsafe(16))


def _throttled(email: str, address: str | None, limits: LoginLimits) -> datetime:
    """Refuse a login whose email or address failed too often lately; else count it as failed
    before its password is checked (taken back if it succeeds), so concurrent guesses, and
    the aliased logins of one request, are each counted."""
    failures = runtime.current().login_failures
    now = runtime.now()
    keys = [(f"email:{email}", limits.per_account, "for this email")]
    if address is not None:
        keys.append((f"address:{address}", limits.per_address, "from this address"))
    for key, limit, which in keys:
        wait = failures.wait(key, limit, limits.window, now)
        if wait is not None:
            seconds = max(1, math.ceil(wait.total_seconds()))
            raise InvalidInput.one(
                "email",
                "TOO_MANY_ATTEMPTS",
                f"too many failed logins {which}: try again in {seconds} s",
            )
    for key, _, _ in keys:
        failures.add(key, now)
    return now


async def login(
    email: str,
    password: str,
    lifetime: timedelta,
    *,
    address: str | None,
    limits: LoginLimits,
) -> tuple[str, ApiToken]:
    """A session token for the right password. Failures are limited per email and per caller
    address; an unknown email costs the same work and gets the same answer as a wrong password."""
    email = email.strip().lower()
    attempted = _throttled(email, address, limits)
    account = await Account.get_or_none(email=email, is_active=True)
    if account is not None:
        stored = account.password_hash
    else:
        stored = await asyncio.to_thread(_stand_in_hash, **SCRYPT)  # made on first use
    matched = await asyncio.to_thread(verify_password, password, stored)
    if account is None or not matched:
        raise InvalidInput.one("password", "BAD_CREDENTIALS", "email or password is wrong")
    failures = runtime.current().login_failures
    failures.forget(f"email:{email}")
    if address is not None:
        failures.remove(f"address:{address}", attempted)
    return await issue_token(account, TokenKind.SESSION, "login", lifetime)


def well_formed(token: str) -> bool:
    """Whether ``token`` has the shape of one issue_token makes: a check that costs no lookup."""
    return TOKEN_SHAPE.fullmatch(token) is not None


async def live_token(token: str) -> ApiToken | None:
    """The token's row with its account, unless unknown, expired or revoked."""
    if not well_formed(token):
        return None
    row = await ApiToken.get_or_none(token_hash=hash_token(token)).select_related("account")
    if row is None or not _live(row, runtime.now()):
        return None
    return row


async def token_authenticates(token: str) -> bool:
    """Whether the token would authenticate (without recording its use)."""
    row = await live_token(token)
    return row is not None and row.account.is_active


async def authenticate(token: str) -> Actor:
    """The actor behind a bearer token; an unknown, expired or revoked token is refused."""
    found = await caller_by_token(hash_token(token)) if well_formed(token) else None
    now = runtime.now()
    if found is None or not _live(found[0], now):
        raise NotAuthenticated("the token is unknown, expired or revoked: log in again")
    row, actor = found
    if not row.account.is_active:
        raise NotAuthenticated("this account is deactivated")
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=5):
        await ApiToken.filter(id=row.id).update(last_used_at=now)
    return actor


def _live(row: ApiToken, now: datetime) -> bool:
    return row.revoked_at is None and row.expires_at > now


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
    checks.line("name", name, min_len=1, max_len=80)
    checks.range("expiresInDays", days, low=1, high=API_TOKEN_MAX_DAYS)
    checks.done()
    return await issue_token(account, TokenKind.API, name.strip(), timedelta(days=days))


async def list_tokens(actor: Actor) -> list[ApiToken]:
    return await _live_tokens(actor).order_by("id")


async def token_page(actor: Actor, page: PageRequest) -> Page[ApiToken]:
    return await fetch_page(_live_tokens(actor), page)


def _live_tokens(actor: Actor) -> QuerySet[ApiToken]:
    """The caller's sessions and API tokens that are not revoked."""
    return ApiToken.filter(account_id=actor.require_account().id, revoked_at=None)


async def revoke_token(actor: Actor, token_id: int) -> ApiToken:
    account = actor.require_account()
    row = await ApiToken.get_or_none(id=token_id, account_id=account.id)
    if row is None:
        raise NotFound("no such token")
    if row.revoked_at is None:
        row.revoked_at = runtime.now()
        await row.save(update_fields=["revoked_at"])
    return row
