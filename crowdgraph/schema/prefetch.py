"""Prefetching by selection set: a list loads what its rows' selected fields need, one statement
per relation and level, before any of those fields resolves.

A field that reads through a per-request loader returns its value at once when the value is
loaded already (``Loader.now`` and ``then``): no coroutine, no future, no task per row. A type
says how one of its fields loads for many objects at once with ``@prefetcher(Type, "field")``; a
list resolver calls ``await prefetch(info, result)``, which walks the query's selection under the
list (fragments included) and runs the prefetchers of the fields selected, level by level.
"""

from __future__ import annotations

import asyncio
import inspect
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

from graphql import FieldNode, FragmentSpreadNode, GraphQLResolveInfo, InlineFragmentNode
from graphql.language import SelectionSetNode
from tortoise.models import Model

from crowdgraph.core.pages import Page
from crowdgraph.schema.relay import Connection, connection

if TYPE_CHECKING:
    from crowdgraph.schema.context import Context

V = TypeVar("V")
R = TypeVar("R")
T = TypeVar("T")
N = TypeVar("N")

Prefetcher = Callable[["Context", list[Any]], Awaitable[Sequence[Any]]]
"""Loads a field for many objects of one type into the request's loaders; returns the field's
values (flattened) for the next level of the selection."""

_PREFETCHERS: dict[tuple[type, str], Prefetcher] = {}


def prefetcher(owner: type, field: str) -> Callable[[Prefetcher], Prefetcher]:
    """Register how ``field`` (its GraphQL name) of ``owner`` objects loads for many at once."""

    def register(function: Prefetcher) -> Prefetcher:
        _PREFETCHERS[(owner, field)] = function
        return function

    return register


def prefetches_by_id(
    owner: type, field: str, model: type[Model], key: Callable[[Any], int | None]
) -> None:
    """Register the common case: ``field`` of ``owner`` reads the ``model`` row whose id each
    object holds (``key``; None for none), through the request's ``by_id`` loader."""

    async def load(context: Context, objects: list[Any]) -> list[Any]:
        keys = (key(item) for item in objects)
        await context.by_id(model).prefetch(k for k in keys if k is not None)
        return []

    prefetcher(owner, field)(load)


def then(value: V | Awaitable[V], use: Callable[[V], R]) -> Any:
    """``use(value)`` at once when the value is there, else an awaitable of it.

    Typed ``Any`` on purpose: strawberry reads a field's GraphQL type from its resolver's return
    annotation, and graphql-core awaits whatever awaitable a plain resolver returns. Only futures
    and coroutines count as "later": a Tortoise row is awaitable too (``await row`` saves it).
    """
    if asyncio.isfuture(value) or inspect.iscoroutine(value):

        async def later() -> R:
            return use(await value)

        return later()
    return use(cast(V, value))


Selections = dict[str, list[SelectionSetNode]]


def _fields(
    selection_sets: Iterable[SelectionSetNode | None], info: GraphQLResolveInfo
) -> Selections:
    """The fields selected in these selection sets, fragments unfolded: name -> their sub-selections."""
    found: Selections = defaultdict(list)
    pending = [s for s in selection_sets if s is not None]
    while pending:
        for node in pending.pop().selections:
            if isinstance(node, FieldNode):
                subs = found[node.name.value]
                if node.selection_set is not None:
                    subs.append(node.selection_set)
            elif isinstance(node, InlineFragmentNode):
                pending.append(node.selection_set)
            elif isinstance(node, FragmentSpreadNode):
                fragment = info.fragments.get(node.name.value)
                if fragment is not None:
                    pending.append(fragment.selection_set)
    return found


def _items(selections: Selections, info: GraphQLResolveInfo) -> list[SelectionSetNode]:
    """The selection of a connection's nodes: ``nodes { ... }`` and ``edges { node { ... } }``."""
    items = list(selections.get("nodes", []))
    edges = _fields(selections.get("edges", []), info)
    return items + edges.get("node", [])


async def prefetch(info: Any, result: Any) -> None:
    """Load what the selection under ``result`` (a Connection or a list of objects) needs."""
    raw: GraphQLResolveInfo = info._raw_info
    own = [node.selection_set for node in raw.field_nodes if node.selection_set is not None]
    objects = getattr(result, "nodes", None)
    if objects is None:
        await _prefetch(info.context, list(result), own, raw)
    else:
        await _prefetch(info.context, objects, _items(_fields(own, raw), raw), raw)


async def _prefetch(
    context: Context,
    objects: Sequence[Any],
    selection: list[SelectionSetNode],
    info: GraphQLResolveInfo,
) -> None:
    if not objects or not selection:
        return
    by_type: dict[type, list[Any]] = defaultdict(list)
    for item in objects:
        by_type[type(item)].append(item)
    fields = _fields(selection, info)
    for owner, group in by_type.items():
        for name, subs in fields.items():
            load = _PREFETCHERS.get((owner, name))
            if load is None:
                continue
            children = await load(context, group)
            await _prefetch(context, children, subs, info)


async def connection_of(
    info: Any,
    page: Page[T],
    to_node: Callable[[T], N],
    key: Callable[[T], int] = lambda row: row.id,  # type: ignore[attr-defined]
) -> Connection[N]:
    """A Connection from a keyset page, with what its nodes' selected fields need loaded."""
    result = connection(page, to_node, key)
    await prefetch(info, result)
    return result
