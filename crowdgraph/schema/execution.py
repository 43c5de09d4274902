"""The executor: graphql-core's, with shortcuts for plain leaf fields and plain resolvers.

Most fields of a response are plain attributes of an object already in hand (``name``, ``status``,
``amount``). graphql-core resolves each through the general path: a resolve-info object, the
resolver call, awaitable checks, then completion. For a field strawberry itself resolves as a bare
attribute read (no resolver, no field extension, no arguments) whose type is a scalar or an enum,
this executor reads the attribute and serializes it directly. Anything unusual (a null where the
schema forbids one, a value the scalar refuses, resolver middleware) takes graphql-core's path,
so errors read exactly as before.

A field whose resolver is a plain method (``def field(self, info)``: synchronous, no arguments, no
field extension) is resolved by calling the method with a strawberry ``Info``, without strawberry's
general wrapper (argument conversion, extension chain, handler lookup), which does nothing for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from graphql import (
    GraphQLEnumType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import Info
from strawberry.types.field import StrawberryField

_DEFINITION = "strawberry-definition"

PlainLeaf = tuple[str, Callable[[Any], Any], bool]
"""How to answer a plain leaf field: the attribute, the type's serializer, whether non-null."""

PLAIN_LEAVES = "crowdgraph-plain-leaves"
"""Where a built schema keeps its plain leaf fields (in the GraphQL schema's extensions)."""
_MISSING = object()


def plain_leaves(schema: GraphQLSchema) -> dict[tuple[str, str], PlainLeaf]:
    """Every field of the schema that is a plain attribute of a scalar or enum type."""
    found: dict[tuple[str, str], PlainLeaf] = {}
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType):
            continue
        for name, field in type_.fields.items():
            definition = (field.extensions or {}).get(_DEFINITION)
            non_null = isinstance(field.type, GraphQLNonNull)
            leaf = field.type.of_type if non_null else field.type
            if (
                definition is not None
                and getattr(definition, "is_basic_field", False)
                and not field.args
                and isinstance(leaf, GraphQLScalarType | GraphQLEnumType)
            ):
                found[(type_.name, name)] = (definition.python_name, leaf.serialize, non_null)
    return found


def lean_resolvers(schema: GraphQLSchema) -> list[str]:
    """Resolve every plain-method field by calling its method directly; returns their names."""
    lean = []
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, field in type_.fields.items():
            definition = (field.extensions or {}).get(_DEFINITION)
            if isinstance(definition, StrawberryField) and _plain_method(definition):
                field.resolve = _calling(definition)
                lean.append(f"{type_.name}.{name}")
    return lean


def _plain_method(field: StrawberryField) -> bool:
    resolver = field.base_resolver
    if resolver is None or field.extensions or field.arguments or field.is_async:
        return False
    if resolver.root_parameter is not None or resolver.parent_parameter is not None:
        return False
    names = list(resolver.signature.parameters)
    info = resolver.info_parameter
    return resolver.self_parameter is not None and names == (
        [names[0], info.name] if info is not None else names[:1]
    )


def _calling(field: StrawberryField) -> Callable[..., Any]:
    method = cast(Callable[..., Any], field.base_resolver.wrapped_func)  # type: ignore[union-attr]
    if field.base_resolver.info_parameter is None:  # type: ignore[union-attr]
        return lambda source, info: method(source)
    return lambda source, info: method(source, Info(_raw_info=info, _field=field))


class Executor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context with plain leaf fields read directly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        shortcut = manager is None or not manager.middlewares
        self._plain: dict[tuple[str, str], PlainLeaf] = (
            self.schema.extensions.get(PLAIN_LEAVES, {}) if shortcut else {}
        )

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Any,
        position_context: Any = None,
    ) -> Any:
        plain = self._plain.get((parent_type.name, field_details_list[0].node.name.value))
        if plain is not None:
            attribute, serialize, non_null = plain
            value = getattr(source, attribute, _MISSING)
            if value is None:
                if not non_null:
                    return None
            elif value is not _MISSING:
                try:
                    serialized = serialize(value)
                except Exception:
                    serialized = None
                if serialized is not None and serialized is not Undefined:
                    return serialized
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )
