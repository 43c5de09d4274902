"""Selection sets written from the schema, so a new field is queried by the matrix without a test edit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
    is_leaf_type,
    is_non_null_type,
)

from crowdgraph.testing import Client, GraphQLResponse

NESTED = 2
"""Levels of nested objects below the object asked for (connections' nodes do not count as a level)."""


def is_connection(type_: GraphQLNamedType) -> bool:
    return isinstance(type_, GraphQLObjectType) and type_.name.endswith("Connection")


def askable(definition: GraphQLField) -> bool:
    """A field the generator can ask for: no argument without a default is required."""
    return not required_arguments(definition)


def required_arguments(definition: GraphQLField) -> set[str]:
    return {
        name
        for name, arg in definition.args.items()
        if is_non_null_type(arg.type) and arg.default_value is None
    }


def selection(
    schema: GraphQLSchema,
    type_: GraphQLNamedType,
    depth: int = NESTED,
    skip: frozenset[tuple[str, ...]] = frozenset(),
    path: tuple[str, ...] = (),
    suffix: str = "",
) -> str:
    """``{ ... }`` for a type: its scalars, and objects ``depth`` levels down; ``skip`` names paths
    (of response keys). Fields inside a fragment of an interface get an alias ending in
    ``suffix``, as two implementations may give one field name different types."""
    if is_connection(type_):
        assert isinstance(type_, GraphQLObjectType)
        nodes = get_named_type(type_.fields["nodes"].type)
        return "{ nodes " + selection(schema, nodes, depth, skip, (*path, "nodes")) + " }"
    parts = ["__typename"]
    if isinstance(type_, GraphQLInterfaceType | GraphQLUnionType):
        if isinstance(type_, GraphQLInterfaceType) and "id" in type_.fields:
            parts.append("id")
        for possible in schema.get_possible_types(type_):
            inner = selection(schema, possible, depth, skip, path, f"__{possible.name}")
            parts.append(f"... on {possible.name} {inner}")
        return "{ " + " ".join(parts) + " }"
    assert isinstance(type_, GraphQLObjectType)
    for name, definition in type_.fields.items():
        key = f"{name}{suffix}" if suffix and name not in ("id", "__typename") else name
        where = (*path, key)
        if where in skip or not askable(definition):
            continue
        asked = f"{key}: {name}" if key != name else name
        inner = get_named_type(definition.type)
        if is_leaf_type(inner):
            parts.append(asked)
        elif depth > 0:
            parts.append(asked + " " + selection(schema, inner, depth - 1, skip, where))
    return "{ " + " ".join(parts) + " }"


@dataclass
class Outcome:
    """What one caller got from one operation: the data, and the paths the server refused."""

    data: Any
    refused: dict[tuple[str, ...], str] = field(default_factory=dict)
    """Field path (list indexes left out) -> error code."""
    texts: list[str] = field(default_factory=list)
    """Every response body received, for the leak scan."""


async def ask(client: Client, document: str, variables: dict[str, Any] | None) -> GraphQLResponse:
    """Send a query (a request that crashed would raise: test_refusals.py pins why none should)."""
    return await client.query(document, variables)


def field_path(path: list[str | int]) -> tuple[str, ...]:
    return tuple(str(p) for p in path if not isinstance(p, int))


async def run_trimming(
    client: Client,
    build: Any,
    variables: dict[str, Any] | None = None,
    rounds: int = 20,
) -> Outcome:
    """Run ``build(skip)`` and, while fields are refused, again without them (a refused non-null
    field nulls its parents, which would hide what the rest of the object shows)."""
    outcome = Outcome(data=None)
    for _ in range(rounds):
        document = build(frozenset(outcome.refused))
        result = await ask(client, document, variables)
        outcome.texts.append(json.dumps(result.body))
        if not result.errors:
            outcome.data = result.body["data"]
            return outcome
        for error in result.errors:
            where = field_path(error.get("path") or [])
            code = (error.get("extensions") or {}).get("code", "")
            assert where, f"an error without a path: {error}"
            assert code, f"an error without a code: {error}"
            outcome.refused[where] = code
        outcome.data = result.body.get("data")
        if any(len(where) == 1 for where in outcome.refused):
            return outcome  # the root field itself was refused: nothing left to trim
    raise AssertionError(f"still refused after {rounds} rounds: {outcome.refused}")


def objects(value: Any) -> Iterator[dict[str, Any]]:
    """Every object in a response with a ``__typename``, nested ones included."""
    if isinstance(value, dict):
        if "__typename" in value:
            yield value
        for inner in value.values():
            yield from objects(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from objects(inner)
