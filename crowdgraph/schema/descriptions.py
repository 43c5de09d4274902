"""Descriptions the schema derives in one place: enums of the models, the root types, and the
input and payload types of mutations (from the mutation's own description)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from enum import Enum
from typing import TypeVar

import strawberry
from strawberry.types.base import StrawberryList, StrawberryOptional, has_object_definition
from strawberry.types.field import StrawberryField

from crowdgraph.core.validation import camel_case

E = TypeVar("E", bound=type[Enum])

ROOTS = {
    "Query": "What can be read: start from a root field, or fetch any object by its ID with node(id:).",
    "Mutation": "What can be changed: each mutation takes one input and returns a payload whose "
    "userErrors list what was wrong with the input (nothing is changed then).",
    "Subscription": "Events pushed over a WebSocket (graphql-transport-ws) as they happen.",
}

INPUT_ARGUMENT = "All the mutation's arguments; refused ones come back in userErrors."


def described_enum(
    enum: E, description: str, values: Mapping[Enum, str], name: str | None = None
) -> E:
    """``strawberry.enum`` with a description of the enum and of each value, so the models' enums
    stay free of GraphQL (tests/schema/test_descriptions.py names a value left undescribed)."""
    strawberry.enum(enum, name=name, description=description)
    for value in enum.__strawberry_definition__.values:  # type: ignore[attr-defined]
        value.description = values.get(enum[value.name])
    return enum


def describe_root(name: str, root: type) -> type:
    """Give a merged root type its description, and a mutation's input and payload theirs."""
    root.__strawberry_definition__.description = ROOTS[name]  # type: ignore[attr-defined]
    if name == "Mutation":
        describe_mutations(root)
    return root


def describe_mutations(mutation: type) -> None:
    """Each mutation's ``input`` argument is described the same way; an input or payload type of
    one mutation only, left undescribed, takes the mutation's description."""
    fields = mutation.__strawberry_definition__.fields  # type: ignore[attr-defined]
    uses: Counter[type] = Counter()
    for field in fields:
        uses.update(t for t in _input_and_payload(field) if t is not None)
    for field in fields:
        for argument in field.arguments:
            if argument.python_name == "input" and not argument.description:
                argument.description = INPUT_ARGUMENT
        if not field.description:
            continue
        input_type, payload = _input_and_payload(field)
        name = field.graphql_name or camel_case(field.python_name)
        what = field.description[0].lower() + field.description[1:]
        if input_type is not None and uses[input_type] == 1:
            _describe(input_type, f"The input of {name}: {what}")
        if payload is not None and uses[payload] == 1:
            _describe(payload, f"The result of {name}: {what}")


def _input_and_payload(field: StrawberryField) -> tuple[type | None, ...]:
    inputs = [a.type for a in field.arguments if a.python_name == "input"]
    return (_object(inputs[0]) if inputs else None, _object(field.type))


def _object(annotation: object) -> type | None:
    while isinstance(annotation, StrawberryOptional | StrawberryList):
        annotation = annotation.of_type
    return (
        annotation if isinstance(annotation, type) and has_object_definition(annotation) else None
    )


def _describe(cls: type, description: str) -> None:
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    if not definition.description:
        definition.description = description
