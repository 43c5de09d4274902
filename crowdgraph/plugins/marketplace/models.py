"""The marketplace's tables (app label ``marketplace``); core rows are referenced by id."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields

from crowdgraph.core.models import Audience
from crowdgraph.core.tables import Model


class Pricing(StrEnum):
    FIXED = "fixed"
    HOURLY = "hourly"


class JobStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    FILLED = "filled"


class ProposalStatus(StrEnum):
    SUBMITTED = "submitted"
    SHORTLISTED = "shortlisted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    HIRED = "hired"


class ContractStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    ENDED = "ended"
    CANCELLED = "cancelled"


class MilestoneStatus(StrEnum):
    PLANNED = "planned"
    FUNDED = "funded"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    DISPUTED = "disputed"
    RESOLVED = "resolved"
    REFUNDED = "refunded"


class TimeEntryStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class QuestionKind(StrEnum):
    CHOICE = "choice"
    SHORT = "short"
    ESSAY = "essay"


class AttemptStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    AWAITING_GRADING = "awaiting_grading"
    PASSED = "passed"
    FAILED = "failed"


class Side(StrEnum):
    CLIENT = "client"
    WORKER = "worker"


class DisputeStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class DisputeOutcome(StrEnum):
    RELEASE = "release"
    REFUND = "refund"
    SPLIT = "split"


class StepKind(StrEnum):
    ACCEPT_TERMS = "accept_terms"
    SIGN_AGREEMENT = "sign_agreement"
    PAYMENT_DETAILS = "payment_details"
    SCREENING = "screening"


class Offer(Model):
    """What a worker pitches: a service at a price or an hourly rate."""

    id = fields.IntField(primary_key=True)
    worker_id = fields.IntField()
    title = fields.CharField(max_length=140)
    description = fields.TextField()
    skills: list[str] = fields.JSONField(default=list)
    skill_tags = fields.CharField(max_length=1400, default="")
    """The skills as ``,a,b,`` so that one portable LIKE finds offers by skill."""
    pricing = fields.CharEnumField(Pricing, max_length=16)
    price = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    delivery_days = fields.SmallIntField()
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "marketplace_offer"
        indexes = (("worker_id", "id"),)


class Job(Model):
    """A freshly posted freelance job of an organization, a stage of one of its projects."""

    id = fields.IntField(primary_key=True)
    organization_id = fields.IntField()
    project_id = fields.IntField()
    title = fields.CharField(max_length=160)
    description = fields.TextField()
    skills: list[str] = fields.JSONField(default=list)
    pricing = fields.CharEnumField(Pricing, max_length=16)
    budget = fields.BigIntField()
    """Fixed: the whole price. Hourly: the highest hourly rate. Minor units of the org currency."""
    currency = fields.CharField(max_length=3)
    weekly_hours_cap = fields.SmallIntField(null=True)
    duration_days = fields.SmallIntField()
    requirements: list[dict[str, Any]] = fields.JSONField(default=list)
    onboarding_step_ids: list[int] = fields.JSONField(default=list)
    audience = fields.CharEnumField(Audience, max_length=16)
    status = fields.CharEnumField(JobStatus, max_length=16, default=JobStatus.OPEN)
    created_by_id = fields.IntField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "marketplace_job"
        indexes = (("status", "id"), ("organization_id", "id"), ("project_id", "id"))


class Invitation(Model):
    id = fields.IntField(primary_key=True)
    job: fields.ForeignKeyRelation[Job] = fields.ForeignKeyField(
        "marketplace.Job", related_name="invitations", on_delete=fields.CASCADE
    )
    job_id: int
    worker_id = fields.IntField()
    invited_by_id = fields.IntField()
    message = fields.TextField(default="")
    created_at = fields.DatetimeField()

    class Meta:
        table = "marketplace_invitation"
        unique_together = (("job", "worker_id"),)


class Proposal(Model):
    id = fields.IntField(primary_key=True)
    job: fields.ForeignKeyRelation[Job] = fields.ForeignKeyField(
        "marketplace.Job", related_name="proposals", on_delete=fields.CASCADE
    )
    job_id: int
    worker_id = fields.IntField()
    cover_letter = fields.TextField()
    bid = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    timeline_days = fields.SmallIntField()
    status = fields.CharEnumField(ProposalStatus, max_length=16, default=ProposalStatus.SUBMITTED)
    invited = fields.BooleanField(default=False)
    active_key = fields.CharField(max_length=40, null=True, unique=True)
    """``<job>:<worker>`` while the proposal is active, else null: one active proposal per job."""
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "marketplace_proposal"
        indexes = (("job_id", "id"), ("worker_id", "id"))


class Contract(Model):
    """The marketplace's record behind a core engagement."""

    id = fields.IntField(primary_key=True)
    job: fields.ForeignKeyRelation[Job] = fields.ForeignKeyField(
        "marketplace.Job", related_name="contracts", on_delete=fields.RESTRICT
    )
    job_id: int
    proposal_id = fields.IntField(unique=True)
    organization_id = fields.IntField()
    worker_id = fields.IntField()
    worker_account_id = fields.IntField()
    engagement_id = fields.IntField(null=True)
    title = fields.CharField(max_length=160)
    pricing = fields.CharEnumField(Pricing, max_length=16)
    amount = fields.BigIntField()
    """Fixed: the total price. Hourly: the hourly rate."""
    currency = fields.CharField(max_length=3)
    weekly_hours_cap = fields.SmallIntField(null=True)
    fund_all_at_start = fields.BooleanField(default=True, db_default=True)
    """Starting funds every planned milestone (true) or only the first (false)."""
    status = fields.CharEnumField(ContractStatus, max_length=16, default=ContractStatus.PENDING)
    created_at = fields.DatetimeField()
    started_at = fields.DatetimeField(null=True)
    ended_at = fields.DatetimeField(null=True)
    feedback_closes_at = fields.DatetimeField(null=True)
    """The end of the feedback window; ratings show when both are in or this has passed."""

    class Meta:
        table = "marketplace_contract"
        indexes = (("worker_id", "id"), ("organization_id", "id"))


