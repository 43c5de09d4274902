"""GraphQL for webhooks: an organization's endpoints with their delivery logs, and the mutations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, cast

import strawberry
from strawberry.scalars import JSON

from crowdgraph.schema.context import Context
from crowdgraph.schema.descriptions import described_enum
from crowdgraph.schema.errors import Payload, run_mutation
from crowdgraph.schema.part import SchemaPart
from crowdgraph.schema.relay import (
    After,
    Before,
    Connection,
    First,
    Last,
    Node,
    connection,
    decode_id,
    to_global_id,
    wide_keys,
)
from crowdgraph.schema.types import DomainEvent
from crowdgraph.webhooks import models, service
from crowdgraph.webhooks.models import DeliveryStatus
from crowdgraph.webhooks.sealing import unseal
from crowdgraph.webhooks.service import WebhookSettings

described_enum(
    DeliveryStatus,
    "Where a webhook delivery is.",
    {
        DeliveryStatus.PENDING: "Waiting for its first or next attempt.",
        DeliveryStatus.DELIVERED: "The endpoint answered with a 2xx status.",
        DeliveryStatus.FAILED: "Every attempt failed; replay it to try again.",
    },
    name="WebhookDeliveryStatus",
)


wide_keys("WebhookDelivery")  # a 64-bit key, as deliveries pile up


def settings_of(context: Context) -> WebhookSettings:
    return cast(WebhookSettings, context.platform.plugin_settings("webhooks"))


@strawberry.type(description="One event sent (or to be sent) to one webhook.")
class WebhookDelivery(Node):
    event: DomainEvent = strawberry.field(description="The event sent.")
    status: DeliveryStatus = strawberry.field(description="Pending, delivered or failed.")
    attempts: int = strawberry.field(description="How many times it was sent so far.")
    next_attempt_at: datetime | None = strawberry.field(
        description="When it will be tried next (UTC, ISO 8601); null when not pending."
    )
    last_attempt_at: datetime | None = strawberry.field(
        description="When it was last tried (UTC, ISO 8601); null before the first attempt."
    )
    last_status_code: int | None = strawberry.field(
        description="The HTTP status of the last answer; null when none came."
    )
    last_error: str = strawberry.field(
        description="Why the last attempt failed; empty when it did not."
    )
    created_at: datetime = strawberry.field(description="When it was queued (UTC, ISO 8601).")
    delivered_at: datetime | None = strawberry.field(
        description="When the endpoint accepted it (UTC, ISO 8601); null until then."
    )

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
    url: str = strawberry.field(description="The https URL events are posted to.")
    events: list[str] = strawberry.field(
        description="Event name patterns; * matches any run of characters."
    )
    description: str = strawberry.field(description="A note for people; may be empty.")
    active: bool = strawberry.field(description="Whether events are still sent to it.")
    created_at: datetime = strawberry.field(description="When it was registered (UTC, ISO 8601).")
    disabled_at: datetime | None = strawberry.field(
        description="When it was disabled (UTC, ISO 8601); null while active."
    )

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
        status: Annotated[
            DeliveryStatus | None,
            strawberry.argument(description="Only deliveries in this status; null for all."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[WebhookDelivery]:
        context: Context = info.context
        page = await service.list_deliveries(
            context.actor, self.pk, context.page(first, after, last, before), status
        )
        return connection(page, WebhookDelivery.from_row)


@strawberry.input
class RegisterWebhookInput:
    organization_id: strawberry.ID = strawberry.field(
        description="The Organization whose events to send."
    )
    url: str = strawberry.field(description="The https URL to post events to.")
    events: list[str] = strawberry.field(
        description="Event name patterns to send; * matches any run of characters."
    )
    description: str = strawberry.field(default="", description="A note for people.")


@strawberry.type
class RegisterWebhookPayload(Payload):
    webhook: WebhookEndpoint | None = strawberry.field(
        default=None, description="The new webhook; null when refused."
    )
    secret: str | None = strawberry.field(
        default=None,
        description="Signs every delivery (see docs/webhooks.md); shown only once, keep it safe.",
    )


@strawberry.input
class DisableWebhookInput:
    webhook_id: strawberry.ID = strawberry.field(description="The WebhookEndpoint to disable.")


@strawberry.type
class DisableWebhookPayload(Payload):
    webhook: WebhookEndpoint | None = strawberry.field(
        default=None, description="The disabled webhook; null when refused."
    )


@strawberry.input(description="Give deliveryId for one delivery, or since for all since a time.")
class ReplayWebhookDeliveriesInput:
    webhook_id: strawberry.ID = strawberry.field(description="The WebhookEndpoint to replay to.")
    delivery_id: strawberry.ID | None = strawberry.field(
        default=None, description="The one WebhookDelivery to send again."
    )
    since: datetime | None = strawberry.field(
        default=None, description="Send again every delivery created since (UTC, ISO 8601)."
    )


@strawberry.type
class ReplayWebhookDeliveriesPayload(Payload):
    requeued: int | None = strawberry.field(
        default=None, description="How many deliveries were queued again; null when refused."
    )


@strawberry.type
class WebhookQuery:
    @strawberry.field(description="An organization's webhooks (its owners and managers only).")
    async def webhooks(
        self,
        info: strawberry.Info,
        organization_id: Annotated[
            strawberry.ID, strawberry.argument(description="The Organization whose webhooks.")
        ],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[WebhookEndpoint] | None:
        context: Context = info.context
        org = decode_id(organization_id, "Organization", field="organizationId")
        page = await service.list_endpoints(
            context.actor, org, context.page(first, after, last, before)
        )
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
