"""node(id:) on A's object of every Node type, for every caller: shown exactly to those the rules
allow, with each field refused (or empty) for those it is more private than its object to."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from graphql import GraphQLObjectType, GraphQLSchema, get_named_type

from tests.authz.rules import CALLERS, TYPES, Caller, Callers, Rule
from tests.authz.scan import REFUSED_CODES, graphql_schema, leaks
from tests.authz.selections import run_trimming, selection
from tests.authz.test_queries import empty

UNSEEDED = {
    "FlowStage": "needs a project flow; its record is a stage type that is covered",
}
"""Node types the world has no object of, and why; every other Node type must be in world.ids."""

NODE = "query($id: ID!) { node(id: $id) { id __typename } }"


async def test_node_shows_each_object_exactly_to_the_callers_who_may_see_it(world, client_for):
    schema = graphql_schema(world.platform)
    problems: list[str] = []
    for name, type_ in schema.type_map.items():
        if not isinstance(type_, GraphQLObjectType) or "Node" not in {
            i.name for i in type_.interfaces
        }:
            continue
        if name not in world.ids:
            if name not in UNSEEDED:
                problems.append(
                    f"{name}: the world has no object of it (add one or list it in UNSEEDED)"
                )
            continue
        rule = TYPES[name]
        for caller in CALLERS:
            result = await client_for(caller).query(NODE, {"id": world.gid(name)})
            node = (result.body.get("data") or {}).get("node")
            expected = rule.node and caller in rule.see
            if expected and node is None:
                problems.append(f"node({name}): {caller} got null {result.codes}")
            if not expected and node is not None:
                problems.append(f"node({name}): {caller} saw it")
            if node is None and not set(result.codes) <= REFUSED_CODES:
                problems.append(f"node({name}): {caller} got {result.codes}")
            problems += [
                f"node({name}): {leak}"
                for leak in leaks(world, caller, [str(result.body)], result.body)
            ]
    assert not problems, "\n".join(problems)


async def test_each_field_of_a_visible_object_is_shown_to_exactly_the_callers_its_rule_allows(
    world, client_for
):
    schema = graphql_schema(world.platform)
    problems: list[str] = []
    for name, global_id in world.ids.items():
        rule = TYPES[name]
        type_ = schema.get_type(name)
        assert isinstance(type_, GraphQLObjectType)
        if not rule.node:
            continue
        build = partial(node_document, schema, type_)

        for caller in sorted(rule.see):
            outcome = await run_trimming(client_for(caller), build, {"id": global_id})
            problems += [
                f"node({name}): {leak}"
                for leak in leaks(world, caller, outcome.texts, outcome.data)
            ]
            shown = (outcome.data or {}).get("node") or {}
            problems += field_problems(type_, rule.field, shown, outcome.refused, ("node",), caller)
            for field, definition in type_.fields.items():
                inner = get_named_type(definition.type)
                inner_rule = TYPES.get(inner.name)
                if inner_rule is None or inner_rule.node or inner_rule.fields == "inherit":
                    continue
                assert isinstance(inner, GraphQLObjectType)
                problems += field_problems(
                    inner,
                    nested_readers(rule.field(field), inner_rule),
                    shown.get(field) or {},
                    outcome.refused,
                    ("node", field),
                    caller,
                )
    assert not problems, "\n".join(problems)


def node_document(
    schema: GraphQLSchema, type_: GraphQLObjectType, skip: frozenset[tuple[str, ...]]
) -> str:
    """node(id:) asking for every field of one type, two levels of objects down."""
    inner = selection(schema, type_, skip=skip, path=("node",))
    return f"query($id: ID!) {{ node(id: $id) {{ ... on {type_.name} {inner} }} }}"


def nested_readers(outer: Callers, rule: Rule) -> Callable[[str], Callers]:
    """Who may read a field of a value held by a field that ``outer`` may read."""
    return lambda field: outer & rule.field(field)


def field_problems(
    type_: GraphQLObjectType,
    readers: Callable[[str], Callers],
    shown: dict[str, Any],
    refused: dict[tuple[str, ...], str],
    path: tuple[str, ...],
    caller: Caller,
) -> list[str]:
    """Each field of one object as shown to a caller, against who may read it."""
    problems = []
    for field in type_.fields:
        code = refused.get((*path, field))
        if shown and field not in shown and code is None:
            problems.append(f"{type_.name}.{field}: never asked (the generated selection skips it)")
        elif caller in readers(field):
            if code:
                problems.append(f"{type_.name}.{field}: {caller} was refused ({code})")
        elif not (code in REFUSED_CODES or (code is None and empty(shown.get(field)))):
            problems.append(f"{type_.name}.{field}: {caller} read it")
    return problems
