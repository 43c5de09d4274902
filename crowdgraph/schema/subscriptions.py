"""Live events over WebSocket (graphql-transport-ws), filtered to what the subscriber may see.

A worker hears of their own work, and of newly available work they qualify for: a staffing model
marks an event as such an announcement by putting ``"open_work": {"audience": "internal" |
"external" | "both", "requirements": [...]}`` in its payload (the requirements are core
eligibility requirements). Members hear of their organizations' events; admins of every event.

A subscription lasts as long as the token that opened it: once it is revoked, logged out or
expired, or its account deactivated, the socket is closed with 4403 (``TokenWatch``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections import OrderedDict, defaultdict
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from typing import TYPE_CHECKING, Annotated

import strawberry
from starlette.websockets import WebSocket, WebSocketState
from strawberry.scalars import JSON

from crowdgraph.core import eligibility, runtime
from crowdgraph.core.accounts import authenticate
from crowdgraph.core.actor import Actor
from crowdgraph.core.events import OPEN_WORK, Event
from crowdgraph.core.learning import LEARNING_CHANGED
from crowdgraph.core.models import ApiToken, Audience, Project
from crowdgraph.core.projects import audience_admits
from crowdgraph.db import database_unavailable
from crowdgraph.schema.context import Context
from crowdgraph.schema.types import DomainEvent

if TYPE_CHECKING:
    from crowdgraph.platform import Platform

log = logging.getLogger("crowdgraph.subscriptions")

VERDICTS_KEPT = 256
TOKEN_CHECK_SECONDS = 1.0
"""How often the tokens of live subscriptions are checked: one statement for all of a process's."""
TOKEN_ENDED = 4403
TOKEN_ENDED_REASON = "the token is revoked or expired: log in again"


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


class TokenWatch:
    """The tokens of one process's live subscriptions, checked together every
    TOKEN_CHECK_SECONDS: a subscription whose token is no longer valid is told by its alarm."""

    def __init__(self) -> None:
        self._alarms: defaultdict[int, set[asyncio.Event]] = defaultdict(set)
        self._checking: asyncio.Task[None] | None = None

    @contextlib.contextmanager
    def watching(self, token_id: int | None) -> Iterator[asyncio.Event]:
        """An alarm set once the token stops being valid, for as long as the block runs."""
        alarm = asyncio.Event()
        if token_id is None:  # an actor made without a token: nothing to watch
            yield alarm
            return
        self._alarms[token_id].add(alarm)
        checking = self._checking
        if checking is None or checking.done() or checking.get_loop() != asyncio.get_running_loop():
            self._checking = asyncio.create_task(self._check_every_while())
        try:
            yield alarm
        finally:
            alarms = self._alarms.get(token_id, set())
            alarms.discard(alarm)
            if not alarms:
                self._alarms.pop(token_id, None)
            if not self._alarms and self._checking is not None:
                self._checking.cancel()

    async def _check_every_while(self) -> None:
        while self._alarms:
            await asyncio.sleep(TOKEN_CHECK_SECONDS)
            try:
                await self.check()
            except Exception as exc:  # checked again next time: the subscriptions stay watched
                if database_unavailable(exc):
                    log.warning("cannot check the tokens of subscriptions: %s", exc)
                else:
                    log.exception("cannot check the tokens of subscriptions")

    async def check(self) -> None:
        """Set the alarms of tokens revoked, expired, or of deactivated accounts."""
        watched = list(self._alarms)
        valid = set(
            await ApiToken.filter(
                id__in=watched,
                revoked_at=None,
                expires_at__gt=runtime.now(),
                account__is_active=True,
            ).values_list("id", flat=True)
        )
        for token_id in watched:
            if token_id not in valid:
                for alarm in self._alarms.pop(token_id, set()):
                    alarm.set()


_watches: weakref.WeakKeyDictionary[Platform, TokenWatch] = weakref.WeakKeyDictionary()


def token_watch(platform: Platform) -> TokenWatch:
    if platform not in _watches:
        _watches[platform] = TokenWatch()
    return _watches[platform]


async def until(events: AsyncIterator[Event], alarm: asyncio.Event) -> AsyncIterator[Event]:
    """The events, until the alarm is set (while waiting for the next one, too)."""
    stop = asyncio.ensure_future(alarm.wait())
    arriving: asyncio.Future[Event] | None = None
    try:
        while True:
            arriving = asyncio.ensure_future(anext(events))
            await asyncio.wait((arriving, stop), return_when=asyncio.FIRST_COMPLETED)
            if stop.done():
                return
            yield arriving.result()
    finally:
        stop.cancel()
        if arriving is not None:
            arriving.cancel()


async def close_for_token(socket: object) -> None:
    """Close a subscriber's WebSocket, then wait for its handler to end the operation (returning
    instead would have the handler send ``complete`` on the closed socket)."""
    if not isinstance(socket, WebSocket):
        return  # a subscription over HTTP: its stream ends here
    if socket.application_state != WebSocketState.DISCONNECTED:
        await socket.close(code=TOKEN_ENDED, reason=TOKEN_ENDED_REASON)
    await asyncio.Event().wait()


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
        self,
        info: strawberry.Info,
        names: Annotated[
            list[str] | None,
            strawberry.argument(description="Only events with these exact names; null for all."),
        ] = None,
    ) -> AsyncGenerator[DomainEvent, None]:
        context: Context = info.context
        actor = await subscriber(context)
        actor.require_account()
        visibility = Visibility(actor)
        await visibility.start()
        events = context.platform.broker.listen()
        with token_watch(context.platform).watching(actor.token_id) as token_ended:
            async for event in until(events, token_ended):
                if names and event.name not in names:
                    continue
                if await visibility.may_see(event):
                    yield DomainEvent(
                        id=strawberry.ID(str(event.id)),
                        name=event.name,
                        payload=JSON(event.payload),
                        created_at=event.created_at,
                    )
        await close_for_token(context.request)
