"""Keyset pages over a query: ``first`` rows after a cursor, one statement, no OFFSET."""

from __future__ import annotations

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


@dataclass(frozen=True)
class PageRequest:
    first: int
    after: int | None = None
    """The id of the last row of the previous page (rows come in ascending id order)."""

    def check(self, max_size: int) -> None:
        if self.first < 0 or self.first > max_size:
            raise InvalidInput.one(
                "first",
                "OUT_OF_RANGE",
                f"first must be between 0 and {max_size} (got {self.first})",
            )


def key_max(query: QuerySet[Any], key: str) -> int:
    """The largest value the ``key`` column holds: 64 bits for a BigIntField, else 32."""
    field = query.model._meta.fields_map.get(key)
    return 2**63 - 1 if isinstance(field, BigIntField) else 2**31 - 1


async def fetch_ranked_page(query: QuerySet[Any], request: PageRequest, rank: str) -> Page[Any]:
    """Rows by ``rank`` descending, then id ascending, after ``request.after`` (still a row id).

    The cursor stays the id of the last row seen; its rank is read back, one statement more for a
    later page. A row whose rank changed between pages is found where its rank now puts it.
    """
    if request.after is not None and request.after > key_max(query, "id"):
        return Page(items=[], has_next=False, has_previous=True)
    if request.after is not None:
        last = await query.model.filter(id=request.after).values_list(rank, flat=True)
        if last:
            query = query.filter(
                Q(**{f"{rank}__lt": last[0]}) | Q(**{rank: last[0], "id__gt": request.after})
            )
        else:  # the last row seen is gone: start again from the top rather than fail
            query = query.filter(id__gt=request.after)
    rows = await query.order_by(f"-{rank}", "id").limit(request.first + 1)
    return Page(
        items=rows[: request.first],
        has_next=len(rows) > request.first,
        has_previous=request.after is not None,
    )


async def fetch_page(query: QuerySet[Any], request: PageRequest, key: str = "id") -> Page[Any]:
    """Rows ordered by ``key`` ascending, after ``request.after``; fetches one extra row to know more exist."""
    if request.after is not None and request.after > key_max(query, key):
        return Page(items=[], has_next=False, has_previous=True)  # no row can come after it
    if request.after is not None:
        query = query.filter(**{f"{key}__gt": request.after})
    rows = await query.order_by(key).limit(request.first + 1)
    return Page(
        items=rows[: request.first],
        has_next=len(rows) > request.first,
        has_previous=request.after is not None,
    )