class Milestone(Model):
    id = fields.IntField(primary_key=True)
    contract: fields.ForeignKeyRelation[Contract] = fields.ForeignKeyField(
        "marketplace.Contract", related_name="milestones", on_delete=fields.CASCADE
    )
    contract_id: int
    position = fields.SmallIntField()
    title = fields.CharField(max_length=160)
    amount = fields.BigIntField()
    status = fields.CharEnumField(MilestoneStatus, max_length=20, default=MilestoneStatus.PLANNED)
    submission = fields.TextField(default="")
    feedback = fields.TextField(default="")
    submitted_at = fields.DatetimeField(null=True)
    release_at = fields.DatetimeField(null=True)
    """When a submitted milestone left unanswered is paid automatically."""
    decided_at = fields.DatetimeField(null=True)
    auto_released = fields.BooleanField(default=False)

    class Meta:
        table = "marketplace_milestone"
        indexes = (("contract_id", "position"), ("status", "release_at"))


class TimeEntry(Model):
    id = fields.IntField(primary_key=True)
    contract: fields.ForeignKeyRelation[Contract] = fields.ForeignKeyField(
        "marketplace.Contract", related_name="time_entries", on_delete=fields.CASCADE
    )
    contract_id: int
    work_date = fields.DateField()
    week_start = fields.DateField()
    minutes = fields.IntField()
    description = fields.TextField(default="")
    amount = fields.BigIntField()
    status = fields.CharEnumField(TimeEntryStatus, max_length=16, default=TimeEntryStatus.PENDING)
    created_at = fields.DatetimeField()
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "marketplace_time_entry"
        indexes = (("contract_id", "week_start"),)


class Exam(Model):
    """A screening exam: for a skill at a level (verifies it in the core) or an organization's check."""

    id = fields.IntField(primary_key=True)
    organization_id = fields.IntField(null=True)
    """Set for an organization's own check (graded by its staff), null for platform skill exams."""
    skill_id = fields.IntField(null=True)
    level = fields.SmallIntField(null=True)
    title = fields.CharField(max_length=160)
    instructions = fields.TextField(default="")
    time_limit_minutes = fields.SmallIntField()
    pass_mark = fields.SmallIntField()
    """Percent of the points needed to pass."""
    cooldown_hours = fields.SmallIntField()
    manual = fields.BooleanField(default=False)
    """Graded by hand by the organization's staff (a communication check)."""
    created_at = fields.DatetimeField()

    class Meta:
        table = "marketplace_exam"


