"""Per-request DataLoaders of the contest plugin (``context.plugins["contest"]``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from strawberry.dataloader import DataLoader

from crowdgraph.plugins.contest.models import ContestScore, ContestSubmission


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
        default_factory=lambda: DataLoader(load_fn=_scores_by_entry)
    )
