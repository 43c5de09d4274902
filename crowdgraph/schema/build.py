"""build_schema(): the core part plus every enabled plugin's part, checked for clashes, with the
checks every request passes (parsed and validated documents kept, limits, no suggestions in
production)."""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import strawberry
from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    OverlappingFieldsCanBeMergedRule,
    TokenKind,
    parse,
    specified_rules,
    validate,
)
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.exceptions import DuplicatedTypeName
from strawberry.extensions import MaxTokensLimiter, SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext
from strawberry.types.base import StrawberryContainer, StrawberryObjectDefinition
from strawberry.types.enum import StrawberryEnumDefinition
from strawberry.types.lazy_type import LazyType
from strawberry.types.union import StrawberryUnion

from crowdgraph.config import GraphQLSettings, Settings
from crowdgraph.core.validation import camel_case
from crowdgraph.db import database_unavailable
from crowdgraph.observability import Metrics, OperationNames
from crowdgraph.plugins import PluginError, contributions
from crowdgraph.schema.cost import (
    BoundedOverlappingFields,
    PageSizes,
    count_selections,
    estimate_nodes,
    shape_rule,
    too_costly,
    too_many_selections,
)
from crowdgraph.schema.descriptions import describe_root
from crowdgraph.schema.errors import callers_error, domain_error, error_extension_factory
from crowdgraph.schema.execution import PLAIN_LEAVES, Executor, lean_resolvers, plain_leaves
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
    """Logs only unexpected errors: a refused or invalid request is the caller's, not the server's.

    In production, errors in variables suggest no names ("Did you mean ...?" would leak the schema).
    """

    def __init__(self, *args: Any, hide_suggestions: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hide_suggestions = hide_suggestions

    def _get_custom_context_kwargs(
        self, operation_extensions: dict[str, Any] | None = None, *, sync: bool = False
    ) -> dict[str, Any]:
        # The keyword arguments strawberry passes to graphql-core's execute().
        found = super()._get_custom_context_kwargs(operation_extensions, sync=sync)
        return {**found, "hide_suggestions": True} if self.hide_suggestions else found

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        unexpected = [
            e
            for e in errors
            if not callers_error(e)
            and domain_error(e.original_error) is None
            and not (e.original_error and database_unavailable(e.original_error))  # a warning
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
    for plugin, part in contributions(platform.pm, "register_schema", platform=platform):
        if not isinstance(part, SchemaPart):
            raise PluginError(f"plugin {plugin}: register_schema must return a SchemaPart")
        parts.append((plugin, part))
    return parts


def _merge(kind: str, parts: list[tuple[str, SchemaPart]]) -> type | None:
    owners: dict[str, str] = {}
    classes = []
    for owner, part in parts:
        cls = getattr(part, kind)
        if cls is None:
            continue
        for f in cls.__strawberry_definition__.fields:
            name = f.graphql_name or camel_case(f.python_name)
            if name in owners:
                raise PluginError(
                    f"plugin {owner}: {kind} field {name} is already defined by {owners[name]}"
                )
            owners[name] = owner
        classes.append(cls)
    if not classes:
        return None
    name = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}[kind]
    return describe_root(name, merge_types(name, tuple(classes)))


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


QUERY_TEXT_KEPT = 200_000
"""Characters of query text whose documents are kept: a parsed document takes about 150 times
its text, so at worst some 30 MB; clients' usual queries are a few hundred characters each."""

VALID_KEPT = 10_000
"""Documents remembered as valid by their tokens (16 bytes each), whatever their text."""


@dataclass
class CheckedDocument:
    document: DocumentNode
    tokens: bytes | None = None
    """A digest of the document's tokens: the same for texts that differ only in comments,
    commas and white space."""
    errors: list[GraphQLError] | None = None
    """The validation errors, once validated."""


def token_digest(document: DocumentNode) -> bytes | None:
    """What the parser read, comments and ignored characters left out (None without locations)."""
    if document.loc is None:
        return None
    parts = []
    token = document.loc.start_token.next
    while token is not None and token.kind != TokenKind.EOF:
        if token.kind != TokenKind.COMMENT:
            value = token.value or ""
            parts.append(f"{token.kind.value}{len(value)}:{value}")
        token = token.next
    return hashlib.blake2b("".join(parts).encode(errors="surrogatepass"), digest_size=16).digest()


class Documents:
    """Parsed documents and their validation errors by query text, for every request to one schema.

    Clients send the same few queries again and again, and validating a document costs more than
    running a small one. The least recently used are forgotten beyond ``budget`` characters. A
    document found valid stays known as valid by its tokens, so a text that only differs in
    comments or spacing is not validated again (a refusal is kept by text: its errors point into
    that text). A document with more than ``max_selections`` fields and fragments is refused
    before validation.
    """

    def __init__(
        self,
        rules: tuple[type[ASTValidationRule], ...],
        hide_suggestions: bool,
        budget: int,
        max_selections: int,
    ) -> None:
        self.rules = rules
        self.hide_suggestions = hide_suggestions
        self.budget = budget
        self.max_selections = max_selections
        self.kept: OrderedDict[tuple[Any, ...], CheckedDocument] = OrderedDict()
        self.characters = 0
        self.valid: OrderedDict[bytes, None] = OrderedDict()

    def parsed(self, query: str, options: dict[str, Any]) -> CheckedDocument:
        """The document of ``query``; a syntax error raises GraphQLError (and is not kept)."""
        key = (query, *sorted(options.items()))
        found = self.kept.get(key)
        if found is not None:
            self.kept.move_to_end(key)
            return found
        document = parse(query, **options)
        found = self.kept[key] = CheckedDocument(document, token_digest(document))
        self.characters += len(query)
        while self.characters > self.budget:
            (forgotten, *_), _ = self.kept.popitem(last=False)
            self.characters -= len(forgotten)
        return found

    def errors(self, schema: Any, checked: CheckedDocument) -> list[GraphQLError]:
        if checked.errors is None:
            tokens = checked.tokens
            if tokens is not None and tokens in self.valid:
                self.valid.move_to_end(tokens)
                checked.errors = []
            else:
                checked.errors = self.validate(schema, checked.document)
                if tokens is not None and not checked.errors:
                    self.valid[tokens] = None
                    if len(self.valid) > VALID_KEPT:
                        self.valid.popitem(last=False)
        return checked.errors

    def validate(self, schema: Any, document: DocumentNode) -> list[GraphQLError]:
        selections = count_selections(document)
        if selections > self.max_selections:
            return [too_many_selections(selections, self.max_selections)]
        return validate(schema, document, self.rules, hide_suggestions=self.hide_suggestions)


class CheckDocuments(SchemaExtension):
    """Parse and validate through ``Documents``, then refuse an operation above the node limit.

    The validation rules (the limits on depth and aliases among them) are fixed for the schema;
    rules that other extensions add to the execution context are not run.
    """

    def __init__(self, documents: Documents, limits: GraphQLSettings) -> None:
        self.documents = documents
        self.limits = limits
        self.checked: CheckedDocument | None = None
        self.cost: int | None = None

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query and context.graphql_document is None:
            try:
                self.checked = self.documents.parsed(context.query, dict(context.parse_options))
                context.graphql_document = self.checked.document
            except GraphQLError:
                pass  # strawberry parses it again and reports the syntax error
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None:
            schema = context.schema._schema
            errors = (
                self.documents.errors(schema, self.checked)
                if self.checked is not None and self.checked.document is document
                else self.documents.validate(schema, document)
            )
            context.pre_execution_errors = list(errors) or self.cost_refusal(schema, document)
        yield

    def cost_refusal(self, schema: Any, document: DocumentNode) -> list[GraphQLError]:
        context = self.execution_context
        pages = PageSizes(self.limits.default_page_size, self.limits.max_page_size)
        self.cost = estimate_nodes(
            schema, document, context.operation_name, context.variables, pages
        )
        return (
            [too_costly(self.cost, self.limits.max_nodes)]
            if self.cost > self.limits.max_nodes
            else []
        )

    def get_results(self) -> dict[str, Any]:
        """The estimated cost, for a request that sends ``"extensions": {"cost": true}``."""
        asked = (self.execution_context.operation_extensions or {}).get("cost") is True
        if not asked or self.cost is None:
            return {}
        return {"cost": {"nodes": self.cost, "limit": self.limits.max_nodes}}


def validation_rules(settings: Settings) -> tuple[type[ASTValidationRule], ...]:
    """GraphQL's rules (the merge check within a budget), strawberry's, and the limits on depth
    and aliases (and introspection)."""
    limits = settings.graphql
    return (
        *(
            BoundedOverlappingFields if rule is OverlappingFieldsCanBeMergedRule else rule
            for rule in specified_rules
        ),
        MaybeNullValidationRule,
        OneOfInputValidationRule,
        shape_rule(limits.max_depth, limits.max_aliases),
        *([NoSchemaIntrospectionCustomRule] if settings.production else []),
    )


def extensions(settings: Settings) -> list[Any]:
    documents = Documents(
        validation_rules(settings),
        hide_suggestions=settings.production,
        budget=QUERY_TEXT_KEPT,
        max_selections=settings.graphql.max_selections,
    )
    return [
        partial(MaxTokensLimiter, max_token_count=settings.graphql.max_tokens),
        partial(CheckDocuments, documents, settings.graphql),
        error_extension_factory(mask_unexpected=settings.production),
        partial(Metrics, OperationNames()),
    ]


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
            hide_suggestions=platform.settings.production,
            execution_context_class=Executor,
        )
        schema._schema.extensions[PLAIN_LEAVES] = plain_leaves(schema._schema)
        lean_resolvers(schema._schema)
    except DuplicatedTypeName as exc:
        raise _type_clash(exc, parts) from exc
    except Exception as exc:
        owner = _owner_of_clash(str(exc), parts)
        raise PluginError(f"plugin {owner}: the GraphQL schema cannot be built: {exc}") from exc
    return BuiltSchema(schema=schema, registry=_registry(parts))


