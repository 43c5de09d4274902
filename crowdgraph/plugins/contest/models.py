"""The contest plugin's tables (app label ``contest``); every table is prefixed ``contest_``.

Rows of the core (organizations, projects, workers, accounts, engagements, ledger entries) are
referred to by id columns, so the plugin's migrations never depend on the core's.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields

from crowdgraph.core.models import Audience
from crowdgraph.core.tables import Model


class Phase(StrEnum):
    DRAFT = "draft"
    REGISTRATION = "registration"
    SUBMISSION = "submission"
    REVIEW = "review"
    APPEALS = "appeals"
    WINNERS_ANNOUNCED = "winners_announced"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class EntryStatus(StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    ELIMINATED = "eliminated"
    """Not picked as a finalist in the qualifying round."""
    FINISHED = "finished"
    """Ranked in the final round when the winners were announced."""
    NO_SUBMISSION = "no_submission"
    """Had no judged submission in the final round when the winners were announced."""


class AppealStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class AwardKind(StrEnum):
    PLACE = "place"
    HONORABLE_MENTION = "honorable_mention"
    PARTICIPATION = "participation"
    """Paid to each finalist picked by the qualifying round."""


class Contest(Model):
    """A challenge posed to the crowd, with its prize table, scorecard, deadlines and phase."""

    id = fields.IntField(primary_key=True)
    organization_id = fields.IntField(db_index=True)
    project_id = fields.IntField(db_index=True)
    created_by_id = fields.IntField()
    title = fields.CharField(max_length=160)
    brief = fields.TextField()
    requirements: list[dict[str, Any]] = fields.JSONField(default=list)
    audience = fields.CharEnumField(Audience, max_length=16)
    currency = fields.CharField(max_length=3)
    prizes: list[int] = fields.JSONField()
    """Minor units for places 1..N, best first."""
    honorable_mentions = fields.SmallIntField(default=0)
    honorable_mention_amount = fields.BigIntField(default=0)
    finalists = fields.SmallIntField(default=0)
    """How many entrants the qualifying round picks (0: no qualifying round)."""
    participation_award = fields.BigIntField(default=0)
    judge_fee = fields.BigIntField(default=0)
    judge_skill = fields.CharField(max_length=60, default="")
    """The skill slug an invited worker needs to judge (organization members need none)."""
    max_entrants = fields.IntField(null=True)
    max_submissions_per_entrant = fields.SmallIntField(default=5)
    criteria: list[dict[str, Any]] = fields.JSONField()
    """The scorecard: ``[{"name": str, "weight": int}]``."""
    scale = fields.SmallIntField(default=10)
    passing_score = fields.IntField(default=0)
    """Minimum final score to qualify, in hundredths of a percent (0..10000)."""
    phase = fields.CharEnumField(Phase, max_length=20, default=Phase.DRAFT)
    round = fields.SmallIntField(default=1)
    registration_ends_at = fields.DatetimeField()
    qualifying_ends_at = fields.DatetimeField(null=True)
    qualifying_review_ends_at = fields.DatetimeField(null=True)
    submission_ends_at = fields.DatetimeField()
    review_ends_at = fields.DatetimeField()
    appeals_ends_at = fields.DatetimeField()
    deadline = fields.DatetimeField(null=True, db_index=True)
    """When the current phase's deadline falls (null when no deadline moves it)."""
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "contest_contest"


class ContestJudge(Model):
    id = fields.IntField(primary_key=True)
    contest: fields.ForeignKeyRelation[Contest] = fields.ForeignKeyField(
        "contest.Contest", related_name="judges", on_delete=fields.CASCADE
    )
    contest_id: int
    account_id = fields.IntField()
    name = fields.CharField(max_length=120)
    member = fields.BooleanField()
    """An organization member (else an invited worker)."""
    fee = fields.BigIntField(default=0)
    created_at = fields.DatetimeField()

    class Meta:
        table = "contest_judge"
        unique_together = (("contest", "account_id"),)


