"""Input checks shared by services; each raises InvalidInput naming the field and the rule."""

from __future__ import annotations

import re
import zoneinfo
from functools import cache

from tortoise.exceptions import ValidationError

from crowdgraph.core.errors import InvalidInput, Problem

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Control characters other than tab and line breaks: terminal escapes, bells, NUL (which no
database stores in text)."""
LINE_BREAK = re.compile(r"[\t\n\r\u2028\u2029]")
LENGTH_REFUSED = re.compile(
    r"^(?P<field>\w+): Length of .* (?P<length>\d+) > (?P<limit>\d+)$", re.DOTALL
)


class Checks:
    """Collects every problem with an input, then raises them together (or nothing)."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(self, field: str, code: str, message: str) -> None:
        self.problems.append(Problem(field, code, message))

    def line(self, field: str, value: str | None, *, min_len: int = 0, max_len: int) -> None:
        """``text`` on one line: no tab or line break either (names, titles)."""
        if value is not None and LINE_BREAK.search(value):
            self.fail(field, "INVALID_FORMAT", f"{field} must be one line, without tabs")
            return
        self.text(field, value, min_len=min_len, max_len=max_len)

    def text(self, field: str, value: str | None, *, min_len: int = 0, max_len: int) -> None:
        if value is None:
            return
        control = CONTROL.search(value)
        if control is not None:
            self.fail(
                field,
                "INVALID_FORMAT",
                f"{field} must not contain control characters (got U+{ord(control[0]):04X})",
            )
            return
        length = len(value.strip()) if min_len else len(value)
        if length < min_len:
            self.fail(field, "TOO_SHORT", f"{field} must have at least {min_len} characters")
        elif len(value) > max_len:
            self.fail(
                field,
                "TOO_LONG",
                f"{field} must have at most {max_len} characters (got {len(value)})",
            )

    def pattern(self, field: str, value: str | None, regex: re.Pattern[str], rule: str) -> None:
        if value is not None and not regex.match(value):
            self.fail(field, "INVALID_FORMAT", f"{field} must be {rule} (got {value!r})")

    def range(
        self,
        field: str,
        value: float | None,
        *,
        low: float | None = None,
        high: float | None = None,
    ) -> None:
        if value is None:
            return
        if low is not None and value < low:
            self.fail(field, "OUT_OF_RANGE", f"{field} must be >= {low} (got {value})")
        elif high is not None and value > high:
            self.fail(field, "OUT_OF_RANGE", f"{field} must be <= {high} (got {value})")

    def choice(self, field: str, value: str | None, allowed: set[str] | list[str]) -> None:
        if value is not None and value not in allowed:
            options = ", ".join(sorted(allowed))
            self.fail(field, "INVALID_CHOICE", f"{field} must be one of {options} (got {value!r})")

    def timezone(self, field: str, value: str | None) -> None:
        if value is not None and value not in known_timezones():
            self.fail(
                field,
                "INVALID_TIMEZONE",
                f"{field} must be an IANA time zone such as Europe/Berlin (got {value!r})",
            )

    def done(self) -> None:
        if self.problems:
            raise InvalidInput(*self.problems)


@cache
def known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) | {"UTC"}


def column_refusal(error: ValidationError) -> InvalidInput:
    """A value Tortoise refused for its column, as the caller's input naming the field.

    Tortoise checks a value against its column before any statement is sent, a lookup's as much
    as a write's, so ``organization(slug:)`` with 300 characters never reaches the database. What
    reaches a lookup is the caller's input; services check what they write before writing it.
    """
    message = str(error)
    found = LENGTH_REFUSED.match(message)
    field = camel_case((found["field"] if found else message.partition(":")[0]).strip())
    if found is None:
        return InvalidInput.one(field, "INVALID_VALUE", f"{field} cannot hold this value")
    length, limit = found["length"], found["limit"]
    return InvalidInput.one(
        field, "TOO_LONG", f"{field} must have at most {limit} characters (got {length})"
    )


def camel_case(name: str) -> str:
    """A Python name as GraphQL spells it: ``idempotency_key`` is ``idempotencyKey``."""
    head, *rest = name.split("_")
    return head + "".join(word.capitalize() for word in rest)
