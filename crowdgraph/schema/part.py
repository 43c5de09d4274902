"""What a plugin (or the core) contributes to the GraphQL schema."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

NodeResolver = Callable[[Any, int], Awaitable[Any]]
"""(info.context, primary key) -> the GraphQL object, or None when absent or not visible."""
StageResolver = Callable[[Any, Sequence[int]], Awaitable[Mapping[int, list[Any]]]]
"""(info.context, project ids) -> each project's stages in this model (objects implementing
ProjectStage), for all the projects of a list at once; a project with none may be left out."""


class HasProject(Protocol):
    project_id: int


R = TypeVar("R", bound=HasProject)
T = TypeVar("T")


def by_project(rows: Iterable[R], make: Callable[[R], T]) -> dict[int, list[T]]:
    """``make(row)`` for each row, grouped by the row's ``project_id`` in the order given: the
    shape a stage resolver returns."""
    grouped: dict[int, list[T]] = defaultdict(list)
    for row in rows:
        grouped[row.project_id].append(make(row))
    return grouped


@dataclass
class SchemaPart:
    query: type | None = None
    mutation: type | None = None
    subscription: type | None = None
    types: list[type] = field(default_factory=list)
    """Types that are not reachable from the root fields (e.g. implementations of core interfaces)."""
    nodes: dict[str, NodeResolver] = field(default_factory=dict)
    """How ``node(id:)`` resolves each of the part's Node types, by GraphQL type name."""
    details: dict[str, NodeResolver] = field(default_factory=dict)
    """How an engagement's ``detail`` resolves, by the engagement's ``detail_type``."""
    stages: list[StageResolver] = field(default_factory=list)


@dataclass
class Registry:
    """What resolvers look up at run time: how to fetch each Node type, detail and stage."""

    nodes: dict[str, NodeResolver] = field(default_factory=dict)
    details: dict[str, NodeResolver] = field(default_factory=dict)
    stages: list[StageResolver] = field(default_factory=list)
