"""The executor's shortcuts (plain leaf fields, plain-method resolvers) answer exactly as
strawberry's general path does: the same data, the same errors at the same paths."""

from __future__ import annotations

import enum
from typing import Any

import pytest
import strawberry
from strawberry.permission import BasePermission

from crowdgraph.schema.execution import PLAIN_LEAVES, Executor, lean_resolvers, plain_leaves


@strawberry.enum
class Color(enum.Enum):
    RED = "red"


class Never(BasePermission):
    message = "not for you"

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        return False


@strawberry.type
class Item:
    name: str
    color: Color
    missing: str  # set to None below: a null where the schema forbids one

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()

    @strawberry.field
    def greeting(self, info: strawberry.Info) -> str:
        return f"{info.context['greeting']}, {self.name}"

    @strawberry.field
    def later(self) -> str:
        async def value() -> str:
            return f"later {self.name}"

        return value()  # type: ignore[return-value]

    @strawberry.field
    def broken(self) -> str:
        raise ValueError(f"{self.name} is broken")

    @strawberry.field
    def repeat(self, times: int) -> str:
        return self.name * times

    @strawberry.field(permission_classes=[Never])
    def secret(self) -> str:
        return "secret"


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return [Item(name=name, color=Color.RED, missing=None) for name in "ab"]  # type: ignore[arg-type]


QUERIES = [
    "{ items { name color shout greeting later repeat(times: 2) } }",
    "{ items { name broken } }",
    "{ items { secret } }",
    "{ items { missing } }",
]


def schemas() -> tuple[strawberry.Schema, strawberry.Schema]:
    general = strawberry.Schema(query=Query)
    fast = strawberry.Schema(query=Query, execution_context_class=Executor)
    fast._schema.extensions[PLAIN_LEAVES] = plain_leaves(fast._schema)
    lean_resolvers(fast._schema)
    return general, fast


def test_only_plain_methods_are_resolved_directly() -> None:
    _, fast = schemas()
    assert sorted(lean_resolvers(fast._schema)) == [
        "Item.broken",
        "Item.greeting",
        "Item.later",
        "Item.shout",
        "Query.items",
    ]


@pytest.mark.parametrize("query", QUERIES)
async def test_shortcuts_answer_as_strawberry_does(query: str) -> None:
    general, fast = schemas()
    context = {"greeting": "hello"}
    expected = await general.execute(query, context_value=context)
    got = await fast.execute(query, context_value=context)
    assert got.data == expected.data
    assert [(e.message, e.path) for e in got.errors or []] == [
        (e.message, e.path) for e in expected.errors or []
    ]
    assert expected.data is not None or expected.errors  # each query answers something
