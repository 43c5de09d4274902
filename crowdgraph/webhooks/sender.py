"""Sending due webhook deliveries: claim, POST signed, record, retry with back-off.

Each attempt resolves the endpoint's host again and sends only to an address it checked
(``targets.py``): public, or in ``allowed_private_networks``.

A pass claims due deliveries in one short transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL)
and pushes their next attempt past the request timeout (a lease), so no other process takes them
while they are in flight; the requests go out with no transaction open (on SQLite an open
transaction would hold the one connection); each result is recorded in its own transaction. A
process that dies mid-request leaves its lease to expire and the delivery is sent again: delivery
is at least once, and receivers deduplicate by ``Crowdgraph-Event-Id``.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from tortoise.expressions import F

from crowdgraph import __version__
from crowdgraph.core import runtime
from crowdgraph.core.models import Event
from crowdgraph.core.transaction import atomic
from crowdgraph.observability import WEBHOOK_FAILURES
from crowdgraph.webhooks import targets
from crowdgraph.webhooks.models import Delivery, DeliveryStatus, Endpoint
from crowdgraph.webhooks.sealing import SecretKeyError, unseal
from crowdgraph.webhooks.service import WebhookSettings
from crowdgraph.webhooks.signing import HEADER, sign

log = logging.getLogger("crowdgraph.webhooks")
LEASE_MARGIN = timedelta(seconds=60)


@dataclass(frozen=True)
class Claim:
    delivery_id: int
    attempt: int
    endpoint: Endpoint
    event: Event


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def backoff(settings: WebhookSettings, attempt: int) -> timedelta:
    """The wait after failed attempt number ``attempt`` (1, 2, ...): doubling, capped."""
    seconds = settings.backoff_seconds * 2 ** (attempt - 1)
    return timedelta(seconds=min(seconds, settings.backoff_cap_seconds))


def body_of(event: Event) -> bytes:
    """The JSON a receiver gets: the event as subscribers see it, plus its scope."""
    document: dict[str, Any] = {
        "id": event.id,
        "name": event.name,
        "created_at": event.created_at.isoformat(),
        "organization_id": event.organization_id,
        "project_id": event.project_id,
        "account_id": event.account_id,
        "payload": event.payload,
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


async def claim_due(settings: WebhookSettings) -> list[Claim]:
    """Take up to ``batch_size`` due deliveries and lease them for one attempt."""
    now = runtime.now()
    lease = now + timedelta(seconds=settings.timeout_seconds) + LEASE_MARGIN
    async with atomic():
        rows = (
            await Delivery.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")
            .limit(settings.batch_size)
            .select_for_update(skip_locked=True)
        )
        if not rows:
            return []
        await Delivery.filter(id__in=[r.id for r in rows]).update(
            attempts=F("attempts") + 1, next_attempt_at=lease, last_attempt_at=now
        )
    endpoints = {e.id: e for e in await Endpoint.filter(id__in={r.endpoint_id for r in rows})}
    events = {e.id: e for e in await Event.filter(id__in={r.event_id for r in rows})}
    return [Claim(r.id, r.attempts + 1, endpoints[r.endpoint_id], events[r.event_id]) for r in rows]


class Clients:
    """The HTTP clients of one pass: one per webhook host, so a kept-alive connection (opened to a
    checked address under that host's TLS name) serves that host only; all share one TLS setup."""

    def __init__(self, settings: WebhookSettings, stack: contextlib.AsyncExitStack) -> None:
        self.settings = settings
        self.stack = stack
        self.tls = httpx.create_ssl_context()  # loads the CA bundle (~50 ms): once a pass
        self.by_host: dict[str, httpx.AsyncClient] = {}

    def of(self, host: str) -> httpx.AsyncClient:
        if host not in self.by_host:
            client = httpx.AsyncClient(
                verify=self.tls,
                timeout=self.settings.timeout_seconds,
                follow_redirects=False,  # a redirect could lead to a host nobody checked
                trust_env=False,  # straight to the checked address, never through a proxy
            )
            self.stack.push_async_callback(client.aclose)
            self.by_host[host] = client
        return self.by_host[host]


def refused(host: str) -> Outcome:
    """The same words whether the host does not resolve or resolves to a non-public address, and
    nothing was sent: the log never tells whether an internal host would have answered."""
    return Outcome(None, f"not sent: {host} does not resolve to public addresses only")


async def post(clients: Clients, claim: Claim) -> Outcome:
    try:
        target = await targets.target(claim.endpoint.url, clients.settings.allowed_private_networks)
    except targets.NotPublic as exc:
        return refused(str(exc))
    try:
        secret = unseal(claim.endpoint.secret, clients.settings.secret_key)
    except SecretKeyError as exc:
        return Outcome(None, f"not sent: {exc}")
    body = body_of(claim.event)
    headers = {
        "Host": target.host,
        "Content-Type": "application/json",
        "User-Agent": f"crowdgraph-webhooks/{__version__}",
        HEADER: sign(secret, body, int(runtime.now().timestamp())),
        "Crowdgraph-Event": claim.event.name,
        "Crowdgraph-Event-Id": str(claim.event.id),
        "Crowdgraph-Delivery": str(claim.delivery_id),
        "Crowdgraph-Attempt": str(claim.attempt),
    }
    try:
        response = await clients.of(target.host).post(
            target.url, content=body, headers=headers, extensions=target.extensions
        )
    except httpx.HTTPError as exc:
        return Outcome(None, f"{type(exc).__name__}: {exc}"[:500])
    error = "" if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
    return Outcome(response.status_code, error)


async def record(claim: Claim, outcome: Outcome, settings: WebhookSettings) -> None:
    """Mark the attempt's result, unless the delivery was replayed meanwhile (its attempt changed)."""
    now = runtime.now()
    changes: dict[str, Any] = {"last_status_code": outcome.status_code, "last_error": outcome.error}
    if outcome.ok:
        changes.update(status=DeliveryStatus.DELIVERED, delivered_at=now, next_attempt_at=None)
    else:
        WEBHOOK_FAILURES.inc()
        log.warning(
            "webhook delivery %s to %s failed (attempt %s): %s",
            claim.delivery_id,
            claim.endpoint.url,
            claim.attempt,
            outcome.error,
        )
        if claim.attempt >= settings.max_attempts or not claim.endpoint.active:
            changes.update(status=DeliveryStatus.FAILED, next_attempt_at=None)
        else:
            changes.update(next_attempt_at=now + backoff(settings, claim.attempt))
    async with atomic():
        await Delivery.filter(
            id=claim.delivery_id, attempts=claim.attempt, status=DeliveryStatus.PENDING
        ).update(**changes)


async def send_due(settings: WebhookSettings) -> int:
    """One pass: send every due delivery (in batches) and record the results; returns attempts made."""
    claims = await claim_due(settings)
    if not claims:
        return 0  # most passes: no HTTP client made (making one loads the CA bundle, ~50 ms)
    made = 0
    limit = asyncio.Semaphore(settings.concurrency)
    async with contextlib.AsyncExitStack() as stack:
        clients = Clients(settings, stack)

        async def attempt(claim: Claim) -> None:
            async with limit:
                if claim.endpoint.active:
                    outcome = await post(clients, claim)
                else:
                    outcome = Outcome(None, "endpoint disabled")
                await record(claim, outcome, settings)

        while claims:
            await asyncio.gather(*(attempt(c) for c in claims))
            made += len(claims)
            claims = await claim_due(settings)
    return made


class Sender:
    """The background sender of one platform: each tick of ``platform.every`` starts a pass
    unless one is still running.

    A pass runs as its own task, outside the tick's transaction, in the context the server
    started in (its database and clock).
    """

    def __init__(self, settings: WebhookSettings) -> None:
        self.settings = settings
        self.context = contextvars.copy_context()
        self.task: asyncio.Task[int] | None = None
        self.stopped = False

    async def tick(self) -> None:
        if self.stopped:  # a tick that comes while the server shuts down
            return
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(
                self._pass(), name="crowdgraph-webhooks-send", context=self.context.copy()
            )

    async def _pass(self) -> int:
        try:
            return await send_due(self.settings)
        except Exception:
            log.exception("webhook sending failed; trying again at the next tick")
            return 0

    async def stop(self) -> None:
        self.stopped = True
        if self.task is not None and not self.task.done():
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        self.task = None
