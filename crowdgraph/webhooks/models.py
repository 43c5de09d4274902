"""Webhook tables (app label ``webhooks``): the endpoints integrators register, and the delivery log."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields

from crowdgraph.core.models import Event, Organization
from crowdgraph.core.tables import Model

URL_MAX_LENGTH = 2000


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class Endpoint(Model):
    """A URL an organization registered to receive its events, signed with the endpoint's secret."""

    id = fields.IntField(primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "core.Organization", related_name="webhook_endpoints", on_delete=fields.CASCADE
    )
    organization_id: int
    url = fields.CharField(max_length=URL_MAX_LENGTH)
    secret = fields.CharField(max_length=255)
    """Kept to sign every delivery (HMAC-SHA256), shown to the integrator once at registration;
    encrypted when a key is set (sealing.py)."""
    events: list[str] = fields.JSONField(default=list)
    """Event name patterns (``*`` matches any run of characters), e.g. ``microtask.batch.*``."""
    description = fields.CharField(max_length=200, default="")
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField()
    disabled_at = fields.DatetimeField(null=True)

    class Meta:
        table = "webhooks_endpoint"
        indexes = (("organization_id", "active"),)


class Delivery(Model):
    """One event for one endpoint: at least once, retried with back-off until delivered or failed."""

    id = fields.BigIntField(primary_key=True)
    endpoint: fields.ForeignKeyRelation[Endpoint] = fields.ForeignKeyField(
        "webhooks.Endpoint", related_name="deliveries", on_delete=fields.CASCADE
    )
    endpoint_id: int
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "core.Event", related_name="webhook_deliveries", on_delete=fields.CASCADE
    )
    event_id: int
    status = fields.CharEnumField(DeliveryStatus, max_length=16, default=DeliveryStatus.PENDING)
    attempts = fields.SmallIntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    """When the sender may next try (also a claim's lease while an attempt is under way)."""
    last_status_code = fields.SmallIntField(null=True)
    last_error = fields.CharField(max_length=500, default="")
    created_at = fields.DatetimeField()
    last_attempt_at = fields.DatetimeField(null=True)
    delivered_at = fields.DatetimeField(null=True)

    class Meta:
        table = "webhooks_delivery"
        unique_together = (("endpoint", "event"),)
        indexes = (("status", "next_attempt_at"), ("endpoint_id", "id"))
