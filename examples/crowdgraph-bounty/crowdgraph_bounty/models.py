"""The bounty plugin's tables (app label ``bounty``); every table is prefixed ``bounty_``.

Core rows (organizations, projects, workers, accounts, engagements, ledger entries) are referred to
by id columns, so these migrations never depend on the core's.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields

from crowdgraph.core.models import Audience
from crowdgraph.core.tables import Model


class BountyStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class FulfilmentStatus(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Bounty(Model):
    """An open call for work: any eligible worker may fulfil it, the funder accepts up to a maximum."""

    id = fields.IntField(primary_key=True)
    organization_id = fields.IntField(db_index=True)
    project_id = fields.IntField(db_index=True)
    created_by_id = fields.IntField()
    title = fields.CharField(max_length=160)
    description = fields.TextField()
    requirements: list[dict[str, Any]] = fields.JSONField(default=list)
    audience = fields.CharEnumField(Audience, max_length=16)
    currency = fields.CharField(max_length=3)
    reward = fields.BigIntField()
    """Paid for each accepted fulfilment, in the organization's minor units."""
    max_accepted = fields.IntField()
    accepted_count = fields.IntField(default=0)
    status = fields.CharEnumField(BountyStatus, max_length=16, default=BountyStatus.OPEN)
    posted_at = fields.DatetimeField()
    closed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "bounty_bounty"


class BountyFulfilment(Model):
    """One answer to a bounty by one worker, the detail of their core engagement."""

    id = fields.IntField(primary_key=True)
    bounty: fields.ForeignKeyRelation[Bounty] = fields.ForeignKeyField(
        "bounty.Bounty", related_name="fulfilments"
    )
    bounty_id: int
    worker_id = fields.IntField(db_index=True)
    account_id = fields.IntField()
    engagement_id = fields.IntField(null=True)
    text = fields.TextField()
    links: list[str] = fields.JSONField(default=list)
    status = fields.CharEnumField(
        FulfilmentStatus, max_length=16, default=FulfilmentStatus.SUBMITTED
    )
    decline_reason = fields.TextField(default="")
    ledger_entry_id = fields.BigIntField(null=True)
    """The payment, once accepted."""
    submitted_at = fields.DatetimeField()
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "bounty_fulfilment"
        unique_together = (("bounty", "worker_id"),)
