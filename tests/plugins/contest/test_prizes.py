from datetime import UTC, datetime, timedelta

from crowdgraph.plugins.contest.models import AwardKind
from crowdgraph.plugins.contest.prizes import divide, pool_total
from crowdgraph.plugins.contest.scoring import Standing, half_up, rank, weighted_total

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def standings(*scores: int) -> list[Standing]:
    return [
        Standing(i + 1, s, T0 + timedelta(minutes=i), T0, 100 + i) for i, s in enumerate(scores)
    ]


def test_places_go_to_qualified_entrants_in_rank_order():
    shares = divide([500, 300, 200], 1, 50, standings(9000, 8000, 7000, 6000), 5000)
    assert [(s.entry_id, s.kind, s.slot, s.amount) for s in shares] == [
        (1, AwardKind.PLACE, 1, 500),
        (2, AwardKind.PLACE, 2, 300),
        (3, AwardKind.PLACE, 3, 200),
        (4, AwardKind.HONORABLE_MENTION, 1, 50),
    ]


def test_unclaimed_prizes_are_split_among_placed_entrants_and_no_cent_is_lost():
    prizes = [10_001, 5_000, 3_333]
    shares = divide(prizes, 2, 100, standings(9000, 8000, 1000), 5000)
    # Two qualify: places 3 and both mentions (3_333 + 200) are split, the odd cent to the best.
    assert [(s.entry_id, s.amount) for s in shares] == [(1, 10_001 + 1767), (2, 5_000 + 1766)]
    assert sum(s.amount for s in shares) == pool_total(prizes, 2, 100)


def test_guaranteed_pool_is_paid_even_when_nobody_reaches_the_passing_score():
    shares = divide([700, 300], 0, 0, standings(2000, 1000), 9000)
    assert [(s.entry_id, s.amount) for s in shares] == [(1, 700), (2, 300)]


def test_amounts_always_add_up_to_the_prize_table():
    for entrants in range(1, 8):
        for mentions in range(0, 3):
            prizes = [9_999, 3_333, 1_001]
            shares = divide(prizes, mentions, 77, standings(*[5000] * entrants), 0)
            assert sum(s.amount for s in shares) == pool_total(prizes, mentions, 77)


def test_weighted_score_is_rounded_half_up_in_hundredths_of_a_percent():
    criteria = [{"name": "a", "weight": 2}, {"name": "b", "weight": 1}]
    assert weighted_total(criteria, 10, {"a": 10, "b": 0}) == 6667
    assert half_up(5, 2) == 3


def test_ties_go_to_the_earlier_submission_then_the_earlier_registration():
    late = Standing(1, 8000, T0 + timedelta(hours=2), T0, 101)
    early = Standing(2, 8000, T0 + timedelta(hours=1), T0 + timedelta(hours=1), 102)
    best = Standing(3, 9000, T0 + timedelta(hours=3), T0, 103)
    assert [s.entry_id for s in rank([late, early, best])] == [3, 2, 1]
