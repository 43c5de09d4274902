"""The contest's phases, what moves them, and the rules the organizer may not bend.

draft -> registration -> submission -> review -> appeals -> winners_announced -> closed, or cancelled.
With a qualifying round, submission and review run twice (round 1 picks the finalists, round 2 is
the final). Deadlines move the phase: lazily whenever a contest is read, and by the sweeper. Every
move is one conditional UPDATE on (phase, round), so a move done twice, by two processes or by a
read racing the sweeper, happens once.

What the organizer may do early (``ORGANIZER_MOVES``): launch a draft; cancel before any submission
exists; close the review once every submission is scored; close a contest whose winners are out.
The windows that protect entrants (registration, submission, appeals) are never shortened.
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import Enum

from crowdgraph.core import runtime
from crowdgraph.core.actor import Actor
from crowdgraph.core.errors import InvalidInput
from crowdgraph.core.events import OPEN_WORK, emit, open_work
from crowdgraph.core.transaction import atomic, savepoint
from crowdgraph.plugins.contest import awards, results
from crowdgraph.plugins.contest.awards import hold
from crowdgraph.plugins.contest.models import (
    AppealStatus,
    Contest,
    ContestAppeal,
    ContestAward,
    ContestJudge,
    ContestSubmission,
    EntryStatus,
    Phase,
)
from crowdgraph.plugins.contest.prizes import pool_total

log = logging.getLogger("crowdgraph.contest")
P = Phase
TIMED = (P.REGISTRATION, P.SUBMISSION, P.REVIEW, P.APPEALS)
ORGANIZER_MOVES = {
    (P.DRAFT, P.REGISTRATION): "launch the contest; holds the prize pool",
    (P.DRAFT, P.CANCELLED): "cancel a draft",
    (P.REGISTRATION, P.CANCELLED): "cancel before any submission; releases the pool",
    (P.REVIEW, P.APPEALS): "close the review early once every submission is scored",
    (P.REVIEW, P.SUBMISSION): "close the qualifying review early once every submission is scored",
    (P.WINNERS_ANNOUNCED, P.CLOSED): "close the contest",
}


def shown(value: Enum) -> str:
    """A phase or status as the API shows it: the GraphQL enum's name (``WINNERS_ANNOUNCED``)."""
    return value.name


def has_qualifying_round(contest: Contest) -> bool:
    return contest.finalists > 0


def in_qualifying_round(contest: Contest) -> bool:
    return has_qualifying_round(contest) and contest.round == 1


def deadline_of(contest: Contest) -> datetime | None:
    qualifying = in_qualifying_round(contest)
    if contest.phase == P.REGISTRATION:
        return contest.registration_ends_at
    if contest.phase == P.SUBMISSION:
        return contest.qualifying_ends_at if qualifying else contest.submission_ends_at
    if contest.phase == P.REVIEW:
        return contest.qualifying_review_ends_at if qualifying else contest.review_ends_at
    if contest.phase == P.APPEALS:
        return contest.appeals_ends_at
    return None


def phase_error(
    contest: Contest, action: str, field: str = "contestId", hint: str = ""
) -> InvalidInput:
    deadline = deadline_of(contest)
    until = f" until {deadline.isoformat()}" if deadline else ""
    return InvalidInput.one(
        field,
        "WRONG_PHASE",
        f"{action} is not possible now: the contest is in its {shown(contest.phase)} phase{until}"
        + (f"; {hint}" if hint else ""),
    )


def require_phase(
    contest: Contest, phase: Phase, action: str, field: str = "contestId", hint: str = ""
) -> None:
    if contest.phase != phase:
        raise phase_error(contest, action, field, hint)


class Moved(Exception):
    """Someone else moved the contest first."""


