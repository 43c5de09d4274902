"""Votes as integer codes, and the group sums that the built-in aggregators count with.

Task ids, worker ids and answers become indices 0..n-1 in the order they first occur, so
per-task and per-worker figures are numpy arrays indexed by those codes.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from crowdgraph.plugins.microtask.aggregation import Vote

Ints = npt.NDArray[np.intp]
Floats = npt.NDArray[np.float64]


def factorize(keys: Ints) -> tuple[Ints, Ints]:
    """The distinct keys in order of first occurrence, and each key's index among them.

    Sorts once (numpy's default sort, much faster than a stable one) and recovers the first
    occurrence of each distinct key from the sorted positions.
    """
    order = np.argsort(keys)
    ordered = keys[order]
    starts = np.ones(len(keys), bool)  # where each distinct key's run begins in ordered
    starts[1:] = ordered[1:] != ordered[:-1]
    # The sort is not stable: a key's first occurrence is the smallest position in its run.
    first = np.minimum.reduceat(order, np.flatnonzero(starts))
    by_first = np.argsort(first)
    index = np.empty_like(by_first)  # rank among sorted keys -> rank by first occurrence
    index[by_first] = np.arange(len(by_first))
    codes = np.empty(len(keys), np.intp)
    codes[order] = index[np.cumsum(starts) - 1]
    return ordered[starts][by_first], codes


def task_codes(votes: Sequence[Vote]) -> tuple[Ints, Ints]:
    """Distinct task ids in order of first vote, and each vote's index among them."""
    return factorize(np.fromiter([vote.task_id for vote in votes], np.intp, len(votes)))


def worker_codes(votes: Sequence[Vote]) -> tuple[Ints, Ints]:
    """Distinct worker ids in order of first vote, and each vote's index among them."""
    return factorize(np.fromiter([vote.worker_id for vote in votes], np.intp, len(votes)))


def label_codes(votes: Sequence[Vote]) -> tuple[list[Hashable], Ints]:
    """Distinct answers in order of first vote, and each vote's index among them.

    A dictionary rather than numpy: answers are any hashable value (labels, label sets, texts).
    """
    index: dict[Hashable, int] = {}
    codes = [index.setdefault(vote.value, len(index)) for vote in votes]
    return list(index), np.array(codes, np.intp)


def sum_by(groups: Ints, rows: Floats, size: int) -> Floats:
    """Rows summed per group: ``result[g]`` is the sum of ``rows[i]`` over every ``groups[i] == g``."""
    return np.stack([np.bincount(groups, column, size) for column in rows.T], axis=1)