class ExamQuestion(Model):
    id = fields.IntField(primary_key=True)
    exam: fields.ForeignKeyRelation[Exam] = fields.ForeignKeyField(
        "marketplace.Exam", related_name="questions", on_delete=fields.CASCADE
    )
    exam_id: int
    position = fields.SmallIntField()
    kind = fields.CharEnumField(QuestionKind, max_length=16)
    prompt = fields.TextField()
    choices: list[str] = fields.JSONField(default=list)
    answer_key: list[str] = fields.JSONField(default=list)
    """Choice: the index of the right choice. Short: every accepted answer. Never leaves the server."""
    points = fields.SmallIntField(default=1)

    class Meta:
        table = "marketplace_exam_question"


class ExamAttempt(Model):
    id = fields.IntField(primary_key=True)
    exam: fields.ForeignKeyRelation[Exam] = fields.ForeignKeyField(
        "marketplace.Exam", related_name="attempts", on_delete=fields.CASCADE
    )
    exam_id: int
    worker_id = fields.IntField()
    status = fields.CharEnumField(AttemptStatus, max_length=20, default=AttemptStatus.IN_PROGRESS)
    answers: dict[str, str] = fields.JSONField(default=dict)
    score = fields.SmallIntField(null=True)
    started_at = fields.DatetimeField()
    deadline = fields.DatetimeField()
    submitted_at = fields.DatetimeField(null=True)
    late = fields.BooleanField(default=False)
    graded_by_id = fields.IntField(null=True)
    graded_at = fields.DatetimeField(null=True)

    class Meta:
        table = "marketplace_exam_attempt"
        indexes = (("worker_id", "exam_id"),)


class Feedback(Model):
    id = fields.IntField(primary_key=True)
    contract: fields.ForeignKeyRelation[Contract] = fields.ForeignKeyField(
        "marketplace.Contract", related_name="feedback", on_delete=fields.CASCADE
    )
    contract_id: int
    side = fields.CharEnumField(Side, max_length=8)
    """Who wrote it: the client rates the worker, the worker rates the client."""
    rating = fields.SmallIntField()
    comment = fields.TextField(default="")
    created_at = fields.DatetimeField()

    class Meta:
        table = "marketplace_feedback"
        unique_together = (("contract", "side"),)


class Dispute(Model):
    id = fields.IntField(primary_key=True)
    milestone: fields.ForeignKeyRelation[Milestone] = fields.ForeignKeyField(
        "marketplace.Milestone", related_name="disputes", on_delete=fields.CASCADE
    )
    milestone_id: int
    opened_by_side = fields.CharEnumField(Side, max_length=8)
    opened_by_id = fields.IntField()
    reason = fields.TextField()
    status = fields.CharEnumField(DisputeStatus, max_length=16, default=DisputeStatus.OPEN)
    outcome = fields.CharEnumField(DisputeOutcome, max_length=16, null=True)
    worker_amount = fields.BigIntField(null=True)
    resolution_note = fields.TextField(default="")
    resolved_by_id = fields.IntField(null=True)
    created_at = fields.DatetimeField()
    resolved_at = fields.DatetimeField(null=True)

    class Meta:
        table = "marketplace_dispute"


class OnboardingStep(Model):
    id = fields.IntField(primary_key=True)
    organization_id = fields.IntField()
    kind = fields.CharEnumField(StepKind, max_length=20)
    title = fields.CharField(max_length=160)
    body = fields.TextField(default="")
    exam_id = fields.IntField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "marketplace_onboarding_step"
        indexes = (("organization_id", "id"),)


class OnboardingCompletion(Model):
    id = fields.IntField(primary_key=True)
    step: fields.ForeignKeyRelation[OnboardingStep] = fields.ForeignKeyField(
        "marketplace.OnboardingStep", related_name="completions", on_delete=fields.CASCADE
    )
    step_id: int
    worker_id = fields.IntField()
    detail = fields.CharField(max_length=200, default="")
    """What the worker gave: their typed signature, or a masked payout reference."""
    completed_at = fields.DatetimeField()

    class Meta:
        table = "marketplace_onboarding_completion"
        unique_together = (("step", "worker_id"),)
