"""SQL statements per read of every Connection-returning field in the schema, at 10 and 100 rows.

The fields come from the built schema (Query and every object type), so a new list is measured
without touching this file. Each is read with ``first: 100``, selecting the node's leaf fields and
its objects' leaf fields, as every caller in turn; the caller that sees the most rows wins. A list
the world cannot fill, or whose arguments it cannot supply, is reported with the reason.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
from graphql import (
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
    is_leaf_type,
)
from graphql.pyutils import Undefined

from bench.world import World, world
from crowdgraph.app import create_app
from crowdgraph.testing import StatementCounter

SIZES = (10, 100)
CALLERS = ("owner", "worker", "admin", "judge", "payee")


@contextlib.contextmanager
def counting() -> Iterator[StatementCounter]:
    """SQL statements sent through Tortoise while the block runs."""
    logger = logging.getLogger("tortoise.db_client")
    counter = StatementCounter()
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(counter)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(previous)


@dataclass(frozen=True)
class ListField:
    owner: str
    """``Query`` or the object type that has the field."""
    name: str
    field: GraphQLField

    @property
    def label(self) -> str:
        return f"{self.owner}.{self.name}"


def connection_fields(schema: GraphQLSchema) -> list[ListField]:
    found = []
    for type_name, graphql_type in sorted(schema.type_map.items()):
        if not isinstance(graphql_type, GraphQLObjectType) or type_name.startswith("__"):
            continue
        if type_name in ("Mutation", "Subscription"):
            continue
        for name, field in graphql_type.fields.items():
            if get_named_type(field.type).name.endswith("Connection"):
                found.append(ListField(type_name, name, field))
    return found


def _required(field: GraphQLField) -> list[str]:
    return [
        name
        for name, arg in field.args.items()
        if isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined
    ]


def _leaves(graphql_type: GraphQLNamedType) -> list[str]:
    if not isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType):
        return []
    return [
        name
        for name, field in graphql_type.fields.items()
        if is_leaf_type(get_named_type(field.type)) and not _required(field)
    ]


def selection(node_type: GraphQLNamedType, skip: set[str]) -> str:
    """The node's leaf fields and, one level down, its objects' leaf fields (no nested lists)."""
    assert isinstance(node_type, GraphQLObjectType | GraphQLInterfaceType)
    parts = []
    for name, field in node_type.fields.items():
        if name in skip or _required(field):
            continue
        target = get_named_type(field.type)
        if is_leaf_type(target):
            parts.append(name)
        elif target.name.endswith("Connection"):
            continue
        else:
            inner = _leaves(target) or ["__typename"]
            parts.append(f"{name} {{ {' '.join(inner)} }}")
    return " ".join(parts)


def query_for(target: ListField, ids: dict[str, str], skip: set[str]) -> tuple[str, dict[str, Any]]:
    connection = get_named_type(target.field.type)
    assert isinstance(connection, GraphQLObjectType)
    node_type = get_named_type(connection.fields["nodes"].type)
    args = ["first: 100"]
    variables: dict[str, Any] = {}
    for name in _required(target.field):
        if name not in ids:
            raise LookupError(f"needs argument {name}, which the bench world does not seed")
        args.append(f"{name}: ${name}")
        variables[name] = ids[name]
    body = f"{target.name}({', '.join(args)}) {{ nodes {{ {selection(node_type, skip)} }} }}"
    declared = [f"${name}: {target.field.args[name].type}" for name in variables]
    if target.owner == "Query":
        head = f"query({', '.join(declared)})" if declared else "query"
        return f"{head} {{ {body} }}", variables
    if target.owner == "Account":  # an account is no node: each caller reads their own
        return f"query {{ me {{ {body} }} }}", variables
    if target.owner not in ids:
        raise LookupError(f"no {target.owner} node in the bench world to read it from")
    declared.append("$node: ID!")
    variables["node"] = ids[target.owner]
    query = f"query({', '.join(declared)}) {{ node(id: $node) {{ ... on {target.owner} {{ {body} }} }} }}"
    return query, variables


def _rows(body: dict[str, Any], target: ListField) -> list[Any] | None:
    data = body.get("data") or {}
    if target.owner != "Query":
        data = data.get("me" if target.owner == "Account" else "node") or {}
    found = data.get(target.name)
    return None if found is None else found["nodes"]


@dataclass(frozen=True)
class Reading:
    rows: int
    statements: int
    caller: str
    left_out: frozenset[str]
    """Node fields this caller may not read, so the query left them out."""


async def measure_field(http: httpx.AsyncClient, w: World, target: ListField) -> Reading | str:
    """The reading of the caller that sees most rows, or why the list cannot be read."""
    best: Reading | None = None
    reason = "the bench world seeds no rows that any of its callers can see"
    for caller in CALLERS:
        skip: set[str] = set()
        for _ in range(10):  # drop the node fields this caller may not read, one by one
            try:
                query, variables = query_for(target, w.ids, skip)
            except LookupError as exc:
                return str(exc)
            headers = {"authorization": f"Bearer {w.tokens[caller]}"}
            with counting() as counter:
                response = await http.post(
                    "/graphql", json={"query": query, "variables": variables}, headers=headers
                )
            body = response.json()
            errors = body.get("errors") or []
            paths = [e.get("path") or [] for e in errors]
            nested = [p for p in paths if "nodes" in p and len(p) > p.index("nodes") + 2]
            if errors and nested and len(nested) == len(errors):
                skip.update(p[p.index("nodes") + 2] for p in nested)
                continue
            if errors:
                reason = f"refused: {errors[0]['message']}"
                break
            rows = _rows(body, target) or []
            if rows and (best is None or len(rows) > best.rows):
                best = Reading(len(rows), len(counter.statements), caller, frozenset(skip))
            break
    return best if best is not None else reason


async def run(quick: bool) -> dict[str, Any]:
    by_field: dict[str, dict[str, Any]] = {}
    for n in SIZES:
        async with world(n) as w:
            app = create_app(platform=w.platform)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
                for target in connection_fields(app.state.schema._schema):
                    entry = by_field.setdefault(target.label, {"list": target.label})
                    result = await measure_field(http, w, target)
                    if isinstance(result, str):
                        entry.setdefault("not_measured", result)
                        continue
                    entry[f"rows_{n}"] = result.rows
                    entry[f"statements_{n}"] = result.statements
                    entry["caller"] = result.caller
                    entry["left_out"] = sorted(result.left_out)
    measured, skipped = [], []
    for entry in by_field.values():
        if all(f"statements_{n}" in entry for n in SIZES):
            entry.pop("not_measured", None)
            entry["constant"] = entry["statements_10"] == entry["statements_100"]
            measured.append(entry)
        else:
            entry.setdefault("not_measured", "fewer rows than needed at one of the sizes")
            skipped.append({"list": entry["list"], "reason": entry["not_measured"]})
    return {"sizes": list(SIZES), "lists": measured, "not_measured": skipped}
