"""The one mutation convention: every payload carries ``userErrors { field code message }``."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Iterator
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from tortoise.exceptions import ValidationError

from crowdgraph.core.errors import DomainError, InvalidInput
from crowdgraph.core.validation import column_refusal
from crowdgraph.db import database_unavailable

log = logging.getLogger("crowdgraph.graphql")

DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"
DATABASE_UNAVAILABLE_MESSAGE = "the database is unavailable: try again in a moment"


@strawberry.type(description="Something wrong with a mutation's input; nothing was changed.")
class UserError:
    field: str = strawberry.field(
        description="The input field, as a dotted path (e.g. skills[0].level)."
    )
    code: str = strawberry.field(
        description="A stable, machine-readable reason in SCREAMING_SNAKE_CASE (e.g. REQUIRED)."
    )
    message: str = strawberry.field(
        description="What was wrong and what is allowed, in English, for people."
    )


@strawberry.type(description="The base of every mutation payload.")
class Payload:
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="What was wrong with the input; empty when the mutation succeeded.",
    )


P = TypeVar("P", bound=Payload)


async def run_mutation(payload: type[P], action: Awaitable[dict[str, Any]]) -> P:
    """Await the service call; its InvalidInput becomes the payload's userErrors."""
    try:
        fields = await action
    except (InvalidInput, ValidationError) as exc:
        invalid = column_refusal(exc) if isinstance(exc, ValidationError) else exc
        return payload(
            user_errors=[
                UserError(field=p.field, code=p.code, message=p.message) for p in invalid.problems
            ]
        )
    return payload(**fields, user_errors=[])


def domain_error(error: BaseException | None) -> DomainError | None:
    """The service's error behind a GraphQL error; a value Tortoise refused for its column is
    the caller's input (``column_refusal``)."""
    if isinstance(error, ValidationError):
        return column_refusal(error)
    return error if isinstance(error, DomainError) else None


def callers_error(error: GraphQLError) -> bool:
    """An error of the request itself, found before execution: a document that does not validate,
    a variable or a literal a scalar refuses (graphql-core keeps the scalar's ValueError)."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return True
    return error.path is None and isinstance(original, ValueError | TypeError)


def error_extension_factory(mask_unexpected: bool) -> type[SchemaExtension]:
    """An extension that gives domain errors a ``code`` and, in production, masks the rest."""

    class DomainErrors(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            yield
            result = self.execution_context.result
            if result is None or not result.errors:
                return
            result.errors = [self._describe(error) for error in result.errors]

        def on_stream_result(self, result: Any) -> Iterator[None]:
            # Each result of a subscription reaches the client through here, not on_operation.
            if getattr(result, "errors", None):
                result.errors = [self._describe(error) for error in result.errors]
            yield

        @staticmethod
        def _describe(error: GraphQLError) -> GraphQLError:
            original = error.original_error
            domain = domain_error(original)
            if domain is not None:
                extensions = dict(error.extensions or {}, code=domain.code)
                if isinstance(domain, InvalidInput):
                    extensions["problems"] = [vars(p) for p in domain.problems]
                return GraphQLError(
                    error.message if domain is original else str(domain),
                    nodes=error.nodes,
                    path=error.path,
                    original_error=domain,
                    extensions=extensions,
                )
            if original is None or callers_error(error):
                return error  # a refused document, variable or literal: the caller's to fix
            if database_unavailable(original):
                log.warning("database unavailable in %s: %s", error.path, original)
                return GraphQLError(
                    DATABASE_UNAVAILABLE_MESSAGE,
                    nodes=error.nodes,
                    path=error.path,
                    original_error=original,
                    extensions={"code": DATABASE_UNAVAILABLE},
                )
            log.error("unexpected error in %s", error.path, exc_info=original)
            if not mask_unexpected:
                return error
            return GraphQLError(
                "Unexpected error.",
                nodes=error.nodes,
                path=error.path,
                extensions={"code": "INTERNAL_SERVER_ERROR"},
            )

    return DomainErrors
