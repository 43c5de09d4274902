"""Input checks shared by services; each raises InvalidInput naming the field and the rule."""

from __future__ import annotations

import re
import zoneinfo
from functools import cache

from crowdgraph.core.errors import InvalidInput, Problem

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")


class Checks:
    """Collects every problem with an input, then raises them together (or nothing)."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(self, field: str, code: str, message: str) -> None:
        self.problems.append(Problem(field, code, message))

    def text(self, field: str, value: str | None, *, min_len: int = 0, max_len: int) -> None:
        if value is None:
            return
        if "\x00" in value:
            self.fail(field, "INVALID_FORMAT", f"{field} must not contain NUL characters (U+0000)")
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
