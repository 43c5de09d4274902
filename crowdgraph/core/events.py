"""Domain events: written to the outbox inside the change's transaction, delivered after commit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crowdgraph.core import runtime
from crowdgraph.core.models import Event as EventRow
from crowdgraph.core.transaction import atomic, note_event_written


@dataclass(frozen=True)
class Event:
    """A committed domain event as handlers see it; ``name`` is ``<model>.<thing>.<happened>``."""

    id: int
    name: str
    payload: dict[str, Any]
    organization_id: int | None
    account_id: int | None
    project_id: int | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: EventRow) -> Event:
        return cls(
            id=row.id,
            name=row.name,
            payload=row.payload,
            organization_id=row.organization_id,
            account_id=row.account_id,
            project_id=row.project_id,
            created_at=row.created_at,
        )


async def emit(
    name: str,
    payload: dict[str, Any],
    *,
    organization_id: int | None = None,
    account_id: int | None = None,
    project_id: int | None = None,
) -> EventRow:
    """Write an event to the outbox; call it inside the ``atomic()`` block of the change."""
    row = await EventRow.create(
        name=name,
        payload=payload,
        organization_id=organization_id,
        account_id=account_id,
        project_id=project_id,
        created_at=runtime.now(),
    )
    note_event_written()
    return row


OPEN_WORK = "open_work"


def open_work(audience: str, requirements: list[dict[str, Any]]) -> dict[str, Any]:
    """The payload entry announcing newly available work: workers who qualify hear of the event."""
    return {"audience": audience, "requirements": requirements}


Handler = Callable[[Event, bool], Awaitable[None]]
"""Handles one event; the flag says whether each of its parts must run in a savepoint of its own."""


async def deliver_pending(handler: Handler, batch: int = 100) -> list[Event]:
    """Hand undelivered events to ``handler`` in order, mark them delivered, and return them.

    Each batch is locked (``FOR UPDATE SKIP LOCKED`` on PostgreSQL) and handled inside one
    transaction, so several processes share the outbox without handing an event over twice, and
    what a handler writes commits together with the mark. A batch is first handled without
    savepoints (two round trips saved per handler and event); if anything in it fails, it is
    handled again with each part in a savepoint, so one failing part undoes only its own writes.
    """
    delivered: list[Event] = []
    while True:
        try:
            events, full = await _deliver_batch(handler, batch, alone=False)
        except Exception:
            events, full = await _deliver_batch(handler, batch, alone=True)
        delivered.extend(events)
        if not full:
            return delivered


async def _deliver_batch(handler: Handler, batch: int, *, alone: bool) -> tuple[list[Event], bool]:
    async with atomic():
        rows = (
            await EventRow.filter(delivered_at=None)
            .order_by("id")
            .limit(batch)
            .select_for_update(skip_locked=True)
        )
        events = [Event.from_row(row) for row in rows]
        for event in events:
            await handler(event, alone)
        if rows:
            await EventRow.filter(id__in=[row.id for row in rows]).update(
                delivered_at=runtime.now()
            )
    return events, len(rows) == batch


async def pending_count() -> int:
    """Events written but not yet delivered (the outbox depth)."""
    return await EventRow.filter(delivered_at=None).count()


async def load_events(ids: list[int]) -> list[Event]:
    """Committed events by id, in order."""
    return [Event.from_row(row) for row in await EventRow.filter(id__in=ids).order_by("id")]
