"""Root query fields of the core."""

from __future__ import annotations

from typing import Annotated

import strawberry

from crowdgraph.core import engagements, ledger, organizations, projects, skills, stages, workers
from crowdgraph.core.errors import NotFound
from crowdgraph.core.models import Account as AccountRow
from crowdgraph.core.models import ApiToken as ApiTokenRow
from crowdgraph.core.models import Organization as OrganizationRow
from crowdgraph.core.models import Skill as SkillRow
from crowdgraph.schema.context import Context
from crowdgraph.schema.prefetch import connection_of
from crowdgraph.schema.relay import (
    After,
    Before,
    Connection,
    First,
    Last,
    Node,
    decode_id,
    from_global_id,
    key_of,
)
from crowdgraph.schema.types import (
    Account,
    ApiToken,
    Availability,
    Engagement,
    EngagementStatus,
    FlowStage,
    LedgerEntry,
    Organization,
    Project,
    Skill,
    Worker,
    WorkerKind,
)


@strawberry.input(description="A skill a worker must have, at a level.")
class SkillFilterInput:
    slug: str = strawberry.field(description="The skill's slug, e.g. python.")
    min_level: int = strawberry.field(default=1, description="The lowest level accepted (1-5).")
    verified: bool = strawberry.field(
        default=False, description="True to accept only verified levels."
    )


@strawberry.input(description="Which workers to find; every condition given must hold.")
class WorkerSearchInput:
    skills: list[SkillFilterInput] = strawberry.field(
        default_factory=list, description="Skills the worker must all have."
    )
    kind: WorkerKind | None = strawberry.field(
        default=None, description="Only internal or only external workers; null for both."
    )
    country: str | None = strawberry.field(
        default=None, description="ISO 3166-1 alpha-2 country code; null for any."
    )
    availability: Availability | None = strawberry.field(
        default=None, description="Only workers with this availability; null for any."
    )


@strawberry.type
class CoreQuery:
    @strawberry.field(description="Any object by its global ID, if the caller may see it.")
    async def node(
        self,
        info: strawberry.Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The object's global ID.")],
    ) -> Node | None:
        try:
            type_name, key = from_global_id(id)
            pk = key_of(type_name, key)
        except ValueError:
            return None
        resolve = info.context.registry.nodes.get(type_name)
        if resolve is None:
            return None
        try:
            return await resolve(info.context, pk)
        except NotFound:
            return None

    @strawberry.field(description="The signed-in account, or null.")
    def me(self, info: strawberry.Info) -> Account | None:
        account = info.context.actor.account
        return Account.from_row(account) if account else None

    @strawberry.field(description="The skill taxonomy.")
    async def skills(
        self,
        info: strawberry.Info,
        category: Annotated[
            str | None,
            strawberry.argument(description="Only skills of this category; null for all."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Skill] | None:
        page = await skills.list_skills(info.context.page(first, after, last, before), category)
        return await connection_of(info, page, Skill.from_row)

    @strawberry.field(description="An organization by its slug; null when there is none.")
    async def organization(
        self,
        info: strawberry.Info,
        slug: Annotated[str, strawberry.argument(description="The organization's slug.")],
    ) -> Organization | None:
        row = await OrganizationRow.get_or_none(slug=slug)
        return Organization.from_row(row) if row else None

    @strawberry.field(description="Projects the caller may see.")
    async def projects(
        self,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Project] | None:
        page = await projects.list_projects(
            info.context.actor, info.context.page(first, after, last, before)
        )
        return await connection_of(info, page, Project.from_row)

    @strawberry.field(
        description="Search workers by skills (level, verified), crowd, country and availability."
    )
    async def workers(
        self,
        info: strawberry.Info,
        filter: Annotated[
            WorkerSearchInput | None,
            strawberry.argument(description="Conditions the workers must meet; null for all."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Worker] | None:
        wanted = filter or WorkerSearchInput()
        search = workers.WorkerSearch(
            skills=[workers.SkillFilter(s.slug, s.min_level, s.verified) for s in wanted.skills],
            kind=wanted.kind,
            country=wanted.country,
            availability=wanted.availability,
        )
        page = await workers.search_workers(
            info.context.actor, search, info.context.page(first, after, last, before)
        )
        info.context.prime_joined(page.items, "account", AccountRow)
        return await connection_of(info, page, Worker.from_row)

    @strawberry.field(
        description="Engagements the caller may see: their own, or their organizations'."
    )
    async def engagements(
        self,
        info: strawberry.Info,
        organization_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only this Organization's; null for all visible."),
        ] = None,
        model: Annotated[
            str | None, strawberry.argument(description="Only this staffing model's; null for all.")
        ] = None,
        status: Annotated[
            EngagementStatus | None,
            strawberry.argument(description="Only engagements in this status; null for all."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Engagement] | None:
        org = (
            decode_id(organization_id, "Organization", field="organizationId")
            if organization_id
            else None
        )
        page = await engagements.list_engagements(
            info.context.actor,
            info.context.page(first, after, last, before),
            organization_id=org,
            model=model,
            status=status,
        )
        return await connection_of(info, page, Engagement.from_row)


async def resolve_organization(context: Context, pk: int) -> Organization:
    return Organization.from_row(await organizations.get_organization(pk))


async def resolve_worker(context: Context, pk: int) -> Worker:
    return Worker.from_row(await workers.get_worker(context.actor, pk))


async def resolve_project(context: Context, pk: int) -> Project:
    return Project.from_row(await projects.get_project(context.actor, pk))


async def resolve_flow_stage(context: Context, pk: int) -> FlowStage:
    return FlowStage.from_row(await stages.get_stage(context.actor, pk))


async def resolve_engagement(context: Context, pk: int) -> Engagement:
    return Engagement.from_row(await engagements.get_engagement(context.actor, pk))


async def resolve_account(context: Context, pk: int) -> Account | None:
    """An account is a node for itself only: its fields speak of the caller (tokens, payments)."""
    account = context.actor.account
    return Account.from_row(account) if account is not None and account.id == pk else None


async def resolve_api_token(context: Context, pk: int) -> ApiToken | None:
    account = context.actor.account
    row = await ApiTokenRow.get_or_none(id=pk, account_id=account.id) if account else None
    return ApiToken.from_row(row) if row else None


async def resolve_ledger_entry(context: Context, pk: int) -> LedgerEntry:
    return LedgerEntry.from_row(await ledger.get_entry(context.actor, pk))


async def resolve_skill(context: Context, pk: int) -> Skill | None:
    row = await context.by_id(SkillRow).load(pk)
    return Skill.from_row(row) if row else None


CORE_NODES = {
    "Organization": resolve_organization,
    "Worker": resolve_worker,
    "Project": resolve_project,
    "FlowStage": resolve_flow_stage,
    "Engagement": resolve_engagement,
    "Skill": resolve_skill,
    "Account": resolve_account,
    "ApiToken": resolve_api_token,
    "LedgerEntry": resolve_ledger_entry,
}
