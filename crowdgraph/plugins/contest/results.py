"""What the scores add up to: judging progress, final scores and standings (no permission checks)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from crowdgraph.plugins.contest.models import (
    Contest,
    ContestEntry,
    ContestJudge,
    ContestScore,
    ContestSubmission,
    EntryStatus,
)
from crowdgraph.plugins.contest.scoring import Standing, final_score, rank


async def judged_submissions(contest: Contest) -> list[ContestSubmission]:
    """The submissions the judges score in the current round (withdrawn entrants' excluded)."""
    return (
        await ContestSubmission.filter(
            contest_id=contest.id,
            round=contest.round,
            judged=True,
            entry__status=EntryStatus.ACTIVE,
        )
        .order_by("id")
        .all()
    )


@dataclass(frozen=True)
class JudgeProgress:
    judge: ContestJudge
    scored: int
    total: int


async def progress(contest: Contest) -> list[JudgeProgress]:
    """For each judge, how many of the round's submissions they scored."""
    submissions = [s.id for s in await judged_submissions(contest)]
    judges = await ContestJudge.filter(contest_id=contest.id).order_by("id")
    scored = Counter(
        row["judge_id"]
        for row in await ContestScore.filter(submission_id__in=submissions).values("judge_id")
    )
    return [JudgeProgress(j, scored[j.id], len(submissions)) for j in judges]


def complete(report: list[JudgeProgress]) -> bool:
    return bool(report) and all(p.scored == p.total for p in report)


async def standings(contest: Contest) -> list[Standing]:
    """The round's scored entries, ranked best first by the documented tie rule."""
    submissions = await judged_submissions(contest)
    totals: dict[int, list[int]] = defaultdict(list)
    for submission_id, total in await ContestScore.filter(
        submission_id__in=[s.id for s in submissions]
    ).values_list("submission_id", "total"):
        totals[submission_id].append(total)
    entries = {
        e.id: e for e in await ContestEntry.filter(id__in=[s.entry_id for s in submissions]).all()
    }
    rows = []
    for submission in submissions:
        score = final_score(totals[submission.id])
        if score is None:
            continue
        rows.append(
            Standing(
                entry_id=submission.entry_id,
                score=score,
                submitted_at=submission.submitted_at,
                registered_at=entries[submission.entry_id].registered_at,
                account_id=entries[submission.entry_id].account_id,
            )
        )
    return rank(rows)
