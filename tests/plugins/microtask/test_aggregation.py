from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crowdgraph.plugins.microtask.aggregation import (
    BUILTIN,
    DEFAULT_ACCURACY,
    Estimate,
    Vote,
    dawid_skene,
    majority_vote,
    mean,
    median,
    vote_weight,
    weighted_vote,
)


def _votes(table: dict[int, list[tuple[int, object]]]) -> list[Vote]:
    return [
        Vote(task, worker, value) for task, answers in table.items() for worker, value in answers
    ]


votes_on_few_tasks = st.lists(
    st.builds(
        Vote,
        st.sampled_from([3, 8, 1000]),
        st.integers(1, 6),
        st.sampled_from(["cat", "dog", ("bird", "fish")]),
    ),
    max_size=30,
)
numeric_votes = st.lists(
    st.builds(Vote, st.sampled_from([3, 8, 1000]), st.integers(1, 6), st.integers(-50, 50)),
    max_size=30,
)


def test_majority_vote_takes_the_most_frequent_label_with_its_share() -> None:
    result = majority_vote(_votes({1: [(1, "a"), (2, "a"), (3, "b")]}), {})
    assert result[1].value == "a"
    assert result[1].confidence == pytest.approx(2 / 3)


def test_a_tie_goes_to_the_answer_given_first_in_that_task() -> None:
    # "b" comes first overall, but in task 2 "a" is given first.
    votes = _votes({1: [(1, "b"), (2, "a")], 2: [(1, "a"), (2, "b")]})
    for aggregate in (majority_vote, weighted_vote):
        result = aggregate(votes, {})
        assert (result[1].value, result[2].value) == ("b", "a")
        assert result[1].confidence == pytest.approx(0.5)


def test_results_list_tasks_in_the_order_of_their_first_vote() -> None:
    votes = [Vote(30, 1, "a"), Vote(10, 1, "a"), Vote(30, 2, "b"), Vote(20, 2, "a")]
    for aggregate in (majority_vote, weighted_vote, dawid_skene):
        assert list(aggregate(votes, {})) == [30, 10, 20]
    numbers = [Vote(30, 1, 1), Vote(10, 1, 2), Vote(30, 2, 3), Vote(20, 2, 4)]
    assert list(mean(numbers, {})) == list(median(numbers, {})) == [30, 10, 20]


def test_every_builtin_aggregator_returns_nothing_for_no_votes() -> None:
    assert all(aggregator.aggregate([], {}) == {} for aggregator in BUILTIN)


def test_answers_may_be_any_hashable_value() -> None:
    votes = _votes({7: [(1, ("cat", "dog")), (2, ("cat", "dog")), (3, ("cat",))]})
    for aggregate in (majority_vote, weighted_vote, dawid_skene):
        assert aggregate(votes, {})[7].value == ("cat", "dog")


def test_an_estimate_is_immutable_and_reads_by_name() -> None:
    estimate = Estimate("a", 0.9)
    assert (estimate.value, estimate.confidence) == ("a", 0.9)
    with pytest.raises(AttributeError):
        estimate.value = "b"  # type: ignore[misc]


def test_weighted_vote_trusts_the_accurate_worker_over_two_poor_ones() -> None:
    votes = _votes({1: [(1, "a"), (2, "b"), (3, "b")]})
    result = weighted_vote(votes, {1: 0.99, 2: 0.55, 3: 0.55})
    assert result[1].value == "a"
    assert 0.5 < result[1].confidence < 1


def test_weighted_vote_confidence_is_the_softmax_share_of_log_odds() -> None:
    # Worker 3 has no gold answers yet: the default accuracy stands in.
    votes = _votes({1: [(1, "a"), (2, "b"), (3, "b")]})
    result = weighted_vote(votes, {1: 0.8, 2: 0.75})
    a = vote_weight(0.8)
    b = vote_weight(0.75) + vote_weight(DEFAULT_ACCURACY)
    assert result[1].value == "b"
    assert result[1].confidence == pytest.approx(1 / (1 + math.exp(a - b)))


def test_a_worker_below_chance_counts_against_their_answer() -> None:
    votes = _votes({1: [(1, "a"), (2, "a"), (3, "b")]})
    result = weighted_vote(votes, {1: 0.3, 2: 0.3, 3: 0.6})
    assert result[1].value == "b"


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


def test_dawid_skene_learns_a_worker_who_swaps_two_of_three_labels() -> None:
    # Worker 3 always answers "c" for "b" and "b" for "c". On some tasks the three workers give
    # three answers (a tie for majority vote); worker 3's answer, read through its confusion
    # matrix, agrees with worker 1 there.
    swapped = {"a": "a", "b": "c", "c": "b"}
    table: dict[int, list[tuple[int, object]]] = {}
    truth = {}
    for task in range(30):
        label = "abc"[task % 3]
        truth[task] = label
        doubtful = task % 5 == 0 and label != "a"
        table[task] = [(2, "a" if doubtful else label), (1, label), (3, swapped[label])]
    votes = _votes(table)
    assert {t: e.value for t, e in majority_vote(votes, {}).items()} != truth
    assert {t: e.value for t, e in dawid_skene(votes, {}).items()} == truth


def test_mean_and_median_of_numbers() -> None:
    votes = _votes({1: [(1, 10), (2, 12), (3, 50)]})
    assert mean(votes, {})[1].value == pytest.approx(24)
    assert median(votes, {})[1].value == 12
    agreeing = median(_votes({1: [(1, 5), (2, 5)]}), {})[1]
    assert agreeing.confidence == 1


def test_the_median_of_an_even_count_is_the_middle_pair_averaged() -> None:
    votes = _votes({1: [(1, 9), (2, 1), (3, 4), (4, 3)], 2: [(1, -2), (2, 7)]})
    result = median(votes, {})
    assert (result[1].value, result[2].value) == (3.5, 2.5)


def test_numeric_confidence_falls_as_answers_spread_and_is_half_for_one_answer() -> None:
    votes = _votes({1: [(1, 10), (2, 11)], 2: [(1, 10), (2, 30)], 3: [(1, 42)]})
    result = mean(votes, {})
    assert 1 > result[1].confidence > result[2].confidence > 0
    # spread 10 (population deviation), scale max(|20|, 30 - 10) = 20: 1 / (1 + 10 / 20 * 4)
    assert result[2].confidence == pytest.approx(1 / 3)
    assert result[3] == Estimate(42.0, 0.5)


@given(votes_on_few_tasks)
def test_majority_vote_matches_counting_each_task_by_hand(votes: list[Vote]) -> None:
    by_task: dict[int, list[object]] = defaultdict(list)
    for vote in votes:
        by_task[vote.task_id].append(vote.value)
    result = majority_vote(votes, {})
    assert list(result) == list(by_task)
    for task, answers in by_task.items():
        counts = Counter(answers)
        best = max(counts, key=lambda answer: counts[answer])  # ties: the first given
        assert result[task].value == best
        assert result[task].confidence == pytest.approx(counts[best] / len(answers))


@given(numeric_votes)
def test_mean_and_median_match_the_statistics_module(votes: list[Vote]) -> None:
    by_task: dict[int, list[float]] = defaultdict(list)
    for vote in votes:
        by_task[vote.task_id].append(vote.value)
    means, medians = mean(votes, {}), median(votes, {})
    for task, values in by_task.items():
        assert means[task].value == pytest.approx(statistics.fmean(values))
        assert medians[task].value == statistics.median(values)
        assert 0 < means[task].confidence <= 1