async def _move(contest: Contest, to: Phase, *, round: int | None = None, by: str) -> None:
    """Move the phase if it is still where we saw it (call inside atomic); else raise Moved."""
    before, before_round = contest.phase, contest.round
    contest.phase, contest.round = to, round or contest.round
    contest.deadline = deadline_of(contest)
    contest.updated_at = runtime.now()
    changed = await Contest.filter(id=contest.id, phase=before, round=before_round).update(
        phase=contest.phase,
        round=contest.round,
        deadline=contest.deadline,
        updated_at=contest.updated_at,
    )
    if not changed:
        raise Moved
    payload: dict[str, object] = {
        "contest_id": contest.id,
        "from": before.value,
        "to": to.value,
        "round": contest.round,
        "by": by,
    }
    if to == P.REGISTRATION:  # open to entrants: workers who qualify hear of it
        payload[OPEN_WORK] = open_work(contest.audience.value, contest.requirements)
    await emit(
        "contest.phase.changed",
        payload,
        organization_id=contest.organization_id,
        project_id=contest.project_id,
    )


async def _launch(contest: Contest) -> None:
    if not await ContestJudge.exists(contest_id=contest.id):
        raise InvalidInput.one(
            "contestId", "NO_JUDGES", "add at least one judge before launching the contest"
        )
    if contest.registration_ends_at <= runtime.now():
        raise InvalidInput.one(
            "contestId",
            "IN_THE_PAST",
            f"registration must end after the launch (registrationEndsAt is "
            f"{contest.registration_ends_at.isoformat()}): move the dates with editContestDraft",
        )
    judge_fees = sum(j.fee for j in await ContestJudge.filter(contest_id=contest.id))
    amount = (
        pool_total(contest.prizes, contest.honorable_mentions, contest.honorable_mention_amount)
        + contest.finalists * contest.participation_award
        + judge_fees
    )
    await hold(
        contest,
        amount,
        f"contest:{contest.id}:pool",
        "contestId",
        "launching the contest holds its prize pool and judges' fees",
    )


async def _cancel(contest: Contest, by: str) -> None:
    await _move(contest, P.CANCELLED, by=by)
    if contest.round > 1:
        await awards.pay_judges(contest)  # they judged the qualifying round
    await awards.cancel_entries(contest)
    await awards.release_rest(contest)


async def _close_submissions(contest: Contest) -> None:
    """Mark each active entrant's latest version as the judged one; no submissions: cancel."""
    latest: dict[int, ContestSubmission] = {}
    for submission in await ContestSubmission.filter(
        contest_id=contest.id, round=contest.round, entry__status=EntryStatus.ACTIVE
    ).order_by("version"):
        latest[submission.entry_id] = submission
    if not latest:
        await _cancel(contest, "deadline: no submissions")
        return
    await _move(contest, P.REVIEW, by="deadline")
    await ContestSubmission.filter(id__in=[s.id for s in latest.values()]).update(judged=True)


async def _close_review(contest: Contest, by: str) -> None:
    ranked = await results.standings(contest)
    if in_qualifying_round(contest):
        await _move(contest, P.SUBMISSION, round=2, by=by)
        chosen = await awards.award_finalists(contest, ranked)
        if not chosen:
            await _cancel(contest, "no entrant qualified for the final")
        return
    await _move(contest, P.APPEALS, by=by)
    await awards.pay_judges(contest)


async def _announce(contest: Contest, by: str) -> None:
    await _move(contest, P.WINNERS_ANNOUNCED, by=by)
    await awards.award_winners(contest, await results.standings(contest))
    await awards.release_rest(contest)


async def open_appeals(contest: Contest) -> int:
    return await ContestAppeal.filter(contest_id=contest.id, status=AppealStatus.OPEN).count()


async def _step_by_deadline(contest: Contest) -> bool:
    """Apply the current phase's passed deadline; False when the rules hold the phase."""
    if contest.phase == P.REGISTRATION:
        await _move(contest, P.SUBMISSION, by="deadline")
    elif contest.phase == P.SUBMISSION:
        await _close_submissions(contest)
    elif contest.phase == P.REVIEW:
        if not results.complete(await results.progress(contest)):
            return False
        await _close_review(contest, "deadline")
    elif contest.phase == P.APPEALS:
        if await open_appeals(contest):
            return False
        await _announce(contest, "deadline")
    else:
        return False
    return True


