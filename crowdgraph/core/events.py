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


Handler = Callable[[Event], Awaitable[None]]


async def deliver_pending(handler: Handler, batch: int = 100) -> int:
    """Hand undelivered events to ``handler`` in order and mark them delivered; returns how many.

    An event whose handler raises stays undelivered and is tried again on the next pass.
    """
    delivered = 0
    while True:
        rows = await EventRow.filter(delivered_at=None).order_by("id").limit(batch)
        if not rows:
            return delivered
        for row in rows:
            await handler(Event.from_row(row))
            async with atomic():
                await EventRow.filter(id=row.id, delivered_at=None).update(
                    delivered_at=runtime.now()
                )
            delivered += 1
        if len(rows) < batch:
            return delivered
