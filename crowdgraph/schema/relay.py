"""Relay conventions: global IDs, the Node interface, and cursor connections over keyset pages."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Annotated, Any, Generic, TypeVar

import strawberry

from crowdgraph.core.errors import InvalidInput
from crowdgraph.core.pages import Page, PageRequest

T = TypeVar("T")
R = TypeVar("R")
CURSOR_PREFIX = "cursor:"


def to_global_id(type_name: str, pk: int | str) -> strawberry.ID:
    return strawberry.ID(base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode())


INT_KEY_MAX = 2**31 - 1
"""The largest key of an integer primary key (PostgreSQL's integer, 32 bits)."""
BIG_KEY_MAX = 2**63 - 1
WIDE_KEYS: set[str] = {"LedgerEntry"}
"""Node types whose primary key is a 64-bit BigIntField (plugins add theirs with ``wide_keys``)."""


def wide_keys(*type_names: str) -> None:
    """Declare node types whose primary key is 64-bit, so their IDs may carry keys past 2**31."""
    WIDE_KEYS.update(type_names)


def key_of(type_name: str, key: str) -> int:
    """The key of a global ID of ``type_name`` if a primary key of that type can hold it, else
    ValueError: an out-of-range key must never reach the database (it cannot exist there)."""
    value = int(key)
    if not 1 <= value <= (BIG_KEY_MAX if type_name in WIDE_KEYS else INT_KEY_MAX):
        raise ValueError(f"{key} is out of range for a {type_name}")
    return value


def from_global_id(global_id: str) -> tuple[str, str]:
    """Split a global ID into (type name, key); a malformed ID raises ValueError."""
    try:
        decoded = base64.urlsafe_b64decode(global_id.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"{global_id!r} is not a global ID") from exc
    type_name, sep, key = decoded.partition(":")
    if not sep or not type_name or not key:
        raise ValueError(f"{global_id!r} is not a global ID")
    return type_name, key


def decode_id(global_id: str, *type_names: str, field: str = "id") -> int:
    """The primary key inside a global ID of one of ``type_names``, or a clear input error."""
    try:
        type_name, key = from_global_id(global_id)
        if type_name not in type_names:
            raise ValueError
        return key_of(type_name, key)
    except ValueError as exc:
        expected = " or ".join(type_names)
        raise InvalidInput.one(
            field, "INVALID_ID", f"{field} must be the ID of a {expected} (got {global_id!r})"
        ) from exc


@strawberry.interface(description="An object with a global ID, fetchable with node(id:).")
class Node:
    id: strawberry.ID = strawberry.field(
        description="The object's global ID: opaque, stable, and unique across all types."
    )


First = Annotated[
    int | None,
    strawberry.argument(
        description="How many items from the start of the list (after `after`): at most the "
        "server's maximum page size; the default page size when neither first nor last is given."
    ),
]
After = Annotated[
    str | None,
    strawberry.argument(
        description="Start after this cursor (an edge's cursor, or pageInfo.endCursor)."
    ),
]
Last = Annotated[
    int | None,
    strawberry.argument(
        description="How many items from the end of the list (before `before`), still in the "
        "list's order: at most the server's maximum page size; not together with first."
    ),
]
Before = Annotated[
    str | None,
    strawberry.argument(
        description="End before this cursor (an edge's cursor, or pageInfo.startCursor)."
    ),
]


@strawberry.type(description="Where a page sits in its list, and the cursors to move on from it.")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="Whether items follow this page (up to `before`, when given)."
    )
    has_previous_page: bool = strawberry.field(
        description="Whether items come before this page (down to `after`, when given)."
    )
    start_cursor: str | None = strawberry.field(
        description="The cursor of the page's first item, to pass as before; null when empty."
    )
    end_cursor: str | None = strawberry.field(
        description="The cursor of the page's last item, to pass as after; null when empty."
    )


@strawberry.type(description="One item of a page with its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(
        description="An opaque position in the list, for after or before."
    )
    node: T = strawberry.field(description="The item at this position of the list.")


@strawberry.type(description="A page of a list: first/after read it forward, last/before backward.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The page's items with their cursors.")
    nodes: list[T] = strawberry.field(description="The page's items, when cursors are not needed.")
    page_info: PageInfo = strawberry.field(description="Whether more items follow, and where.")
    page: strawberry.Private[Page[Any]]

    @strawberry.field(
        description="How many items the whole list holds, every page together (counted only "
        "when asked for)."
    )
    async def total_count(self) -> int:
        return await self.page.count()


def encode_cursor(key: int) -> str:
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{key}".encode()).decode()


def decode_cursor(cursor: str, argument: str) -> int:
    """The key inside a cursor given as ``argument`` (after or before), or a clear input error."""
    try:
        decoded = base64.urlsafe_b64decode(cursor.encode()).decode()
        if not decoded.startswith(CURSOR_PREFIX):
            raise ValueError
        position = int(decoded.removeprefix(CURSOR_PREFIX))
        if not 0 <= position <= BIG_KEY_MAX:
            raise ValueError
        return position
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput.one(
            argument,
            "INVALID_CURSOR",
            f"{argument} must be a cursor from this list (got {cursor!r})",
        ) from exc


def page_request(
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    default: int,
    maximum: int,
) -> PageRequest:
    """The page the arguments ask for: the first items after a cursor, or the last before one."""
    if first is not None and last is not None:
        raise InvalidInput.one(
            "last",
            "NOT_ALLOWED",
            "last cannot be given with first: ask for the first items (first, after) "
            "or the last ones (last, before)",
        )
    request = PageRequest(
        size=last if last is not None else default if first is None else first,
        after=decode_cursor(after, "after") if after else None,
        before=decode_cursor(before, "before") if before else None,
        backward=last is not None,
    )
    request.check(maximum)
    return request


def connection(
    page: Page[R],
    to_node: Callable[[R], T],
    key: Callable[[R], int] = lambda row: row.id,  # type: ignore[attr-defined]
) -> Connection[T]:
    """A Connection from a keyset page; ``to_node`` maps each row, ``key`` gives its cursor key."""
    edges = [Edge(cursor=encode_cursor(key(row)), node=to_node(row)) for row in page.items]
    return Connection(
        edges=edges,
        nodes=[edge.node for edge in edges],
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        page=page,
    )
