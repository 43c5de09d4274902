"""What contests add to a worker's record and to an organization's skills in demand."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from crowdgraph.core.models import WorkerProfile
from crowdgraph.core.workforce import OpenWork, WorkerFact
from crowdgraph.plugins.contest.models import Contest, ContestEntry, EntryStatus, Phase

NAME = "contest"
PODIUM = 3


async def worker_facts(workers: Sequence[WorkerProfile]) -> dict[int, list[WorkerFact]]:
    """Contests entered and finished, wins, podium finishes and the best placement."""
    entries: dict[int, list[ContestEntry]] = defaultdict(list)
    for entry in await ContestEntry.filter(worker_id__in=[w.id for w in workers]).only(
        "id", "worker_id", "status", "rank"
    ):
        entries[entry.worker_id].append(entry)
    return {worker_id: _facts(rows) for worker_id, rows in entries.items()}


def _facts(entries: list[ContestEntry]) -> list[WorkerFact]:
    finished = [e for e in entries if e.status == EntryStatus.FINISHED]
    ranks = sorted(e.rank for e in finished if e.rank is not None)
    facts = [
        WorkerFact(NAME, "entered", "Contests entered", len(entries), f"{len(entries)} entered"),
        WorkerFact(
            NAME, "finished", "Contests finished", len(finished), f"{len(finished)} finished"
        ),
    ]
    if ranks:
        wins = ranks.count(1)
        podiums = sum(1 for r in ranks if r <= PODIUM)
        facts += [
            WorkerFact(NAME, "wins", "Contests won", wins, f"{wins} won"),
            WorkerFact(NAME, "podiums", "Top-3 finishes", podiums, f"{podiums} in the top 3"),
            WorkerFact(NAME, "best_rank", "Best placement", ranks[0], f"best: place {ranks[0]}"),
        ]
    return facts


async def open_work(organization_id: int) -> list[OpenWork]:
    """Contests taking entrants, each with its prize places as openings."""
    contests = await Contest.filter(
        organization_id=organization_id,
        phase__in=[Phase.REGISTRATION, Phase.SUBMISSION],
    )
    return [OpenWork(NAME, c.title, c.requirements, openings=len(c.prizes)) for c in contests]
