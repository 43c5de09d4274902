"""Scorecard arithmetic and ranking, in integers: a score is hundredths of a percent (0..10000).

Tie rule (documented for entrants): a higher final score ranks first; on equal scores the entry whose
judged submission arrived earlier ranks first; if that is equal too, the entry that registered first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crowdgraph.core.validation import Checks

FULL = 10_000
TIE_RULE = (
    "higher final score first; on equal scores the earlier judged submission; "
    "then the earlier registration"
)


def validate_scorecard(checks: Checks, criteria: list[dict[str, Any]], scale: int) -> None:
    checks.range("scale", scale, low=1, high=100)
    if not criteria:
        checks.fail("criteria", "REQUIRED", "criteria must list at least one criterion")
    names = [c.get("name") for c in criteria]
    if len(set(names)) != len(names):
        checks.fail("criteria", "DUPLICATE", "criteria names must be unique")
    for i, criterion in enumerate(criteria):
        checks.text(f"criteria[{i}].name", criterion.get("name", ""), min_len=1, max_len=80)
        checks.range(f"criteria[{i}].weight", criterion.get("weight"), low=1, high=100)


def weighted_total(criteria: list[dict[str, Any]], scale: int, values: dict[str, int]) -> int:
    """The weighted score of one scorecard, rounded half up to hundredths of a percent."""
    weights = sum(c["weight"] for c in criteria)
    points = sum(c["weight"] * values[c["name"]] for c in criteria)
    return half_up(points * FULL, weights * scale)


def check_values(
    criteria: list[dict[str, Any]], scale: int, values: dict[str, int], field: str = "values"
) -> None:
    checks = Checks()
    names = {c["name"] for c in criteria}
    missing = sorted(names - values.keys())
    unknown = sorted(values.keys() - names)
    if missing:
        checks.fail(field, "MISSING", f"{field} needs a score for {', '.join(missing)}")
    if unknown:
        checks.fail(field, "UNKNOWN", f"{field} has no criterion {', '.join(unknown)}")
    for name, value in values.items():
        checks.range(f"{field}.{name}", value, low=0, high=scale)
    checks.done()


def half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


def final_score(totals: Iterable[int]) -> int | None:
    """The mean of the judges' totals, rounded half up; None when nobody scored yet."""
    values = list(totals)
    return half_up(sum(values), len(values)) if values else None


@dataclass(frozen=True)
class Standing:
    entry_id: int
    score: int
    submitted_at: datetime
    registered_at: datetime
    account_id: int
    """The entrant's account (not part of the tie rule)."""


def rank(standings: Iterable[Standing]) -> list[Standing]:
    """Best first, by the documented tie rule."""
    return sorted(standings, key=lambda s: (-s.score, s.submitted_at, s.registered_at, s.entry_id))
