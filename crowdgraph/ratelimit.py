"""Rate limits per token and per address: a token bucket each, answered with 429 and Retry-After.

A request draws on its token's bucket only when the token authenticates; any other request (no
token, a malformed or made-up one) draws on its address's bucket, so inventing tokens buys no
requests. The address is the peer's, or, behind a proxy listed in ``[server] trusted_proxies``,
the one that proxy saw (X-Forwarded-For is believed from those proxies only).

Buckets live in the process: with N processes behind a load balancer a caller gets up to N times the
limit, which still stops a runaway script; put a shared limit in the load balancer if you need one.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from crowdgraph.core.accounts import token_authenticates, well_formed
from crowdgraph.db import database_unavailable

log = logging.getLogger("crowdgraph.ratelimit")

MAX_BUCKETS = 50_000
KNOWN_TOKEN_SECONDS = 60.0
"""How long a token that authenticated is taken as real without another lookup (authentication
still refuses it at once if it is revoked meanwhile)."""

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass
class Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """``per_minute`` requests a minute on average, with bursts up to ``burst``."""

    def __init__(self, per_minute: int, burst: int) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.buckets: dict[str, Bucket] = {}

    def take(self, key: str, now: float) -> float:
        """Take one request from ``key``'s bucket: 0 if allowed, else seconds until one is."""
        bucket = self._refilled(key, now)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate

    def has(self, key: str, now: float) -> bool:
        """Whether ``key``'s bucket holds a request (taking nothing)."""
        return self._refilled(key, now).tokens >= 1

    def _refilled(self, key: str, now: float) -> Bucket:
        bucket = self.buckets.get(key)
        if bucket is None:
            if len(self.buckets) >= MAX_BUCKETS:
                self._forget_full(now)
            bucket = self.buckets[key] = Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        return bucket

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled completely: they hold no information."""
        full = [
            k
            for k, b in self.buckets.items()
            if b.tokens + (now - b.updated) * self.rate >= self.burst
        ]
        for key in full:
            del self.buckets[key]


class KnownTokens:
    """Tokens (by hash) that authenticated lately, so most requests cost no lookup to place."""

    def __init__(self) -> None:
        self.until: dict[str, float] = {}

    def holds(self, key: str, now: float) -> bool:
        return self.until.get(key, 0.0) > now

    def add(self, key: str, now: float) -> None:
        if len(self.until) >= MAX_BUCKETS:
            self.until = {k: t for k, t in self.until.items() if t > now}
            if len(self.until) >= MAX_BUCKETS:
                self.until.clear()
        self.until[key] = now + KNOWN_TOKEN_SECONDS


def trusted(address: str, proxies: Sequence[IPNetwork]) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in proxies)


def client_address(scope: Scope, proxies: Sequence[IPNetwork]) -> str:
    """The caller's address: the peer's, or, when the peer is one of the trusted ``proxies``,
    the last X-Forwarded-For address that is not one of them (the client the proxies saw).

    An IPv6 caller is named by its /64 network, the share of one subscriber (who can pick any of
    its 2^64 addresses)."""
    client = scope.get("client")
    peer = str(client[0]) if client else "unknown"
    if trusted(peer, proxies):
        forwarded = b",".join(v for k, v in scope["headers"] if k == b"x-forwarded-for")
        hops = [hop.strip() for hop in forwarded.decode("latin-1").split(",") if hop.strip()]
        untrusted = [hop for hop in hops if not trusted(hop, proxies)]
        peer = untrusted[-1] if untrusted else (hops[0] if hops else peer)
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:  # no address (or a hop no proxy writes): the connection's own peer
        return str(client[0]) if client else "unknown"
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is None:
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def bearer_token(scope: Scope) -> str | None:
    authorization = dict(scope["headers"]).get(b"authorization", b"")
    if not authorization.lower().startswith(b"bearer "):
        return None
    return authorization[7:].strip().decode("latin-1")


class RateLimit:
    """Pure ASGI middleware limiting HTTP requests by bearer token (one that authenticates) or by
    client address; a limit of 0 turns that limit off and leaves the other."""

    def __init__(
        self,
        app: ASGIApp,
        per_token: int,
        per_address: int,
        trusted_proxies: Sequence[IPNetwork] = (),
    ) -> None:
        self.app = app
        self.tokens = TokenBuckets(per_token, burst=max(1, per_token // 6)) if per_token else None
        self.addresses = (
            TokenBuckets(per_address, burst=max(1, per_address // 6)) if per_address else None
        )
        self.trusted_proxies = list(trusted_proxies)
        self.known = KnownTokens()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in ("/healthz", "/metrics"):
            await self.app(scope, receive, send)
            return
        wait = await self._wait(scope)
        if wait > 0:
            await self._refuse(wait, send)
            return
        await self.app(scope, receive, send)

    async def _wait(self, scope: Scope) -> float:
        if self.tokens is None and self.addresses is None:
            return 0.0
        now = time.monotonic()
        address = client_address(scope, self.trusted_proxies)
        token = bearer_token(scope)
        if token is not None and well_formed(token):
            key = hashlib.sha256(token.encode()).hexdigest()
            if await self._authenticates(token, key, address, now):
                return self.tokens.take(key, now) if self.tokens is not None else 0.0
        return self.addresses.take(address, now) if self.addresses is not None else 0.0

    async def _authenticates(self, token: str, key: str, address: str, now: float) -> bool:
        """Whether a well-formed token is a real one: tokens seen lately first, and only then the
        database, and that only while the address has requests left to pay for a made-up one."""
        if self.known.holds(key, now):
            return True
        if self.addresses is not None and not self.addresses.has(address, now):
            return False
        try:
            found = await token_authenticates(token)
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            log.warning("cannot check a token for its rate limit: %s", exc)
            return False  # the request goes on to meet the same outage, answered 503
        if found:
            self.known.add(key, now)
        return found

    @staticmethod
    async def _refuse(wait: float, send: Send) -> None:
        seconds = max(1, math.ceil(wait))
        body = json.dumps(
            {
                "errors": [
                    {
                        "message": f"rate limit exceeded: try again in {seconds} s",
                        "extensions": {"code": "RATE_LIMITED", "retryAfter": seconds},
                    }
                ]
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"retry-after", str(seconds).encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
