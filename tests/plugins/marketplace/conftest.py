"""Fixtures of the marketplace tests: a platform with only the marketplace, and a hiring scene."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest_asyncio

from crowdgraph.core import skills
from crowdgraph.core.models import Organization, Project, Skill
from crowdgraph.platform import Platform
from crowdgraph.plugins.marketplace import contracts, exams, jobs, proposals
from crowdgraph.plugins.marketplace.models import (
    Contract,
    Exam,
    ExamAttempt,
    ExamQuestion,
    Job,
    Pricing,
    Proposal,
    QuestionKind,
)
from crowdgraph.schema.relay import to_global_id
from crowdgraph.testing import Client, Factory, Person

FEEDBACK_WINDOW = 14
AUTO_RELEASE = 7


@pytest_asyncio.fixture
async def market(make_platform: Any) -> Platform:
    return await make_platform(plugins=["marketplace"])


@dataclass
class Scene:
    """An organization with a funded budget, a project, a skill and an external worker."""

    factory: Factory
    org: Organization
    owner: Person
    project: Project
    worker: Person
    admin: Person
    python: Skill

    async def job(self, **changes: Any) -> Job:
        draft = jobs.JobDraft(
            project_id=self.project.id,
            title="Build an ETL pipeline",
            description="Move our CSV exports into PostgreSQL every night.",
            pricing=Pricing.FIXED,
            budget=100_000,
            duration_days=30,
            skills=["python"],
        )
        for name, value in changes.items():
            setattr(draft, name, value)
        return await jobs.post_job(self.owner.actor, draft)

    async def proposal(self, job: Job, worker: Person | None = None, bid: int = 90_000) -> Proposal:
        who = worker or self.worker
        return await proposals.submit_proposal(
            who.actor, job.id, "I have built many pipelines like this one.", bid, 20
        )

    async def contract(
        self, milestones: list[tuple[str, int]] | None = None, **job_changes: Any
    ) -> Contract:
        job = await self.job(**job_changes)
        proposal = await self.proposal(job)
        plan = [contracts.MilestonePlan(t, a) for t, a in milestones or []]
        return await contracts.hire(self.owner.actor, proposal.id, plan)


@pytest_asyncio.fixture
async def scene(market: Platform, factory: Factory) -> Scene:
    admin = await factory.admin()
    python = await skills.create_skill(admin.actor, "python", "Python", "engineering")
    org, owner = await factory.organization(funds=500_000)
    project = await factory.project(owner, org)
    worker = await factory.worker()
    return Scene(factory, org, owner, project, worker, admin, python)


def gid(type_name: str, pk: int) -> str:
    return str(to_global_id(type_name, pk))


async def run(
    client: Client, name: str, input_type: str, fields: str, input: dict[str, Any]
) -> Any:
    """Send one mutation and return its payload (userErrors included)."""
    result = await client.query(
        f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {fields} "
        "userErrors { field code message } } }",
        {"input": input},
    )
    return result.data[name]


SECRET_SHORT_ANSWER = "list comprehension"


async def python_exam(scene: Scene, cooldown_hours: int = 24) -> Exam:
    """A platform exam for python at level 4: two choice questions and one short answer."""
    return await exams.create_exam(
        scene.admin.actor,
        exams.ExamDraft(
            title="Python fundamentals",
            skill="python",
            level=4,
            time_limit_minutes=30,
            pass_mark=60,
            cooldown_hours=cooldown_hours,
            questions=[
                exams.QuestionDraft(
                    QuestionKind.CHOICE, "Which type is immutable?", ["list", "tuple"], ["1"]
                ),
                exams.QuestionDraft(QuestionKind.CHOICE, "len([1, 2]) is", ["1", "2", "3"], ["1"]),
                exams.QuestionDraft(
                    QuestionKind.SHORT,
                    "What is [x * 2 for x in xs] called?",
                    answer_key=[SECRET_SHORT_ANSWER, "listcomp"],
                    points=2,
                ),
            ],
        ),
    )


async def answer_all(worker: Person, exam: Exam, right: bool) -> ExamAttempt:
    attempt = await exams.start_attempt(worker.actor, exam.id)
    questions = await ExamQuestion.filter(exam_id=exam.id).order_by("position")
    answers = {q.id: (q.answer_key[0] if right else "no idea") for q in questions}
    return await exams.submit_attempt(worker.actor, attempt.id, answers)
