"""In-process fan-out of committed events to live subscribers (GraphQL subscriptions)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from crowdgraph.core.events import Event

QUEUE_SIZE = 1000


class Broker:
    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[Event]] = set()

    @property
    def subscribers(self) -> int:
        return len(self._queues)

    def publish(self, event: Event) -> None:
        for queue in self._queues:
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(event)

    async def listen(self) -> AsyncIterator[Event]:
        queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE_SIZE)
        self._queues.add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._queues.discard(queue)
