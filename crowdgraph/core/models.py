"""Tortoise models of the core, app label ``core``; every table is prefixed ``core_``."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields

from crowdgraph.core.tables import Model


class Role(StrEnum):
    ADMIN = "admin"
    CLIENT = "client"
    WORKER = "worker"


class MemberRole(StrEnum):
    OWNER = "owner"
    MANAGER = "manager"


class WorkerKind(StrEnum):
    INTERNAL = "internal"
    EXTERNAL = "external"


class Availability(StrEnum):
    AVAILABLE = "available"
    LIMITED = "limited"
    UNAVAILABLE = "unavailable"


class VerifiedBy(StrEnum):
    ADMIN = "admin"
    EXAM = "exam"
    TRACK_RECORD = "track_record"


class Audience(StrEnum):
    INTERNAL = "internal"
    EXTERNAL = "external"
    BOTH = "both"


class ProjectStatus(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"


class EngagementStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"


class StageStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class TokenKind(StrEnum):
    SESSION = "session"
    API = "api"


class Account(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    name = fields.CharField(max_length=120)
    password_hash = fields.CharField(max_length=255)
    role = fields.CharEnumField(Role, max_length=16)
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "core_account"


class ApiToken(Model):
    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="tokens", on_delete=fields.CASCADE
    )
    account_id: int
    kind = fields.CharEnumField(TokenKind, max_length=16)
    name = fields.CharField(max_length=80)
    token_hash = fields.CharField(max_length=64, unique=True)
    prefix = fields.CharField(max_length=12)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    last_used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "core_api_token"


class Organization(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=120)
    slug = fields.CharField(max_length=60, unique=True)
    currency = fields.CharField(max_length=3, default="USD")
    created_at = fields.DatetimeField()
    independent_hours_limit = fields.IntField(null=True)
    """Hours one independent worker may work for it in the window before a classification warning."""
    independent_earnings_limit = fields.BigIntField(null=True)
    """Minor units one independent worker may earn from it in the window before a warning."""
    classification_window_days = fields.SmallIntField(default=365, db_default=365)

    class Meta:
        table = "core_organization"


class Membership(Model):
    id = fields.IntField(primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "core.Organization", related_name="memberships", on_delete=fields.CASCADE
    )
    organization_id: int
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="memberships", on_delete=fields.CASCADE
    )
    account_id: int
    role = fields.CharEnumField(MemberRole, max_length=16)
    created_at = fields.DatetimeField()

    class Meta:
        table = "core_membership"
        unique_together = (("organization", "account"),)


class WorkerProfile(Model):
    id = fields.IntField(primary_key=True)
    account: fields.OneToOneRelation[Account] = fields.OneToOneField(
        "core.Account", related_name="worker_profile", on_delete=fields.CASCADE
    )
    account_id: int
    kind = fields.CharEnumField(WorkerKind, max_length=16)
    employer: fields.ForeignKeyNullableRelation[Organization] = fields.ForeignKeyField(
        "core.Organization", related_name="employees", null=True, on_delete=fields.SET_NULL
    )
    employer_id: int | None
    headline = fields.CharField(max_length=140, default="")
    bio = fields.TextField(default="")
    country = fields.CharField(max_length=2, default="")
    timezone = fields.CharField(max_length=64, default="UTC")
    hourly_rate = fields.BigIntField(null=True)
    """Minor units of ``currency``."""
    currency = fields.CharField(max_length=3, default="USD")
    availability = fields.CharEnumField(Availability, max_length=16, default=Availability.AVAILABLE)
    hours_per_week = fields.SmallIntField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "core_worker_profile"
        indexes = (("kind", "country"),)


class Skill(Model):
    id = fields.IntField(primary_key=True)
    slug = fields.CharField(max_length=60, unique=True)
    name = fields.CharField(max_length=120)
    category = fields.CharField(max_length=60)
    created_at = fields.DatetimeField()

    class Meta:
        table = "core_skill"


class WorkerSkill(Model):
    id = fields.IntField(primary_key=True)
    worker: fields.ForeignKeyRelation[WorkerProfile] = fields.ForeignKeyField(
        "core.WorkerProfile", related_name="skills", on_delete=fields.CASCADE
    )
    worker_id: int
    skill: fields.ForeignKeyRelation[Skill] = fields.ForeignKeyField(
        "core.Skill", related_name="holders", on_delete=fields.CASCADE
    )
    skill_id: int
    level = fields.SmallIntField()
    verified_at = fields.DatetimeField(null=True)
    verified_by: VerifiedBy | None = fields.CharEnumField(VerifiedBy, max_length=16, null=True)  # type: ignore[assignment]
    verified_source = fields.CharField(max_length=200, default="")
    """Who or what verified it: an admin's account id, an exam, a track record in a model."""
    updated_at = fields.DatetimeField()

    class Meta:
        table = "core_worker_skill"
        unique_together = (("worker", "skill"),)
        indexes = (("skill_id", "level"),)


class Project(Model):
    id = fields.IntField(primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "core.Organization", related_name="projects", on_delete=fields.CASCADE
    )
    organization_id: int
    name = fields.CharField(max_length=160)
    description = fields.TextField(default="")
    audience = fields.CharEnumField(Audience, max_length=16, default=Audience.BOTH)
    status = fields.CharEnumField(ProjectStatus, max_length=16, default=ProjectStatus.ACTIVE)
    created_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="projects_created", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField()
    learning = fields.BooleanField(default=False, db_default=False)
    """A learning opportunity for the internal crowd, followed by a mentor."""
    mentor: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="mentored_projects", null=True, on_delete=fields.SET_NULL
    )
    mentor_id: int | None

    class Meta:
        table = "core_project"


