"""Fast onboarding: an organization's steps (terms, agreement, payment details, screening)."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.exceptions import IntegrityError

from crowdgraph.core import runtime
from crowdgraph.core.actor import Actor
from crowdgraph.core.errors import InvalidInput
from crowdgraph.core.events import emit
from crowdgraph.core.models import WorkerProfile
from crowdgraph.core.transaction import atomic
from crowdgraph.core.validation import Checks
from crowdgraph.plugins.marketplace.common import missing
from crowdgraph.plugins.marketplace.jobs import get_job
from crowdgraph.plugins.marketplace.models import (
    AttemptStatus,
    Exam,
    ExamAttempt,
    OnboardingCompletion,
    OnboardingStep,
    StepKind,
)


async def add_step(
    actor: Actor,
    organization_id: int,
    kind: StepKind,
    title: str,
    body: str,
    exam_id: int | None,
) -> OnboardingStep:
    await actor.manages(organization_id)
    checks = Checks()
    checks.text("title", title, min_len=1, max_len=160)
    checks.text("body", body, max_len=50_000)
    if kind == StepKind.SCREENING:
        exam = await Exam.get_or_none(id=exam_id) if exam_id is not None else None
        if exam is None or exam.organization_id not in (None, organization_id):
            checks.fail("examId", "UNKNOWN_EXAM", "a screening step needs an exam it may use")
    elif exam_id is not None:
        checks.fail("examId", "NOT_ALLOWED", "only a screening step names an exam")
    checks.done()
    async with atomic():
        step = await OnboardingStep.create(
            organization_id=organization_id,
            kind=kind,
            title=title.strip(),
            body=body,
            exam_id=exam_id,
            created_at=runtime.now(),
        )
        await emit(
            "marketplace.onboarding.step_added",
            {"step_id": step.id, "kind": kind.value},
            organization_id=organization_id,
        )
    return step


async def list_steps(actor: Actor, organization_id: int) -> list[OnboardingStep]:
    """Any signed-in caller may read what an organization asks of its workers."""
    actor.require_account()
    return await OnboardingStep.filter(organization_id=organization_id).order_by("id")


@dataclass(frozen=True)
class StepState:
    step: OnboardingStep
    done: bool


async def progress(worker_id: int, steps: list[OnboardingStep]) -> list[StepState]:
    """Which of the steps the worker has done; a screening is done once its exam is passed."""
    ids = [s.id for s in steps]
    completed = set(
        await OnboardingCompletion.filter(step_id__in=ids, worker_id=worker_id).values_list(
            "step_id", flat=True
        )
    )
    exams = [s.exam_id for s in steps if s.kind == StepKind.SCREENING]
    passed = set(
        await ExamAttempt.filter(
            worker_id=worker_id, exam_id__in=exams, status=AttemptStatus.PASSED
        ).values_list("exam_id", flat=True)
    )
    return [
        StepState(s, s.id in completed or (s.kind == StepKind.SCREENING and s.exam_id in passed))
        for s in steps
    ]


async def steps_left(worker_id: int, step_ids: list[int]) -> list[OnboardingStep]:
    steps = await OnboardingStep.filter(id__in=step_ids).order_by("id")
    return [state.step for state in await progress(worker_id, steps) if not state.done]


async def my_onboarding(
    actor: Actor, organization_id: int, step_ids: list[int] | None = None
) -> list[StepState]:
    """The calling worker's progress through an organization's steps (or only those listed)."""
    worker = await actor.require_worker()
    steps = OnboardingStep.filter(organization_id=organization_id)
    if step_ids is not None:
        steps = steps.filter(id__in=step_ids)
    return await progress(worker.id, await steps.order_by("id"))


async def job_onboarding(actor: Actor, job_id: int) -> list[StepState]:
    """The steps a job requires before its contract can start, and which the caller has done."""
    job = await get_job(actor, job_id)
    return await my_onboarding(actor, job.organization_id, job.onboarding_step_ids)


def _masked(value: str) -> str:
    """Keep only the last four characters of payment details: enough to recognize, useless to steal."""
    cleaned = "".join(value.split())
    return "•••• " + cleaned[-4:]


async def complete_step(actor: Actor, step_id: int, value: str) -> OnboardingCompletion:
    """Accept the terms, sign (a typed full name) or give payment details; screenings need the exam."""
    worker: WorkerProfile = await actor.require_worker()
    step = await OnboardingStep.get_or_none(id=step_id)
    if step is None:
        raise missing("onboarding step")
    checks = Checks()
    if step.kind == StepKind.SCREENING:
        checks.fail("stepId", "TAKE_THE_EXAM", "a screening step is done by passing its exam")
    elif step.kind == StepKind.SIGN_AGREEMENT:
        checks.text("value", value, min_len=3, max_len=120)
    elif step.kind == StepKind.PAYMENT_DETAILS:
        checks.text("value", value, min_len=6, max_len=64)
    checks.done()
    detail = {
        StepKind.ACCEPT_TERMS: "accepted",
        StepKind.SIGN_AGREEMENT: value.strip(),
        StepKind.PAYMENT_DETAILS: _masked(value),
    }[step.kind]
    try:
        async with atomic():
            completion = await OnboardingCompletion.create(
                step_id=step.id, worker_id=worker.id, detail=detail, completed_at=runtime.now()
            )
            await emit(
                "marketplace.onboarding.step_completed",
                {"step_id": step.id, "kind": step.kind.value},
                organization_id=step.organization_id,
                account_id=worker.account_id,
            )
    except IntegrityError as exc:
        raise InvalidInput.one("stepId", "ALREADY_DONE", "this step is already done") from exc
    return completion
