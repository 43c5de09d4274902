"""Small rules the marketplace's services share."""

from __future__ import annotations

from crowdgraph.core.errors import NotFound
from crowdgraph.core.skills import skill_by_slug
from crowdgraph.core.validation import Checks

MODEL = "marketplace"
MAX_SKILLS = 20


async def check_skills(slugs: list[str], field: str = "skills") -> list[str]:
    """Every slug names a skill of the taxonomy; returns them without duplicates, in order."""
    checks = Checks()
    if len(slugs) > MAX_SKILLS:
        checks.fail(field, "TOO_MANY", f"{field} may list at most {MAX_SKILLS} skills")
    checks.done()
    unique = list(dict.fromkeys(slugs))
    for index, slug in enumerate(unique):
        await skill_by_slug(slug, f"{field}[{index}]")
    return unique


def missing(what: str) -> NotFound:
    return NotFound(f"no such {what}")
