"""Webhook endpoints and their delivery log: register, list, disable, fan out events, replay.

Only an organization's owners and managers (and admins) see or change its endpoints. Sending is
in ``sender.py``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, IPvAnyNetwork, SecretStr, field_validator

from crowdgraph.core import runtime
from crowdgraph.core.actor import Actor
from crowdgraph.core.errors import InvalidInput, NotFound
from crowdgraph.core.events import Event
from crowdgraph.core.pages import Page, PageRequest, fetch_page
from crowdgraph.core.transaction import atomic
from crowdgraph.core.validation import Checks
from crowdgraph.webhooks import targets
from crowdgraph.webhooks.models import URL_MAX_LENGTH, Delivery, DeliveryStatus, Endpoint
from crowdgraph.webhooks.sealing import check_key, seal
from crowdgraph.webhooks.signing import new_secret

PATTERN = re.compile(r"^[a-z0-9_*]+(\.[a-z0-9_*]+)*$")
MAX_PATTERNS = 50


class WebhookSettings(BaseModel, extra="forbid"):
    """``[plugins.webhooks]`` in plugins.toml."""

    max_attempts: int = Field(default=8, ge=1, le=50)
    """Attempts before a delivery is marked failed (replay re-queues it)."""
    backoff_seconds: float = Field(default=30, gt=0)
    """Wait after the first failure; doubled after each further one."""
    backoff_cap_seconds: float = Field(default=6 * 3600, gt=0)
    timeout_seconds: float = Field(default=10, gt=0, le=60)
    interval_seconds: float = Field(default=2, gt=0)
    """How often the sender looks for due deliveries."""
    batch_size: int = Field(default=50, ge=1, le=1000)
    concurrency: int = Field(default=8, ge=1, le=100)
    max_endpoints: int = Field(default=20, ge=1)
    """Active endpoints per organization."""
    allowed_private_networks: list[IPvAnyNetwork] = Field(default_factory=list)
    """Non-public networks webhooks may reach anyway (e.g. ``["127.0.0.1/32"]`` for a receiver
    on this machine in tests): an explicit opt-in, empty by default."""
    secret_key: SecretStr | None = None
    """Encrypts signing secrets at rest (a Fernet key; ``{ env = "NAME" }``). Without it they are
    stored in plain text."""

    @field_validator("secret_key")
    @classmethod
    def _fernet_key(cls, key: SecretStr | None) -> SecretStr | None:
        return None if key is None else check_key(key)


async def check_url(checks: Checks, url: str, settings: WebhookSettings) -> None:
    """http(s), no credentials, not too long, and a host that resolves to public addresses only
    (or to allowed_private_networks); a host that does not resolve yet is checked at delivery."""
    if len(url) > URL_MAX_LENGTH:
        checks.fail(
            "url", "TOO_LONG", f"url must have at most {URL_MAX_LENGTH} characters (got {len(url)})"
        )
        return
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        _ = parts.port  # a malformed port raises ValueError only when read
    except ValueError:
        checks.fail("url", "INVALID_URL", f"url must be an http or https URL (got {url!r})")
        return
    if parts.scheme not in ("http", "https") or not host:
        checks.fail(
            "url",
            "INVALID_URL",
            f"url must be an http:// or https:// URL with a host (got {url!r})",
        )
    elif parts.username is not None or parts.password is not None:
        checks.fail("url", "INVALID_URL", "url must not contain a user name or password")
    else:
        try:
            await targets.checked_addresses(targets.host_of(url), settings.allowed_private_networks)
        except targets.Unresolved:
            pass
        except ValueError:
            checks.fail("url", "INVALID_URL", f"url must be an http or https URL (got {url!r})")
        except targets.NotPublic:
            checks.fail(
                "url",
                "PRIVATE_HOST",
                f"url must point to a public host, not {host} (loopback and private networks are refused)",
            )


def check_patterns(checks: Checks, patterns: list[str]) -> None:
    if not patterns:
        checks.fail("events", "REQUIRED", 'events must name at least one event pattern, e.g. "*"')
    elif len(patterns) > MAX_PATTERNS:
        checks.fail(
            "events",
            "TOO_MANY",
            f"events may hold at most {MAX_PATTERNS} patterns (got {len(patterns)})",
        )
    for index, pattern in enumerate(patterns):
        if len(pattern) > 80 or not PATTERN.match(pattern):
            checks.fail(
                f"events[{index}]",
                "INVALID_FORMAT",
                f"events[{index}] must be an event name or a pattern such as microtask.batch.* (got {pattern!r})",
            )


def matches(endpoint: Endpoint, name: str) -> bool:
    return any(fnmatchcase(name, pattern) for pattern in endpoint.events)


async def register_endpoint(
    actor: Actor,
    organization_id: int,
    url: str,
    events: list[str],
    description: str,
    settings: WebhookSettings,
) -> Endpoint:
    """A new active endpoint; its secret is returned only here (it signs every delivery)."""
    await actor.manages(organization_id)
    checks = Checks()
    await check_url(checks, url, settings)
    check_patterns(checks, events)
    checks.text("description", description, max_len=200)
    checks.done()
    async with atomic():
        active = await Endpoint.filter(organization_id=organization_id, active=True).count()
        if active >= settings.max_endpoints:
            raise InvalidInput.one(
                "organizationId",
                "TOO_MANY",
                f"an organization may have at most {settings.max_endpoints} active webhooks: disable one first",
            )
        return await Endpoint.create(
            organization_id=organization_id,
            url=url,
            secret=seal(new_secret(), settings.secret_key),
            events=list(dict.fromkeys(events)),
            description=description,
            created_at=runtime.now(),
        )


async def get_endpoint(actor: Actor, endpoint_id: int) -> Endpoint:
    """An endpoint the caller manages; any other is "not found", so existence never leaks."""
    actor.require_account()
    endpoint = await Endpoint.get_or_none(id=endpoint_id)
    if endpoint is None or not actor.can_manage(endpoint.organization_id):
        raise NotFound("no such webhook")
    return endpoint


async def list_endpoints(actor: Actor, organization_id: int, page: PageRequest) -> Page[Endpoint]:
    await actor.manages(organization_id)
    return await fetch_page(Endpoint.filter(organization_id=organization_id), page)


async def disable_endpoint(actor: Actor, endpoint_id: int) -> Endpoint:
    """Stop sending to the endpoint; what it had not received yet is marked failed (replayable)."""
    endpoint = await get_endpoint(actor, endpoint_id)
    async with atomic():
        if endpoint.active:
            endpoint.active = False
            endpoint.disabled_at = runtime.now()
            await endpoint.save(update_fields=["active", "disabled_at"])
            await Delivery.filter(endpoint_id=endpoint.id, status=DeliveryStatus.PENDING).update(
                status=DeliveryStatus.FAILED, next_attempt_at=None, last_error="endpoint disabled"
            )
    return endpoint


async def get_delivery(actor: Actor, delivery_id: int) -> Delivery:
    """A delivery of an endpoint the caller manages, with its event."""
    delivery = await Delivery.get_or_none(id=delivery_id).select_related("event")
    if delivery is None:
        raise NotFound("no such webhook delivery")
    await get_endpoint(actor, delivery.endpoint_id)
    return delivery


async def list_deliveries(
    actor: Actor, endpoint_id: int, page: PageRequest, status: DeliveryStatus | None = None
) -> Page[Delivery]:
    """The endpoint's delivery log, oldest first, with each delivery's event."""
    endpoint = await get_endpoint(actor, endpoint_id)
    query = Delivery.filter(endpoint_id=endpoint.id)
    if status is not None:
        query = query.filter(status=status)
    return await fetch_page(query.select_related("event"), page)


async def replay(
    actor: Actor,
    endpoint_id: int,
    *,
    delivery_id: int | None = None,
    since: datetime | None = None,
) -> int:
    """Queue one delivery, or every delivery of the endpoint since a time, to be sent again now.

    Delivered ones are sent again too (that is a replay); returns how many were queued.
    """
    endpoint = await get_endpoint(actor, endpoint_id)
    if (delivery_id is None) == (since is None):
        raise InvalidInput.one(
            "deliveryId", "REQUIRED", "give either deliveryId or since (not both)"
        )
    if not endpoint.active:
        raise InvalidInput.one(
            "webhookId", "DISABLED", "the webhook is disabled: register it again to replay"
        )
    query = Delivery.filter(endpoint_id=endpoint.id)
    if delivery_id is not None:
        query = query.filter(id=delivery_id)
        if not await query.exists():
            raise InvalidInput.one(
                "deliveryId", "NOT_FOUND", "deliveryId must be a delivery of this webhook"
            )
    else:
        assert since is not None
        query = query.filter(created_at__gte=since if since.tzinfo else since.replace(tzinfo=UTC))
    return await query.update(
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=runtime.now(),
        last_error="",
    )


async def fan_out(event: Event) -> int:
    """Queue the event for every active endpoint of its organization whose patterns match.

    Runs inside the outbox's delivery transaction, so an event gets its deliveries exactly when
    it is marked delivered.
    """
    if event.organization_id is None:
        return 0
    endpoints = [
        e
        for e in await Endpoint.filter(organization_id=event.organization_id, active=True)
        if matches(e, event.name)
    ]
    if not endpoints:
        return 0
    now = runtime.now()
    rows: list[Any] = [
        Delivery(endpoint_id=e.id, event_id=event.id, created_at=now, next_attempt_at=now)
        for e in endpoints
    ]
    await Delivery.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
