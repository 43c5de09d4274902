"""Eligibility: who may take a piece of work. One function checks every requirement; the core
knows skills, crowd (internal/external) and country, and plugins add kinds of their own.

A requirement is a plain dict stored with the work, ``{"kind": "skill", "skill": "python",
"min_level": 3, "verified": true}``; kinds added by plugins are named ``<plugin>.<what>``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from crowdgraph.core import runtime
from crowdgraph.core.errors import InvalidInput, Problem
from crowdgraph.core.models import Skill, WorkerKind, WorkerProfile, WorkerSkill
from crowdgraph.core.validation import COUNTRY

Requirement = dict[str, Any]


@dataclass(frozen=True)
class Verdict:
    eligible: bool
    reasons: list[str]
    """Why not, one sentence per unmet requirement (empty when eligible)."""


@dataclass(frozen=True)
class RequirementKind:
    """A kind of requirement: how to validate its parameters and how to check a worker against it."""

    name: str
    description: str
    validate: Callable[[Requirement], list[str]]
    """Problems with the parameters, as sentences (empty when valid)."""
    check: Callable[[WorkerProfile, Requirement], Awaitable[str | None]]
    """None when the worker meets it, else the reason they do not."""


def _validate_skill(req: Requirement) -> list[str]:
    problems = []
    if not isinstance(req.get("skill"), str):
        problems.append("skill must be a skill slug")
    level = req.get("min_level", 1)
    if not isinstance(level, int) or not 1 <= level <= 5:
        problems.append(f"min_level must be between 1 and 5 (got {level!r})")
    if not isinstance(req.get("verified", False), bool):
        problems.append("verified must be true or false")
    return problems


async def _check_skill(worker: WorkerProfile, req: Requirement) -> str | None:
    level = req.get("min_level", 1)
    query = WorkerSkill.filter(worker_id=worker.id, skill__slug=req["skill"], level__gte=level)
    if req.get("verified"):
        query = query.filter(verified_at__isnull=False)
    if await query.exists():
        return None
    verified = "verified " if req.get("verified") else ""
    return f"needs {verified}skill {req['skill']} at level {level} or above"


def _validate_crowd(req: Requirement) -> list[str]:
    crowd = req.get("crowd")
    if crowd not in (WorkerKind.INTERNAL.value, WorkerKind.EXTERNAL.value):
        return [f"crowd must be internal or external (got {crowd!r})"]
    return []


async def _check_crowd(worker: WorkerProfile, req: Requirement) -> str | None:
    return None if worker.kind.value == req["crowd"] else f"open to the {req['crowd']} crowd only"


def _validate_country(req: Requirement) -> list[str]:
    countries = req.get("countries")
    if not isinstance(countries, list) or not countries:
        return ["countries must be a non-empty list of ISO 3166 alpha-2 codes"]
    bad = [c for c in countries if not isinstance(c, str) or not COUNTRY.match(c)]
    return [f"countries must be ISO 3166 alpha-2 codes such as DE (got {bad!r})"] if bad else []


async def _check_country(worker: WorkerProfile, req: Requirement) -> str | None:
    if worker.country in req["countries"]:
        return None
    return f"open to workers in {', '.join(req['countries'])} only"


CORE_KINDS = {
    kind.name: kind
    for kind in (
        RequirementKind(
            "skill",
            "a skill at a minimum level, optionally verified",
            _validate_skill,
            _check_skill,
        ),
        RequirementKind(
            "crowd", "internal or external workers only", _validate_crowd, _check_crowd
        ),
        RequirementKind(
            "country", "workers in one of the listed countries", _validate_country, _check_country
        ),
    )
}


def known_kinds() -> dict[str, RequirementKind]:
    return {**CORE_KINDS, **runtime.current().requirement_kinds}


def kind_of(req: Any, kinds: dict[str, RequirementKind]) -> RequirementKind | None:
    """The kind a requirement names, or None (also for malformed requirements from JSON input)."""
    name = req.get("kind") if isinstance(req, dict) else None
    return kinds.get(name) if isinstance(name, str) else None


async def validate_requirements(
    requirements: list[Requirement], field: str = "requirements"
) -> list[Requirement]:
    """Check each requirement names a known kind with valid parameters, and that skills exist."""
    kinds = known_kinds()
    problems: list[Problem] = []
    for index, req in enumerate(requirements):
        where = f"{field}[{index}]"
        kind = kind_of(req, kinds)
        if kind is None:
            name = req.get("kind") if isinstance(req, dict) else req
            problems.append(
                Problem(
                    where,
                    "UNKNOWN_REQUIREMENT",
                    f"{where}.kind must be one of {', '.join(sorted(kinds))} (got {name!r})",
                )
            )
            continue
        problems += [
            Problem(where, "INVALID_REQUIREMENT", f"{where}: {p}") for p in kind.validate(req)
        ]
        if (
            kind.name == "skill"
            and isinstance(req.get("skill"), str)
            and not await Skill.exists(slug=req["skill"])
        ):
            problems.append(
                Problem(where, "UNKNOWN_SKILL", f"{where}: no skill with slug {req['skill']!r}")
            )
    if problems:
        raise InvalidInput(*problems)
    return requirements


async def check(worker: WorkerProfile, requirements: list[Requirement]) -> Verdict:
    """Whether a worker meets every requirement, with the reasons when not."""
    kinds = known_kinds()
    reasons = []
    for req in requirements:
        kind = kind_of(req, kinds)
        if kind is None:
            reasons.append(f"requirement {req.get('kind')!r} is not available on this server")
            continue
        reason = await kind.check(worker, req)
        if reason:
            reasons.append(reason)
    return Verdict(eligible=not reasons, reasons=reasons)
