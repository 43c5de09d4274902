"""Every root field and every object type of the schema has a rule, and no rule outlives its field."""

from __future__ import annotations

from graphql import GraphQLObjectType

from crowdgraph.platform import Platform
from tests.authz.rules import (
    MUTATIONS,
    QUERIES,
    SUBSCRIPTIONS,
    TYPES,
    WRAPPER_SUFFIXES,
    WRAPPERS,
)
from tests.authz.scan import graphql_schema

ROOTS = {"Query": QUERIES, "Mutation": MUTATIONS, "Subscription": SUBSCRIPTIONS}


def ruled_types(platform: Platform) -> dict[str, GraphQLObjectType]:
    schema = graphql_schema(platform)
    return {
        name: type_
        for name, type_ in schema.type_map.items()
        if isinstance(type_, GraphQLObjectType)
        and not name.startswith("__")
        and name not in ROOTS
        and name not in WRAPPERS
        and not name.endswith(WRAPPER_SUFFIXES)
    }


async def test_every_root_field_has_a_rule_and_every_rule_a_field(platform):
    schema = graphql_schema(platform)
    problems = []
    for root, rules in ROOTS.items():
        type_ = schema.get_type(root)
        fields = set(type_.fields) if isinstance(type_, GraphQLObjectType) else set()
        problems += [
            f"{root}.{name} has no rule in rules.py" for name in sorted(fields - set(rules))
        ]
        problems += [
            f"rules.py rules {root}.{name}, which the schema lacks"
            for name in sorted(set(rules) - fields)
        ]
    assert not problems, "\n".join(problems)


async def test_every_object_type_and_every_private_field_has_a_rule(platform):
    problems = []
    types = ruled_types(platform)
    for name, type_ in sorted(types.items()):
        rule = TYPES.get(name)
        if rule is None:
            problems.append(f"type {name} has no rule in rules.TYPES")
            continue
        if rule.fields != "inherit":
            problems += [
                f"{name}.{field} has no rule (its type has private fields)"
                for field in type_.fields
                if field not in rule.fields
            ]
            problems += [
                f"rules.py rules {name}.{field}, which the schema lacks"
                for field in rule.fields
                if field not in type_.fields
            ]
        is_node = any(i.name == "Node" for i in type_.interfaces)
        if rule.node and not is_node:
            problems.append(f"{name} is ruled fetchable by node(id:) but does not implement Node")
    problems += [
        f"rules.py rules type {name}, which the schema lacks"
        for name in sorted(set(TYPES) - set(types))
    ]
    assert not problems, "\n".join(problems)


async def test_the_coverage_check_names_a_new_unruled_field(platform, monkeypatch):
    """The check itself can fail: a field missing from a type with private fields is reported."""
    organization = TYPES["Organization"]
    assert organization.fields != "inherit"
    trimmed = {k: v for k, v in organization.fields.items() if k != "budget"}
    monkeypatch.setitem(TYPES, "Organization", type(organization)(organization.see, trimmed))
    try:
        await test_every_object_type_and_every_private_field_has_a_rule(platform)
    except AssertionError as failure:
        assert "Organization.budget has no rule" in str(failure)
    else:
        raise AssertionError("the coverage check missed an unruled field")
