import json
import re

import pytest

from crowdgraph.core.errors import Forbidden, InvalidInput, NotFound
from crowdgraph.core.models import VerifiedBy, WorkerSkill
from crowdgraph.plugins.marketplace import exams, proposals
from crowdgraph.plugins.marketplace.models import AttemptStatus, QuestionKind
from tests.plugins.marketplace.conftest import (
    SECRET_SHORT_ANSWER,
    answer_all,
    gid,
    python_exam,
    run,
)


async def test_passing_an_exam_verifies_the_skill_in_the_core_at_the_exams_level(scene):
    exam = await python_exam(scene)

    attempt = await answer_all(scene.worker, exam, right=True)

    assert (attempt.status, attempt.score) == (AttemptStatus.PASSED, 100)
    held = await WorkerSkill.get(worker_id=scene.worker.worker.id, skill_id=scene.python.id)
    assert (held.level, held.verified_by, held.verified_source) == (
        4,
        VerifiedBy.EXAM,
        f"passed the exam {exam.title!r} (marketplace exam {exam.id})",
    )


async def test_short_answers_are_graded_ignoring_case_and_spacing(scene):
    exam = await python_exam(scene)
    attempt = await exams.start_attempt(scene.worker.actor, exam.id)
    questions = await exam.questions.all().order_by("position")
    answers = {
        questions[0].id: "0",
        questions[1].id: "1",
        questions[2].id: "  List  Comprehension ",
    }

    graded = await exams.submit_attempt(scene.worker.actor, attempt.id, answers)

    assert (graded.status, graded.score) == (AttemptStatus.PASSED, 75)


async def test_the_server_refuses_answers_after_the_time_limit(scene, clock):
    exam = await python_exam(scene)
    attempt = await exams.start_attempt(scene.worker.actor, exam.id)
    questions = await exam.questions.all()

    clock.advance(minutes=30, seconds=1)
    with pytest.raises(InvalidInput) as late:
        await exams.submit_attempt(
            scene.worker.actor, attempt.id, {q.id: q.answer_key[0] for q in questions}
        )

    assert late.value.problems[0].code == "NOT_IN_PROGRESS"
    await attempt.refresh_from_db()
    assert (attempt.status, attempt.late, attempt.score) == (AttemptStatus.FAILED, True, 0)
    assert not await WorkerSkill.exists(worker_id=scene.worker.worker.id)


async def test_a_failed_exam_can_be_retried_only_after_the_cool_down(scene, clock):
    exam = await python_exam(scene, cooldown_hours=24)
    failed = await answer_all(scene.worker, exam, right=False)
    assert failed.status == AttemptStatus.FAILED

    clock.advance(hours=23, minutes=59)
    with pytest.raises(InvalidInput) as cooling:
        await exams.start_attempt(scene.worker.actor, exam.id)
    assert cooling.value.problems[0].code == "COOLING_DOWN"

    clock.advance(minutes=1)
    retry = await exams.start_attempt(scene.worker.actor, exam.id)
    assert retry.status == AttemptStatus.IN_PROGRESS and retry.id != failed.id


async def test_no_field_of_the_schema_exposes_an_answer_key(scene, make_client, market):
    client = make_client(scene.owner.token, on=market)
    result = await client.query("{ __schema { types { name kind fields { name } } } }")

    output_fields = {
        f"{t['name']}.{f['name']}"
        for t in result.data["__schema"]["types"]
        if t["kind"] in ("OBJECT", "INTERFACE") and t["fields"]
        for f in t["fields"]
    }
    assert "MarketplaceExamQuestion.prompt" in output_fields
    forbidden = {"key", "keys", "correct", "solution", "solutions", "accepted"}
    leaking = [
        f
        for f in output_fields
        if forbidden & {w.lower() for w in re.findall(r"[A-Z]?[a-z]+", f.split(".")[1])}
    ]
    assert leaking == []


