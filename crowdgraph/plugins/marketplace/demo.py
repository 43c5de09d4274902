"""The marketplace's demo data: a Python exam, job postings and workers' offers."""

from __future__ import annotations

from typing import Any

from crowdgraph.core.models import Account, Audience
from crowdgraph.plugins.marketplace import exams, jobs, offers
from crowdgraph.plugins.marketplace.models import Pricing, QuestionKind

PYTHON_QUESTIONS = [
    exams.QuestionDraft(
        QuestionKind.CHOICE,
        "Which of these types is immutable?",
        ["list", "dict", "tuple", "set"],
        ["2"],
    ),
    exams.QuestionDraft(
        QuestionKind.CHOICE,
        "What does `len({'a': 1, 'b': 2})` return?",
        ["1", "2", "4", "an error"],
        ["1"],
    ),
    exams.QuestionDraft(
        QuestionKind.CHOICE,
        "Which statement makes a context manager release its resource?",
        ["try/except", "with", "yield", "lambda"],
        ["1"],
    ),
    exams.QuestionDraft(
        QuestionKind.SHORT,
        "Name the built-in that pairs items of two lists position by position.",
        answer_key=["zip", "zip()"],
        points=2,
    ),
]


async def create(demo: Any) -> None:
    admin = await demo.actor(demo.admin)
    exam = await exams.create_exam(
        admin,
        exams.ExamDraft(
            title="Python fundamentals",
            instructions="Four questions, 20 minutes. Passing verifies Python at level 3.",
            skill="python",
            level=3,
            time_limit_minutes=20,
            pass_mark=75,
            cooldown_hours=24,
            questions=PYTHON_QUESTIONS,
        ),
    )
    acme = await demo.actor(demo.owners["acme"])
    northwind = await demo.actor(demo.owners["northwind"])
    await jobs.post_job(
        acme,
        jobs.JobDraft(
            project_id=demo.projects["labeling"].id,
            title="Automate quality checks of shelf images in Python",
            description="Write a Python tool that flags blurred or mislabeled shelf photos.",
            pricing=Pricing.FIXED,
            budget=240_000,
            duration_days=21,
            skills=["python", "image-labeling"],
            requirements=[exams.requirement(exam)],
            audience=Audience.BOTH,
        ),
    )
    await jobs.post_job(
        acme,
        jobs.JobDraft(
            project_id=demo.projects["brand"].id,
            title="Logo and visual identity for Acme's relaunch",
            description="A logo, a palette and a one-page brand guide.",
            pricing=Pricing.FIXED,
            budget=400_000,
            duration_days=30,
            skills=["logo-design", "illustration"],
        ),
    )
    await jobs.post_job(
        northwind,
        jobs.JobDraft(
            project_id=demo.projects["coding"].id,
            title="Medical coder for insurance claims (hourly)",
            description="Code claims in ICD-10; about 15 hours a week for three months.",
            pricing=Pricing.HOURLY,
            budget=5_500,
            weekly_hours_cap=20,
            duration_days=90,
            skills=["medical-coding"],
            requirements=[
                {"kind": "skill", "skill": "medical-coding", "min_level": 3, "verified": True}
            ],
        ),
    )
    for email, draft in (
        (
            "jonas@example.net",
            offers.OfferDraft(
                "Python and SQL data pipelines, tested and documented",
                "Nightly imports, clean schemas and alerts when something breaks.",
                Pricing.HOURLY,
                9_000,
                "USD",
                14,
                ["python", "sql"],
            ),
        ),
        (
            "lucia@example.net",
            offers.OfferDraft(
                "A logo with three concepts and two rounds of changes",
                "Vector files, a palette and usage rules.",
                Pricing.FIXED,
                120_000,
                "USD",
                10,
                ["logo-design"],
            ),
        ),
    ):
        worker = demo.workers[email]
        await offers.create_offer(await demo.actor(await Account.get(id=worker.account_id)), draft)
    demo.lines.append(
        "marketplace: 3 job postings, 2 offers and a Python exam (passing verifies python at 3)"
    )
