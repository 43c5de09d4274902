"""Live events over WebSocket (graphql-transport-ws), filtered to what the subscriber may see.

A worker hears of their own work, and of newly available work they qualify for: a staffing model
marks an event as such an announcement by putting ``"open_work": {"audience": "internal" |
"external" | "both", "requirements": [...]}`` in its payload (the requirements are core
eligibility requirements). Members hear of their organizations' events; admins of every event.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncGenerator

import strawberry
from strawberry.scalars import JSON

from crowdgraph.core import eligibility
from crowdgraph.core.accounts import authenticate
from crowdgraph.core.actor import Actor
from crowdgraph.core.events import OPEN_WORK, Event
from crowdgraph.core.learning import LEARNING_CHANGED
from crowdgraph.core.models import Audience, Project
from crowdgraph.core.projects import audience_admits
from crowdgraph.schema.context import Context
from crowdgraph.schema.types import DomainEvent

VERDICTS_KEPT = 256


def may_see(actor: Actor, event: Event) -> bool:
    """Admins see everything; members see their organizations' events; a worker sees their own."""
    if actor.is_admin:
        return True
    if event.organization_id is not None and event.organization_id in actor.memberships:
        return True
    return event.account_id is not None and event.account_id == actor.account_id


class Visibility:
    """What one subscriber may see: ``may_see``, plus open work it qualifies for.

    Verdicts are kept per event (the same event can be announced to a subscriber twice).
    """

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self._verdicts: OrderedDict[int, bool] = OrderedDict()
        self._mentored: set[int] | None = None

    async def start(self) -> None:
        """Read what is known at subscription time, so events are judged by the state they came in."""
        await self._read_mentored()

    async def _read_mentored(self) -> None:
        self._mentored = set()
        if self.actor.account is not None:
            rows = Project.filter(mentor_id=self.actor.account.id, learning=True).only("id")
            self._mentored = {row.id for row in await rows}

    async def may_see(self, event: Event) -> bool:
        if event.name == LEARNING_CHANGED:
            await self._read_mentored()  # who mentors what changed: look again
        return (
            may_see(self.actor, event)
            or await self.mentors(event)
            or await self.qualifies_for(event)
        )

    async def mentors(self, event: Event) -> bool:
        """Whether the event is of a learning project the subscriber mentors (they follow its work)."""
        if event.project_id is None:
            return False
        if self._mentored is None:
            await self._read_mentored()
        return event.project_id in (self._mentored or set())

    async def qualifies_for(self, event: Event) -> bool:
        """Whether the event announces open work whose audience and requirements admit the worker."""
        offer = event.payload.get(OPEN_WORK)
        if not isinstance(offer, dict) or event.organization_id is None:
            return False
        if event.id not in self._verdicts:
            self._verdicts[event.id] = await self._admits(offer, event.organization_id)
            if len(self._verdicts) > VERDICTS_KEPT:
                self._verdicts.popitem(last=False)
        return self._verdicts[event.id]

    async def _admits(self, offer: dict[str, object], organization_id: int) -> bool:
        worker = await self.actor.worker()
        if worker is None:
            return False
        audience = offer.get("audience", Audience.BOTH.value)
        requirements = offer.get("requirements") or []
        if audience not in set(Audience) or not isinstance(requirements, list):
            return False
        if not audience_admits(Audience(str(audience)), organization_id, worker):
            return False
        return (await eligibility.check(worker, requirements)).eligible


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
        description="Committed domain events the caller may see (its own work, its organizations' "
        "events, newly available work it qualifies for); optionally only these names."
    )
    async def events(
        self, info: strawberry.Info, names: list[str] | None = None
    ) -> AsyncGenerator[DomainEvent, None]:
        context: Context = info.context
        actor = await subscriber(context)
        actor.require_account()
        visibility = Visibility(actor)
        await visibility.start()
        async for event in context.platform.broker.listen():
            if names and event.name not in names:
                continue
            if await visibility.may_see(event):
                yield DomainEvent(
                    id=strawberry.ID(str(event.id)),
                    name=event.name,
                    payload=JSON(event.payload),
                    created_at=event.created_at,
                )
