"""Events: written in the transaction of their change, delivered to plugins after commit."""

import pytest

from crowdgraph.core import events, projects
from crowdgraph.core.models import Audience, Event, Project
from crowdgraph.core.transaction import atomic
from tests.sample_plugin.models import SeenEvent


class Boom(Exception):
    pass


async def test_a_rolled_back_change_leaves_neither_its_rows_nor_its_events(make_platform, factory):
    await make_platform(plugins=["errands"])
    org, owner = await factory.organization()
    before = await Event.all().count()
    with pytest.raises(Boom):
        async with atomic():
            await projects.create_project(owner.actor, org.id, "Doomed", "", Audience.BOTH)
            assert await Event.filter(name="core.project.created").count() == 1
            raise Boom
    assert await Project.filter(name="Doomed").count() == 0
    assert await Event.all().count() == before


async def test_an_event_is_delivered_to_handle_event_only_after_commit_and_only_once(
    make_platform, factory
):
    platform = await make_platform(plugins=["errands"])
    org, owner = await factory.organization()
    await platform.deliver_events()
    project = await projects.create_project(owner.actor, org.id, "Kept", "", Audience.BOTH)
    event = await Event.get(name="core.project.created", project_id=project.id)
    assert event.delivered_at is None
    assert not await SeenEvent.exists(event_id=event.id)

    assert await platform.deliver_events() == 1
    seen = await SeenEvent.get(event_id=event.id)
    assert seen.name == "core.project.created"
    await event.refresh_from_db()
    assert event.delivered_at is not None
    assert await platform.deliver_events() == 0
    assert await SeenEvent.filter(event_id=event.id).count() == 1


async def test_events_are_delivered_in_the_order_they_were_written(make_platform, factory):
    platform = await make_platform(plugins=["errands"])
    await platform.deliver_events()
    async with atomic():
        for n in range(3):
            await events.emit(f"core.test.n{n}", {"n": n})
    await platform.deliver_events()
    names = (
        await SeenEvent.filter(name__startswith="core.test.")
        .order_by("id")
        .values_list("name", flat=True)
    )
    assert names == ["core.test.n0", "core.test.n1", "core.test.n2"]


async def test_a_commit_that_wrote_events_wakes_the_dispatcher(make_platform, factory):
    platform = await make_platform(plugins=["errands"])
    org, owner = await factory.organization()
    platform._wake.clear()
    await factory.project(owner, org)
    assert platform._wake.is_set()
    platform._wake.clear()
    with pytest.raises(Boom):
        async with atomic():
            await events.emit("core.test.rolled-back", {})
            raise Boom
    assert not platform._wake.is_set()


async def test_a_failing_delivery_leaves_the_event_for_the_next_pass(make_platform):
    platform = await make_platform(plugins=["errands"])
    await platform.deliver_events()
    async with atomic():
        await events.emit("core.test.retry", {})
    calls = []

    async def fails_twice(event: events.Event, alone: bool) -> None:
        calls.append((event.name, alone))
        if len(calls) <= 2:
            raise Boom

    with pytest.raises(Boom):
        await events.deliver_pending(fails_twice)
    assert (await Event.get(name="core.test.retry")).delivered_at is None
    assert [e.name for e in await events.deliver_pending(fails_twice)] == ["core.test.retry"]
    assert calls == [
        ("core.test.retry", False),
        ("core.test.retry", True),
        ("core.test.retry", False),
    ]


async def test_a_batch_that_fails_together_is_handled_again_part_by_part(make_platform):
    platform = await make_platform(plugins=["errands"])
    await platform.deliver_events()
    async with atomic():
        await events.emit("core.test.first", {})
        await events.emit("core.test.second", {})
    seen = []

    async def fails_unless_alone(event: events.Event, alone: bool) -> None:
        seen.append((event.name, alone))
        if event.name == "core.test.second" and not alone:
            raise Boom

    delivered = await events.deliver_pending(fails_unless_alone)
    assert [e.name for e in delivered] == ["core.test.first", "core.test.second"]
    assert seen == [
        ("core.test.first", False),
        ("core.test.second", False),
        ("core.test.first", True),
        ("core.test.second", True),
    ]
    assert await Event.filter(delivered_at=None).count() == 0
