"""Sending shared by several server processes, and the background sender of a running server."""

from __future__ import annotations

import asyncio

import pytest

from crowdgraph.core.locks import exclusive
from crowdgraph.platform import Platform
from crowdgraph.webhooks.models import Delivery, DeliveryStatus
from crowdgraph.webhooks.sender import Sender, send_due
from crowdgraph.webhooks.service import WebhookSettings
from tests.webhooks.conftest import SETTINGS, Receiver, register


async def test_two_processes_sharing_the_outbox_never_send_a_delivery_twice(
    database_engine, make_platform, factory, make_client, receiver: Receiver
):
    if database_engine == "sqlite":
        pytest.skip("SQLite serves one server process; several share PostgreSQL")
    settings = {"webhooks": {**SETTINGS, "batch_size": 3, "concurrency": 2}}
    first: Platform = await make_platform(plugins=[], plugin_settings=settings)
    second: Platform = await make_platform(plugins=[], plugin_settings=settings)
    first.make_current()
    org, owner = await factory.organization()
    await first.deliver_events()
    await register(make_client(owner.token, on=first), org, receiver.url)
    for _ in range(20):
        await factory.project(owner, org)
    await first.deliver_events()

    async def send(platform: Platform) -> int:
        with platform.activate():
            return await send_due(platform.plugin_settings("webhooks"))  # type: ignore[arg-type]

    made = await asyncio.gather(send(first), send(second), send(first), send(second))
    assert sum(made) == 20
    sent = [r.event["id"] for r in receiver.requests]
    assert len(sent) == len(set(sent)) == 20
    assert await Delivery.filter(status=DeliveryStatus.DELIVERED).count() == 20


async def test_the_background_sender_sends_after_its_tick_and_stops_with_the_server(
    platform, factory, make_client, receiver: Receiver, settings: WebhookSettings
):
    org, owner = await factory.organization()
    await platform.deliver_events()
    await register(make_client(owner.token), org, receiver.url)
    await factory.project(owner, org)
    await platform.deliver_events()
    sender = Sender(settings)
    # platform.every runs each tick inside a transaction holding its lock, as here.
    async with exclusive("webhooks.send") as held:
        assert held
        await sender.tick()
        await sender.tick()  # a pass is under way: no second one
    assert sender.task is not None
    assert await sender.task == 1
    assert len(receiver.delivered()) == 1
    await sender.stop()
    await sender.tick()  # the server is shutting down: no new pass
    assert sender.task is None
