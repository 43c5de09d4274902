"""build_schema(): the core part plus every enabled plugin's part, checked for clashes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import strawberry
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from crowdgraph.config import Settings
from crowdgraph.core.errors import DomainError
from crowdgraph.observability import Metrics
from crowdgraph.plugins import PluginError
from crowdgraph.schema.errors import error_extension_factory
from crowdgraph.schema.flow import FlowMutation
from crowdgraph.schema.mutations import CoreMutation
from crowdgraph.schema.part import Registry, SchemaPart
from crowdgraph.schema.queries import CORE_NODES, CoreQuery
from crowdgraph.schema.subscriptions import CoreSubscription
from crowdgraph.schema.types import SCALARS, EngagementDetail, ProjectStage
from crowdgraph.schema.workforce import WorkforceMutation, WorkforceQuery

if TYPE_CHECKING:
    from crowdgraph.platform import Platform

CORE = "core"


@dataclass
class BuiltSchema:
    schema: Schema
    registry: Registry


class Schema(strawberry.Schema):
    """Logs only unexpected errors: a refused or invalid request is the caller's, not the server's."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        unexpected = [
            e
            for e in errors
            if e.original_error is not None and not isinstance(e.original_error, DomainError)
        ]
        super().process_errors(unexpected, execution_context)


def core_part() -> SchemaPart:
    return SchemaPart(
        query=CoreQuery,
        mutation=CoreMutation,
        subscription=CoreSubscription,
        types=[ProjectStage, EngagementDetail],
        nodes=dict(CORE_NODES),
    )


def plugin_parts(platform: Platform) -> list[tuple[str, SchemaPart]]:
    parts = [
        (CORE, core_part()),
        (CORE, SchemaPart(mutation=FlowMutation)),
        (CORE, SchemaPart(query=WorkforceQuery, mutation=WorkforceMutation)),
    ]
    for impl in platform.pm.hook.register_schema.get_hookimpls():
        part = impl.function(platform=platform)
        if part is not None:
            if not isinstance(part, SchemaPart):
                raise PluginError(
                    f"plugin {impl.plugin_name}: register_schema must return a SchemaPart"
                )
            parts.append((impl.plugin_name, part))
    return parts  # get_hookimpls() lists plugins in the order they were enabled


def _merge(kind: str, parts: list[tuple[str, SchemaPart]]) -> type | None:
    owners: dict[str, str] = {}
    classes = []
    for owner, part in parts:
        cls = getattr(part, kind)
        if cls is None:
            continue
        for f in cls.__strawberry_definition__.fields:
            name = f.graphql_name or strawberry_camel(f.python_name)
            if name in owners:
                raise PluginError(
                    f"plugin {owner}: {kind} field {name} is already defined by {owners[name]}"
                )
            owners[name] = owner
        classes.append(cls)
    if not classes:
        return None
    name = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}[kind]
    return merge_types(name, tuple(classes))


def strawberry_camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.capitalize() for word in rest)


def _registry(parts: list[tuple[str, SchemaPart]]) -> Registry:
    registry = Registry()
    for owner, part in parts:
        for what, mapping in (("node type", part.nodes), ("engagement detail", part.details)):
            target = registry.nodes if what == "node type" else registry.details
            for name, resolver in mapping.items():
                if name in target:
                    raise PluginError(f"plugin {owner}: {what} {name} is defined twice")
                target[name] = resolver
        registry.stages.extend(part.stages)
    return registry


def extensions(settings: Settings) -> list[Any]:
    limits = settings.graphql
    found: list[Any] = [
        partial(QueryDepthLimiter, max_depth=limits.max_depth),
        partial(MaxAliasesLimiter, max_alias_count=limits.max_aliases),
        partial(MaxTokensLimiter, max_token_count=limits.max_tokens),
        error_extension_factory(mask_unexpected=settings.production),
        Metrics,
    ]
    if settings.production:
        found.append(partial(AddValidationRules, [NoSchemaIntrospectionCustomRule]))
    return found


def build_schema(platform: Platform) -> BuiltSchema:
    """Assemble the schema of the core and the enabled plugins; a clash names the plugin."""
    parts = plugin_parts(platform)
    query = _merge("query", parts)
    assert query is not None  # the core always has queries
    mutation = _merge("mutation", parts)
    subscription = _merge("subscription", parts)
    types = [t for _, part in parts for t in part.types]
    try:
        schema = Schema(
            query=query,
            mutation=mutation,
            subscription=subscription,
            types=types,
            extensions=extensions(platform.settings),
            config=StrawberryConfig(scalar_map=SCALARS),
        )
    except Exception as exc:
        owner = _owner_of_clash(str(exc), parts)
        raise PluginError(f"plugin {owner}: the GraphQL schema cannot be built: {exc}") from exc
    return BuiltSchema(schema=schema, registry=_registry(parts))


def _owner_of_clash(message: str, parts: list[tuple[str, SchemaPart]]) -> str:
    """The plugin whose types the schema error names (the latest part wins, as it came last)."""
    for owner, part in reversed(parts):
        for cls in [*part.types, part.query, part.mutation, part.subscription]:
            if cls is None:
                continue
            definition = getattr(cls, "__strawberry_definition__", None)
            names = {cls.__name__, definition.name if definition else cls.__name__}
            if any(re.search(rf"\b{re.escape(name)}\b", message) for name in names):
                return owner
    return parts[-1][0]
