"""Errors raised by services; the API layers translate them, they never invent their own rules."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: which field, a stable code, and a readable message."""

    field: str
    code: str
    message: str


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    code = "ERROR"


class InvalidInput(DomainError):
    """The caller can fix this: one or more problems with the input, nothing was changed."""

    code = "INVALID_INPUT"

    def __init__(self, *problems: Problem) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = list(problems)

    @classmethod
    def one(cls, field: str, code: str, message: str) -> InvalidInput:
        return cls(Problem(field, code, message))


class NotAuthenticated(DomainError):
    code = "UNAUTHENTICATED"

    def __init__(
        self, message: str = "sign in first: send 'Authorization: Bearer <token>'"
    ) -> None:
        super().__init__(message)


class Forbidden(DomainError):
    code = "FORBIDDEN"


class NotFound(DomainError):
    """Also raised for objects the caller may not see, so existence never leaks."""

    code = "NOT_FOUND"
