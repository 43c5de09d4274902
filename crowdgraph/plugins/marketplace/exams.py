"""Screening exams: questions with answer keys kept on the server, timed attempts, cool-downs.

A platform exam (made by an admin) tests a skill at a level and, when passed, verifies that skill
in the core. An organization's own check (such as a communication check) is graded by hand by its
staff and can be required by its jobs; it verifies nothing in the core.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from tortoise.expressions import Q

from crowdgraph.core import eligibility, runtime, skills
from crowdgraph.core.actor import Actor
from crowdgraph.core.errors import Forbidden, InvalidInput
from crowdgraph.core.events import emit
from crowdgraph.core.models import VerifiedBy, WorkerProfile
from crowdgraph.core.pages import Page, PageRequest, fetch_page
from crowdgraph.core.transaction import atomic
from crowdgraph.core.validation import Checks
from crowdgraph.plugins.marketplace.common import missing
from crowdgraph.plugins.marketplace.models import (
    AttemptStatus,
    Exam,
    ExamAttempt,
    ExamQuestion,
    QuestionKind,
)

REQUIREMENT = "marketplace.exam"
MAX_QUESTIONS = 200


@dataclass
class QuestionDraft:
    kind: QuestionKind
    prompt: str
    choices: list[str] = field(default_factory=list)
    answer_key: list[str] = field(default_factory=list)
    """Choice: one entry, the index of the right choice. Short: every accepted answer."""
    points: int = 1


@dataclass
class ExamDraft:
    title: str
    questions: list[QuestionDraft]
    time_limit_minutes: int
    pass_mark: int
    cooldown_hours: int
    instructions: str = ""
    skill: str | None = None
    level: int | None = None
    organization_id: int | None = None
    manual: bool = False


def _check_question(checks: Checks, where: str, q: QuestionDraft, manual: bool) -> None:
    checks.text(f"{where}.prompt", q.prompt, min_len=1, max_len=5000)
    checks.range(f"{where}.points", q.points, low=1, high=100)
    if q.kind == QuestionKind.CHOICE:
        if not 2 <= len(q.choices) <= 10:
            checks.fail(f"{where}.choices", "OUT_OF_RANGE", "a choice question has 2 to 10 choices")
        valid = {str(i) for i in range(len(q.choices))}
        if not manual and (len(q.answer_key) != 1 or q.answer_key[0] not in valid):
            checks.fail(
                f"{where}.answerKey",
                "INVALID_KEY",
                f"the key of a choice question is one choice index, 0 to {len(q.choices) - 1}",
            )
    elif q.choices:
        checks.fail(f"{where}.choices", "NOT_ALLOWED", "only choice questions have choices")
    if q.kind == QuestionKind.SHORT and not manual and not any(a.strip() for a in q.answer_key):
        checks.fail(f"{where}.answerKey", "REQUIRED", "list every accepted short answer")
    if q.kind == QuestionKind.ESSAY and not manual:
        checks.fail(f"{where}.kind", "NEEDS_MANUAL", "essay questions need a hand-graded exam")


async def create_exam(actor: Actor, draft: ExamDraft) -> Exam:
    if draft.organization_id is None:
        actor.require_admin()
    else:
        actor.require_manager(draft.organization_id)
    checks = Checks()
    checks.text("title", draft.title, min_len=1, max_len=160)
    checks.text("instructions", draft.instructions, max_len=20_000)
    checks.range("timeLimitMinutes", draft.time_limit_minutes, low=1, high=600)
    checks.range("passMark", draft.pass_mark, low=1, high=100)
    checks.range("cooldownHours", draft.cooldown_hours, low=0, high=24 * 365)
    if not 1 <= len(draft.questions) <= MAX_QUESTIONS:
        checks.fail("questions", "OUT_OF_RANGE", f"an exam has 1 to {MAX_QUESTIONS} questions")
    if draft.organization_id is None:
        if draft.skill is None or draft.level is None:
            checks.fail("skill", "REQUIRED", "a platform exam tests a skill at a level")
        if draft.manual:
            checks.fail("manual", "NOT_ALLOWED", "platform exams are graded automatically")
    elif draft.skill is not None:
        checks.fail("skill", "NOT_ALLOWED", "only platform exams verify skills")
    if draft.level is not None:
        skills.check_level(checks, draft.level)
    for index, question in enumerate(draft.questions):
        _check_question(checks, f"questions[{index}]", question, draft.manual)
    checks.done()
    skill = await skills.skill_by_slug(draft.skill) if draft.skill else None
    async with atomic():
        exam = await Exam.create(
            organization_id=draft.organization_id,
            skill_id=skill.id if skill else None,
            level=draft.level,
            title=draft.title.strip(),
            instructions=draft.instructions,
            time_limit_minutes=draft.time_limit_minutes,
            pass_mark=draft.pass_mark,
            cooldown_hours=draft.cooldown_hours,
            manual=draft.manual,
            created_at=runtime.now(),
        )
        await ExamQuestion.bulk_create(
            [
                ExamQuestion(
                    exam_id=exam.id,
                    position=position,
                    kind=q.kind,
                    prompt=q.prompt,
                    choices=q.choices,
                    answer_key=[a.strip() for a in q.answer_key],
                    points=q.points,
                )
                for position, q in enumerate(draft.questions, start=1)
            ]
        )
        await emit(
            "marketplace.exam.created",
            {"exam_id": exam.id, "title": exam.title},
            organization_id=exam.organization_id,
        )
    return exam


async def list_exams(actor: Actor, page: PageRequest, skill: str | None = None) -> Page[Exam]:
    """Every exam is public to signed-in callers: workers need to find them to take them."""
    actor.require_account()
    query = Exam.all()
    if skill is not None:
        query = query.filter(skill_id=(await skills.skill_by_slug(skill)).id)
    return await fetch_page(query, page)


async def get_exam(actor: Actor, exam_id: int) -> Exam:
    actor.require_account()
    exam = await Exam.get_or_none(id=exam_id)
    if exam is None:
        raise missing("exam")
    return exam


async def visible_attempts(actor: Actor) -> Q:
    """Workers see their own attempts; an organization's staff see attempts at its own exams."""
    if actor.is_admin:
        return Q()
    rule = Q(exam__organization_id__in=list(actor.memberships))
    worker = await actor.worker()
    if worker is not None:
        rule |= Q(worker_id=worker.id)
    return rule


