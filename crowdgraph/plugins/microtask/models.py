"""Tables of the microtask model (app label ``microtask``): batches, tasks, assignments, blocks, quality."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields

from crowdgraph.core.models import Audience
from crowdgraph.core.tables import Model


def wrapped(value: Any) -> dict[str, Any] | None:
    """An answer as stored: inside ``{"value": ...}``, since a JSON column reads a bare string as JSON text."""
    return None if value is None else {"value": value}


class BatchStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"
    COMPLETED = "completed"


class Scheduling(StrEnum):
    DEPTH_FIRST = "depth_first"
    BREADTH_FIRST = "breadth_first"


class TaskStatus(StrEnum):
    OPEN = "open"
    FULL = "full"
    COMPLETED = "completed"


class AssignmentStatus(StrEnum):
    CLAIMED = "claimed"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    RELEASED = "released"


class AppealStatus(StrEnum):
    NONE = "none"
    OPEN = "open"
    UPHELD = "upheld"
    DENIED = "denied"


class Batch(Model):
    """A set of tasks answered under one instruction, answer spec, reward and overlap."""

    id = fields.IntField(primary_key=True)
    organization_id = fields.IntField()
    project_id = fields.IntField(db_index=True)
    title = fields.CharField(max_length=200)
    instructions = fields.TextField(default="")
    answer_spec: dict[str, Any] = fields.JSONField()
    reward = fields.BigIntField()
    """Pay per approved answer, minor units of the organization's currency."""
    currency = fields.CharField(max_length=3)
    overlap = fields.SmallIntField(default=3)
    """Answers each task collects at first."""
    max_overlap = fields.SmallIntField(default=3)
    """Dynamic overlap: answers a task may collect while its confidence stays below the threshold."""
    confidence_threshold = fields.FloatField(null=True)
    gold_overlap = fields.SmallIntField(default=20)
    """Workers each gold task may check."""
    gold_rate = fields.FloatField(default=0.0)
    lease_seconds = fields.IntField(default=600)
    deadline = fields.DatetimeField(null=True)
    requirements: list[dict[str, Any]] = fields.JSONField(default=list)
    priority = fields.SmallIntField(default=0)
    audience = fields.CharEnumField(Audience, max_length=16, default=Audience.BOTH)
    status = fields.CharEnumField(BatchStatus, max_length=16, default=BatchStatus.DRAFT)
    scheduling = fields.CharEnumField(Scheduling, max_length=16, default=Scheduling.DEPTH_FIRST)
    aggregator = fields.CharField(max_length=40, default="majority")
    skill_id = fields.IntField(null=True)
    """A skill the batch exercises: a good track record verifies it."""
    skill_level = fields.SmallIntField(default=1)
    held = fields.BigIntField(default=0)
    """Money set aside for this batch so far (the sum of its holds)."""
    pay_floor_per_hour = fields.BigIntField(null=True)
    """Minor units per hour, at least the server's; null: the server's (``config.pay_terms``)."""
    auto_approve_hours = fields.FloatField(null=True)
    """Unreviewed answers are approved this long after submission; null: the server's setting."""
    appeal_window_hours = fields.FloatField(null=True)
    """A rejection may be appealed this long; null: the server's setting."""
    allow_preview = fields.BooleanField(default=False, db_default=False)
    """Workers may see the task their next claim would take before claiming it (only without
    gold: the gold draw happens at claim, so a preview would tell gold tasks apart)."""
    created_by_id = fields.IntField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "microtask_batch"
        indexes = (("status", "priority", "id"), ("organization_id", "id"))


class Task(Model):
    """One item to answer, with the gold answer of a gold task (never shown to workers)."""

    id = fields.BigIntField(primary_key=True)
    batch: fields.ForeignKeyRelation[Batch] = fields.ForeignKeyField(
        "microtask.Batch", related_name="tasks", on_delete=fields.CASCADE
    )
    batch_id: int
    key = fields.CharField(max_length=200, null=True)
    """The task's external key, unique in its batch: the one given, or a digest of its input and
    gold answer (``task_key``); a rerun import skips the keys a batch holds. Null for tasks added
    before keys existed."""
    input: dict[str, Any] = fields.JSONField()
    gold_answer: dict[str, Any] | None = fields.JSONField(null=True)
    """``{"value": answer}``, see ``wrapped``."""
    is_gold = fields.BooleanField(default=False)
    answers_needed = fields.SmallIntField()
    answers_received = fields.SmallIntField(default=0)
    taken = fields.SmallIntField(default=0)
    """Assignments holding a slot: claimed, submitted or approved."""
    status = fields.CharEnumField(TaskStatus, max_length=16, default=TaskStatus.OPEN)
    result: dict[str, Any] | None = fields.JSONField(null=True)
    """``{"value": answer}``, see ``wrapped``."""
    confidence = fields.FloatField(null=True)
    completed_at = fields.DatetimeField(null=True)

    @property
    def gold(self) -> Any:
        return self.gold_answer["value"] if self.gold_answer else None

    @property
    def outcome(self) -> Any:
        return self.result["value"] if self.result else None

    class Meta:
        table = "microtask_task"
        unique_together = (("batch_id", "key"),)
        indexes = (
            ("batch_id", "status", "is_gold", "id"),
            ("batch_id", "status", "is_gold", "taken", "id"),
        )


