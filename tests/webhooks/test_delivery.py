"""At-least-once delivery from the outbox: signed, retried with back-off, logged, replayable."""

from __future__ import annotations

import socket

from prometheus_client import REGISTRY

from crowdgraph.core.models import Event
from crowdgraph.core.runtime import SettableClock
from crowdgraph.webhooks import service
from crowdgraph.webhooks.models import Delivery, DeliveryStatus, Endpoint
from crowdgraph.webhooks.sender import send_due
from crowdgraph.webhooks.signing import verify_signature
from tests.webhooks.conftest import Receiver, register

FAILURES = "crowdgraph_webhook_failures_total"


def failures() -> float:
    return REGISTRY.get_sample_value(FAILURES) or 0.0


async def org_with_webhook(platform, factory, make_client, url, events=None):
    org, owner = await factory.organization()
    await platform.deliver_events()  # the organization's own creation is not under test
    registered = await register(make_client(owner.token), org, url, events)
    return org, owner, registered["secret"]


async def test_a_receiver_that_fails_twice_still_gets_every_event_once_verified(
    platform, factory, make_client, receiver: Receiver, settings, clock: SettableClock
):
    org, owner, secret = await org_with_webhook(platform, factory, make_client, receiver.url)
    for _ in range(3):
        await factory.project(owner, org)
    await platform.deliver_events()
    events = {e.id for e in await Event.filter(name="core.project.created")}
    receiver.statuses = [500, 503]
    before = failures()

    assert await send_due(settings) == 3
    assert len(receiver.delivered()) == 1 and failures() == before + 2
    assert await send_due(settings) == 0  # the two failures wait for their back-off
    clock.advance(seconds=30)
    assert await send_due(settings) == 2

    now = clock.now().timestamp()
    for request in receiver.requests:
        signature = request.headers["Crowdgraph-Signature"]
        assert verify_signature(secret, signature, request.body, now=now)
        assert request.headers["Crowdgraph-Event-Id"] == str(request.event["id"])
    delivered = [r.event["id"] for r in receiver.delivered()]
    assert sorted(delivered) == sorted(events)  # every event, once
    rows = await Delivery.all().order_by("event_id")
    assert {r.status for r in rows} == {DeliveryStatus.DELIVERED}
    assert sorted(r.attempts for r in rows) == [1, 2, 2]


async def test_the_body_carries_the_event_and_the_headers_name_it(
    platform, factory, make_client, receiver: Receiver, settings
):
    org, owner, _ = await org_with_webhook(platform, factory, make_client, receiver.url)
    project = await factory.project(owner, org)
    await platform.deliver_events()
    await send_due(settings)
    (request,) = receiver.requests
    event = await Event.get(name="core.project.created")
    assert request.event == {
        "id": event.id,
        "name": "core.project.created",
        "created_at": event.created_at.isoformat(),
        "organization_id": org.id,
        "project_id": project.id,
        "account_id": None,
        "payload": event.payload,
    }
    assert request.headers["Crowdgraph-Event"] == "core.project.created"
    assert request.headers["Crowdgraph-Attempt"] == "1"
    assert request.headers["Content-Type"] == "application/json"


async def test_back_off_doubles_up_to_its_cap_and_the_delivery_fails_after_the_last_attempt(
    make_platform, factory, make_client, clock: SettableClock
):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nothing listens there
    platform = await make_platform(
        plugins=[],
        plugin_settings={
            "webhooks": {
                "allowed_private_networks": ["127.0.0.1/32"],
                "backoff_seconds": 30,
                "backoff_cap_seconds": 60,
                "max_attempts": 4,
            }
        },
    )
    settings = platform.plugin_settings("webhooks")
    org, owner, _ = await org_with_webhook(
        platform, factory, make_client, f"http://127.0.0.1:{port}/"
    )
    await factory.project(owner, org)
    await platform.deliver_events()
    before = failures()

    waits = []
    for _ in range(3):
        assert await send_due(settings) == 1
        delivery = await Delivery.get()
        waits.append((delivery.next_attempt_at - clock.now()).total_seconds())
        clock.advance(seconds=waits[-1] - 1)
        assert await send_due(settings) == 0  # not yet due
        clock.advance(seconds=1)
    assert waits == [30, 60, 60]
    assert await send_due(settings) == 1
    delivery = await Delivery.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 4
    assert delivery.next_attempt_at is None and delivery.last_error.startswith("ConnectError")
    assert failures() == before + 4
    clock.advance(days=1)
    assert await send_due(settings) == 0  # failed stays failed until replayed


async def test_only_matching_events_of_the_webhooks_organization_are_queued(
    platform, factory, make_client, receiver: Receiver, settings
):
    org, owner, _ = await org_with_webhook(
        platform, factory, make_client, receiver.url, ["core.project.*"]
    )
    other, other_owner = await factory.organization()
    await factory.project(other_owner, other)
    project = await factory.project(owner, org)
    worker = await factory.worker()
    await platform.deliver_events()
    await send_due(settings)
    assert [(r.event["name"], r.event["project_id"]) for r in receiver.requests] == [
        ("core.project.created", project.id)
    ]
    assert worker.account.id not in {r.event["account_id"] for r in receiver.requests}


async def test_replay_sends_one_delivery_or_all_since_a_time_again(
    platform, factory, make_client, receiver: Receiver, settings, clock: SettableClock
):
    org, owner, _ = await org_with_webhook(platform, factory, make_client, receiver.url)
    await factory.project(owner, org)
    await platform.deliver_events()
    clock.advance(hours=1)
    since = clock.now()
    await factory.project(owner, org)
    await platform.deliver_events()
    await send_due(settings)
    assert len(receiver.delivered()) == 2
    endpoint = await Endpoint.get()
    first, second = await Delivery.all().order_by("id")

    assert await service.replay(owner.actor, endpoint.id, since=since) == 1
    await send_due(settings)
    assert [r.event["id"] for r in receiver.requests[2:]] == [second.event_id]

    assert await service.replay(owner.actor, endpoint.id, delivery_id=first.id) == 1
    await send_due(settings)
    assert [r.event["id"] for r in receiver.requests[3:]] == [first.event_id]
    assert (await Delivery.get(id=first.id)).status == DeliveryStatus.DELIVERED


async def test_a_disabled_webhook_gets_nothing_more(
    platform, factory, make_client, receiver: Receiver, settings
):
    org, owner, _ = await org_with_webhook(platform, factory, make_client, receiver.url)
    await factory.project(owner, org)
    await platform.deliver_events()
    endpoint = await Endpoint.get()
    await service.disable_endpoint(owner.actor, endpoint.id)
    await factory.project(owner, org)
    await platform.deliver_events()
    assert await send_due(settings) == 0
    assert receiver.requests == []
    (delivery,) = await Delivery.all()
    assert delivery.status == DeliveryStatus.FAILED and delivery.last_error == "endpoint disabled"
