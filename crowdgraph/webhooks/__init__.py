"""Webhooks, built in and always on: integrators register a URL and event patterns, and receive
their organization's events signed (HMAC-SHA256), at least once, with retries. See docs/webhooks.md.
"""

from __future__ import annotations

from typing import Any, cast

from crowdgraph import __version__, hookimpl
from crowdgraph.core.events import Event
from crowdgraph.manifest import Manifest
from crowdgraph.schema.part import SchemaPart
from crowdgraph.webhooks.schema import schema_part
from crowdgraph.webhooks.sender import Sender
from crowdgraph.webhooks.service import WebhookSettings, fan_out
from crowdgraph.webhooks.signing import verify_signature

__all__ = ["verify_signature"]

_senders: dict[int, Sender] = {}


@hookimpl
def register_manifest() -> Manifest:
    return Manifest(
        name="webhooks",
        version=__version__,
        description="Signed webhooks for integrators, with retries, a delivery log and replay",
        models=("crowdgraph.webhooks.models",),
        migrations="crowdgraph.webhooks.migrations",
        settings=WebhookSettings,
    )


@hookimpl
def register_schema(platform: Any) -> SchemaPart:
    return schema_part()


@hookimpl
async def handle_event(platform: Any, event: Event) -> None:
    await fan_out(event)


@hookimpl
async def startup(platform: Any) -> None:
    settings = cast(WebhookSettings, platform.plugin_settings("webhooks"))
    sender = _senders.setdefault(id(platform), Sender(settings))
    platform.every(settings.interval_seconds, "webhooks.send", sender.tick)


@hookimpl
async def shutdown(platform: Any) -> None:
    sender = _senders.pop(id(platform), None)
    if sender is not None:
        await sender.stop()
