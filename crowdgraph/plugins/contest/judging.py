"""Blind judging and appeals: judges score submissions without ever learning who made them.

A judge reaches submissions only through ``submissions_to_judge`` and ``score``; neither returns the
entry, the worker or the account behind a submission. Entrants see their own scores (not who gave
them) from the appeals phase on, and may appeal each score once with a reason.
"""

from __future__ import annotations

from crowdgraph.core import runtime
from crowdgraph.core.actor import Actor
from crowdgraph.core.errors import Forbidden, InvalidInput, NotFound
from crowdgraph.core.events import emit
from crowdgraph.core.pages import Page, PageRequest, fetch_page
from crowdgraph.core.transaction import atomic
from crowdgraph.core.validation import Checks
from crowdgraph.plugins.contest import phases, results
from crowdgraph.plugins.contest.contests import get_contest, is_judge, require_judge
from crowdgraph.plugins.contest.entries import own_entry
from crowdgraph.plugins.contest.models import (
    AppealStatus,
    Contest,
    ContestAppeal,
    ContestEntry,
    ContestScore,
    ContestSubmission,
    EntryStatus,
    Phase,
)
from crowdgraph.plugins.contest.scoring import check_values, weighted_total


async def submissions_to_judge(
    actor: Actor, contest_id: int, page: PageRequest
) -> tuple[Contest, Page[ContestSubmission]]:
    contest = await get_contest(actor, contest_id)
    if not actor.can_manage(contest.organization_id):
        require_judge(await is_judge(actor, contest.id))
    if contest.phase in (Phase.DRAFT, Phase.REGISTRATION, Phase.SUBMISSION):
        return contest, Page([], False, False, 0)
    query = ContestSubmission.filter(
        contest_id=contest.id, round=contest.round, judged=True, entry__status=EntryStatus.ACTIVE
    )
    return contest, await fetch_page(query, page)


async def score(
    actor: Actor, submission_id: int, values: dict[str, int], feedback: str
) -> ContestScore:
    """A judge's scorecard for a submission, during the review phase (scoring again replaces it)."""
    submission = await ContestSubmission.get_or_none(id=submission_id)
    if submission is None:
        raise NotFound("no such submission")
    contest = await get_contest(actor, submission.contest_id)
    judge = require_judge(await is_judge(actor, contest.id))
    phases.require_phase(contest, Phase.REVIEW, "scoring", field="submissionId")
    if not submission.judged or submission.round != contest.round:
        raise InvalidInput.one(
            "submissionId",
            "NOT_JUDGED",
            "only each entrant's final version of the current round is scored",
        )
    check_values(contest.criteria, contest.scale, values)
    checks = Checks()
    checks.text("feedback", feedback, max_len=20_000)
    checks.done()
    total = weighted_total(contest.criteria, contest.scale, values)
    now = runtime.now()
    async with atomic():
        row, created = await ContestScore.get_or_create(
            submission_id=submission.id,
            judge_id=judge.id,
            defaults={
                "contest_id": contest.id,
                "values": values,
                "total": total,
                "feedback": feedback,
                "created_at": now,
                "updated_at": now,
            },
        )
        if not created:
            row.values, row.total, row.feedback, row.updated_at = values, total, feedback, now
            await row.save()
        await emit(
            "contest.score.recorded",
            {"contest_id": contest.id, "submission_id": submission.id, "total": total},
            organization_id=contest.organization_id,
            project_id=contest.project_id,
        )
    return row


async def my_scores(actor: Actor, contest_id: int) -> list[ContestScore]:
    """The caller's scores and feedback in the contest, once the review of a round is over."""
    contest, entry = await own_entry(actor, contest_id)
    return await entry_scores(contest, entry)


def last_reviewed_round(contest: Contest) -> int:
    """Entrants see the scores of every round up to this one (0: none yet)."""
    past_review = contest.phase in (Phase.APPEALS, Phase.WINNERS_ANNOUNCED, Phase.CLOSED)
    return contest.round if past_review else contest.round - 1