def _type_clash(exc: DuplicatedTypeName, parts: list[tuple[str, SchemaPart]]) -> PluginError:
    """Two classes give one GraphQL type name: the error names the part that brought each (the
    later one first, as it came last)."""
    first, second = exc.first_cls, exc.second_cls
    found = sorted(
        index for index in (_part_of(first, parts), _part_of(second, parts)) if index is not None
    )
    if first is None or second is None or len(found) < 2:
        owner = _owner_of_clash(str(exc), parts)
        return PluginError(f"plugin {owner}: the GraphQL schema cannot be built: {exc}")
    earlier, later = parts[found[0]][0], parts[found[1]][0]
    definition = getattr(second, "__strawberry_definition__", None)
    name = definition.name if definition else second.__name__
    if earlier == later:
        classes = " and ".join(f"{cls.__module__}.{cls.__qualname__}" for cls in (first, second))
        return PluginError(f"plugin {later}: GraphQL type {name} is defined twice ({classes})")
    return PluginError(f"plugin {later}: GraphQL type {name} is already defined by {earlier}")


def _part_of(cls: type | None, parts: list[tuple[str, SchemaPart]]) -> int | None:
    """The index of the first part whose classes reach ``cls`` (through fields, arguments and
    interfaces), or None."""
    for index, (_, part) in enumerate(parts):
        roots = [*part.types, part.query, part.mutation, part.subscription]
        if any(found is cls for found in _reachable(root for root in roots if root is not None)):
            return index
    return None


def _reachable(roots: Iterable[Any]) -> Iterator[Any]:
    """Every strawberry type (object, interface, input, enum) that ``roots`` reach."""
    seen: set[int] = set()
    pending = list(roots)
    while pending:
        item = pending.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, LazyType):
            pending.append(item.resolve_type())
        elif isinstance(item, StrawberryContainer):
            pending.append(item.of_type)
        elif isinstance(item, StrawberryUnion):
            pending.extend(item.types)
        elif isinstance(item, StrawberryEnumDefinition):
            yield item.wrapped_cls
        else:
            definition = getattr(item, "__strawberry_definition__", None)
            if isinstance(definition, StrawberryObjectDefinition):
                yield item
                pending.extend(interface.origin for interface in definition.interfaces)
                for field in definition.fields:
                    pending.append(field.type)
                    pending.extend(argument.type for argument in field.arguments)


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
