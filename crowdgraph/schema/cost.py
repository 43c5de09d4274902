"""What an operation costs the server: its depth, its aliases and the nodes it may return.

Each is measured with every fragment measured once, wherever it is spread: a document that spreads
fragments into fragments (``F0 { ...F1 ...F1 } F1 { ...F2 ...F2 }`` ...) is a few hundred bytes
but unfolds to 2**n fields, and measuring it unfolded would take the server minutes.

Before any of that, a document that writes too many fields and fragments is refused
(``count_selections``), and GraphQL's check that fields of one name can be merged runs within a
budget (``BoundedOverlappingFields``): it compares such fields pairwise, so ``{ me { name } me {
name } ... }`` written a thousand times would hold the process for seconds while it validates.

Nodes follow GitHub's node limit: each connection field may return as many nodes as its page
(``first``/``last``, else the default page size) times the pages of the connections around it,
summed over the operation's connection fields.
``{ projects(first: 50) { nodes { batches(first: 10) { nodes { id } } } } }`` costs
50 + 50 * 10 = 550. Plain lists are not paginated and count for nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    ValueNode,
    VariableNode,
    get_named_type,
    get_operation_ast,
    value_from_ast_untyped,
)
from graphql.validation import OverlappingFieldsCanBeMergedRule, ValidationContext
from graphql.validation.validate import ValidationAbortedError

PAGE_ARGUMENTS = ("first", "last")
TOO_COSTLY = "QUERY_TOO_COSTLY"
TOO_MANY_SELECTIONS = "TOO_MANY_SELECTIONS"
TOO_COMPLEX = "QUERY_TOO_COMPLEX"
OVERLAP_BUDGET = 10_000
"""Work units (about two per pair of fields compared) GraphQL's merge check may spend on one
document: some 20 ms. Clients' documents spend next to none; graphql-core allows 500,000."""


def count_selections(document: DocumentNode) -> int:
    """The fields and fragments written in the document (a fragment's contents once, however often
    it is spread), in one pass over it, without recursion."""
    count = 0
    pending = [
        selection_set
        for definition in document.definitions
        if (selection_set := getattr(definition, "selection_set", None)) is not None
    ]
    while pending:
        for selection in pending.pop().selections:
            count += 1
            inner = getattr(selection, "selection_set", None)
            if inner is not None:
                pending.append(inner)
    return count


def too_many_selections(count: int, limit: int) -> GraphQLError:
    return GraphQLError(
        f"the document has {count} selections (fields and fragments), more than the limit of "
        f"{limit}: split it into smaller requests",
        extensions={"code": TOO_MANY_SELECTIONS, "selections": count, "limit": limit},
    )


class BoundedOverlappingFields(OverlappingFieldsCanBeMergedRule):
    """GraphQL's rule that fields with one response name can be merged, within ``OVERLAP_BUDGET``.

    It compares every two fields of one name at one place of the response, so a document that
    repeats a field (itself or through fragments) costs the square of the repetitions.
    """

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.rule_context.remaining_complexity_budget = OVERLAP_BUDGET

    def enter_selection_set(self, *args: Any) -> None:
        try:
            super().enter_selection_set(*args)
        except ValidationAbortedError:
            if self.rule_context.remaining_complexity_budget >= 0:
                raise  # stopped for another reason: too many errors
            raise ValidationAbortedError(
                "the document repeats fields too often to be checked (fields of one name are "
                "compared with each other): select each field once in a selection",
                extensions={"code": TOO_COMPLEX},
            ) from None


