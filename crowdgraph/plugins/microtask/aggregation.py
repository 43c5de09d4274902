"""Aggregation: many workers' answers to a task become one result with a confidence.

Built in: majority vote, accuracy-weighted vote and Dawid-Skene EM for labels; mean and median
for numbers. Other plugins add aggregators through the ``register_aggregators`` hook.

The built-in aggregators count with numpy: votes become integer codes (``vote_codes.py``), and each
step is one pass over all votes of a batch rather than a Python loop per task.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

import numpy as np

from crowdgraph.core.errors import InvalidInput
from crowdgraph.plugins.microtask.vote_codes import (
    Floats,
    Ints,
    factorize,
    label_codes,
    sum_by,
    task_codes,
    worker_codes,
)

CATEGORICAL, NUMERIC = "categorical", "numeric"
DEFAULT_ACCURACY = 0.7
"""The accuracy assumed for a worker with no gold answers yet."""
SMOOTHING = 0.01
"""Added to every Dawid-Skene count, so a label a worker never gave is unlikely, not impossible."""


@dataclass(frozen=True)
class Vote:
    task_id: int
    worker_id: int
    value: Any
    """A label (hashable) for categorical aggregators, a number for numeric ones."""


class Estimate(NamedTuple):
    """One task's result; a named tuple because an aggregator builds one per task of a batch."""

    value: Any
    confidence: float
    """Between 0 and 1: how sure the aggregator is (a posterior, or agreement for numbers)."""


AggregateFn = Callable[[Sequence[Vote], dict[int, float]], dict[int, Estimate]]
"""(votes, worker id -> gold accuracy) -> task id -> estimate."""


@dataclass(frozen=True)
class Aggregator:
    name: str
    kind: str
    """``categorical`` (labels, label sets, texts, JSON) or ``numeric``."""
    description: str
    aggregate: AggregateFn
    batch_wide: bool = False
    """Needs every answer of the batch (Dawid-Skene learns each worker from all of them); a task
    then completes by the weighted vote, and its result is read batch-wide."""


def _estimates(task_ids: Ints, values: Sequence[Any], confidence: Floats) -> dict[int, Estimate]:
    # tuple.__new__ builds each Estimate in C, twice as fast as calling the class.
    pairs = zip(values, confidence.tolist(), strict=True)
    return dict(zip(task_ids.tolist(), map(partial(tuple.__new__, Estimate), pairs), strict=True))


def _vote_for_best(votes: Sequence[Vote], weights: Floats | None) -> dict[int, Estimate]:
    """Each task's answer with the highest total weight (ties go to the answer given first).

    Confidence is the answer's share of the votes when unweighted, its softmax share otherwise.
    """
    task_ids, task = task_codes(votes)
    labels, label = label_codes(votes)
    # Every (task, answer) pair that occurs, numbered in the order of its first vote.
    pairs, pair = factorize(task * len(labels) + label)
    pair_task, pair_label = np.divmod(pairs, len(labels))
    score = np.bincount(pair, weights)
    top = np.full(len(task_ids), -np.inf)
    np.maximum.at(top, pair_task, score)
    # Each task's best pair: among those with the top score, the lowest numbered (first given).
    tied = np.flatnonzero(score == top[pair_task])
    best = np.full(len(task_ids), len(score))
    np.minimum.at(best, pair_task[tied], tied)
    if weights is None:
        confidence = top / np.bincount(task)
    else:
        confidence = 1 / np.bincount(pair_task, np.exp(score - top[pair_task]))
    return _estimates(task_ids, [labels[i] for i in pair_label[best].tolist()], confidence)


def majority_vote(votes: Sequence[Vote], accuracy: dict[int, float]) -> dict[int, Estimate]:
    """The most frequent answer; confidence is its share of the votes."""
    if not votes:
        return {}
    return _vote_for_best(votes, None)


def vote_weight(accuracy: float) -> float:
    """A worker's weight in ``weighted``: the log-odds of their gold accuracy (clipped to 0.01..0.99)."""
    p = min(max(accuracy, 0.01), 0.99)
    return math.log(p / (1 - p))


def weighted_vote(votes: Sequence[Vote], accuracy: dict[int, float]) -> dict[int, Estimate]:
    """Votes weighted by each worker's gold accuracy (log-odds); confidence is a softmax share."""
    if not votes:
        return {}
    worker_ids, worker = worker_codes(votes)
    weight = np.array(
        [vote_weight(accuracy.get(w, DEFAULT_ACCURACY)) for w in worker_ids.tolist()], float
    )
    return _vote_for_best(votes, weight[worker])