async def test_a_workers_exam_results_show_no_keys(scene, make_client, market):
    exam = await python_exam(scene)
    await answer_all(scene.worker, exam, right=False)
    client = make_client(scene.worker.token, on=market)

    result = await client.query(
        """{ marketplaceExamAttempts(mine: true) { nodes { status score late
            answers { questionId answer }
            questions { id kind prompt choices points }
            exam { title requirement } } } }"""
    )

    (attempt,) = result.data["marketplaceExamAttempts"]["nodes"]
    assert attempt["status"] == "FAILED" and attempt["score"] == 0
    assert len(attempt["questions"]) == 3
    assert SECRET_SHORT_ANSWER not in json.dumps(result.body)
    assert "listcomp" not in json.dumps(result.body)


async def test_the_exam_is_taken_through_graphql_with_its_deadline(scene, make_client, market):
    exam = await python_exam(scene)
    client = make_client(scene.worker.token, on=market)

    started = await run(
        client,
        "startMarketplaceExam",
        "StartMarketplaceExamInput",
        "attempt { id deadline questions { id kind } }",
        {"examId": gid("MarketplaceExam", exam.id)},
    )
    attempt = started["attempt"]
    assert attempt["deadline"].startswith("2026-01-05T09:30")
    answers = [
        {"questionId": q["id"], "answer": "1" if q["kind"] == "CHOICE" else "listcomp"}
        for q in attempt["questions"]
    ]
    submitted = await run(
        client,
        "submitMarketplaceExam",
        "SubmitMarketplaceExamInput",
        "attempt { status score }",
        {"attemptId": attempt["id"], "answers": answers},
    )

    assert submitted == {"attempt": {"status": "PASSED", "score": 100}, "userErrors": []}


async def test_staff_grade_the_communication_check_by_hand(scene, factory):
    check = await exams.create_exam(
        scene.owner.actor,
        exams.ExamDraft(
            title="Communication check",
            organization_id=scene.org.id,
            manual=True,
            time_limit_minutes=20,
            pass_mark=70,
            cooldown_hours=72,
            questions=[exams.QuestionDraft(QuestionKind.ESSAY, "Explain a delay to a client.")],
        ),
    )
    attempt = await exams.start_attempt(scene.worker.actor, check.id)
    (question,) = await check.questions.all()
    waiting = await exams.submit_attempt(
        scene.worker.actor, attempt.id, {question.id: "Dear client, ..."}
    )
    assert waiting.status == AttemptStatus.AWAITING_GRADING
    _, outsider = await factory.organization()

    with pytest.raises(NotFound):
        await exams.grade_attempt(outsider.actor, attempt.id, 90)
    graded = await exams.grade_attempt(scene.owner.actor, attempt.id, 85)

    assert (graded.status, graded.score) == (AttemptStatus.PASSED, 85)


async def test_a_worker_without_the_exam_cannot_propose_until_they_pass(scene):
    exam = await python_exam(scene)
    job = await scene.job(requirements=[exams.requirement(exam)])

    with pytest.raises(Forbidden, match="needs a pass in the exam 'Python fundamentals'"):
        await scene.proposal(job)
    await answer_all(scene.worker, exam, right=True)

    proposal = await scene.proposal(job)
    assert proposal.job_id == job.id
    with pytest.raises(InvalidInput, match="already have an active proposal"):
        await scene.proposal(job)
    await proposals.withdraw_proposal(scene.worker.actor, proposal.id)
    assert (await scene.proposal(job)).id != proposal.id


async def test_a_verified_skill_requirement_turns_away_self_declared_skills(scene):
    from crowdgraph.core import skills

    await skills.set_my_skill(scene.worker.actor, "python", 5)
    job = await scene.job(
        requirements=[{"kind": "skill", "skill": "python", "min_level": 3, "verified": True}]
    )

    with pytest.raises(Forbidden, match="needs verified skill python"):
        await scene.proposal(job)
