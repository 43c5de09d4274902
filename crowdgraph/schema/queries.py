"""Root query fields of the core."""

from __future__ import annotations

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
    Connection,
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


@strawberry.input
class SkillFilterInput:
    slug: str
    min_level: int = 1
    verified: bool = False


@strawberry.input
class WorkerSearchInput:
    skills: list[SkillFilterInput] = strawberry.field(default_factory=list)
    kind: WorkerKind | None = None
    country: str | None = None
    availability: Availability | None = None


@strawberry.type
class CoreQuery:
    @strawberry.field(description="Any object by its global ID, if the caller may see it.")
    async def node(self, info: strawberry.Info, id: strawberry.ID) -> Node | None:
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
        category: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Skill]:
        page = await skills.list_skills(info.context.page(first, after), category)
        return await connection_of(info, page, Skill.from_row)

    @strawberry.field
    async def organization(self, info: strawberry.Info, slug: str) -> Organization | None:
        row = await OrganizationRow.get_or_none(slug=slug)
        return Organization.from_row(row) if row else None

    @strawberry.field(description="Projects the caller may see.")
    async def projects(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None
    ) -> Connection[Project]:
        page = await projects.list_projects(info.context.actor, info.context.page(first, after))
        return await connection_of(info, page, Project.from_row)

    @strawberry.field(
        description="Search workers by skills (level, verified), crowd, country and availability."
    )
    async def workers(
        self,
        info: strawberry.Info,
        filter: WorkerSearchInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Worker]:
        wanted = filter or WorkerSearchInput()
        search = workers.WorkerSearch(
            skills=[workers.SkillFilter(s.slug, s.min_level, s.verified) for s in wanted.skills],
            kind=wanted.kind,
            country=wanted.country,
            availability=wanted.availability,
        )
        page = await workers.search_workers(
            info.context.actor, search, info.context.page(first, after)
        )
        info.context.prime_joined(page.items, "account", AccountRow)
        return await connection_of(info, page, Worker.from_row)

    @strawberry.field(
        description="Engagements the caller may see: their own, or their organizations'."
    )
    async def engagements(
        self,
        info: strawberry.Info,
        organization_id: strawberry.ID | None = None,
        model: str | None = None,
        status: EngagementStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Engagement]:
        org = (
            decode_id(organization_id, "Organization", field="organizationId")
            if organization_id
            else None
        )
        page = await engagements.list_engagements(
            info.context.actor,
            info.context.page(first, after),
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
