"""Live events over WebSocket (graphql-transport-ws), filtered to what the subscriber may see."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from strawberry.scalars import JSON

from crowdgraph.core.accounts import authenticate
from crowdgraph.core.actor import Actor
from crowdgraph.core.events import Event
from crowdgraph.schema.context import Context
from crowdgraph.schema.types import DomainEvent


def may_see(actor: Actor, event: Event) -> bool:
    """Admins see everything; members see their organizations' events; a worker sees their own."""
    if actor.is_admin:
        return True
    if event.organization_id is not None and event.organization_id in actor.memberships:
        return True
    return event.account_id is not None and event.account_id == actor.account_id


async def subscriber(context: Context) -> Actor:
    """The WebSocket's actor: from the connection_init payload's Authorization, else the handshake."""
    params = context.connection_params or {}
    header = params.get("Authorization") or params.get("authorization")
    if isinstance(header, str) and header.lower().startswith("bearer "):
        return await authenticate(header[7:].strip())
    return context.actor


@strawberry.type
class CoreSubscription:
    @strawberry.subscription(
        description="Committed domain events the caller may see; optionally only these names."
    )
    async def events(
        self, info: strawberry.Info, names: list[str] | None = None
    ) -> AsyncGenerator[DomainEvent, None]:
        context: Context = info.context
        actor = await subscriber(context)
        actor.require_account()
        async for event in context.platform.broker.listen():
            if names and event.name not in names:
                continue
            if may_see(actor, event):
                yield DomainEvent(
                    id=strawberry.ID(str(event.id)),
                    name=event.name,
                    payload=JSON(event.payload),
                    created_at=event.created_at,
                )
