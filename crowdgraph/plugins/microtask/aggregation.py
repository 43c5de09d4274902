"""Aggregation: many workers' answers to a task become one result with a confidence.

Built in: majority vote, accuracy-weighted vote and Dawid-Skene EM for labels; mean and median
for numbers. Other plugins add aggregators through the ``register_aggregators`` hook.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

CATEGORICAL, NUMERIC = "categorical", "numeric"
DEFAULT_ACCURACY = 0.7
"""The accuracy assumed for a worker with no gold answers yet."""


@dataclass(frozen=True)
class Vote:
    task_id: int
    worker_id: int
    value: Any
    """A label (hashable) for categorical aggregators, a number for numeric ones."""


@dataclass(frozen=True)
class Estimate:
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


def _by_task(votes: Sequence[Vote]) -> dict[int, list[Vote]]:
    grouped: dict[int, list[Vote]] = defaultdict(list)
    for vote in votes:
        grouped[vote.task_id].append(vote)
    return grouped


def _first_best(scores: dict[Hashable, float]) -> Hashable:
    """The top-scored value; ties go to the value seen first, so results are deterministic."""
    return max(scores, key=lambda value: scores[value])


def majority_vote(votes: Sequence[Vote], accuracy: dict[int, float]) -> dict[int, Estimate]:
    """The most frequent answer; confidence is its share of the votes."""
    result = {}
    for task_id, task_votes in _by_task(votes).items():
        counts = Counter(vote.value for vote in task_votes)
        best = _first_best(dict(counts))
        result[task_id] = Estimate(best, counts[best] / len(task_votes))
    return result


def _log_odds(p: float) -> float:
    p = min(max(p, 0.01), 0.99)
    return math.log(p / (1 - p))


def weighted_vote(votes: Sequence[Vote], accuracy: dict[int, float]) -> dict[int, Estimate]:
    """Votes weighted by each worker's gold accuracy (log-odds); confidence is a softmax share."""
    result = {}
    for task_id, task_votes in _by_task(votes).items():
        scores: dict[Hashable, float] = defaultdict(float)
        for vote in task_votes:
            scores[vote.value] += _log_odds(accuracy.get(vote.worker_id, DEFAULT_ACCURACY))
        best = _first_best(scores)
        top = max(scores.values())
        total = sum(math.exp(s - top) for s in scores.values())
        result[task_id] = Estimate(best, 1 / total)
    return result


def dawid_skene(
    votes: Sequence[Vote], accuracy: dict[int, float], iterations: int = 100, tol: float = 1e-7
) -> dict[int, Estimate]:
    """Dawid and Skene (1979): EM over class priors and one confusion matrix per worker.

    Starts from majority-vote posteriors; confidence is the posterior of the chosen label.
    """
    labels = list(dict.fromkeys(vote.value for vote in votes))
    index = {label: i for i, label in enumerate(labels)}
    k = len(labels)
    tasks = _by_task(votes)
    workers = sorted({vote.worker_id for vote in votes})
    observed = {t: [(v.worker_id, index[v.value]) for v in tv] for t, tv in tasks.items()}
    posterior: dict[int, list[float]] = {}
    for task_id, answers in observed.items():
        counts = [0.0] * k
        for _, label in answers:
            counts[label] += 1
        posterior[task_id] = [c / len(answers) for c in counts]
    for _ in range(iterations):
        # M step: priors and confusion matrices (rows: true label, columns: answer), smoothed.
        prior = [0.01] * k
        confusion = {w: [[0.01] * k for _ in range(k)] for w in workers}
        for task_id, answers in observed.items():
            p = posterior[task_id]
            for true in range(k):
                prior[true] += p[true]
            for worker, label in answers:
                row = confusion[worker]
                for true in range(k):
                    row[true][label] += p[true]
        total = sum(prior)
        log_prior = [math.log(x / total) for x in prior]
        log_confusion = {}
        for worker, rows in confusion.items():
            log_confusion[worker] = [[math.log(x / sum(row)) for x in row] for row in rows]
        # E step: posteriors of each task's true label.
        change = 0.0
        for task_id, answers in observed.items():
            scores = list(log_prior)
            for worker, label in answers:
                matrix = log_confusion[worker]
                for true in range(k):
                    scores[true] += matrix[true][label]
            top = max(scores)
            weights = [math.exp(s - top) for s in scores]
            norm = sum(weights)
            new = [w / norm for w in weights]
            change = max(
                change, max(abs(a - b) for a, b in zip(new, posterior[task_id], strict=True))
            )
            posterior[task_id] = new
        if change < tol:
            break
    result = {}
    for task_id, p in posterior.items():
        best = max(range(k), key=lambda i: p[i])
        result[task_id] = Estimate(labels[best], p[best])
    return result


def _spread_confidence(values: list[float], center: float) -> float:
    """1 when every answer equals the center, falling as answers spread around it."""
    if len(values) < 2:
        return 0.5
    spread = statistics.pstdev(values)
    scale = max(abs(center), max(values) - min(values), 1e-9)
    return 1 / (1 + spread / scale * 4)


def mean(votes: Sequence[Vote], accuracy: dict[int, float]) -> dict[int, Estimate]:
    result = {}
    for task_id, task_votes in _by_task(votes).items():
        values = [float(v.value) for v in task_votes]
        center = statistics.fmean(values)
        result[task_id] = Estimate(center, _spread_confidence(values, center))
    return result


def median(votes: Sequence[Vote], accuracy: dict[int, float]) -> dict[int, Estimate]:
    result = {}
    for task_id, task_votes in _by_task(votes).items():
        values = [float(v.value) for v in task_votes]
        center = statistics.median(values)
        result[task_id] = Estimate(center, _spread_confidence(values, center))
    return result


BUILTIN = [
    Aggregator("majority", CATEGORICAL, "the most frequent answer", majority_vote),
    Aggregator("weighted", CATEGORICAL, "votes weighted by gold accuracy", weighted_vote),
    Aggregator("dawid_skene", CATEGORICAL, "Dawid-Skene EM over worker confusion", dawid_skene),
    Aggregator("mean", NUMERIC, "the mean of numeric answers", mean),
    Aggregator("median", NUMERIC, "the median of numeric answers", median),
]


class AggregatorClash(ValueError):
    """Two plugins registered aggregators under one name."""


def known_aggregators(pm: Any) -> dict[str, Aggregator]:
    """Every aggregator the enabled plugins register (microtask registers the built-in ones)."""
    found: dict[str, Aggregator] = {}
    owner: dict[str, str] = {}
    for impl in pm.hook.register_aggregators.get_hookimpls():
        for aggregator in impl.function() or []:
            if aggregator.name in found:
                raise AggregatorClash(
                    f"plugin {impl.plugin_name}: aggregator {aggregator.name} is already "
                    f"registered by plugin {owner[aggregator.name]}"
                )
            found[aggregator.name] = aggregator
            owner[aggregator.name] = impl.plugin_name
    return found
