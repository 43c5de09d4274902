from __future__ import annotations

import pytest

from crowdgraph.plugins.microtask.aggregation import (
    Vote,
    dawid_skene,
    majority_vote,
    mean,
    median,
    weighted_vote,
)


def _votes(table: dict[int, list[tuple[int, object]]]) -> list[Vote]:
    return [
        Vote(task, worker, value) for task, answers in table.items() for worker, value in answers
    ]


def test_majority_vote_takes_the_most_frequent_label_with_its_share() -> None:
    result = majority_vote(_votes({1: [(1, "a"), (2, "a"), (3, "b")]}), {})
    assert result[1].value == "a"
    assert result[1].confidence == pytest.approx(2 / 3)


def test_weighted_vote_trusts_the_accurate_worker_over_two_poor_ones() -> None:
    votes = _votes({1: [(1, "a"), (2, "b"), (3, "b")]})
    result = weighted_vote(votes, {1: 0.99, 2: 0.55, 3: 0.55})
    assert result[1].value == "a"
    assert 0.5 < result[1].confidence < 1


def test_dawid_skene_learns_that_a_spammer_is_wrong() -> None:
    # Workers 1-2 are accurate; worker 3 always says "b"; worker 4 always agrees with 3.
    table: dict[int, list[tuple[int, object]]] = {}
    truth = {}
    for task in range(1, 21):
        label = "a" if task % 2 else "b"
        truth[task] = label
        table[task] = [(1, label), (2, label), (3, "b"), (4, "b")]
    result = dawid_skene(_votes(table), {})
    assert all(result[t].value == truth[t] for t in truth)
    assert min(e.confidence for e in result.values()) > 0.9


def test_mean_and_median_of_numbers() -> None:
    votes = _votes({1: [(1, 10), (2, 12), (3, 50)]})
    assert mean(votes, {})[1].value == pytest.approx(24)
    assert median(votes, {})[1].value == 12
    agreeing = median(_votes({1: [(1, 5), (2, 5)]}), {})[1]
    assert agreeing.confidence == 1
