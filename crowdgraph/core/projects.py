"""Projects: an organization's work, offered to its internal crowd, the external crowd, or both."""

from __future__ import annotations

from typing import Any

from tortoise.expressions import Q

from crowdgraph.core import runtime
from crowdgraph.core.actor import Actor
from crowdgraph.core.errors import NotFound
from crowdgraph.core.events import emit
from crowdgraph.core.models import (
    Audience,
    Project,
    ProjectStatus,
    WorkerKind,
    WorkerProfile,
)
from crowdgraph.core.pages import Page, PageRequest, fetch_page
from crowdgraph.core.transaction import atomic
from crowdgraph.core.validation import Checks


def audience_admits(audience: Audience, organization_id: int, worker: WorkerProfile) -> bool:
    """Internal work is for the organization's own employees; external work for independents."""
    internal = worker.kind == WorkerKind.INTERNAL and worker.employer_id == organization_id
    if audience == Audience.INTERNAL:
        return internal
    if audience == Audience.EXTERNAL:
        return worker.kind == WorkerKind.EXTERNAL
    return internal or worker.kind == WorkerKind.EXTERNAL


def audience_rule(worker: WorkerProfile, organization_field: str = "organization_id") -> Q:
    """The same rule as ``audience_admits``, as a filter over rows with ``audience``."""
    if worker.kind == WorkerKind.EXTERNAL:
        return Q(audience__in=[Audience.EXTERNAL, Audience.BOTH])
    employer: dict[str, Any] = {organization_field: worker.employer_id}
    return Q(audience__in=[Audience.INTERNAL, Audience.BOTH]) & Q(**employer)


async def visible_projects(actor: Actor) -> Q:
    if actor.is_admin:
        return Q()
    rule = Q(organization_id__in=list(actor.memberships))
    worker = await actor.worker()
    if worker is not None:
        rule |= audience_rule(worker) & Q(status=ProjectStatus.ACTIVE)
    return rule


async def create_project(
    actor: Actor, organization_id: int, name: str, description: str, audience: Audience
) -> Project:
    account = await actor.manages(organization_id)
    checks = Checks()
    checks.text("name", name, min_len=1, max_len=160)
    checks.text("description", description, max_len=20_000)
    checks.done()
    async with atomic():
        project = await Project.create(
            organization_id=organization_id,
            name=name.strip(),
            description=description,
            audience=audience,
            created_by=account,
            created_at=runtime.now(),
        )
        await emit(
            "core.project.created",
            {"project_id": project.id, "name": project.name, "audience": audience.value},
            organization_id=organization_id,
            project_id=project.id,
        )
    return project


async def get_project(actor: Actor, project_id: int) -> Project:
    actor.require_account()
    project = await Project.get_or_none(Q(id=project_id) & await visible_projects(actor))
    if project is None:
        raise NotFound("no such project")
    return project


async def get_managed_project(actor: Actor, project_id: int) -> Project:
    """A project the caller manages (owner, manager or admin)."""
    project = await get_project(actor, project_id)
    actor.require_manager(project.organization_id)
    return project


async def update_project(
    actor: Actor,
    project_id: int,
    *,
    name: str | None = None,
    description: str | None = None,
    audience: Audience | None = None,
    status: ProjectStatus | None = None,
) -> Project:
    project = await get_managed_project(actor, project_id)
    checks = Checks()
    checks.text("name", name, min_len=1, max_len=160)
    checks.text("description", description, max_len=20_000)
    if project.learning and audience not in (None, Audience.INTERNAL):
        checks.fail(
            "audience",
            "LEARNING_IS_INTERNAL",
            "a learning opportunity is for the internal crowd: unmark it before opening it wider",
        )
    checks.done()
    if name is not None:
        project.name = name.strip()
    if description is not None:
        project.description = description
    if audience is not None:
        project.audience = audience
    if status is not None:
        project.status = status
    await project.save()
    return project


async def list_projects(
    actor: Actor, page: PageRequest, organization_id: int | None = None
) -> Page[Project]:
    actor.require_account()
    query = Project.filter(await visible_projects(actor))
    if organization_id is not None:
        query = query.filter(organization_id=organization_id)
    return await fetch_page(query, page)
