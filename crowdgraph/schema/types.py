"""GraphQL types of the core. Leaf fields are plain attributes; relations go through DataLoaders."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import Enum
from typing import Annotated, NewType

import strawberry
from strawberry.scalars import JSON
from strawberry.types.scalar import ScalarDefinition

from crowdgraph.core import (
    accounts,
    engagements,
    learning,
    ledger,
    models,
    organizations,
    projects,
    workforce,
)
from crowdgraph.core import stages as flow_stages
from crowdgraph.core.eligibility import Verdict
from crowdgraph.core.errors import NotFound
from crowdgraph.core.models import (
    Audience,
    Availability,
    EngagementStatus,
    MemberRole,
    ProjectStatus,
    Role,
    StageStatus,
    TokenKind,
    VerifiedBy,
    WorkerKind,
)
from crowdgraph.schema.context import Context, Loader
from crowdgraph.schema.descriptions import described_enum
from crowdgraph.schema.prefetch import connection_of, prefetcher, prefetches_by_id, then
from crowdgraph.schema.relay import After, Before, Connection, First, Last, Node, to_global_id

Long = NewType("Long", int)
"""A 53-bit safe integer: amounts of money in minor units (GraphQL's Int has only 32 bits)."""
LONG_MAX = 2**53 - 1


def parse_long(value: object) -> int:
    """A whole number within 53 bits (what JavaScript clients hold exactly), else a caller's error."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"Long must be a whole number (got {value!r})")
    if not -LONG_MAX <= value <= LONG_MAX:
        raise ValueError(f"Long must be between -{LONG_MAX} and {LONG_MAX} (got {value})")
    return value


SCALARS: dict[object, ScalarDefinition] = {
    Long: strawberry.scalar(
        name="Long",
        description="A 53-bit safe integer (money in minor units).",
        serialize=int,
        parse_value=parse_long,
    )
}

# The core's enums are GraphQL enums under their own names.
described_enum(
    Role,
    "What an account is on the platform.",
    {
        Role.ADMIN: "Runs the platform: verifies skills, sees everything.",
        Role.CLIENT: "Belongs to organizations that fund and staff work.",
        Role.WORKER: "Does work: has a worker profile.",
    },
)
described_enum(
    MemberRole,
    "What a client account may do in an organization.",
    {
        MemberRole.OWNER: "Everything, including funding the budget and adding members.",
        MemberRole.MANAGER: "Runs projects and work, without changing members or funding.",
    },
)
described_enum(
    WorkerKind,
    "Whether a worker is employed by an organization or independent.",
    {
        WorkerKind.INTERNAL: "An employee of one organization (its internal crowd).",
        WorkerKind.EXTERNAL: "An independent member of the open crowd.",
    },
)
described_enum(
    Availability,
    "How much work a worker can take on now.",
    {
        Availability.AVAILABLE: "Open to new work.",
        Availability.LIMITED: "Open to a little new work.",
        Availability.UNAVAILABLE: "Not taking new work.",
    },
)
described_enum(
    VerifiedBy,
    "How a worker's skill level was verified.",
    {
        VerifiedBy.ADMIN: "By a platform admin.",
        VerifiedBy.EXAM: "By passing an exam.",
        VerifiedBy.TRACK_RECORD: "By the worker's accepted work (e.g. gold accuracy in a batch).",
    },
)
described_enum(
    Audience,
    "Which crowd may see and take a project's work.",
    {
        Audience.INTERNAL: "Only the organization's own employees.",
        Audience.EXTERNAL: "Only independent workers.",
        Audience.BOTH: "Employees and independent workers.",
    },
)
described_enum(
    ProjectStatus,
    "Whether a project takes changes.",
    {
        ProjectStatus.ACTIVE: "In use.",
        ProjectStatus.ARCHIVED: "Closed and kept for the record.",
    },
)
described_enum(
    EngagementStatus,
    "Where a worker's piece of work is in its life.",
    {
        EngagementStatus.PENDING: "Agreed but not started.",
        EngagementStatus.ACTIVE: "Under way.",
        EngagementStatus.COMPLETED: "Done and accepted.",
        EngagementStatus.CANCELLED: "Stopped before it was done, by either side.",
        EngagementStatus.FAILED: "Done but not accepted (rejected, lapsed or lost).",
    },
)
described_enum(
    TokenKind,
    "What a bearer token was issued for.",
    {
        TokenKind.SESSION: "A login session, from register or login.",
        TokenKind.API: "A long-lived token for scripts, from createApiToken.",
    },
)
described_enum(
    StageStatus,
    "Where a stage of a project's flow is.",
    {
        StageStatus.PENDING: "Waiting for the stages before it.",
        StageStatus.RUNNING: "Started: its record takes workers.",
        StageStatus.COMPLETED: "Done: the next stage may start.",
        StageStatus.CANCELLED: "Stopped; the flow does not go on through it.",
    },
)


@strawberry.type(
    description="An amount of money: integer minor units (cents) and an ISO 4217 currency."
)
class Money:
    amount: Long = strawberry.field(description="The amount in minor units (cents for USD).")
    currency: str = strawberry.field(description="The ISO 4217 currency code, e.g. USD.")

    @classmethod
    def of(cls, amount: int, currency: str) -> Money:
        return cls(amount=Long(amount), currency=currency)


def money(amount: int | None, currency: str) -> Money | None:
    return None if amount is None else Money.of(amount, currency)


@strawberry.type(description="A client company that funds projects and hires workers.")
class Organization(Node):
    pk: strawberry.Private[int]
    name: str = strawberry.field(description="The organization's display name.")
    slug: str = strawberry.field(description="Its unique short name, as used in URLs.")
    currency: str = strawberry.field(description="The ISO 4217 currency of its budget and pay.")
    created_at: datetime = strawberry.field(description="When it was created (UTC, ISO 8601).")

    @classmethod
    def from_row(cls, row: models.Organization) -> Organization:
        return cls(
            id=to_global_id("Organization", row.id),
            pk=row.id,
            name=row.name,
            slug=row.slug,
            currency=row.currency,
            created_at=row.created_at,
        )

    @classmethod
    def from_optional_row(cls, row: models.Organization | None) -> Organization | None:
        return cls.from_row(row) if row else None

    @strawberry.field(
        description="Owners and managers (visible to them and to admins).",
        deprecation_reason="Use membersConnection: pages and totalCount.",
    )
    async def members(self, info: strawberry.Info) -> list[Membership]:
        rows = await organizations.members(info.context.actor, self.pk)
        return [Membership.from_row(row) for row in rows]

    @strawberry.field(
        description="Owners and managers, a page at a time, oldest first (visible to them and to "
        "admins)."
    )
    async def members_connection(
        self,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Membership]:
        page = await organizations.member_page(
            info.context.actor, self.pk, info.context.page(first, after, last, before)
        )
        return await connection_of(info, page, Membership.from_row)

    @strawberry.field(description="Funded, available, held and spent money (owners and managers).")
    async def budget(self, info: strawberry.Info) -> Budget:
        return Budget.from_budget(await ledger.budget(info.context.actor, self.pk))

    @strawberry.field(description="The organization's projects the caller may see.")
    async def projects(
        self,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Project]:
        page = await projects.list_projects(
            info.context.actor,
            info.context.page(first, after, last, before),
            organization_id=self.pk,
        )
        return await connection_of(info, page, Project.from_row)

    @strawberry.field(description="Movements of the organization's money (owners and managers).")
    async def ledger_entries(
        self,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[LedgerEntry]:
        page = await ledger.organization_entries(
            info.context.actor, self.pk, info.context.page(first, after, last, before)
        )
        return await connection_of(info, page, LedgerEntry.from_row)

    @strawberry.field(
        description="Who worked for it under which model, spend per model and per worker, effective "
        "hourly pay, and classification warnings (owners and managers)."
    )
    async def workforce(
        self,
        info: strawberry.Info,
        first: Annotated[
            int | None,
            strawberry.argument(description="How many of the best-paid members to list."),
        ] = None,
    ) -> Workforce:
        found = await workforce.workforce(info.context.actor, self.pk)
        return Workforce.build(found, info.context.page(first, None, None, None).size)

    @strawberry.field(
        description="Skills its open work asks for against the verified workers who have them, "
        "thinnest first (owners and managers)."
    )
    async def skills_in_demand(self, info: strawberry.Info) -> list[SkillDemand]:
        rows = await workforce.skills_in_demand(info.context.actor, self.pk)
        return [SkillDemand.from_demand(row) for row in rows]


@strawberry.type(description="Another account, as a member or colleague sees it (no email).")
class AccountSummary:
    pk: strawberry.Private[int]
    name: str = strawberry.field(description="The account holder's display name.")

    @classmethod
    def of(cls, account: models.Account | None) -> AccountSummary | None:
        return cls(pk=account.id, name=account.name) if account else None


def account_name(account: models.Account | None) -> str:
    return account.name if account else ""


@strawberry.type(description="An account's role in an organization.")
class Membership:
    role: MemberRole = strawberry.field(description="Owner or manager.")
    account: AccountSummary = strawberry.field(description="The member.")
    created_at: datetime = strawberry.field(description="When they joined (UTC, ISO 8601).")

    @classmethod
    def from_row(cls, row: models.Membership) -> Membership:
        return cls(
            role=row.role,
            account=AccountSummary(pk=row.account.id, name=row.account.name),
            created_at=row.created_at,
        )


@strawberry.type(description="A skill of the platform's taxonomy, which work asks for.")
class Skill(Node):
    pk: strawberry.Private[int]
    slug: str = strawberry.field(description="The skill's unique key, e.g. python; inputs use it.")
    name: str = strawberry.field(description="The skill's display name.")
    category: str = strawberry.field(description="The group it is listed under, e.g. engineering.")

    @classmethod
    def from_row(cls, row: models.Skill) -> Skill:
        return cls(
            id=to_global_id("Skill", row.id),
            pk=row.id,
            slug=row.slug,
            name=row.name,
            category=row.category,
        )


@strawberry.type(description="A skill a worker declared, at a level, and whether it was verified.")
class WorkerSkill:
    skill_pk: strawberry.Private[int]
    level: int = strawberry.field(description="From 1 (beginner) to 5 (expert).")
    verified: bool = strawberry.field(description="Whether the level was verified.")
    verified_by: VerifiedBy | None = strawberry.field(
        description="How it was verified; null while unverified."
    )
    verified_source: str = strawberry.field(
        description="Who or what verified it, readably: an admin by name, the exam passed, or the "
        "track record (batch, gold accuracy, answers)."
    )
    verified_at: datetime | None = strawberry.field(
        description="When it was verified (UTC, ISO 8601); null while unverified."
    )

    @classmethod
    def from_rows(cls, rows: list[models.WorkerSkill]) -> list[WorkerSkill]:
        return [cls.from_row(row) for row in rows]

    @classmethod
    def from_row(cls, row: models.WorkerSkill) -> WorkerSkill:
        return cls(
            skill_pk=row.skill_id,
            level=row.level,
            verified=row.verified_at is not None,
            verified_by=row.verified_by,
            verified_source=row.verified_source,
            verified_at=row.verified_at,
        )

    @strawberry.field(description="The declared skill, from the platform's taxonomy.")
    def skill(self, info: strawberry.Info) -> Skill:
        return then(info.context.by_id(models.Skill).now(self.skill_pk), Skill.from_row)


@strawberry.type(description="A worker's public profile: the crowd member who does the work.")
class Worker(Node):
    pk: strawberry.Private[int]
    account_pk: strawberry.Private[int]
    employer_pk: strawberry.Private[int | None]
    kind: WorkerKind = strawberry.field(
        description="Internal (employed by an organization) or external (independent)."
    )
    headline: str = strawberry.field(description="A one-line pitch; empty when not set.")
    bio: str = strawberry.field(description="A longer self-description; empty when not set.")
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 country code, e.g. DE.")
    timezone: str = strawberry.field(description="IANA time zone, e.g. Europe/Berlin.")
    hourly_rate: Money | None = strawberry.field(
        description="The rate the worker asks for an hour; null when not set."
    )
    availability: Availability = strawberry.field(description="How much work they can take on.")
    hours_per_week: int | None = strawberry.field(
        description="Hours a week they offer; null when not set."
    )

    @classmethod
    def from_row(cls, row: models.WorkerProfile) -> Worker:
        return cls(
            id=to_global_id("Worker", row.id),
            pk=row.id,
            account_pk=row.account_id,
            employer_pk=row.employer_id,
            kind=row.kind,
            headline=row.headline,
            bio=row.bio,
            country=row.country,
            timezone=row.timezone,
            hourly_rate=money(row.hourly_rate, row.currency),
            availability=row.availability,
            hours_per_week=row.hours_per_week,
        )

    @strawberry.field(description="The worker's display name.")
    def name(self, info: strawberry.Info) -> str:
        return then(info.context.by_id(models.Account).now(self.account_pk), account_name)

    @strawberry.field(description="The organization that employs an internal worker.")
    def employer(self, info: strawberry.Info) -> Organization | None:
        if self.employer_pk is None:
            return None
        return then(
            info.context.by_id(models.Organization).now(self.employer_pk),
            Organization.from_optional_row,
        )

    @strawberry.field(description="The skills the worker declared, with levels and verification.")
    def skills(self, info: strawberry.Info) -> list[WorkerSkill]:
        return then(worker_skills(info.context).now(self.pk), WorkerSkill.from_rows)

    @strawberry.field(
        description="The worker's record across every model: activity, what each model knows of "
        "them, and (to the worker and admins) earnings and effective hourly pay."
    )
    async def record(self, info: strawberry.Info) -> WorkerRecord:
        context = info.context

        async def load(ids: Sequence[int]) -> list[WorkerRecord]:
            rows = [r for r in await context.by_id(models.WorkerProfile).load_many(ids) if r]
            found = await workforce.worker_records(context.actor, rows)
            return [WorkerRecord.from_record(found[i]) for i in ids]

        # The worker was resolved for this caller, so they may see it: records load in one batch.
        return await context.loader("worker_records", load).load(self.pk)

    @strawberry.field(description="Engagements of this worker the caller may see, newest last.")
    async def engagements(
        self,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Engagement]:
        page = await engagements.list_engagements(
            info.context.actor, info.context.page(first, after, last, before), worker_id=self.pk
        )
        return await connection_of(info, page, Engagement.from_row)


@strawberry.type(description="An organization's body of work, staffed through one or more stages.")
class Project(Node):
    pk: strawberry.Private[int]
    organization_pk: strawberry.Private[int]
    name: str = strawberry.field(description="The project's name.")
    description: str = strawberry.field(description="What the project is about; may be empty.")
    audience: Audience = strawberry.field(
        description="Which crowd may see and take its work: internal, external or both."
    )
    status: ProjectStatus = strawberry.field(description="Active, or archived (read-only).")
    created_at: datetime = strawberry.field(description="When it was created (UTC, ISO 8601).")
    learning: bool = strawberry.field(
        description="A learning opportunity for the internal crowd, followed by a mentor."
    )
    mentor_pk: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: models.Project) -> Project:
        return cls(
            id=to_global_id("Project", row.id),
            pk=row.id,
            organization_pk=row.organization_id,
            name=row.name,
            description=row.description,
            audience=row.audience,
            status=row.status,
            created_at=row.created_at,
            learning=row.learning,
            mentor_pk=row.mentor_id,
        )

    @classmethod
    def from_optional_row(cls, row: models.Project | None) -> Project | None:
        return cls.from_row(row) if row else None

    @strawberry.field(description="The mentor of a learning opportunity.")
    def mentor(self, info: strawberry.Info) -> AccountSummary | None:
        if self.mentor_pk is None:
            return None
        return then(info.context.by_id(models.Account).now(self.mentor_pk), AccountSummary.of)

    @strawberry.field(description="The organization that owns the project.")
    def organization(self, info: strawberry.Info) -> Organization:
        return then(
            info.context.by_id(models.Organization).now(self.organization_pk),
            Organization.from_row,
        )

    @strawberry.field(description="The project's stages in every enabled staffing model.")
    def stages(self, info: strawberry.Info) -> list[ProjectStage]:
        return info.context.project_stages().now(self.pk)

    @strawberry.field(
        description="The project's combined flow: stages of different models run in order, with gates."
    )
    async def flow(self, info: strawberry.Info) -> list[FlowStage]:
        # The project was resolved for this caller, so it is visible: its flow is too.
        rows = await info.context.children(models.FlowStage, "project_id", "position").load(self.pk)
        return [FlowStage.from_row(row) for row in rows]


@strawberry.type(
    description="A stage of a combined project: its model, its gate, and the record running it."
)
class FlowStage(Node):
    pk: strawberry.Private[int]
    detail_type: strawberry.Private[str]
    detail_pk: strawberry.Private[str]
    position: int = strawberry.field(description="Its place in the flow, from 1.")
    model: str = strawberry.field(description="The staffing model (plugin) that runs it.")
    title: str = strawberry.field(description="What the stage is called.")
    status: StageStatus = strawberry.field(description="Where the stage is in its life.")
    gate: JSON = strawberry.field(
        description="Requirements (eligibility format) every worker must meet to take part."
    )
    carry: JSON | None = strawberry.field(
        description="Who of the previous stage may take part, in that stage's model's terms (null: anyone)."
    )
    requirements: JSON = strawberry.field(
        description="The gate plus the carry rule, as the stage's record was given them when it started."
    )
    started_at: datetime | None = strawberry.field(
        description="When it started (UTC, ISO 8601); null while pending."
    )
    ended_at: datetime | None = strawberry.field(
        description="When it completed or was cancelled (UTC, ISO 8601); null until then."
    )

    @classmethod
    def from_row(cls, row: models.FlowStage) -> FlowStage:
        return cls(
            id=to_global_id("FlowStage", row.id),
            pk=row.id,
            detail_type=row.detail_type,
            detail_pk=row.detail_id,
            position=row.position,
            model=row.model,
            title=row.title,
            status=row.status,
            gate=JSON(row.gate),
            carry=None if row.carry is None else JSON(row.carry),
            requirements=JSON(row.requirements),
            started_at=row.started_at,
            ended_at=row.ended_at,
        )

    @strawberry.field(description="The model's record running this stage, once it started.")
    async def record(self, info: strawberry.Info) -> ProjectStage | None:
        resolve = info.context.registry.nodes.get(self.detail_type)
        if resolve is None:
            return None
        try:
            found: ProjectStage | None = await resolve(info.context, int(self.detail_pk))
        except NotFound:
            return None
        return found

    @strawberry.field(description="Whether the calling worker may take part in this stage.")
    async def my_eligibility(self, info: strawberry.Info) -> Eligibility:
        return Eligibility.from_verdict(await flow_stages.my_verdict(info.context.actor, self.pk))


@strawberry.interface(
    description="A stage of a project in one staffing model (a batch, a contest, a job)."
)
class ProjectStage(Node):
    title: str = strawberry.field(description="The stage's title: its batch's, contest's or job's.")
    model: str = strawberry.field(description="The staffing model (plugin) that runs this stage.")


@strawberry.interface(description="The staffing model's own record behind an engagement.")
class EngagementDetail(Node):
    model: str = strawberry.field(description="The staffing model (plugin) that keeps the record.")


@strawberry.type(
    description="A worker's piece of work for an organization in any model, with what it paid."
)
class Engagement(Node):
    pk: strawberry.Private[int]
    worker_pk: strawberry.Private[int]
    organization_pk: strawberry.Private[int]
    project_pk: strawberry.Private[int | None]
    detail_type: strawberry.Private[str]
    detail_pk: strawberry.Private[str]
    model: str = strawberry.field(description="The staffing model (plugin) the work came from.")
    status: EngagementStatus = strawberry.field(description="Where the work is in its life.")
    title: str = strawberry.field(description="What the work is, in the model's words.")
    outcome: str = strawberry.field(
        description="How it ended, in the model's words (e.g. a contest placement)."
    )
    pay: Money | None = strawberry.field(
        description="What the worker was paid for it; null until paid."
    )
    created_at: datetime = strawberry.field(description="When it was recorded (UTC, ISO 8601).")
    started_at: datetime | None = strawberry.field(
        description="When the work started (UTC, ISO 8601); null while pending."
    )
    ended_at: datetime | None = strawberry.field(
        description="When it ended (UTC, ISO 8601); null while pending or active."
    )
    seconds_worked: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: models.Engagement) -> Engagement:
        return cls(
            id=to_global_id("Engagement", row.id),
            pk=row.id,
            worker_pk=row.worker_id,
            organization_pk=row.organization_id,
            project_pk=row.project_id,
            detail_type=row.detail_type,
            detail_pk=row.detail_id,
            model=row.model,
            status=row.status,
            title=row.title,
            outcome=row.outcome,
            pay=money(row.pay_amount, row.currency),
            created_at=row.created_at,
            started_at=row.started_at,
            ended_at=row.ended_at,
            seconds_worked=row.seconds_worked,
        )

    @strawberry.field(description="The worker doing the work.")
    def worker(self, info: strawberry.Info) -> Worker:
        return worker_of(info.context, self.worker_pk)

    @strawberry.field(description="The organization the work is for.")
    def organization(self, info: strawberry.Info) -> Organization:
        return then(
            info.context.by_id(models.Organization).now(self.organization_pk),
            Organization.from_row,
        )

    @strawberry.field(description="The project of the work; null when it belongs to none.")
    def project(self, info: strawberry.Info) -> Project | None:
        if self.project_pk is None:
            return None
        return then(
            info.context.by_id(models.Project).now(self.project_pk), Project.from_optional_row
        )

    @strawberry.field(
        description="Time the model measured or the worker logged, in hours (0 when unknown)."
    )
    def hours_worked(self) -> float:
        return round(self.seconds_worked / 3600, 2)

    @strawberry.field(
        description="A mentor's or manager's comments and the worker's replies.",
        deprecation_reason="Use commentsConnection: pages and totalCount.",
    )
    async def comments(self, info: strawberry.Info) -> list[EngagementComment]:
        # Engagements are only ever resolved for callers who may see them, and so their comments.
        rows = await info.context.children(models.EngagementComment, "engagement_id").load(self.pk)
        return [EngagementComment.from_row(row) for row in rows]

    @strawberry.field(
        description="A mentor's or manager's comments and the worker's replies, a page at a "
        "time, oldest first."
    )
    async def comments_connection(
        self,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[EngagementComment]:
        # Engagements are only ever resolved for callers who may see them, and so their comments.
        page = await learning.comment_page(self.pk, info.context.page(first, after, last, before))
        return await connection_of(info, page, EngagementComment.from_row)

    @strawberry.field(
        description="The model's record (an assignment, an entry, a contract), if its plugin is enabled."
    )
    async def detail(self, info: strawberry.Info) -> EngagementDetail | None:
        resolve = info.context.registry.details.get(self.detail_type)
        if resolve is None:
            return None
        return await resolve(info.context, int(self.detail_pk))


@strawberry.type(
    description="One movement of money between two ledger accounts; never changed once written."
)
class LedgerEntry(Node):
    pk: strawberry.Private[int]
    kind: str = strawberry.field(
        description="What the movement was: fund, hold, release or payment."
    )
    amount: Money = strawberry.field(description="The money moved (always positive).")
    source: str = strawberry.field(
        description="The ledger account it left: external, org:<id>:available, "
        "org:<id>:held:<reference> or worker:<account id>."
    )
    destination: str = strawberry.field(
        description="The ledger account it reached, named like source."
    )
    model: str = strawberry.field(
        description="The staffing model (plugin) that moved it; core for funding."
    )
    memo: str = strawberry.field(description="A note for people; may be empty.")
    created_at: datetime = strawberry.field(description="When it was written (UTC, ISO 8601).")

    @classmethod
    def from_row(cls, row: models.LedgerEntry) -> LedgerEntry:
        return cls(
            id=to_global_id("LedgerEntry", row.id),
            pk=row.id,
            kind=row.kind,
            amount=Money.of(row.amount, row.currency),
            source=row.source,
            destination=row.destination,
            model=row.model,
            memo=row.memo,
            created_at=row.created_at,
        )


@strawberry.type(description="An organization's money, derived from its ledger.")
class Budget:
    funded: Money = strawberry.field(description="Everything ever added to the budget.")
    available: Money = strawberry.field(description="What can still be committed to new work.")
    held: Money = strawberry.field(
        description="Committed but not yet paid: escrow, prize pools, task rewards."
    )
    spent: Money = strawberry.field(description="Paid out to workers.")

    @classmethod
    def from_budget(cls, b: ledger.Budget) -> Budget:
        return cls(
            funded=Money.of(b.funded, b.currency),
            available=Money.of(b.available, b.currency),
            held=Money.of(b.held, b.currency),
            spent=Money.of(b.spent, b.currency),
        )


@strawberry.type(description="A bearer token of the signed-in account (the secret is never shown).")
class ApiToken(Node):
    pk: strawberry.Private[int]
    name: str = strawberry.field(description="The name its owner gave it.")
    kind: TokenKind = strawberry.field(description="A login session or a long-lived API token.")
    prefix: str = strawberry.field(description="The token's first characters, to recognise it.")
    created_at: datetime = strawberry.field(description="When it was issued (UTC, ISO 8601).")
    expires_at: datetime = strawberry.field(description="When it stops working (UTC, ISO 8601).")
    last_used_at: datetime | None = strawberry.field(
        description="When a request last used it (UTC, ISO 8601); null if never."
    )
    revoked: bool = strawberry.field(description="Whether it was revoked (it no longer works).")

    @classmethod
    def from_row(cls, row: models.ApiToken) -> ApiToken:
        return cls(
            id=to_global_id("ApiToken", row.id),
            pk=row.id,
            name=row.name,
            kind=row.kind,
            prefix=row.prefix,
            created_at=row.created_at,
            expires_at=row.expires_at,
            last_used_at=row.last_used_at,
            revoked=row.revoked_at is not None,
        )


@strawberry.type(description="The signed-in account.")
class Account(Node):
    pk: strawberry.Private[int]
    email: str = strawberry.field(description="The email address the account signs in with.")
    name: str = strawberry.field(description="The display name.")
    role: Role = strawberry.field(description="Worker, client or admin.")
    created_at: datetime = strawberry.field(description="When it registered (UTC, ISO 8601).")

    @classmethod
    def from_row(cls, row: models.Account) -> Account:
        return cls(
            id=to_global_id("Account", row.id),
            pk=row.id,
            email=row.email,
            name=row.name,
            role=row.role,
            created_at=row.created_at,
        )

    @strawberry.field(description="The account's worker profile; null for clients and admins.")
    async def worker(self, info: strawberry.Info) -> Worker | None:
        # This account's profile, not the caller's: register and login answer anonymous callers.
        profiles = await info.context.children(models.WorkerProfile, "account_id").load(self.pk)
        return Worker.from_row(profiles[0]) if profiles else None

    @strawberry.field(description="The organizations the signed-in account owns or manages.")
    async def organizations(self, info: strawberry.Info) -> list[Organization]:
        return [
            Organization.from_row(o)
            for o in await organizations.my_organizations(info.context.actor)
        ]

    @strawberry.field(
        description="The signed-in account's sessions and API tokens.",
        deprecation_reason="Use apiTokensConnection: pages and totalCount.",
    )
    async def api_tokens(self, info: strawberry.Info) -> list[ApiToken]:
        return [ApiToken.from_row(t) for t in await accounts.list_tokens(info.context.actor)]

    @strawberry.field(
        description="The signed-in account's sessions and API tokens, a page at a time, oldest "
        "first."
    )
    async def api_tokens_connection(
        self,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ApiToken]:
        page = await accounts.token_page(
            info.context.actor, info.context.page(first, after, last, before)
        )
        return await connection_of(info, page, ApiToken.from_row)

    @strawberry.field(description="What this account has been paid, per currency.")
    async def earnings(self, info: strawberry.Info) -> list[Money]:
        return [Money.of(e.total, e.currency) for e in await ledger.earnings(info.context.actor)]

    @strawberry.field(description="Payments received, oldest first.")
    async def payments(
        self,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[LedgerEntry]:
        page = await ledger.my_payments(
            info.context.actor, info.context.page(first, after, last, before)
        )
        return await connection_of(info, page, LedgerEntry.from_row)


@strawberry.type(description="Whether a worker may take a piece of work, and why not.")
class Eligibility:
    eligible: bool = strawberry.field(description="Whether the worker may take it.")
    reasons: list[str] = strawberry.field(
        description="Why not, one sentence per unmet requirement; empty when eligible."
    )

    @classmethod
    def from_verdict(cls, verdict: Verdict) -> Eligibility:
        return cls(eligible=verdict.eligible, reasons=verdict.reasons)


@strawberry.type(description="A committed domain event.")
class DomainEvent:
    id: strawberry.ID = strawberry.field(description="The event's position in the stream.")
    name: str = strawberry.field(description="What happened, dotted, e.g. contest.awarded.")
    payload: JSON = strawberry.field(description="The event's data, as its name documents.")
    created_at: datetime = strawberry.field(description="When it was committed (UTC, ISO 8601).")


@strawberry.type(
    description="A comment on a piece of work: a mentor's feedback or the worker's reply."
)
class EngagementComment:
    author_pk: strawberry.Private[int]
    text: str = strawberry.field(description="The comment as written.")
    created_at: datetime = strawberry.field(description="When it was written (UTC, ISO 8601).")

    @classmethod
    def from_row(cls, row: models.EngagementComment) -> EngagementComment:
        return cls(author_pk=row.author_id, text=row.text, created_at=row.created_at)

    @strawberry.field(description="Who wrote it: the mentor, a manager or the worker.")
    def author_name(self, info: strawberry.Info) -> str:
        return then(info.context.by_id(models.Account).now(self.author_pk), account_name)


@strawberry.type(description="A worker's engagements under one model.")
class ModelActivity:
    model: str = strawberry.field(description="The staffing model (plugin).")
    engagements: int = strawberry.field(description="How many engagements in all.")
    completed: int = strawberry.field(description="How many completed.")
    active: int = strawberry.field(description="How many are under way.")


@strawberry.type(
    description="What a model knows of a worker: a value to sort by and a sentence to read."
)
class WorkerFact:
    model: str = strawberry.field(description="The staffing model (plugin) that knows it.")
    kind: str = strawberry.field(description="A stable key of the fact, e.g. gold_accuracy.")
    label: str = strawberry.field(description="A short heading for the fact.")
    value: float = strawberry.field(description="A number to sort and compare workers by.")
    text: str = strawberry.field(description="The fact as a sentence to show.")


@strawberry.type(
    description="Money paid in one currency, and effective pay over the timed part of it."
)
class Pay:
    total: Money = strawberry.field(description="Everything paid in this currency.")
    hours_worked: float = strawberry.field(description="Hours measured or logged on paid work.")
    effective_hourly_pay: Money | None = strawberry.field(
        description="Pay for timed work divided by its hours; null when no time was recorded."
    )

    @classmethod
    def of(cls, pay: workforce.Pay) -> Pay:
        return cls(
            total=Money.of(pay.amount, pay.currency),
            hours_worked=round(pay.seconds / 3600, 2),
            effective_hourly_pay=money(pay.hourly, pay.currency),
        )


@strawberry.type(description="What a worker was paid under one staffing model.")
class ModelPay:
    model: str = strawberry.field(description="The staffing model (plugin).")
    pay: list[Pay] = strawberry.field(description="Per currency.")


@strawberry.type(description="A worker's record across every staffing model.")
class WorkerRecord:
    activity: list[ModelActivity] = strawberry.field(description="Engagements per model.")
    facts: list[WorkerFact] = strawberry.field(
        description="What each model knows of the worker (accuracy, placements, ratings)."
    )
    earnings: list[Pay] | None = strawberry.field(
        description="Per currency; for the worker and admins only (null for others)."
    )
    earnings_by_model: list[ModelPay] | None = strawberry.field(
        description="Earnings split by model; for the worker and admins only (null for others)."
    )

    @classmethod
    def from_record(cls, record: workforce.WorkerRecord) -> WorkerRecord:
        by_model = record.earnings_by_model
        return cls(
            activity=[ModelActivity(**vars(a)) for a in record.activity],
            facts=[WorkerFact(**vars(f)) for f in record.facts],
            earnings=None if record.earnings is None else [Pay.of(p) for p in record.earnings],
            earnings_by_model=None
            if by_model is None
            else [ModelPay(model=m, pay=[Pay.of(p) for p in pays]) for m, pays in by_model.items()],
        )


@strawberry.enum(
    description="How close an independent worker is to the organization's classification limits."
)
class ClassificationWarning(Enum):
    APPROACHING = strawberry.enum_value(
        "approaching", description="At 80% or more of a limit in the window."
    )
    CROSSED = strawberry.enum_value("crossed", description="Past a limit in the window.")


@strawberry.type(description="One worker who worked for the organization.")
class WorkforceMember:
    worker_row: strawberry.Private[models.WorkerProfile]
    # Not ``models``: a class attribute of that name would hide the models module above.
    model_names: list[str] = strawberry.field(
        name="models", description="The staffing models they worked under."
    )
    engagements: int = strawberry.field(description="How many engagements they had.")
    pay: Pay = strawberry.field(description="What the organization paid them.")
    window_hours: float = strawberry.field(
        description="Hours in the organization's classification window."
    )
    window_paid: Money = strawberry.field(description="Paid in the classification window.")
    warning: ClassificationWarning | None = strawberry.field(
        description="How close an independent worker is to a limit; null when not close."
    )
    warnings: list[str] = strawberry.field(description="The warnings as sentences to show.")

    @classmethod
    def of(cls, member: workforce.WorkforceMember, currency: str) -> WorkforceMember:
        level = member.warning_level
        return cls(
            worker_row=member.worker,
            model_names=member.models,
            engagements=member.engagements,
            pay=Pay.of(member.pay),
            window_hours=round(member.window_seconds / 3600, 2),
            window_paid=Money.of(member.window_amount, currency),
            warning=ClassificationWarning(level) if level else None,
            warnings=member.warnings,
        )

    @strawberry.field(description="The worker's profile.")
    def worker(self) -> Worker:
        return Worker.from_row(self.worker_row)


@strawberry.type(description="What an organization paid under one staffing model.")
class ModelSpend:
    model: str = strawberry.field(description="The staffing model (plugin).")
    spent: Money = strawberry.field(description="Paid to workers in the organization's currency.")


@strawberry.type(description="Independent workers' limits that trigger a classification warning.")
class ClassificationLimits:
    hours: int | None = strawberry.field(
        description="Hours of work in the window; null when there is no hours limit."
    )
    earnings: Money | None = strawberry.field(
        description="Pay in the window; null when there is no earnings limit."
    )
    window_days: int = strawberry.field(description="The length of the rolling window, in days.")


@strawberry.type(description="An organization's workforce across every staffing model.")
class Workforce:
    spend_by_model: list[ModelSpend] = strawberry.field(description="Spend per staffing model.")
    workers: int = strawberry.field(description="How many workers worked for it.")
    members: list[WorkforceMember] = strawberry.field(
        description="The workers it paid most, up to `first`."
    )
    classification_warnings: list[WorkforceMember] = strawberry.field(
        description="Independent workers nearing (80%) or past a limit, all of them."
    )
    limits: ClassificationLimits = strawberry.field(
        description="The organization's classification limits."
    )

    @classmethod
    def build(cls, found: workforce.Workforce, first: int) -> Workforce:
        org = found.organization
        currency = org.currency
        return cls(
            spend_by_model=[
                ModelSpend(model=m, spent=Money.of(amount, currency))
                for m, amount in found.spend_by_model
            ],
            workers=len(found.members),
            members=[WorkforceMember.of(m, currency) for m in found.members[:first]],
            classification_warnings=[WorkforceMember.of(m, currency) for m in found.warnings],
            limits=ClassificationLimits(
                hours=org.independent_hours_limit,
                earnings=money(org.independent_earnings_limit, currency),
                window_days=org.classification_window_days,
            ),
        )


@strawberry.type(
    description="A skill the organization's open work asks for, and the crowd that has it."
)
class SkillDemand:
    skill_row: strawberry.Private[models.Skill]
    min_level: int = strawberry.field(description="The lowest level the work asks for (1-5).")
    open_work: int = strawberry.field(description="Open batches, contests and jobs asking for it.")
    openings: int = strawberry.field(description="How many workers the open work still needs.")
    verified_workers: int = strawberry.field(
        description="Workers the work can reach (independents and its employees) verified at the level."
    )
    workers_per_opening: float | None = strawberry.field(
        description="Verified workers per opening; null when there are no openings."
    )

    @classmethod
    def from_demand(cls, row: workforce.SkillDemand) -> SkillDemand:
        ratio = row.workers_per_opening
        return cls(
            skill_row=row.skill,
            min_level=row.min_level,
            open_work=row.open_work,
            openings=row.openings,
            verified_workers=row.verified_workers,
            workers_per_opening=None if ratio == float("inf") else round(ratio, 2),
        )

    @strawberry.field(description="The skill asked for.")
    def skill(self) -> Skill:
        return Skill.from_row(self.skill_row)


def worker_skills(context: Context) -> Loader[int, list[models.WorkerSkill]]:
    return context.children(models.WorkerSkill, "worker_id")


# How fields load for a whole list at once (see crowdgraph/schema/prefetch.py).


prefetches_by_id(Worker, "name", models.Account, lambda w: w.account_pk)
prefetches_by_id(Worker, "employer", models.Organization, lambda w: w.employer_pk)
prefetches_by_id(WorkerSkill, "skill", models.Skill, lambda r: r.skill_pk)
prefetches_by_id(Project, "organization", models.Organization, lambda p: p.organization_pk)
prefetches_by_id(Engagement, "organization", models.Organization, lambda r: r.organization_pk)


@prefetcher(Worker, "skills")
async def _worker_skills(context: Context, workers: list[Worker]) -> list[WorkerSkill]:
    loader = worker_skills(context)
    await loader.prefetch(w.pk for w in workers)
    return [WorkerSkill.from_row(row) for w in workers for row in loader.now(w.pk)]  # type: ignore[union-attr]


@prefetcher(Project, "stages")
async def _project_stages(context: Context, projects: list[Project]) -> list[object]:
    loader = context.project_stages()
    await loader.prefetch(p.pk for p in projects)
    return [stage for p in projects for stage in loader.now(p.pk)]  # type: ignore[union-attr]


def worker_of(context: Context, pk: int) -> Worker:
    """The Worker with profile ``pk``: at once when prefetched, else an awaitable (see ``then``)."""
    return then(context.by_id(models.WorkerProfile).now(pk), Worker.from_row)  # type: ignore[arg-type]


async def prefetch_workers(context: Context, pks: Iterable[int]) -> list[Worker]:
    """Load these worker profiles for a list's rows; the Workers, for the next level's prefetch."""
    loader = context.by_id(models.WorkerProfile)
    wanted = list(pks)
    await loader.prefetch(wanted)
    found = (loader.now(pk) for pk in wanted)
    return [Worker.from_row(row) for row in found if isinstance(row, models.WorkerProfile)]


@prefetcher(Engagement, "worker")
async def _engagement_workers(context: Context, rows: list[Engagement]) -> list[Worker]:
    return await prefetch_workers(context, (r.worker_pk for r in rows))


@prefetcher(Engagement, "project")
async def _engagement_projects(context: Context, rows: list[Engagement]) -> list[Project]:
    loader = context.by_id(models.Project)
    await loader.prefetch(r.project_pk for r in rows if r.project_pk is not None)
    found = (loader.now(r.project_pk) for r in rows if r.project_pk is not None)
    return [Project.from_row(row) for row in found if isinstance(row, models.Project)]