async def get_attempt(actor: Actor, attempt_id: int) -> ExamAttempt:
    actor.require_account()
    attempt = await ExamAttempt.get_or_none(Q(id=attempt_id) & await visible_attempts(actor))
    if attempt is None:
        raise missing("exam attempt")
    await expire_overdue(attempt.worker_id)
    await attempt.refresh_from_db()
    return attempt


async def list_attempts(
    actor: Actor, page: PageRequest, *, exam_id: int | None = None, mine: bool = False
) -> Page[ExamAttempt]:
    actor.require_account()
    query = ExamAttempt.filter(await visible_attempts(actor))
    if mine:
        worker = await actor.require_worker()
        await expire_overdue(worker.id)
        query = query.filter(worker_id=worker.id)
    if exam_id is not None:
        query = query.filter(exam_id=exam_id)
    return await fetch_page(query, page)


async def expire_overdue(worker_id: int) -> None:
    """Attempts not submitted by their deadline fail (applied lazily on every read and start)."""
    await ExamAttempt.filter(
        worker_id=worker_id, status=AttemptStatus.IN_PROGRESS, deadline__lt=runtime.now()
    ).update(status=AttemptStatus.FAILED, score=0, late=True)


async def start_attempt(actor: Actor, exam_id: int) -> ExamAttempt:
    """Start the clock on an exam; a failed exam may be retried after its cool-down."""
    worker = await actor.require_worker()
    exam = await get_exam(actor, exam_id)
    await expire_overdue(worker.id)
    now = runtime.now()
    previous = await ExamAttempt.filter(worker_id=worker.id, exam_id=exam.id).order_by("-id")
    for attempt in previous:
        if attempt.status == AttemptStatus.IN_PROGRESS:
            return attempt
        if attempt.status in (AttemptStatus.PASSED, AttemptStatus.AWAITING_GRADING):
            raise InvalidInput.one(
                "examId",
                "ALREADY_TAKEN",
                f"you have already taken this exam ({attempt.status.value.replace('_', ' ')})",
            )
    if previous:
        last = previous[0]
        ended = last.submitted_at or last.deadline
        retry = ended + timedelta(hours=exam.cooldown_hours)
        if now < retry:
            raise InvalidInput.one(
                "examId",
                "COOLING_DOWN",
                f"you may retry this exam from {retry.isoformat(timespec='minutes')}",
            )
    async with atomic():
        attempt = await ExamAttempt.create(
            exam_id=exam.id,
            worker_id=worker.id,
            started_at=now,
            deadline=now + timedelta(minutes=exam.time_limit_minutes),
        )
        await emit(
            "marketplace.exam.started",
            {"exam_id": exam.id, "attempt_id": attempt.id},
            organization_id=exam.organization_id,
            account_id=worker.account_id,
        )
    return attempt


def _correct(question: ExamQuestion, answer: str) -> bool:
    given = " ".join(answer.split()).casefold()
    return any(given == " ".join(key.split()).casefold() for key in question.answer_key)


def score(questions: list[ExamQuestion], answers: dict[str, str]) -> int:
    """Percent of the points earned, rounded down."""
    total = sum(q.points for q in questions)
    earned = sum(q.points for q in questions if _correct(q, answers.get(str(q.id), "")))
    return earned * 100 // total