def dawid_skene(
    votes: Sequence[Vote], accuracy: dict[int, float], iterations: int = 100, tol: float = 1e-7
) -> dict[int, Estimate]:
    """Dawid and Skene (1979): EM over class priors and one confusion matrix per worker.

    Starts from majority-vote posteriors; confidence is the posterior of the chosen label.
    """
    if not votes:
        return {}
    task_ids, task = task_codes(votes)
    worker_ids, worker = worker_codes(votes)
    labels, label = label_codes(votes)
    tasks, workers, k = len(task_ids), len(worker_ids), len(labels)
    cell = worker * k + label  # each vote's row in the stacked confusion matrices
    posterior = np.bincount(task * k + label, minlength=tasks * k).reshape(tasks, k).astype(float)
    posterior /= posterior.sum(axis=1, keepdims=True)
    for _ in range(iterations):
        # M step: priors and confusion matrices (worker, answer, true label), smoothed.
        prior = posterior.sum(axis=0) + SMOOTHING
        confusion = sum_by(cell, posterior[task], workers * k).reshape(workers, k, k) + SMOOTHING
        log_prior = np.log(prior / prior.sum())
        log_confusion = np.log(confusion / confusion.sum(axis=1, keepdims=True))
        # E step: posteriors of each task's true label.
        scores = log_prior + sum_by(task, log_confusion.reshape(workers * k, k)[cell], tasks)
        weights = np.exp(scores - scores.max(axis=1, keepdims=True))
        new = weights / weights.sum(axis=1, keepdims=True)
        change = np.abs(new - posterior).max()
        posterior = new
        if change < tol:
            break
    best = posterior.argmax(axis=1)
    confidence = posterior[np.arange(tasks), best]
    return _estimates(task_ids, [labels[i] for i in best.tolist()], confidence)


@dataclass(frozen=True)
class _Numbers:
    """A batch's numeric votes by task: codes and values, and each task's count and mean."""

    task_ids: Ints
    task: Ints
    values: Floats
    count: Ints
    average: Floats


def _numbers(votes: Sequence[Vote]) -> _Numbers:
    task_ids, task = task_codes(votes)
    values = np.fromiter([vote.value for vote in votes], float, len(votes))
    count = np.bincount(task)
    return _Numbers(task_ids, task, values, count, np.bincount(task, values) / count)


def _around(numbers: _Numbers, center: Floats) -> dict[int, Estimate]:
    """Each task's center, with a confidence: 1 when every answer equals it, falling as the answers
    spread (standard deviation); 0.5 for a task with one answer."""
    task, values, count = numbers.task, numbers.values, numbers.count
    spread = np.sqrt(np.bincount(task, (values - numbers.average[task]) ** 2) / count)
    low = np.full(len(count), np.inf)
    np.minimum.at(low, task, values)
    high = np.full(len(count), -np.inf)
    np.maximum.at(high, task, values)
    scale = np.maximum(np.maximum(np.abs(center), high - low), 1e-9)
    confidence = np.where(count < 2, 0.5, 1 / (1 + spread / scale * 4))
    return _estimates(numbers.task_ids, center.tolist(), confidence)


def mean(votes: Sequence[Vote], accuracy: dict[int, float]) -> dict[int, Estimate]:
    """The mean of each task's answers; confidence falls as they spread."""
    if not votes:
        return {}
    numbers = _numbers(votes)
    return _around(numbers, numbers.average)


def median(votes: Sequence[Vote], accuracy: dict[int, float]) -> dict[int, Estimate]:
    """The median of each task's answers (the middle two averaged); confidence as for the mean."""
    if not votes:
        return {}
    numbers = _numbers(votes)
    values, count = numbers.values, numbers.count
    # Answers sorted by task, then by value. The key (task, rank by value) is unique, so numpy's
    # fast unstable sort is enough.
    by_value = np.argsort(values)
    key = numbers.task[by_value] * len(values) + np.arange(len(values))
    ordered = values[by_value][np.argsort(key)]
    start = np.cumsum(count) - count  # where each task's answers begin in ordered
    middle = (ordered[start + (count - 1) // 2] + ordered[start + count // 2]) / 2
    return _around(numbers, middle)


BUILTIN = [
    Aggregator("majority", CATEGORICAL, "the most frequent answer", majority_vote),
    Aggregator("weighted", CATEGORICAL, "votes weighted by gold accuracy", weighted_vote),
    Aggregator(
        "dawid_skene",
        CATEGORICAL,
        "Dawid-Skene EM over worker confusion",
        dawid_skene,
        batch_wide=True,
    ),
    Aggregator("mean", NUMERIC, "the mean of numeric answers", mean),
    Aggregator("median", NUMERIC, "the median of numeric answers", median),
]


def unfit(aggregators: dict[str, Aggregator], name: str, answer_kind: str) -> str | None:
    """Why the aggregator ``name`` cannot aggregate answers of a spec's kind, or None."""
    aggregator = aggregators.get(name)
    numeric = answer_kind == "number"
    if aggregator is None:
        return f"must be one of {', '.join(sorted(aggregators))} (got {name!r})"
    if (aggregator.kind == NUMERIC) != numeric:
        fit = [a.name for a in aggregators.values() if (a.kind == NUMERIC) == numeric]
        return f"{name} does not fit {answer_kind} answers: use one of {', '.join(sorted(fit))}"
    return None


def choose(aggregators: dict[str, Aggregator], name: str, answer_kind: str) -> Aggregator:
    """The aggregator named, refused (field ``aggregator``) when unknown or unfit for the answers."""
    problem = unfit(aggregators, name, answer_kind)
    if problem:
        raise InvalidInput.one("aggregator", "INVALID_CHOICE", f"aggregator {problem}")
    return aggregators[name]