class FlowStage(Model):
    """One stage of a combined project: a batch, contest or job run in turn by its model's plugin."""

    id = fields.IntField(primary_key=True)
    project: fields.ForeignKeyRelation[Project] = fields.ForeignKeyField(
        "core.Project", related_name="flow", on_delete=fields.CASCADE
    )
    project_id: int
    position = fields.SmallIntField()
    """1, 2, 3 ... in the order the stages run."""
    model = fields.CharField(max_length=40)
    title = fields.CharField(max_length=200)
    settings: dict[str, Any] = fields.JSONField()
    """What the model's plugin needs to create its record when the stage starts."""
    gate: list[dict[str, Any]] = fields.JSONField(default=list)
    """Requirements (eligibility format) every worker must meet to take part."""
    carry: dict[str, Any] | None = fields.JSONField(null=True)
    """Who of the previous stage may take part, in that stage's model's terms (null: anyone)."""
    requirements: list[dict[str, Any]] = fields.JSONField(default=list)
    """The gate plus the carry rule, as handed to the plugin when the stage started."""
    status = fields.CharEnumField(StageStatus, max_length=16, default=StageStatus.PENDING)
    detail_type = fields.CharField(max_length=60, default="")
    """The plugin's record type (e.g. ``Contest``) once the stage started; with ``detail_id``."""
    detail_id = fields.CharField(max_length=60, default="")
    created_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="stages_created", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField()
    started_at = fields.DatetimeField(null=True)
    ended_at = fields.DatetimeField(null=True)

    class Meta:
        table = "core_flow_stage"
        unique_together = (("project", "position"),)
        indexes = (("detail_type", "detail_id"),)


class Engagement(Model):
    """A worker doing work for an organization under one staffing model (the plugin's name)."""

    id = fields.IntField(primary_key=True)
    worker: fields.ForeignKeyRelation[WorkerProfile] = fields.ForeignKeyField(
        "core.WorkerProfile", related_name="engagements", on_delete=fields.CASCADE
    )
    worker_id: int
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "core.Organization", related_name="engagements", on_delete=fields.CASCADE
    )
    organization_id: int
    project: fields.ForeignKeyNullableRelation[Project] = fields.ForeignKeyField(
        "core.Project", related_name="engagements", null=True, on_delete=fields.SET_NULL
    )
    project_id: int | None
    model = fields.CharField(max_length=40)
    status = fields.CharEnumField(EngagementStatus, max_length=16)
    pay_amount = fields.BigIntField(null=True)
    """Agreed pay in minor units of ``currency``, when there is an agreed amount."""
    currency = fields.CharField(max_length=3)
    detail_type = fields.CharField(max_length=60)
    """The plugin's record type (e.g. ``Assignment``); with ``detail_id`` it links the record."""
    detail_id = fields.CharField(max_length=60)
    title = fields.CharField(max_length=200, default="")
    outcome = fields.CharField(max_length=200, default="", db_default="")
    """How it ended, in the model's words (a contest placement, a rating), for the worker's record."""
    seconds_worked = fields.BigIntField(default=0, db_default=0)
    """Time the model measured or the worker logged (answer time, logged hours); 0 when unknown."""
    created_at = fields.DatetimeField()
    started_at = fields.DatetimeField(null=True)
    ended_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "core_engagement"
        unique_together = (("model", "detail_type", "detail_id"),)
        indexes = (("worker_id", "id"), ("organization_id", "id"))


class EngagementComment(Model):
    """A note on a piece of work: a mentor's feedback to a mentee, or the worker's reply."""

    id = fields.IntField(primary_key=True)
    engagement: fields.ForeignKeyRelation[Engagement] = fields.ForeignKeyField(
        "core.Engagement", related_name="comments", on_delete=fields.CASCADE
    )
    engagement_id: int
    author: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="engagement_comments", on_delete=fields.CASCADE
    )
    author_id: int
    text = fields.TextField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "core_engagement_comment"
        indexes = (("engagement_id", "id"),)


class LedgerEntry(Model):
    """One movement of money between two ledger accounts, never updated or deleted.

    Ledger accounts are strings: ``external`` (money from outside), ``org:<id>:available``,
    ``org:<id>:held:<reference>`` (escrow, prize pools) and ``worker:<account id>``.
    """

    id = fields.BigIntField(primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "core.Organization", related_name="ledger_entries", on_delete=fields.RESTRICT
    )
    organization_id: int
    kind = fields.CharField(max_length=20)
    source = fields.CharField(max_length=120, db_index=True)
    destination = fields.CharField(max_length=120, db_index=True)
    amount = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    worker: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="ledger_entries", null=True, on_delete=fields.RESTRICT
    )
    worker_id: int | None
    engagement: fields.ForeignKeyNullableRelation[Engagement] = fields.ForeignKeyField(
        "core.Engagement", related_name="ledger_entries", null=True, on_delete=fields.RESTRICT
    )
    engagement_id: int | None
    model = fields.CharField(max_length=40, default="core")
    idempotency_key = fields.CharField(max_length=200, unique=True)
    memo = fields.CharField(max_length=500, default="")
    created_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="ledger_entries_made", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField()

    class Meta:
        table = "core_ledger_entry"
        indexes = (("organization_id", "id"), ("worker_id", "id"))


class Event(Model):
    """The outbox: a domain event written in the transaction of its change, delivered after commit."""

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=80)
    payload: dict[str, Any] = fields.JSONField()
    organization_id = fields.IntField(null=True)
    account_id = fields.IntField(null=True)
    """The worker the event concerns, if any (their account)."""
    project_id = fields.IntField(null=True)
    created_at = fields.DatetimeField()
    delivered_at = fields.DatetimeField(null=True, db_index=True)

    class Meta:
        table = "core_event"