async def submit_attempt(actor: Actor, attempt_id: int, answers: dict[int, str]) -> ExamAttempt:
    """Grade the answers (or queue them for hand grading); after the deadline nothing counts."""
    worker = await actor.require_worker()
    attempt = await get_attempt(actor, attempt_id)
    if attempt.worker_id != worker.id:
        raise Forbidden("only the worker who took the exam may submit it")
    if attempt.status != AttemptStatus.IN_PROGRESS:
        late = " (the time limit has passed)" if attempt.late else ""
        raise InvalidInput.one(
            "attemptId",
            "NOT_IN_PROGRESS",
            f"the attempt is {attempt.status.value.replace('_', ' ')}{late}",
        )
    exam = await Exam.get(id=attempt.exam_id)
    questions = await ExamQuestion.filter(exam_id=exam.id).order_by("position")
    known = {q.id for q in questions}
    checks = Checks()
    for question_id, text in answers.items():
        if question_id not in known:
            checks.fail(
                "answers", "UNKNOWN_QUESTION", f"question {question_id} is not in this exam"
            )
        checks.text("answers", text, max_len=20_000)
    checks.done()
    stored = {str(k): v for k, v in answers.items()}
    if exam.manual:
        status, result = AttemptStatus.AWAITING_GRADING, None
    else:
        result = score(questions, stored)
        status = AttemptStatus.PASSED if result >= exam.pass_mark else AttemptStatus.FAILED
    async with atomic():
        changed = await ExamAttempt.filter(
            id=attempt.id, status=AttemptStatus.IN_PROGRESS, deadline__gte=runtime.now()
        ).update(status=status, answers=stored, score=result, submitted_at=runtime.now())
        if not changed:
            raise InvalidInput.one("attemptId", "NOT_IN_PROGRESS", "the attempt is already over")
        await attempt.refresh_from_db()
        await _finish(attempt, exam, worker)
    return attempt


async def _finish(attempt: ExamAttempt, exam: Exam, worker: WorkerProfile) -> None:
    """Verify the skill of a passed platform exam in the core, and tell everyone."""
    if attempt.status == AttemptStatus.PASSED and exam.skill_id and exam.level:
        await skills.record_verification(
            worker.id,
            exam.skill_id,
            exam.level,
            VerifiedBy.EXAM,
            f"passed the exam {exam.title!r} (marketplace exam {exam.id})",
        )
    if attempt.status in (AttemptStatus.PASSED, AttemptStatus.FAILED):
        await emit(
            f"marketplace.exam.{attempt.status.value}",
            {"exam_id": exam.id, "attempt_id": attempt.id, "score": attempt.score},
            organization_id=exam.organization_id,
            account_id=worker.account_id,
        )


async def grade_attempt(actor: Actor, attempt_id: int, score_percent: int) -> ExamAttempt:
    """An organization's staff grade a hand-graded check, such as a communication check."""
    account = actor.require_account()
    attempt = await get_attempt(actor, attempt_id)
    exam = await Exam.get(id=attempt.exam_id)
    if exam.organization_id is None or not exam.manual:
        raise InvalidInput.one("attemptId", "NOT_MANUAL", "this exam is graded automatically")
    actor.require_manager(exam.organization_id)
    checks = Checks()
    checks.range("score", score_percent, low=0, high=100)
    checks.done()
    status = AttemptStatus.PASSED if score_percent >= exam.pass_mark else AttemptStatus.FAILED
    async with atomic():
        changed = await ExamAttempt.filter(
            id=attempt.id, status=AttemptStatus.AWAITING_GRADING
        ).update(
            status=status, score=score_percent, graded_by_id=account.id, graded_at=runtime.now()
        )
        if not changed:
            raise InvalidInput.one(
                "attemptId", "NOT_AWAITING", "the attempt is not awaiting grading"
            )
        await attempt.refresh_from_db()
        await _finish(attempt, exam, await WorkerProfile.get(id=attempt.worker_id))
    return attempt


def _validate_requirement(req: eligibility.Requirement) -> list[str]:
    exam = req.get("exam")
    if not isinstance(exam, int) or isinstance(exam, bool):
        return [f"exam must be an exam's number, as in MarketplaceExam.requirement (got {exam!r})"]
    return []


async def _check_requirement(worker: WorkerProfile, req: eligibility.Requirement) -> str | None:
    passed = await ExamAttempt.exists(
        worker_id=worker.id, exam_id=req["exam"], status=AttemptStatus.PASSED
    )
    if passed:
        return None
    exam = await Exam.get_or_none(id=req["exam"])
    return f"needs a pass in the exam {exam.title if exam else req['exam']!r}"


EXAM_REQUIREMENT = eligibility.RequirementKind(
    REQUIREMENT, "a passed marketplace screening exam", _validate_requirement, _check_requirement
)


def requirement(exam: Exam) -> eligibility.Requirement:
    return {"kind": REQUIREMENT, "exam": exam.id}