async def refresh(contest: Contest) -> Contest:
    """Apply every deadline that has passed (idempotent; safe in many processes)."""
    while contest.deadline is not None and contest.deadline <= runtime.now():
        try:
            async with savepoint():
                if not await _step_by_deadline(contest):
                    return contest
        except Moved:
            await contest.refresh_from_db()
    return contest


async def _lock(contest: Contest) -> None:
    """Lock the row to the end of the transaction and read it again: a launch holds what the draft
    says now, though an edit may have committed since ``contest`` was read."""
    fresh = await Contest.select_for_update().get(id=contest.id)
    if (fresh.phase, fresh.round) != (contest.phase, contest.round):
        raise Moved
    await contest.refresh_from_db()


async def move_by_organizer(actor: Actor, contest: Contest, to: Phase) -> Contest:
    """An organizer's move where the rules allow it (see ``ORGANIZER_MOVES``)."""
    actor.require_manager(contest.organization_id)
    if (contest.phase, to) not in ORGANIZER_MOVES:
        allowed = [
            f"{shown(b)} ({why})" for (a, b), why in ORGANIZER_MOVES.items() if a == contest.phase
        ]
        raise InvalidInput.one(
            "to",
            "PHASE_RULE",
            f"the organizer cannot move a contest from {shown(contest.phase)} to {shown(to)}; "
            f"allowed now: {', '.join(allowed) or 'nothing, deadlines move this phase'}",
        )
    by = f"organizer:{actor.account_id}"
    try:
        async with atomic():
            if to == P.REGISTRATION:
                await _lock(contest)
                await _move(contest, to, by=by)
                await _launch(contest)
            elif to == P.CANCELLED:
                await _cancel(contest, by)
            elif contest.phase == P.REVIEW:
                if in_qualifying_round(contest) != (to == P.SUBMISSION):
                    raise InvalidInput.one(
                        "to",
                        "PHASE_RULE",
                        f"the qualifying {shown(P.REVIEW)} leads to the final round's "
                        f"{shown(P.SUBMISSION)} phase, the final {shown(P.REVIEW)} to {shown(P.APPEALS)}",
                    )
                report = await results.progress(contest)
                if not results.complete(report):
                    missing = sum(p.total - p.scored for p in report)
                    raise InvalidInput.one(
                        "to",
                        "REVIEW_INCOMPLETE",
                        f"the review closes only when every submission is scored ({missing} scorecards missing)",
                    )
                await _close_review(contest, by)
            else:
                await _move(contest, to, by=by)
    except Moved as exc:
        raise InvalidInput.one(
            "to", "CONFLICT", "the contest's phase changed meanwhile: read it and try again"
        ) from exc
    return contest


async def announce_winners(actor: Actor, contest: Contest) -> list[ContestAward]:
    """Pay the prizes once the appeals window is over and every appeal answered (idempotent)."""
    actor.require_manager(contest.organization_id)
    if contest.phase in (P.WINNERS_ANNOUNCED, P.CLOSED):
        return await awards_of(contest)
    require_phase(contest, P.APPEALS, "awarding the prizes")
    if contest.appeals_ends_at > runtime.now():
        raise InvalidInput.one(
            "contestId",
            "APPEALS_OPEN",
            f"entrants may appeal until {contest.appeals_ends_at.isoformat()}; award after that",
        )
    pending = await open_appeals(contest)
    if pending:
        raise InvalidInput.one(
            "contestId", "APPEALS_PENDING", f"{pending} appeals wait for a judge's answer"
        )
    try:
        async with savepoint():
            await _announce(contest, f"organizer:{actor.account_id}")
    except Moved:
        await contest.refresh_from_db()
    return await awards_of(contest)


async def awards_of(contest: Contest) -> list[ContestAward]:
    return await ContestAward.filter(contest_id=contest.id).order_by("kind", "slot")


async def sweep() -> int:
    """Apply passed deadlines of every running contest; returns how many contests moved."""
    moved = 0
    for contest in await Contest.filter(phase__in=TIMED, deadline__lte=runtime.now()):
        before = (contest.phase, contest.round)
        await refresh(contest)
        moved += before != (contest.phase, contest.round)
    return moved