class ContestEntry(Model):
    """An entrant's place in a contest, linked to a core engagement (detail_type ContestEntry)."""

    id = fields.IntField(primary_key=True)
    contest: fields.ForeignKeyRelation[Contest] = fields.ForeignKeyField(
        "contest.Contest", related_name="entries", on_delete=fields.CASCADE
    )
    contest_id: int
    worker_id = fields.IntField()
    account_id = fields.IntField()
    engagement_id = fields.IntField(null=True)
    status = fields.CharEnumField(EntryStatus, max_length=16, default=EntryStatus.ACTIVE)
    finalist = fields.BooleanField(default=False)
    final_score = fields.IntField(null=True)
    rank = fields.IntField(null=True)
    registered_at = fields.DatetimeField()

    class Meta:
        table = "contest_entry"
        unique_together = (("contest", "worker_id"),)
        indexes = (("contest_id", "id"),)


class ContestSubmission(Model):
    """One version of an entrant's work: versions are never changed, a new one is added."""

    id = fields.IntField(primary_key=True)
    entry: fields.ForeignKeyRelation[ContestEntry] = fields.ForeignKeyField(
        "contest.ContestEntry", related_name="submissions", on_delete=fields.CASCADE
    )
    entry_id: int
    contest_id = fields.IntField()
    round = fields.SmallIntField()
    version = fields.SmallIntField()
    text = fields.TextField(default="")
    links: list[str] = fields.JSONField(default=list)
    files: list[dict[str, Any]] = fields.JSONField(default=list)
    """``[{"name": str, "url": str, "size": int, "sha256": str}]``."""
    judged = fields.BooleanField(default=False)
    """The version the judges score: the entrant's latest one when the submission phase closed."""
    submitted_at = fields.DatetimeField()

    class Meta:
        table = "contest_submission"
        unique_together = (("entry", "round", "version"),)
        indexes = (("contest_id", "round", "judged"),)


class ContestScore(Model):
    """One judge's scorecard for one submission."""

    id = fields.IntField(primary_key=True)
    submission: fields.ForeignKeyRelation[ContestSubmission] = fields.ForeignKeyField(
        "contest.ContestSubmission", related_name="scores", on_delete=fields.CASCADE
    )
    submission_id: int
    judge: fields.ForeignKeyRelation[ContestJudge] = fields.ForeignKeyField(
        "contest.ContestJudge", related_name="scores", on_delete=fields.CASCADE
    )
    judge_id: int
    contest_id = fields.IntField()
    values: dict[str, int] = fields.JSONField()
    total = fields.IntField()
    """Weighted score in hundredths of a percent (0..10000)."""
    feedback = fields.TextField(default="")
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "contest_score"
        unique_together = (("submission", "judge"),)
        indexes = (("contest_id", "judge_id"),)


class ContestAppeal(Model):
    id = fields.IntField(primary_key=True)
    score: fields.ForeignKeyRelation[ContestScore] = fields.ForeignKeyField(
        "contest.ContestScore", related_name="appeals", on_delete=fields.CASCADE
    )
    score_id: int
    contest_id = fields.IntField()
    entry_id = fields.IntField()
    reason = fields.TextField()
    status = fields.CharEnumField(AppealStatus, max_length=16, default=AppealStatus.OPEN)
    answer = fields.TextField(default="")
    total_before = fields.IntField()
    total_after = fields.IntField(null=True)
    created_at = fields.DatetimeField()
    answered_at = fields.DatetimeField(null=True)

    class Meta:
        table = "contest_appeal"
        unique_together = (("score", "entry_id"),)
        indexes = (("contest_id", "status"),)


class ContestAward(Model):
    """Money paid to an entrant, one row per contest and slot, so each is paid exactly once."""

    id = fields.IntField(primary_key=True)
    contest: fields.ForeignKeyRelation[Contest] = fields.ForeignKeyField(
        "contest.Contest", related_name="awards", on_delete=fields.CASCADE
    )
    contest_id: int
    entry_id = fields.IntField()
    kind = fields.CharEnumField(AwardKind, max_length=20)
    slot = fields.IntField()
    """The place (1..N), the honorable mention's number, or the entry id for participation."""
    amount = fields.BigIntField()
    ledger_entry_id = fields.BigIntField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "contest_award"
        unique_together = (("contest", "kind", "slot"),)
