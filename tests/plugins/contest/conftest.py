"""Contest fixtures: an organizer with a funded organization, a judge, and helpers to run phases."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest_asyncio

from crowdgraph.core import accounts
from crowdgraph.core.models import TokenKind
from crowdgraph.core.runtime import SettableClock
from crowdgraph.plugins.contest import contests, entries, judging, phases
from crowdgraph.plugins.contest.models import Contest, ContestSubmission, Phase
from crowdgraph.schema.relay import to_global_id
from crowdgraph.testing import Client, Factory, Person

FUNDS = 1_000_000
CRITERIA = [{"name": "Concept", "weight": 3}, {"name": "Craft", "weight": 1}]


@dataclass
class Arena:
    """One organizer's contest world, moved along by the test's clock."""

    platform: Any
    factory: Factory
    clock: SettableClock
    owner: Person
    judge: Person
    org: Any
    project: Any
    make_client: Any
    entrants: list[Person] = field(default_factory=list)

    async def client(self, person: Person | None) -> Client:
        """A GraphQL client signed in as ``person`` (anonymous with None)."""
        token = await self.token(person) if person is not None else None
        return self.make_client(token, on=self.platform)

    async def token(self, person: Person) -> str:
        """A token valid at the clock's current time (the factory's expire after a day)."""
        token, _ = await accounts.issue_token(
            person.account, TokenKind.API, "t", timedelta(days=30)
        )
        return token

    def at(self, days: float) -> datetime:
        return self.clock.now() + timedelta(days=days)

    def draft(self, **overrides: Any) -> contests.ContestDraft:
        values: dict[str, Any] = {
            "title": "Logo",
            "brief": "Draw a logo",
            "prizes": [50_000, 30_000, 20_000],
            "criteria": CRITERIA,
            "registration_ends_at": self.at(1),
            "submission_ends_at": self.at(2),
            "review_ends_at": self.at(3),
            "appeals_ends_at": self.at(4),
        }
        values.update(overrides)
        return contests.ContestDraft(**values)

    async def launch(self, **overrides: Any) -> Contest:
        contest = await contests.create_contest(
            self.owner.actor, self.project.id, self.draft(**overrides)
        )
        await contests.add_judge(self.owner.actor, contest.id, self.judge.account.email)
        return await phases.move_by_organizer(self.owner.actor, contest, Phase.REGISTRATION)

    async def enter(self, contest: Contest, count: int) -> list[Person]:
        people = [await self.factory.worker() for _ in range(count)]
        for person in people:
            await entries.register(person.actor, contest.id)
        self.entrants += people
        return people

    async def submit_all(self, contest: Contest, people: list[Person]) -> None:
        for i, person in enumerate(people):
            await entries.submit(person.actor, contest.id, entries.Work(text=f"design {i}"))

    async def reload(self, contest: Contest) -> Contest:
        return await contests.get_contest(self.owner.actor, contest.id)

    async def score_all(self, contest: Contest, values: list[dict[str, int]]) -> None:
        """The judge scores the round's judged submissions in submission order."""
        rows = await ContestSubmission.filter(
            contest_id=contest.id, judged=True, round=contest.round
        ).order_by("id")
        for row, given in zip(rows, values, strict=True):
            await judging.score(self.judge.actor, row.id, given, "feedback")

    async def to_appeals_with(
        self, contest: Contest, people: list[Person], values: list[dict[str, int]]
    ) -> Contest:
        self.clock.advance(days=1)
        await self.submit_all(contest, people)
        self.clock.advance(days=1)
        contest = await self.reload(contest)
        assert contest.phase == Phase.REVIEW
        await self.score_all(contest, values)
        return await phases.move_by_organizer(self.owner.actor, contest, Phase.APPEALS)


def gid(type_name: str, pk: int) -> str:
    return to_global_id(type_name, pk)


@pytest_asyncio.fixture
async def arena(
    make_platform: Any, make_client: Any, factory: Factory, clock: SettableClock
) -> Arena:
    platform = await make_platform(plugins=["contest"])
    org, owner = await factory.organization(funds=FUNDS)
    project = await factory.project(owner, org)
    judge = await factory.worker()
    return Arena(platform, factory, clock, owner, judge, org, project, make_client)
