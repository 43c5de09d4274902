"""Per-request DataLoaders of the contest plugin (``context.plugins["contest"]``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from strawberry.dataloader import DataLoader

from crowdgraph.plugins.contest.models import ContestJudge, ContestScore, ContestSubmission
from crowdgraph.schema.context import Loader


@dataclass(frozen=True)
class RoundScore:
    round: int
    score: ContestScore


async def _scores_by_entry(entry_ids: Sequence[int]) -> list[list[RoundScore]]:
    submissions = {
        row["id"]: (row["entry_id"], row["round"])
        for row in await ContestSubmission.filter(entry_id__in=list(entry_ids)).values(
            "id", "entry_id", "round"
        )
    }
    grouped: dict[int, list[RoundScore]] = defaultdict(list)
    for score in await ContestScore.filter(submission_id__in=list(submissions)).order_by("id"):
        entry_id, round_ = submissions[score.submission_id]
        grouped[entry_id].append(RoundScore(round_, score))
    return [grouped[i] for i in entry_ids]


@dataclass
class ContestLoaders:
    scores_by_entry: DataLoader[int, list[RoundScore]] = field(
        default_factory=lambda: Loader(load_fn=_scores_by_entry)
    )
    _seats: DataLoader[int, ContestJudge | None] | None = None

    def seats(self, account_id: int | None) -> DataLoader[int, ContestJudge | None]:
        """The caller's judge seat in each contest, by contest id (None where they do not judge)."""
        if self._seats is None:

            async def load(contest_ids: Sequence[int]) -> list[ContestJudge | None]:
                if account_id is None:
                    return [None] * len(contest_ids)
                found = await ContestJudge.filter(
                    account_id=account_id, contest_id__in=list(contest_ids)
                )
                by_contest = {seat.contest_id: seat for seat in found}
                return [by_contest.get(i) for i in contest_ids]

            self._seats = Loader(load_fn=load)
        return self._seats
