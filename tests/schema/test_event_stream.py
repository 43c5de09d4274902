"""One event stream: each subscriber hears exactly the events it may see.

A worker: their own work, and newly available work they qualify for (an event whose payload
carries ``open_work``); an organization's members: its events; an admin: everything.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

from crowdgraph.core import learning, skills
from crowdgraph.core.events import emit
from crowdgraph.core.transaction import atomic
from crowdgraph.platform import Platform
from crowdgraph.plugins.marketplace import jobs
from crowdgraph.plugins.marketplace.models import Pricing
from crowdgraph.schema.build import build_schema
from crowdgraph.schema.context import Context
from crowdgraph.testing import Factory, Person
from tests.schema.conftest import Cast

SUBSCRIPTION = "subscription { events { name payload } }"
END = "test.stream.end"
"""Emitted last, once per subscriber and about them, so each knows when it has heard everything."""


class Listener:
    """One subscriber to ``events``, as the WebSocket transport would run it."""

    def __init__(self, platform: Platform, person: Person) -> None:
        self.person = person
        built = build_schema(platform)
        self.context = Context(platform, person.actor, built.registry)
        self.schema = built.schema
        self.stream: AsyncGenerator[Any, None] | None = None
        self.pending: asyncio.Task[Any] | None = None

    async def start(self) -> None:
        result = await self.schema.subscribe(SUBSCRIPTION, context_value=self.context)
        assert isinstance(result, AsyncGenerator), result
        self.stream = result
        self.pending = asyncio.ensure_future(anext(result))

    async def heard(self) -> list[str]:
        """What was heard, up to this subscriber's end marker: each event's label, else its name."""
        assert self.stream is not None and self.pending is not None
        names: list[str] = []
        result = await self.pending
        while True:
            assert not result.errors, result.errors
            event = result.data["events"]
            if event["name"] == END and event["payload"]["for"] == self.person.account.id:
                await self.stream.aclose()
                return names
            if event["name"] != END:
                names.append(event["payload"].get("label", event["name"]))
            result = await anext(self.stream)


async def listen(platform: Platform, people: dict[str, Person]) -> dict[str, Listener]:
    listeners = {name: Listener(platform, person) for name, person in people.items()}
    for listener in listeners.values():
        await listener.start()
    while platform.broker.subscribers < len(listeners):  # noqa: ASYNC110 -- no event for "subscribed"
        await asyncio.sleep(0)
    return listeners


async def finish(platform: Platform, listeners: dict[str, Listener]) -> dict[str, list[str]]:
    async with atomic():
        for listener in listeners.values():
            account = listener.person.account.id
            await emit(END, {"for": account}, account_id=account)
    await platform.deliver_events()
    return {name: await listener.heard() for name, listener in listeners.items()}


async def test_a_subscriber_hears_exactly_the_events_it_may_see(platform, cast: Cast):
    people = {**cast.people, "employee": cast.employee, "other_employee": cast.other_employee}
    await skills.set_my_skill(cast.people["worker"].actor, "python", 4)
    await skills.set_my_skill(cast.people["other_worker"].actor, "python", 2)
    await platform.deliver_events()
    listeners = await listen(platform, people)
    org, other = cast.org.id, cast.other_org.id
    python_3 = [{"kind": "skill", "skill": "python", "min_level": 3}]
    async with atomic():
        await emit(
            "t.work",
            {"label": "worker's work"},
            organization_id=org,
            account_id=cast.people["worker"].account.id,
        )
        await emit(
            "t.org",
            {"label": "org's project"},
            organization_id=org,
            project_id=cast.public_project.id,
        )
        await emit("t.other", {"label": "other org's project"}, organization_id=other)
        await emit(
            "t.open",
            {
                "label": "external python job",
                "open_work": {"audience": "external", "requirements": python_3},
            },
            organization_id=org,
        )
        await emit(
            "t.open",
            {"label": "internal task", "open_work": {"audience": "internal", "requirements": []}},
            organization_id=org,
        )
        await emit(
            "t.open",
            {
                "label": "job for anyone in FR",
                "open_work": {
                    "audience": "both",
                    "requirements": [{"kind": "country", "countries": ["FR"]}],
                },
            },
            organization_id=org,
        )
    heard = await finish(platform, listeners)

    everything_of_org = [
        "worker's work",
        "org's project",
        "external python job",
        "internal task",
        "job for anyone in FR",
    ]
    assert (
        heard
        == {
            "worker": ["worker's work", "external python job"],
            "other_worker": [],  # python level 2 does not qualify
            "employee": ["internal task"],
            "other_employee": [],  # another organization's internal work
            "owner": everything_of_org,
            "manager": everything_of_org,
            "stranger": ["other org's project"],
            "admin": [*everything_of_org[:2], "other org's project", *everything_of_org[2:]],
        }
    )


async def test_a_posted_job_reaches_the_workers_who_qualify_for_it(make_platform, factory: Factory):
    platform = await make_platform(plugins=["marketplace"])
    admin = await factory.admin()
    await skills.create_skill(admin.actor, "python", "Python", "engineering")
    org, owner = await factory.organization()
    project = await factory.project(owner, org)
    qualified, unqualified = await factory.worker(), await factory.worker()
    await skills.set_my_skill(qualified.actor, "python", 3)
    await platform.deliver_events()
    listeners = await listen(platform, {"qualified": qualified, "unqualified": unqualified})
    job = await jobs.post_job(
        owner.actor,
        jobs.JobDraft(
            project_id=project.id,
            title="Build an ETL pipeline",
            description="Move our CSV exports into PostgreSQL every night.",
            pricing=Pricing.FIXED,
            budget=100_000,
            duration_days=30,
            requirements=[{"kind": "skill", "skill": "python", "min_level": 3}],
        ),
    )
    heard = await finish(platform, listeners)
    assert heard == {"qualified": ["marketplace.job.posted"], "unqualified": []}
    assert job.requirements == [{"kind": "skill", "skill": "python", "min_level": 3}]


async def test_a_mentor_hears_the_work_of_the_learning_project_they_mentor(
    platform, cast: Cast, factory: Factory
):
    mentor = await factory.worker(employer=cast.org)
    owner = cast.people["owner"]
    await learning.mark_learning(
        owner.actor, cast.internal_project.id, learning=True, mentor_email=mentor.account.email
    )
    await platform.deliver_events()
    listeners = await listen(platform, {"mentor": mentor})
    async with atomic():
        await emit(
            "t.mentee",
            {"label": "mentee's answer"},
            organization_id=cast.org.id,
            account_id=cast.employee.account.id,
            project_id=cast.internal_project.id,
        )
        await emit(
            "t.elsewhere",
            {"label": "public project work"},
            organization_id=cast.org.id,
            account_id=cast.employee.account.id,
            project_id=cast.public_project.id,
        )
    await platform.deliver_events()
    await learning.mark_learning(owner.actor, cast.internal_project.id, learning=False)
    async with atomic():
        await emit(
            "t.mentee",
            {"label": "after the project was unmarked"},
            organization_id=cast.org.id,
            project_id=cast.internal_project.id,
        )
    assert await finish(platform, listeners) == {
        "mentor": ["mentee's answer", "core.project.learning_changed"]
    }
