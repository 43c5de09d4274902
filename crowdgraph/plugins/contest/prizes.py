"""How a guaranteed prize pool is divided among ranked entrants, in minor units, no cent lost.

The rule, as entrants read it:

1. Entrants who reach the minimum passing score qualify; places 1..N go to them in rank order, then
   the honorable mentions. If nobody qualifies, every scored entrant counts as qualified: the pool is
   guaranteed, so it is always paid out.
2. A place or honorable mention that no qualified entrant fills is unclaimed. The unclaimed money is
   split equally among the entrants who won a place; the cents that do not divide evenly go to the
   best-ranked of them. So the amounts paid always add up to the whole prize table.
"""

from __future__ import annotations

from dataclasses import dataclass

from crowdgraph.plugins.contest.models import AwardKind
from crowdgraph.plugins.contest.scoring import Standing


@dataclass(frozen=True)
class Share:
    entry_id: int
    kind: AwardKind
    slot: int
    amount: int


def pool_total(prizes: list[int], honorable_mentions: int, honorable_amount: int) -> int:
    return sum(prizes) + honorable_mentions * honorable_amount


def divide(
    prizes: list[int],
    honorable_mentions: int,
    honorable_amount: int,
    ranked: list[Standing],
    passing_score: int,
) -> list[Share]:
    """The shares of the prize table for entrants ranked best first (see the module's rule)."""
    qualified = [s for s in ranked if s.score >= passing_score] or list(ranked)
    if not qualified:
        return []
    places = [
        Share(qualified[i].entry_id, AwardKind.PLACE, i + 1, amount)
        for i, amount in enumerate(prizes)
        if i < len(qualified)
    ]
    unclaimed = sum(prizes[len(places) :])
    mentions = []
    for j in range(honorable_mentions):
        index = len(prizes) + j
        if index < len(qualified):
            mentions.append(
                Share(
                    qualified[index].entry_id,
                    AwardKind.HONORABLE_MENTION,
                    j + 1,
                    honorable_amount,
                )
            )
        else:
            unclaimed += honorable_amount
    # With no places in the table, the mentions share what is left in the same way.
    if places:
        places = _spread(places, unclaimed)
    else:
        mentions = _spread(mentions, unclaimed)
    return [s for s in places + mentions if s.amount > 0]


def _spread(shares: list[Share], unclaimed: int) -> list[Share]:
    """Add ``unclaimed`` to the shares equally; the indivisible cents go to the first (best-ranked)."""
    if not shares or not unclaimed:
        return shares
    each, remainder = divmod(unclaimed, len(shares))
    return [
        Share(s.entry_id, s.kind, s.slot, s.amount + each + (remainder if i == 0 else 0))
        for i, s in enumerate(shares)
    ]
