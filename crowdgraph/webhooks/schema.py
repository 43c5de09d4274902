"""GraphQL for webhooks: an organization's endpoints with their delivery logs, and the mutations."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON

from crowdgraph.schema.context import Context
from crowdgraph.schema.errors import Payload, run_mutation
from crowdgraph.schema.part import SchemaPart
from crowdgraph.schema.relay import Connection, Node, connection, decode_id, to_global_id, wide_keys
from crowdgraph.schema.types import DomainEvent
from crowdgraph.webhooks import models, service
from crowdgraph.webhooks.models import DeliveryStatus
from crowdgraph.webhooks.sealing import unseal
from crowdgraph.webhooks.service import WebhookSettings

strawberry.enum(DeliveryStatus, name="WebhookDeliveryStatus")


wide_keys("WebhookDelivery")  # a 64-bit key, as deliveries pile up


def settings_of(context: Context) -> WebhookSettings:
    return cast(WebhookSettings, context.platform.plugin_settings("webhooks"))


@strawberry.type(description="One event sent (or to be sent) to one webhook.")
class WebhookDelivery(Node):
    event: DomainEvent
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str
    created_at: datetime
    delivered_at: datetime | None

    @classmethod
    def from_row(cls, row: models.Delivery) -> WebhookDelivery:
        event = row.event
        return cls(
            id=to_global_id("WebhookDelivery", row.id),
            event=DomainEvent(
                id=strawberry.ID(str(event.id)),
                name=event.name,
                payload=JSON(event.payload),
                created_at=event.created_at,
            ),
            status=row.status,
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at,
            last_attempt_at=row.last_attempt_at,
            last_status_code=row.last_status_code,
            last_error=row.last_error,
            created_at=row.created_at,
            delivered_at=row.delivered_at,
        )


@strawberry.type(description="A URL that receives an organization's events, signed.")
class WebhookEndpoint(Node):
    pk: strawberry.Private[int]
    url: str
    events: list[str] = strawberry.field(
        description="Event name patterns; * matches any run of characters."
    )
    description: str
    active: bool
    created_at: datetime
    disabled_at: datetime | None

    @classmethod
    def from_row(cls, row: models.Endpoint) -> WebhookEndpoint:
        return cls(
            id=to_global_id("WebhookEndpoint", row.id),
            pk=row.id,
            url=row.url,
            events=list(row.events),
            description=row.description,
            active=row.active,
            created_at=row.created_at,
            disabled_at=row.disabled_at,
        )

    @strawberry.field(description="The delivery log, oldest first.")
    async def deliveries(
        self,
        info: strawberry.Info,
        status: DeliveryStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[WebhookDelivery]:
        context: Context = info.context
        page = await service.list_deliveries(
            context.actor, self.pk, context.page(first, after), status
        )
        return connection(page, WebhookDelivery.from_row)


@strawberry.input
class RegisterWebhookInput:
    organization_id: strawberry.ID
    url: str
    events: list[str]
    description: str = ""


@strawberry.type
class RegisterWebhookPayload(Payload):
    webhook: WebhookEndpoint | None = None
    secret: str | None = strawberry.field(
        default=None,
        description="Signs every delivery (see docs/webhooks.md); shown only once, keep it safe.",
    )


@strawberry.input
class DisableWebhookInput:
    webhook_id: strawberry.ID


@strawberry.type
class DisableWebhookPayload(Payload):
    webhook: WebhookEndpoint | None = None


@strawberry.input(description="Give deliveryId for one delivery, or since for all since a time.")
class ReplayWebhookDeliveriesInput:
    webhook_id: strawberry.ID
    delivery_id: strawberry.ID | None = None
    since: datetime | None = None


@strawberry.type
class ReplayWebhookDeliveriesPayload(Payload):
    requeued: int | None = None


@strawberry.type
class WebhookQuery:
    @strawberry.field(description="An organization's webhooks (its owners and managers only).")
    async def webhooks(
        self,
        info: strawberry.Info,
        organization_id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[WebhookEndpoint]:
        context: Context = info.context
        org = decode_id(organization_id, "Organization", field="organizationId")
        page = await service.list_endpoints(context.actor, org, context.page(first, after))
        return connection(page, WebhookEndpoint.from_row)


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(description="Send an organization's events matching patterns to a URL.")
    async def register_webhook(
        self, info: strawberry.Info, input: RegisterWebhookInput
    ) -> RegisterWebhookPayload:
        context: Context = info.context

        async def act() -> dict[str, object]:
            org = decode_id(input.organization_id, "Organization", field="organizationId")
            row = await service.register_endpoint(
                context.actor,
                org,
                input.url,
                input.events,
                input.description,
                settings_of(context),
            )
            secret = unseal(row.secret, settings_of(context).secret_key)
            return {"webhook": WebhookEndpoint.from_row(row), "secret": secret}

        return await run_mutation(RegisterWebhookPayload, act())

    @strawberry.mutation(description="Stop sending to a webhook; its unsent deliveries fail.")
    async def disable_webhook(
        self, info: strawberry.Info, input: DisableWebhookInput
    ) -> DisableWebhookPayload:
        context: Context = info.context

        async def act() -> dict[str, object]:
            pk = decode_id(input.webhook_id, "WebhookEndpoint", field="webhookId")
            row = await service.disable_endpoint(context.actor, pk)
            return {"webhook": WebhookEndpoint.from_row(row)}

        return await run_mutation(DisableWebhookPayload, act())

    @strawberry.mutation(description="Send one delivery, or all since a time, again now.")
    async def replay_webhook_deliveries(
        self, info: strawberry.Info, input: ReplayWebhookDeliveriesInput
    ) -> ReplayWebhookDeliveriesPayload:
        context: Context = info.context

        async def act() -> dict[str, object]:
            pk = decode_id(input.webhook_id, "WebhookEndpoint", field="webhookId")
            delivery = (
                decode_id(input.delivery_id, "WebhookDelivery", field="deliveryId")
                if input.delivery_id
                else None
            )
            count = await service.replay(context.actor, pk, delivery_id=delivery, since=input.since)
            return {"requeued": count}

        return await run_mutation(ReplayWebhookDeliveriesPayload, act())


async def resolve_endpoint(context: Context, pk: int) -> WebhookEndpoint:
    return WebhookEndpoint.from_row(await service.get_endpoint(context.actor, pk))


async def resolve_delivery(context: Context, pk: int) -> WebhookDelivery:
    return WebhookDelivery.from_row(await service.get_delivery(context.actor, pk))


def schema_part() -> SchemaPart:
    return SchemaPart(
        query=WebhookQuery,
        mutation=WebhookMutation,
        types=[WebhookEndpoint, WebhookDelivery],
        nodes={"WebhookEndpoint": resolve_endpoint, "WebhookDelivery": resolve_delivery},
    )