def fragments_of(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def once(measured: dict[str, int], name: str, measure: Callable[[], int]) -> int:
    """The fragment ``name`` measured the first time it is spread, remembered after."""
    if name not in measured:
        measured[name] = 0  # a fragment spread inside itself (validation refuses it) adds nothing
        measured[name] = measure()
    return measured[name]


class Shape:
    """The depth and the aliases of a document's operations, each fragment measured once."""

    def __init__(self, document: DocumentNode) -> None:
        self.fragments = fragments_of(document)
        self.fragment_depths: dict[str, int] = {}
        self.fragment_aliases: dict[str, int] = {}

    def depth(self, selection_set: SelectionSetNode) -> int:
        """Fields with a selection nested in one another, introspection fields not counted."""
        deepest = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                inner = selection.selection_set
                if inner is not None and not selection.name.value.startswith("__"):
                    deepest = max(deepest, 1 + self.depth(inner))
            elif isinstance(selection, InlineFragmentNode):
                deepest = max(deepest, self.depth(selection.selection_set))
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                measure = partial(self._fragment, name, self.depth)
                deepest = max(deepest, once(self.fragment_depths, name, measure))
        return deepest

    def aliases(self, selection_set: SelectionSetNode) -> int:
        """Aliased fields, a fragment's counted each time it is spread."""
        count = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.alias is not None:
                    count += 1
                if selection.selection_set is not None:
                    count += self.aliases(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                count += self.aliases(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                measure = partial(self._fragment, name, self.aliases)
                count += once(self.fragment_aliases, name, measure)
        return count

    def _fragment(self, name: str, measure: Callable[[SelectionSetNode], int]) -> int:
        fragment = self.fragments.get(name)
        return measure(fragment.selection_set) if fragment is not None else 0


def shape_rule(max_depth: int, max_aliases: int) -> type[ValidationRule]:
    """A validation rule refusing operations deeper than ``max_depth`` and documents with more
    than ``max_aliases`` aliases."""

    class ShapeLimits(ValidationRule):
        def enter_document(self, node: DocumentNode, *_args: Any) -> None:
            shape = Shape(node)
            aliases = 0
            for operation in node.definitions:
                if not isinstance(operation, OperationDefinitionNode):
                    continue
                depth = shape.depth(operation.selection_set)
                if depth > max_depth:
                    name = operation.name.value if operation.name else "anonymous"
                    self.report_error(
                        GraphQLError(
                            f"'{name}' exceeds maximum operation depth of {max_depth} "
                            f"(it is {depth} fields deep)",
                            operation,
                        )
                    )
                aliases += shape.aliases(operation.selection_set)
            if aliases > max_aliases:
                self.report_error(
                    GraphQLError(
                        f"the document has {aliases} aliases, more than the maximum of {max_aliases}"
                    )
                )

    return ShapeLimits


@dataclass(frozen=True)
class PageSizes:
    """A connection's page: its first/last argument, else ``default``; never above ``maximum``."""

    default: int
    maximum: int


def is_connection(type_: GraphQLNamedType) -> bool:
    return isinstance(type_, GraphQLObjectType) and "pageInfo" in type_.fields


class Estimate:
    """The cost of one operation of a valid document, given the request's variables."""

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any],
        pages: PageSizes,
    ) -> None:
        self.schema = schema
        self.fragments = fragments_of(document)
        self.variables = dict(variables)
        for definition in operation.variable_definitions or ():
            name = definition.variable.name.value
            if self.variables.get(name) is None and definition.default_value is not None:
                self.variables[name] = value_from_ast_untyped(definition.default_value)
        self.pages = pages
        self.fragment_costs: dict[str, int] = {}

    def selections(self, selection_set: SelectionSetNode, parent: GraphQLNamedType | None) -> int:
        """The cost of a selection set read once (a page around it multiplies it)."""
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selections(selection.selection_set, inner)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                total += once(self.fragment_costs, name, partial(self.fragment, name))
        return total

    def fragment(self, name: str) -> int:
        definition = self.fragments.get(name)
        if definition is None:
            return 0
        parent = self.schema.get_type(definition.type_condition.name.value)
        return self.selections(definition.selection_set, parent)

    def field(self, node: FieldNode, parent: GraphQLNamedType | None) -> int:
        if node.selection_set is None or not isinstance(
            parent, GraphQLObjectType | GraphQLInterfaceType
        ):
            return 0
        definition = parent.fields.get(node.name.value)
        if definition is None:  # __schema, __type: introspection has no pages
            return 0
        named = get_named_type(definition.type)
        inner = self.selections(node.selection_set, named)
        if not is_connection(named):
            return inner
        return self.page_size(node) * (1 + inner)

    def page_size(self, node: FieldNode) -> int:
        for argument in node.arguments or ():
            if argument.name.value in PAGE_ARGUMENTS:
                size = self.value(argument.value)
                if size is not None:
                    return max(0, min(size, self.pages.maximum))
        return self.pages.default

    def value(self, node: ValueNode) -> int | None:
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, VariableNode):
            given = self.variables.get(node.name.value)
            return given if isinstance(given, int) else None
        return None


def estimate_nodes(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    pages: PageSizes,
) -> int:
    """The most nodes the operation may return; 0 when the document names no such operation."""
    operation = get_operation_ast(document, operation_name)
    root = schema.get_root_type(operation.operation) if operation else None
    if operation is None or root is None:
        return 0
    estimate = Estimate(schema, document, operation, variables or {}, pages)
    return estimate.selections(operation.selection_set, root)


def too_costly(cost: int, limit: int) -> GraphQLError:
    return GraphQLError(
        f"this query may return up to {cost} nodes, more than the limit of {limit}: "
        "ask for smaller pages (first) or fewer nested connections",
        extensions={"code": TOO_COSTLY, "cost": cost, "limit": limit},
    )
