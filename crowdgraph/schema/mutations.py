"""Root mutations of the core: each takes one ``input`` and returns a payload with ``userErrors``."""

from __future__ import annotations

from datetime import timedelta

import strawberry

from crowdgraph.core import accounts, ledger, organizations, projects, skills, workers
from crowdgraph.ratelimit import client_address
from crowdgraph.schema.errors import Payload, run_mutation
from crowdgraph.schema.relay import decode_id
from crowdgraph.schema.types import (
    Account,
    ApiToken,
    Audience,
    Availability,
    Budget,
    LedgerEntry,
    Long,
    MemberRole,
    Membership,
    Organization,
    Project,
    ProjectStatus,
    Role,
    Skill,
    Worker,
    WorkerSkill,
)


@strawberry.type
class RegisterPayload(Payload):
    account: Account | None = strawberry.field(
        default=None, description="The new account; null when refused."
    )
    token: str | None = strawberry.field(
        default=None, description="A session token to send as Bearer; null when refused."
    )


@strawberry.type
class LoginPayload(Payload):
    account: Account | None = strawberry.field(
        default=None, description="The signed-in account; null when refused."
    )
    token: str | None = strawberry.field(
        default=None, description="A session token to send as Bearer; null when refused."
    )


@strawberry.type
class LogoutPayload(Payload):
    ok: bool | None = strawberry.field(
        default=None, description="True once the token is revoked; null when refused."
    )


@strawberry.type
class CreateApiTokenPayload(Payload):
    api_token: ApiToken | None = strawberry.field(
        default=None, description="The new token's record; null when refused."
    )
    token: str | None = strawberry.field(
        default=None, description="The secret, shown this once: store it now."
    )


@strawberry.type
class RevokeApiTokenPayload(Payload):
    api_token: ApiToken | None = strawberry.field(
        default=None, description="The revoked token; null when refused."
    )


@strawberry.type(description="The result of a change to a worker profile.")
class WorkerPayload(Payload):
    worker: Worker | None = strawberry.field(
        default=None, description="The worker as changed; null when refused."
    )


@strawberry.type(description="The result of a change to a worker's skill.")
class WorkerSkillPayload(Payload):
    worker_skill: WorkerSkill | None = strawberry.field(
        default=None, description="The skill as changed; null when refused."
    )


@strawberry.type
class SkillPayload(Payload):
    skill: Skill | None = strawberry.field(
        default=None, description="The new skill; null when refused."
    )


@strawberry.type
class OrganizationPayload(Payload):
    organization: Organization | None = strawberry.field(
        default=None, description="The organization; null when refused."
    )


@strawberry.type
class MembershipPayload(Payload):
    membership: Membership | None = strawberry.field(
        default=None, description="The new membership; null when refused."
    )


@strawberry.type(description="The result of creating or changing a project.")
class ProjectPayload(Payload):
    project: Project | None = strawberry.field(
        default=None, description="The project as saved; null when refused."
    )


@strawberry.type
class FundBudgetPayload(Payload):
    entry: LedgerEntry | None = strawberry.field(
        default=None, description="The ledger entry of the funding; null when refused."
    )
    budget: Budget | None = strawberry.field(
        default=None, description="The budget after funding; null when refused."
    )


@strawberry.input
class RegisterInput:
    email: str = strawberry.field(description="The email address to sign in with; unique.")
    name: str = strawberry.field(description="The display name.")
    password: str = strawberry.field(description=accounts.PASSWORD_RULE)
    role: Role = strawberry.field(
        default=Role.WORKER, description="Worker or client (admins are not self-registered)."
    )


@strawberry.input
class LoginInput:
    email: str = strawberry.field(description="The account's email address.")
    password: str = strawberry.field(description="The account's password.")


@strawberry.input
class CreateApiTokenInput:
    name: str = strawberry.field(description="A name to recognise the token by, e.g. the script's.")
    expires_in_days: int | None = strawberry.field(
        default=None, description="Days until it expires; null for the server's default."
    )


@strawberry.input
class RevokeApiTokenInput:
    id: strawberry.ID = strawberry.field(
        description="The ApiToken to revoke (one of the caller's)."
    )


@strawberry.input(description="An amount of money: integer minor units and an ISO 4217 currency.")
class MoneyInput:
    amount: Long = strawberry.field(description="The amount in minor units (cents for USD).")
    currency: str = strawberry.field(description="The ISO 4217 currency code, e.g. USD.")


