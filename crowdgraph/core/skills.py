"""The skill taxonomy (curated by admins) and verified worker skills."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError

from crowdgraph.core import runtime
from crowdgraph.core.actor import Actor
from crowdgraph.core.errors import InvalidInput, NotFound
from crowdgraph.core.models import Skill, VerifiedBy, WorkerProfile, WorkerSkill
from crowdgraph.core.pages import Page, PageRequest, fetch_page
from crowdgraph.core.validation import SLUG, Checks

LEVELS = (1, 5)


def check_level(checks: Checks, level: int, field: str = "level") -> None:
    checks.range(field, level, low=LEVELS[0], high=LEVELS[1])


async def create_skill(actor: Actor, slug: str, name: str, category: str) -> Skill:
    actor.require_admin()
    checks = Checks()
    checks.pattern("slug", slug, SLUG, "lowercase letters, digits and single dashes")
    checks.text("slug", slug, max_len=60)
    checks.text("name", name, min_len=1, max_len=120)
    checks.text("category", category, min_len=1, max_len=60)
    checks.done()
    try:
        return await Skill.create(
            slug=slug, name=name.strip(), category=category.strip(), created_at=runtime.now()
        )
    except IntegrityError as exc:
        raise InvalidInput.one("slug", "TAKEN", f"skill {slug} already exists") from exc


async def skill_by_slug(slug: str, field: str = "skill") -> Skill:
    skill = await Skill.get_or_none(slug=slug)
    if skill is None:
        raise InvalidInput.one(field, "UNKNOWN_SKILL", f"no skill with slug {slug!r}")
    return skill


async def list_skills(page: PageRequest, category: str | None = None) -> Page[Skill]:
    query = Skill.all()
    if category:
        query = query.filter(category=category)
    return await fetch_page(query, page)


async def set_my_skill(actor: Actor, slug: str, level: int) -> WorkerSkill:
    """A worker declares a skill and level; changing the level of a verified skill unverifies it."""
    worker = await actor.require_worker()
    checks = Checks()
    check_level(checks, level)
    checks.done()
    skill = await skill_by_slug(slug)
    row = await WorkerSkill.get_or_none(worker_id=worker.id, skill_id=skill.id)
    now = runtime.now()
    if row is None:
        return await WorkerSkill.create(worker=worker, skill=skill, level=level, updated_at=now)
    if row.level != level:
        row.level = level
        row.verified_at = None
        row.verified_by = None
        row.verified_source = ""
        row.updated_at = now
        await row.save()
    return row


async def remove_my_skill(actor: Actor, slug: str) -> None:
    worker = await actor.require_worker()
    skill = await skill_by_slug(slug)
    await WorkerSkill.filter(worker_id=worker.id, skill_id=skill.id).delete()


async def record_verification(
    worker_id: int, skill_id: int, level: int, by: VerifiedBy, source: str
) -> WorkerSkill:
    """Mark a worker's skill verified at ``level`` by an admin, an exam or a track record.

    Services call it after their own permission checks; a lower level never replaces a higher
    verified one.
    """
    now = runtime.now()
    row = await WorkerSkill.get_or_none(worker_id=worker_id, skill_id=skill_id)
    if row is None:
        return await WorkerSkill.create(
            worker_id=worker_id,
            skill_id=skill_id,
            level=level,
            verified_at=now,
            verified_by=by,
            verified_source=source,
            updated_at=now,
        )
    if row.verified_at is not None and row.level > level:
        return row
    row.level = level
    row.verified_at = now
    row.verified_by = by
    row.verified_source = source
    row.updated_at = now
    await row.save()
    return row


async def verify_skill(actor: Actor, worker_id: int, slug: str, level: int) -> WorkerSkill:
    """An admin verifies a worker's skill at a level."""
    admin = actor.require_admin()
    checks = Checks()
    check_level(checks, level)
    checks.done()
    if not await WorkerProfile.exists(id=worker_id):
        raise NotFound("no such worker")
    skill = await skill_by_slug(slug)
    return await record_verification(
        worker_id, skill.id, level, VerifiedBy.ADMIN, f"{admin.name} (admin {admin.id})"
    )
