"""The leak scan: what a caller received may hold neither a private string nor an object of A
that the rules keep from them, wherever it sits (lists, nested fields, error messages)."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLSchema

from crowdgraph.platform import Platform
from crowdgraph.schema.build import build_schema
from tests.authz.conftest import World
from tests.authz.rules import SECRETS, TYPES, Caller
from tests.authz.selections import objects

REFUSED_CODES = frozenset({"UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND"})


def graphql_schema(platform: Platform) -> GraphQLSchema:
    """The schema a platform's app serves, as graphql-core sees it."""
    return build_schema(platform).schema._schema


def leaks(world: World, caller: Caller, texts: list[str], data: Any) -> list[str]:
    """What ``caller`` should not have seen in these answers, described; empty when nothing."""
    found = []
    for name, allowed in SECRETS.items():
        if caller not in allowed and any(world.secrets[name] in text for text in texts):
            found.append(f"{caller} read the {name} text")
    owners = {global_id: type_name for type_name, global_id in world.ids.items()}
    for seen in objects(data):
        type_name = owners.get(seen.get("id", ""))
        if type_name is not None and caller not in TYPES[type_name].see:
            found.append(f"{caller} saw A's {type_name}")
    return sorted(set(found))