@strawberry.input
class UpdateWorkerProfileInput:
    headline: str | None = strawberry.field(default=None, description="A one-line pitch.")
    bio: str | None = strawberry.field(default=None, description="A longer self-description.")
    country: str | None = strawberry.field(
        default=None, description="ISO 3166-1 alpha-2 country code, e.g. DE."
    )
    timezone: str | None = strawberry.field(
        default=None, description="IANA time zone, e.g. Europe/Berlin."
    )
    hourly_rate: MoneyInput | None = strawberry.field(
        default=None, description="The rate asked for an hour of work."
    )
    availability: Availability | None = strawberry.field(
        default=None, description="How much work they can take on now."
    )
    hours_per_week: int | None = strawberry.field(
        default=None, description="Hours a week on offer."
    )


@strawberry.input
class SetWorkerSkillInput:
    skill: str = strawberry.field(description="The skill's slug.")
    level: int = strawberry.field(description="From 1 (beginner) to 5 (expert).")


@strawberry.input
class RemoveWorkerSkillInput:
    skill: str = strawberry.field(description="The slug of the skill to remove from my profile.")


@strawberry.input
class CreateSkillInput:
    slug: str = strawberry.field(description="The skill's unique key, lowercase, e.g. python.")
    name: str = strawberry.field(description="The skill's display name.")
    category: str = strawberry.field(description="The group to list it under, e.g. engineering.")


@strawberry.input
class VerifyWorkerSkillInput:
    worker_id: strawberry.ID = strawberry.field(description="The Worker whose skill to verify.")
    skill: str = strawberry.field(description="The skill's slug.")
    level: int = strawberry.field(description="The verified level, from 1 to 5.")


@strawberry.input
class CreateOrganizationInput:
    name: str = strawberry.field(description="The organization's display name.")
    slug: str = strawberry.field(description="A unique short name for URLs, lowercase.")
    currency: str = strawberry.field(
        default="USD", description="The ISO 4217 currency of its budget; it cannot change later."
    )


@strawberry.input
class AddOrganizationMemberInput:
    organization_id: strawberry.ID = strawberry.field(description="The Organization to add to.")
    email: str = strawberry.field(description="The email of an existing client account.")
    role: MemberRole = strawberry.field(description="Owner or manager.")


@strawberry.input
class AddEmployeeInput:
    organization_id: strawberry.ID = strawberry.field(
        description="The Organization that employs the worker."
    )
    email: str = strawberry.field(description="The new worker account's email; unique.")
    name: str = strawberry.field(description="The worker's display name.")
    password: str = strawberry.field(description=accounts.PASSWORD_RULE)


@strawberry.input
class CreateProjectInput:
    organization_id: strawberry.ID = strawberry.field(
        description="The Organization that owns the project."
    )
    name: str = strawberry.field(description="The project's name.")
    description: str = strawberry.field(default="", description="What the project is about.")
    audience: Audience = strawberry.field(
        default=Audience.BOTH, description="Which crowd may see and take its work."
    )


@strawberry.input
class UpdateProjectInput:
    project_id: strawberry.ID = strawberry.field(description="The Project to change.")
    name: str | None = strawberry.field(default=None, description="A new name.")
    description: str | None = strawberry.field(default=None, description="A new description.")
    audience: Audience | None = strawberry.field(
        default=None, description="Which crowd may see and take its work from now on."
    )
    status: ProjectStatus | None = strawberry.field(
        default=None, description="ARCHIVED to close it, ACTIVE to reopen it."
    )


@strawberry.input
class FundBudgetInput:
    organization_id: strawberry.ID = strawberry.field(description="The Organization to fund.")
    amount: Long = strawberry.field(
        description="How much to add, in minor units of the organization's currency."
    )
    idempotency_key: str = strawberry.field(description="Send the same key again to retry safely.")
    memo: str = strawberry.field(default="", description="A note kept on the ledger entry.")


def org_id(global_id: str) -> int:
    return decode_id(global_id, "Organization", field="organizationId")


