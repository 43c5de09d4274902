"""Keyset pages over a query: rows after or before a cursor, one statement, no OFFSET.

A page reads forward (the first rows after a cursor) or backward (the last rows before one); either
way its rows come in the list's order. The whole list's length is counted only when asked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from tortoise.expressions import Q
from tortoise.fields import BigIntField
from tortoise.queryset import QuerySet

from crowdgraph.core.errors import InvalidInput

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list[T]
    has_next: bool
    has_previous: bool
    total: int | QuerySet[Any] | Callable[[], Awaitable[int]]
    """The whole list (every page): its length, the filtered query that counts it, or how to
    count it when a rule applies outside the query; counted only when asked."""

    async def count(self) -> int:
        """How many rows the whole list holds, every page together."""
        if isinstance(self.total, int):
            return self.total
        if isinstance(self.total, QuerySet):
            return await self.total.count()
        return await self.total()


@dataclass(frozen=True)
class PageRequest:
    size: int
    """How many rows: the ``first`` ones, or the ``last`` ones when ``backward``."""
    after: int | None = None
    """The cursor key of the row the page starts after (rows come in ascending key order)."""
    before: int | None = None
    """The cursor key of the row the page ends before."""
    backward: bool = False
    """The last ``size`` rows (before ``before``) rather than the first (after ``after``)."""

    def check(self, max_size: int) -> None:
        argument = "last" if self.backward else "first"
        if not 0 <= self.size <= max_size:
            raise InvalidInput.one(
                argument,
                "OUT_OF_RANGE",
                f"{argument} must be between 0 and {max_size} (got {self.size})",
            )


def key_max(query: QuerySet[Any], key: str) -> int:
    """The largest value the ``key`` column holds: 64 bits for a BigIntField, else 32."""
    field = query.model._meta.fields_map.get(key)
    return 2**63 - 1 if isinstance(field, BigIntField) else 2**31 - 1


def _cut(rows: list[Any], request: PageRequest, total: QuerySet[Any] | int) -> Page[Any]:
    """The page from ``size + 1`` rows read in the page's direction (the extra one says more exist)."""
    more = len(rows) > request.size
    rows = rows[: request.size]
    if request.backward:
        return Page(rows[::-1], request.before is not None, more, total)
    return Page(rows, more, request.after is not None, total)


def _past_the_end(total: QuerySet[Any]) -> Page[Any]:
    """The page after a key no row can hold (the database must never see such a key)."""
    return Page([], False, True, total)


async def fetch_ranked_page(query: QuerySet[Any], request: PageRequest, rank: str) -> Page[Any]:
    """Rows by ``rank`` descending, then id ascending, between the cursors (still row ids).

    A cursor stays the id of a row seen; its rank is read back, one statement more per cursor. A
    row whose rank changed between pages is found where its rank now puts it.
    """
    whole = query
    if request.after is not None:
        if request.after > key_max(query, "id"):
            return _past_the_end(whole)
        query = await _ranked_bound(query, rank, request.after, after=True)
    if request.before is not None and request.before <= key_max(query, "id"):
        query = await _ranked_bound(query, rank, request.before, after=False)
    order = (rank, "-id") if request.backward else (f"-{rank}", "id")
    rows = await query.order_by(*order).limit(request.size + 1)
    return _cut(rows, request, whole)


async def _ranked_bound(query: QuerySet[Any], rank: str, cursor: int, after: bool) -> QuerySet[Any]:
    """Rows ranked after (or before) the row ``cursor``."""
    beyond, tie = ("lt", "gt") if after else ("gt", "lt")
    found = await query.model.filter(id=cursor).values_list(rank, flat=True)
    if not found:  # the row seen is gone: bound by its id alone rather than fail
        return query.filter(**{f"id__{tie}": cursor})
    return query.filter(
        Q(**{f"{rank}__{beyond}": found[0]}) | Q(**{rank: found[0], f"id__{tie}": cursor})
    )


async def fetch_page(query: QuerySet[Any], request: PageRequest, key: str = "id") -> Page[Any]:
    """Rows ordered by ``key`` ascending, between the cursors; one extra row says more exist."""
    whole, limit = query, key_max(query, key)
    if request.after is not None:
        if request.after > limit:
            return _past_the_end(whole)
        query = query.filter(**{f"{key}__gt": request.after})
    if request.before is not None and request.before <= limit:  # above it, every row is before
        query = query.filter(**{f"{key}__lt": request.before})
    order = f"-{key}" if request.backward else key
    return _cut(await query.order_by(order).limit(request.size + 1), request, whole)


def window(items: list[T], request: PageRequest) -> Page[T]:
    """A page over a list held in memory (ranked there); an item's cursor is its 1-based position."""
    low = request.after or 0
    high = len(items) if request.before is None else max(low, min(len(items), request.before - 1))
    if request.backward:
        start = max(low, high - request.size)
        chosen = items[start:high]
        return Page(chosen, request.before is not None, start > low, len(items))
    end = min(high, low + request.size)
    return Page(items[low:end], end < high, low > 0, len(items))
