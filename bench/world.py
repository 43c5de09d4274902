"""A throwaway platform with every built-in plugin and ``n`` rows in each list the benchmarks read.

Everything is created through the services, as in production, so the rows are the real shape.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bench.microtask.setup import database
from crowdgraph.config import DatabaseSettings, PluginsSettings, ServerSettings, Settings
from crowdgraph.core import accounts, ledger, skills
from crowdgraph.core.models import Audience, Skill, TokenKind, VerifiedBy
from crowdgraph.core.runtime import SettableClock
from crowdgraph.db import migrate
from crowdgraph.platform import Platform
from crowdgraph.plugins import BUILTINS
from crowdgraph.plugins.contest import contests, entries, judging, phases
from crowdgraph.plugins.contest.models import Contest, ContestSubmission, Phase
from crowdgraph.plugins.marketplace import exams, jobs, offers, proposals
from crowdgraph.plugins.marketplace.models import Job, Pricing, QuestionKind
from crowdgraph.plugins.microtask import batches, review, work
from crowdgraph.plugins.microtask.batches import BatchFields
from crowdgraph.plugins.microtask.config import Config
from crowdgraph.plugins.microtask.models import Batch
from crowdgraph.schema.relay import to_global_id
from crowdgraph.testing import Factory, Person

LABELS = {"kind": "label", "labels": ["cat", "dog"]}
CRITERIA = [{"name": "Concept", "weight": 3}, {"name": "Craft", "weight": 1}]
FUNDS = 100_000_000
ROTATION = 8
SKILLS_PER_WORKER = 3
"""Every other worker holds this many skills (the others python only)."""


@dataclass
class World:
    """Who and what the benchmarks act on; ``ids`` holds global IDs for arguments and nodes."""

    platform: Platform
    clock: SettableClock
    admin: Person
    owner: Person
    workers: list[Person]
    judge: Person
    batch: Batch
    contest: Contest
    review: Contest
    """A second contest, left in its review phase: the judge scores its submissions."""
    job: Job
    project_id: int
    worker_tokens: list[str] = field(default_factory=list)
    """Tokens of the first few workers, for loops that rotate callers."""
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)


@contextlib.contextmanager
def cheap_passwords() -> Iterator[None]:
    """Seeding creates hundreds of accounts: hash their passwords with a cheap scrypt cost."""
    saved = dict(accounts.SCRYPT)
    accounts.SCRYPT["n"] = 2**4
    try:
        yield
    finally:
        accounts.SCRYPT.update(saved)


@contextlib.asynccontextmanager
async def platform_on(
    postgres: str | None, start: datetime | None = None
) -> AsyncIterator[tuple[Platform, SettableClock]]:
    """An open platform with every built-in plugin on a fresh, migrated database; its clock starts
    at ``start`` (servers that run on the real clock need a world seeded at the real time)."""
    async with database(postgres) as url:
        clock = SettableClock(start)
        settings = Settings(
            database=DatabaseSettings(url=url, pool_max=20),
            plugins=PluginsSettings(enabled=list(BUILTINS)),
            server=ServerSettings(rate_limit_per_token=0, rate_limit_per_address=0),
        )
        platform = Platform(settings, clock=clock)
        await migrate(platform.db_config)
        async with platform.running(background=False):
            yield platform, clock


async def token(person: Person) -> str:
    """A token valid for the whole run, whatever the clock does."""
    value, _ = await accounts.issue_token(
        person.account, TokenKind.API, "bench", timedelta(days=3650)
    )
    return value


@contextlib.asynccontextmanager
async def world(
    n: int, postgres: str | None = None, start: datetime | None = None
) -> AsyncIterator[World]:
    """``n`` rows in every list the SQL-statements benchmark reads (see :func:`seed`)."""
    postgres = postgres or os.environ.get("BENCH_POSTGRES_URL")
    async with platform_on(postgres, start) as (platform, clock):
        yield await seed(platform, clock, n)


async def seed(platform: Platform, clock: SettableClock, n: int) -> World:
    factory = Factory()
    with cheap_passwords():
        admin = await factory.admin()
        org, owner = await factory.organization(funds=FUNDS)
        workers = [await factory.worker(country="DE") for _ in range(n)]
        judge = await factory.worker()
    project = await factory.project(owner, org, Audience.BOTH)
    others = []
    for i in range(n - 1):
        others.append(await factory.project(owner, org))
        await ledger.fund(owner.actor, org.id, 1000, f"bench-top-up-{i}")
    known = await _skills(admin, n)
    for i, worker in enumerate(workers):
        assert worker.worker is not None
        for k, skill in enumerate(known[: SKILLS_PER_WORKER if i % 2 else 1]):
            await skills.record_verification(
                worker.worker.id, skill.id, (i + k) % 5 + 1, VerifiedBy.EXAM, "bench"
            )
    batch = await _microtask(platform, owner, project.id, workers, n)
    await _drafts(platform, owner, [p.id for p in others])
    job = await _marketplace(admin, owner, project.id, workers, n)
    contest, review = await _contest(clock, owner, judge, project.id, workers)
    w = World(
        platform, clock, admin, owner, workers, judge, batch, contest, review, job, project.id
    )
    for name, person in (("admin", admin), ("owner", owner), ("worker", workers[0])):
        w.tokens[name] = await token(person)
    w.tokens["judge"] = await token(judge)
    w.tokens["payee"] = await token(workers[1])
    w.worker_tokens = [await token(worker) for worker in workers[:ROTATION]]
    assert workers[0].worker is not None
    w.ids.update(
        projectId=to_global_id("Project", project.id),
        organizationId=to_global_id("Organization", org.id),
        jobId=to_global_id("MarketplaceJob", job.id),
        Organization=to_global_id("Organization", org.id),
        Worker=to_global_id("Worker", workers[0].worker.id),
        MicrotaskBatch=to_global_id("MicrotaskBatch", batch.id),
        Contest=to_global_id("Contest", contest.id),
        ReviewContest=to_global_id("Contest", review.id),
    )
    return w


async def _skills(admin: Person, n: int) -> list[Skill]:
    """Python first, then ``n - 1`` more."""
    made = [await skills.create_skill(admin.actor, "python", "Python", "engineering")]
    for i in range(n - 1):
        made.append(
            await skills.create_skill(admin.actor, f"skill-{i}", f"Skill {i}", "engineering")
        )
    return made


async def _drafts(platform: Platform, owner: Person, project_ids: list[int]) -> None:
    """A draft batch in each other project, so that every project of a list has a stage."""
    config = Config.of(platform)
    for i, project_id in enumerate(project_ids):
        fields = BatchFields(title=f"Draft {i}", answer_spec=LABELS, reward=10, overlap=2)
        await batches.create_batch(owner.actor, config, project_id, fields)


async def _microtask(
    platform: Platform, owner: Person, project_id: int, workers: list[Person], n: int
) -> Batch:
    """``n`` open batches; the first has ``n`` tasks answered by two workers, one paid for all."""
    config = Config.of(platform)
    opened = []
    for i in range(n):
        fields = BatchFields(title=f"Batch {i}", answer_spec=LABELS, reward=10, overlap=2)
        batch = await batches.create_batch(owner.actor, config, project_id, fields)
        tasks = n if i == 0 else 1
        items: list[dict[str, Any]] = [{"input": {"image": f"{i}-{t}.jpg"}} for t in range(tasks)]
        await batches.add_tasks(owner.actor, config, batch.id, items)
        opened.append(await batches.open_batch(owner.actor, batch.id))
    first = opened[0]
    for who in workers[:2]:
        for _ in range(n):
            assignment = await work.claim_next(who.actor, first.id)
            assert assignment is not None
            await work.submit(who.actor, config, assignment.id, "cat")
            if who is workers[1]:
                await review.approve(owner.actor, config, assignment.id)
    return first


def _exam(i: int) -> exams.ExamDraft:
    question = exams.QuestionDraft(
        QuestionKind.CHOICE, "Which is immutable?", ["list", "tuple"], ["1"]
    )
    return exams.ExamDraft(
        title=f"Python {i}",
        questions=[question],
        time_limit_minutes=30,
        pass_mark=60,
        cooldown_hours=24,
        skill="python",
        level=3,
    )


async def _marketplace(
    admin: Person, owner: Person, project_id: int, workers: list[Person], n: int
) -> Job:
    """``n`` open python jobs, the first with a proposal from every worker; an offer from every
    worker; ``n`` platform exams."""
    posted = []
    for i in range(n):
        draft = jobs.JobDraft(
            project_id=project_id,
            title=f"Data pipeline {i}",
            description="Move CSV exports into PostgreSQL every night.",
            pricing=Pricing.FIXED,
            budget=100_000,
            duration_days=30,
            skills=["python"],
        )
        posted.append(await jobs.post_job(owner.actor, draft))
    for i, worker in enumerate(workers):
        draft_offer = offers.OfferDraft(
            title=f"Pipelines {i}",
            description="I move CSV exports into PostgreSQL.",
            pricing=Pricing.FIXED,
            price=50_000,
            currency="USD",
            delivery_days=7,
            skills=["python"],
        )
        await offers.create_offer(worker.actor, draft_offer)
    for i in range(n):
        await exams.create_exam(admin.actor, _exam(i))
    for worker in workers:
        await proposals.submit_proposal(
            worker.actor, posted[0].id, "I have built many pipelines like this one.", 90_000, 20
        )
    return posted[0]


async def _contest(
    clock: SettableClock, owner: Person, judge: Person, project_id: int, workers: list[Person]
) -> tuple[Contest, Contest]:
    """Two contests every worker entered, submitted to and was scored in: the first moved on to its
    appeals phase, the second left in review (its judge may score again)."""
    start = clock.now()
    made = []
    for title in ("Logo", "Poster"):
        draft = contests.ContestDraft(
            title=title,
            brief=f"Draw a {title.lower()}",
            prizes=[50_000, 30_000, 20_000],
            criteria=CRITERIA,
            max_entrants=len(workers) + 1,
            registration_ends_at=start + timedelta(days=1),
            submission_ends_at=start + timedelta(days=2),
            review_ends_at=start + timedelta(days=3),
            appeals_ends_at=start + timedelta(days=4),
        )
        contest = await contests.create_contest(owner.actor, project_id, draft)
        await contests.add_judge(owner.actor, contest.id, judge.account.email)
        made.append(await phases.move_by_organizer(owner.actor, contest, Phase.REGISTRATION))
    for contest in made:
        for worker in workers:
            await entries.register(worker.actor, contest.id)
    clock.advance(days=1)
    for contest in made:
        for i, worker in enumerate(workers):
            await entries.submit(worker.actor, contest.id, entries.Work(text=f"design {i}"))
    clock.advance(days=1)
    for contest in made:
        contest = await contests.get_contest(owner.actor, contest.id)
        rows = await ContestSubmission.filter(contest_id=contest.id, judged=True).order_by("id")
        for i, row in enumerate(rows):
            values = {"Concept": 3 + i % 7, "Craft": 2 + i % 8}
            await judging.score(judge.actor, row.id, values, "feedback")
    logo = await contests.get_contest(owner.actor, made[0].id)
    poster = await contests.get_contest(owner.actor, made[1].id)
    return await phases.move_by_organizer(owner.actor, logo, Phase.APPEALS), poster