@strawberry.type
class CoreMutation:
    @strawberry.mutation(description="Sign up as a worker or a client, and get a login token.")
    async def register(self, info: strawberry.Info, input: RegisterInput) -> RegisterPayload:
        async def act() -> dict[str, object]:
            account = await accounts.register(input.email, input.name, input.password, input.role)
            token, _ = await accounts.issue_token(
                account, accounts.TokenKind.SESSION, "login", session_lifetime(info)
            )
            return {"account": Account.from_row(account), "token": token}

        return await run_mutation(RegisterPayload, act())

    @strawberry.mutation(
        description="Exchange email and password for a bearer token. Failed logins are limited "
        "per email and per address: past the limit, TOO_MANY_ATTEMPTS says when to try again."
    )
    async def login(self, info: strawberry.Info, input: LoginInput) -> LoginPayload:
        async def act() -> dict[str, object]:
            token, row = await accounts.login(
                input.email,
                input.password,
                session_lifetime(info),
                address=caller_address(info),
                limits=login_limits(info),
            )
            account = await row.account
            return {"account": Account.from_row(account), "token": token}

        return await run_mutation(LoginPayload, act())

    @strawberry.mutation(description="Revoke the token this request was made with.")
    async def logout(self, info: strawberry.Info) -> LogoutPayload:
        async def act() -> dict[str, object]:
            await accounts.logout(info.context.actor)
            return {"ok": True}

        return await run_mutation(LogoutPayload, act())

    @strawberry.mutation(description="A long-lived API token for scripts; shown once.")
    async def create_api_token(
        self, info: strawberry.Info, input: CreateApiTokenInput
    ) -> CreateApiTokenPayload:
        async def act() -> dict[str, object]:
            days = input.expires_in_days
            if days is None:
                days = info.context.platform.settings.auth.api_token_days
            token, row = await accounts.create_api_token(info.context.actor, input.name, days)
            return {"api_token": ApiToken.from_row(row), "token": token}

        return await run_mutation(CreateApiTokenPayload, act())

    @strawberry.mutation(description="Revoke one of my tokens; it stops working at once.")
    async def revoke_api_token(
        self, info: strawberry.Info, input: RevokeApiTokenInput
    ) -> RevokeApiTokenPayload:
        async def act() -> dict[str, object]:
            row = await accounts.revoke_token(info.context.actor, decode_id(input.id, "ApiToken"))
            return {"api_token": ApiToken.from_row(row)}

        return await run_mutation(RevokeApiTokenPayload, act())

    @strawberry.mutation(description="Edit my worker profile; fields left out stay as they are.")
    async def update_worker_profile(
        self, info: strawberry.Info, input: UpdateWorkerProfileInput
    ) -> WorkerPayload:
        async def act() -> dict[str, object]:
            rate = input.hourly_rate
            changes = workers.ProfileChanges(
                headline=input.headline,
                bio=input.bio,
                country=input.country,
                timezone=input.timezone,
                hourly_rate=rate.amount if rate else None,
                currency=rate.currency if rate else None,
                availability=input.availability,
                hours_per_week=input.hours_per_week,
            )
            return {
                "worker": Worker.from_row(
                    await workers.update_my_profile(info.context.actor, changes)
                )
            }

        return await run_mutation(WorkerPayload, act())

    @strawberry.mutation(description="Declare one of my skills at a level (1-5).")
    async def set_worker_skill(
        self, info: strawberry.Info, input: SetWorkerSkillInput
    ) -> WorkerSkillPayload:
        async def act() -> dict[str, object]:
            row = await skills.set_my_skill(info.context.actor, input.skill, input.level)
            return {"worker_skill": WorkerSkill.from_row(row)}

        return await run_mutation(WorkerSkillPayload, act())

    @strawberry.mutation(description="Remove a skill from my worker profile.")
    async def remove_worker_skill(
        self, info: strawberry.Info, input: RemoveWorkerSkillInput
    ) -> WorkerPayload:
        async def act() -> dict[str, object]:
            await skills.remove_my_skill(info.context.actor, input.skill)
            profile = await info.context.actor.require_worker()
            return {"worker": Worker.from_row(profile)}

        return await run_mutation(WorkerPayload, act())

    @strawberry.mutation(description="Add a skill to the taxonomy (admins).")
    async def create_skill(self, info: strawberry.Info, input: CreateSkillInput) -> SkillPayload:
        async def act() -> dict[str, object]:
            row = await skills.create_skill(
                info.context.actor, input.slug, input.name, input.category
            )
            return {"skill": Skill.from_row(row)}

        return await run_mutation(SkillPayload, act())

    @strawberry.mutation(description="Verify a worker's skill at a level (admins).")
    async def verify_worker_skill(
        self, info: strawberry.Info, input: VerifyWorkerSkillInput
    ) -> WorkerSkillPayload:
        async def act() -> dict[str, object]:
            worker = decode_id(input.worker_id, "Worker", field="workerId")
            row = await skills.verify_skill(info.context.actor, worker, input.skill, input.level)
            return {"worker_skill": WorkerSkill.from_row(row)}

        return await run_mutation(WorkerSkillPayload, act())

    @strawberry.mutation(description="Create an organization; the caller becomes its owner.")
    async def create_organization(
        self, info: strawberry.Info, input: CreateOrganizationInput
    ) -> OrganizationPayload:
        async def act() -> dict[str, object]:
            row = await organizations.create_organization(
                info.context.actor, input.name, input.slug, input.currency
            )
            return {"organization": Organization.from_row(row)}

        return await run_mutation(OrganizationPayload, act())

    @strawberry.mutation(description="Add a client account as owner or manager (owners).")
    async def add_organization_member(
        self, info: strawberry.Info, input: AddOrganizationMemberInput
    ) -> MembershipPayload:
        async def act() -> dict[str, object]:
            row = await organizations.add_member(
                info.context.actor, org_id(input.organization_id), input.email, input.role
            )
            await row.fetch_related("account")
            return {"membership": Membership.from_row(row)}

        return await run_mutation(MembershipPayload, act())

    @strawberry.mutation(
        description="Create an internal-crowd worker employed by the organization."
    )
    async def add_employee(self, info: strawberry.Info, input: AddEmployeeInput) -> WorkerPayload:
        async def act() -> dict[str, object]:
            row = await organizations.add_employee(
                info.context.actor,
                org_id(input.organization_id),
                input.email,
                input.name,
                input.password,
            )
            return {"worker": Worker.from_row(row)}

        return await run_mutation(WorkerPayload, act())

    @strawberry.mutation(description="Create a project in an organization (owners and managers).")
    async def create_project(
        self, info: strawberry.Info, input: CreateProjectInput
    ) -> ProjectPayload:
        async def act() -> dict[str, object]:
            row = await projects.create_project(
                info.context.actor,
                org_id(input.organization_id),
                input.name,
                input.description,
                input.audience,
            )
            return {"project": Project.from_row(row)}

        return await run_mutation(ProjectPayload, act())

    @strawberry.mutation(
        description="Change a project; fields left out stay as they are (owners and managers)."
    )
    async def update_project(
        self, info: strawberry.Info, input: UpdateProjectInput
    ) -> ProjectPayload:
        async def act() -> dict[str, object]:
            row = await projects.update_project(
                info.context.actor,
                decode_id(input.project_id, "Project", field="projectId"),
                name=input.name,
                description=input.description,
                audience=input.audience,
                status=input.status,
            )
            return {"project": Project.from_row(row)}

        return await run_mutation(ProjectPayload, act())

    @strawberry.mutation(description="Add money to an organization's budget (owners).")
    async def fund_budget(self, info: strawberry.Info, input: FundBudgetInput) -> FundBudgetPayload:
        async def act() -> dict[str, object]:
            org = org_id(input.organization_id)
            entry = await ledger.fund(
                info.context.actor, org, input.amount, input.idempotency_key, input.memo
            )
            budget = await ledger.budget(info.context.actor, org)
            return {"entry": LedgerEntry.from_row(entry), "budget": Budget.from_budget(budget)}

        return await run_mutation(FundBudgetPayload, act())


def session_lifetime(info: strawberry.Info) -> timedelta:
    return timedelta(hours=info.context.platform.settings.auth.session_hours)


def login_limits(info: strawberry.Info) -> accounts.LoginLimits:
    auth = info.context.platform.settings.auth
    return accounts.LoginLimits(
        per_account=auth.login_failures_per_account,
        per_address=auth.login_failures_per_address,
        window=timedelta(minutes=auth.login_window_minutes),
    )


def caller_address(info: strawberry.Info) -> str | None:
    """The client address of the request (as the rate limits see it), if there is a request."""
    request = info.context.request
    if request is None:
        return None
    return client_address(request.scope, info.context.platform.settings.server.trusted_proxies)
