"""What each caller's `events` subscription lets through, judged by the filter the subscription
runs on every event of the world's outbox: A's private texts reach only those who may read them."""

from __future__ import annotations

import json

from crowdgraph.core.actor import Actor
from crowdgraph.core.events import OPEN_WORK, Event
from crowdgraph.core.models import Event as EventRow
from crowdgraph.schema.subscriptions import Visibility
from tests.authz.conftest import World
from tests.authz.rules import CALLERS, SECRETS, SUBSCRIPTIONS, Caller


async def actor_of(world: World, caller: Caller) -> Actor:
    """The caller as a subscription sees it: memberships read now, as at connection time."""
    account = None if caller == "anonymous" else world.people[caller].account
    return await Actor.for_account(account)


async def test_each_subscriber_hears_only_events_it_may_see_and_texts_it_may_read(world: World):
    events = [Event.from_row(row) for row in await EventRow.all().order_by("id")]
    problems: list[str] = []
    heard: dict[Caller, list[Event]] = {}
    for caller in CALLERS:
        visibility = Visibility(await actor_of(world, caller))
        await visibility.start()
        heard[caller] = [event for event in events if await visibility.may_see(event)]
        if heard[caller] and caller not in SUBSCRIPTIONS["events"]:
            problems.append(f"events: {caller} hears {len(heard[caller])} events")
        for event in heard[caller]:
            text = json.dumps(event.payload)
            problems += [
                f"events: {caller} hears {event.name} carrying the {name} text"
                for name, readers in SECRETS.items()
                if caller not in readers and world.secrets[name] in text
            ]
            private = OPEN_WORK not in event.payload and (
                event.organization_id == world.org.id
                or event.account_id == world.people["worker"].account.id
            )
            if private and caller in ("other_worker", "other_org_member", "anonymous"):
                problems.append(f"events: {caller} hears {event.name} of A or of its worker")
    assert not problems, "\n".join(problems)
    of_a = [event for event in events if event.organization_id == world.org.id]
    assert of_a, "the world wrote no event of A"
    assert {e.id for e in of_a} <= {e.id for e in heard["org_member"]}
    assert heard["admin"] == events