class Assignment(Model):
    """One worker's claim on a task, and the answer they gave."""

    id = fields.BigIntField(primary_key=True)
    task: fields.ForeignKeyRelation[Task] = fields.ForeignKeyField(
        "microtask.Task", related_name="assignments", on_delete=fields.CASCADE
    )
    task_id: int
    batch_id = fields.IntField()
    worker_id = fields.IntField()
    worker_account_id = fields.IntField()
    engagement_id = fields.IntField(null=True)
    status = fields.CharEnumField(AssignmentStatus, max_length=16)
    is_gold = fields.BooleanField(default=False)
    lease_expires_at = fields.DatetimeField()
    started_at = fields.DatetimeField()
    submitted_at = fields.DatetimeField(null=True)
    reviewed_at = fields.DatetimeField(null=True)
    time_on_task = fields.IntField(null=True)
    """Seconds from claim to submission."""
    answer: dict[str, Any] | None = fields.JSONField(null=True)
    """``{"value": answer}``, see ``wrapped``."""
    correct = fields.BooleanField(null=True)
    """For gold tasks: whether the answer matched the gold answer."""
    too_fast = fields.BooleanField(default=False)
    feedback = fields.CharField(max_length=1024, default="")
    appeal_status = fields.CharEnumField(AppealStatus, max_length=16, default=AppealStatus.NONE)
    appeal_reason = fields.CharField(max_length=1024, default="")
    appeal_response = fields.CharField(max_length=1024, default="")
    paid = fields.BigIntField(default=0)
    reserve = fields.BigIntField(default=0, db_default=0)
    """Held at rejection so that the slot reopens paid for while this answer may still be appealed
    (README, "Rejections and appeals")."""
    appeal_closed_at = fields.DatetimeField(null=True)
    """When a rejected answer stopped keeping its reward (and, without a reserve, its slot): its
    appeal was decided or its window passed."""
    auto_approve_at = fields.DatetimeField(null=True)
    """When a submitted answer nobody reviewed is approved: its batch's delay, fixed at
    submission. Null for answers submitted before migration 0003 (the server's delay holds)."""
    appeal_until = fields.DatetimeField(null=True)
    """Until when a rejection may be appealed: its batch's window, fixed at rejection. Null for
    rejections made before migration 0003 (the server's window holds)."""

    @property
    def value(self) -> Any:
        return self.answer["value"] if self.answer else None

    class Meta:
        table = "microtask_assignment"
        unique_together = (("task_id", "worker_id"),)
        indexes = (
            ("batch_id", "status", "id"),
            ("status", "lease_expires_at"),
            ("status", "submitted_at"),
            ("status", "auto_approve_at"),
            ("status", "reviewed_at"),
            ("worker_id", "id"),
        )


class Block(Model):
    """A worker kept out of one batch, or (without a batch) out of the organization's batches."""

    id = fields.IntField(primary_key=True)
    organization_id = fields.IntField()
    batch_id = fields.IntField(null=True)
    worker_id = fields.IntField()
    reason = fields.CharField(max_length=1024, default="")
    created_at = fields.DatetimeField()

    class Meta:
        table = "microtask_block"
        unique_together = (("organization_id", "batch_id", "worker_id"),)
        indexes = (("worker_id", "organization_id"),)


class WorkerStanding(Model):
    """A worker's record in one batch: answers, gold answers, gold accuracy, restriction."""

    id = fields.IntField(primary_key=True)
    batch_id = fields.IntField()
    worker_id = fields.IntField()
    answers = fields.IntField(default=0)
    gold_answers = fields.IntField(default=0)
    gold_correct = fields.IntField(default=0)
    restricted = fields.BooleanField(default=False)

    class Meta:
        table = "microtask_worker_standing"
        unique_together = (("batch_id", "worker_id"),)

    @property
    def accuracy(self) -> float | None:
        return self.gold_correct / self.gold_answers if self.gold_answers else None
