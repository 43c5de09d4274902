"""Every type, field, argument, input field and enum value of the full schema is described, and
a description says more than the name it describes."""

from __future__ import annotations

import re
from collections.abc import Iterator

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    specified_scalar_types,
)

from crowdgraph.platform import Platform
from crowdgraph.plugins import BUILTINS
from crowdgraph.schema.build import build_schema
from crowdgraph.testing import settings_for


def full_schema() -> GraphQLSchema:
    """The schema with every built-in plugin (building it opens no database connection)."""
    return build_schema(Platform(settings_for("sqlite://:memory:", list(BUILTINS)))).schema._schema


def descriptions(schema: GraphQLSchema) -> Iterator[tuple[str, str, str | None]]:
    """(path, name, description) of every type, field, argument, input field and enum value:
    paths read ``Type``, ``Type.field``, ``Type.field(argument)`` and ``Enum.VALUE``."""
    for name, type_ in sorted(schema.type_map.items()):
        if name.startswith("__") or name in specified_scalar_types:
            continue
        yield name, name, type_.description
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in type_.fields.items():
                yield f"{name}.{field_name}", field_name, field.description
                for arg_name, arg in field.args.items():
                    yield f"{name}.{field_name}({arg_name})", arg_name, arg.description
        elif isinstance(type_, GraphQLInputObjectType):
            for field_name, input_field in type_.fields.items():
                yield f"{name}.{field_name}", field_name, input_field.description
        elif isinstance(type_, GraphQLEnumType):
            for value_name, value in type_.values.items():
                yield f"{name}.{value_name}", value_name, value.description


def words(text: str) -> list[str]:
    """The words of a name or sentence, lowercase, articles left out."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", text).replace("_", " ")
    found = re.findall(r"[a-z0-9]+", spaced.lower())
    return [w for w in found if w not in {"a", "an", "the"}]


def test_every_schema_element_has_a_description() -> None:
    missing = [path for path, _, text in descriptions(full_schema()) if not text]
    assert not missing, f"{len(missing)} without a description:\n" + "\n".join(missing)


def test_no_description_only_repeats_its_name() -> None:
    echoes = [
        f"{path}: {text!r}"
        for path, name, text in descriptions(full_schema())
        if text and words(text) == words(name)
    ]
    assert not echoes, "say what it is, its unit or when it is null:\n" + "\n".join(echoes)
