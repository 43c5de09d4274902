"""Rate limits per token and per address: a token bucket each, answered with 429 and Retry-After.

Buckets live in the process: with N processes behind a load balancer a caller gets up to N times the
limit, which still stops a runaway script; put a shared limit in the load balancer if you need one.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

MAX_BUCKETS = 50_000


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
        bucket = self.buckets.get(key)
        if bucket is None:
            if len(self.buckets) >= MAX_BUCKETS:
                self._forget_full(now)
            bucket = self.buckets[key] = Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled completely: they hold no information."""
        full = [
            k
            for k, b in self.buckets.items()
            if b.tokens + (now - b.updated) * self.rate >= self.burst
        ]
        for key in full:
            del self.buckets[key]


class RateLimit:
    """Pure ASGI middleware limiting HTTP requests by bearer token, or by client address without one."""

    def __init__(self, app: ASGIApp, per_token: int, per_address: int) -> None:
        self.app = app
        self.tokens = TokenBuckets(per_token, burst=max(1, per_token // 6)) if per_token else None
        self.addresses = (
            TokenBuckets(per_address, burst=max(1, per_address // 6)) if per_address else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in ("/healthz", "/metrics"):
            await self.app(scope, receive, send)
            return
        wait = self._wait(scope)
        if wait > 0:
            await self._refuse(wait, send)
            return
        await self.app(scope, receive, send)

    def _wait(self, scope: Scope) -> float:
        now = time.monotonic()
        authorization = dict(scope["headers"]).get(b"authorization", b"")
        if authorization.lower().startswith(b"bearer ") and self.tokens is not None:
            key = hashlib.sha256(authorization[7:].strip()).hexdigest()[:32]
            return self.tokens.take(key, now)
        if self.addresses is not None:
            client = scope.get("client")
            return self.addresses.take(client[0] if client else "unknown", now)
        return 0.0

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