async def entry_scores(contest: Contest, entry: ContestEntry) -> list[ContestScore]:
    """An entry's scores in every round whose review is over."""
    return await ContestScore.filter(
        submission__entry_id=entry.id, submission__round__lte=last_reviewed_round(contest)
    ).order_by("id")


async def appeal(actor: Actor, score_id: int, reason: str) -> ContestAppeal:
    row = await ContestScore.get_or_none(id=score_id).prefetch_related("submission")
    if row is None:
        raise NotFound("no such score")
    contest, entry = await own_entry(actor, row.contest_id)
    if row.submission.entry_id != entry.id:
        raise NotFound("no such score")
    phases.require_phase(contest, Phase.APPEALS, "appealing", field="scoreId")
    if row.submission.round != contest.round:
        raise InvalidInput.one(
            "scoreId", "ROUND_CLOSED", "only the final round's scores can be appealed"
        )
    checks = Checks()
    checks.text("reason", reason, min_len=10, max_len=5_000)
    checks.done()
    if await ContestAppeal.exists(score_id=row.id):
        raise InvalidInput.one("scoreId", "ALREADY_APPEALED", "each score can be appealed once")
    async with atomic():
        filed = await ContestAppeal.create(
            score_id=row.id,
            contest_id=contest.id,
            entry_id=entry.id,
            reason=reason,
            total_before=row.total,
            created_at=runtime.now(),
        )
        await emit(
            "contest.appeal.filed",
            {"contest_id": contest.id, "appeal_id": filed.id, "score_id": row.id},
            organization_id=contest.organization_id,
            account_id=entry.account_id,
            project_id=contest.project_id,
        )
    return filed


async def appeals_to_answer(actor: Actor, contest: Contest) -> list[ContestAppeal]:
    judge = await is_judge(actor, contest.id)
    if judge is None:
        if actor.can_manage(contest.organization_id):
            return await ContestAppeal.filter(contest_id=contest.id).order_by("id")
        raise Forbidden("only the contest's judges and organizers see its appeals")
    return await ContestAppeal.filter(contest_id=contest.id, score__judge_id=judge.id).order_by(
        "id"
    )


async def answer(
    actor: Actor, appeal_id: int, answer_text: str, values: dict[str, int] | None
) -> ContestAppeal:
    """The judge who gave the score answers; new values change the score and are recorded."""
    filed = await ContestAppeal.get_or_none(id=appeal_id).prefetch_related("score")
    if filed is None:
        raise NotFound("no such appeal")
    contest = await get_contest(actor, filed.contest_id)
    judge = require_judge(await is_judge(actor, contest.id))
    if filed.score.judge_id != judge.id:
        raise Forbidden("only the judge who gave the score answers its appeal")
    if filed.status != AppealStatus.OPEN:
        raise InvalidInput.one("appealId", "ALREADY_ANSWERED", "this appeal was answered")
    if contest.phase != Phase.APPEALS:
        raise phases.phase_error(contest, "answering appeals", field="appealId")
    checks = Checks()
    checks.text("answer", answer_text, min_len=1, max_len=5_000)
    checks.done()
    row = filed.score
    if values is not None:
        check_values(contest.criteria, contest.scale, values)
    async with atomic():
        if values is not None:
            row.values, row.updated_at = values, runtime.now()
            row.total = weighted_total(contest.criteria, contest.scale, values)
            await row.save(update_fields=["values", "total", "updated_at"])
        filed.answer, filed.answered_at = answer_text, runtime.now()
        filed.total_after = row.total
        filed.status = (
            AppealStatus.ACCEPTED if row.total != filed.total_before else AppealStatus.REJECTED
        )
        await filed.save()
        await emit(
            "contest.appeal.answered",
            {
                "contest_id": contest.id,
                "appeal_id": filed.id,
                "status": filed.status.value,
                "total_before": filed.total_before,
                "total_after": filed.total_after,
            },
            organization_id=contest.organization_id,
            project_id=contest.project_id,
        )
    return filed


async def judging_progress(actor: Actor, contest: Contest) -> list[results.JudgeProgress]:
    actor.require_manager(contest.organization_id)
    return await results.progress(contest)
