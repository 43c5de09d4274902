"""Fan-out of committed events to live subscribers (GraphQL subscriptions).

``Broker`` serves one process (SQLite). ``PostgresBroker`` reaches subscribers connected to any server
process sharing the database: the process that delivers an event announces it with PostgreSQL's
NOTIFY, and every process (itself included) LISTENs, loads the event and hands it to its subscribers.
LISTEN/NOTIFY needs nothing beside the database the deployment already runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any

from crowdgraph.core.events import Event

QUEUE_SIZE = 1000
CHANNEL = "crowdgraph_events"
NOTIFY_LIMIT = 7000  # PostgreSQL refuses NOTIFY payloads of 8000 bytes or more
log = logging.getLogger("crowdgraph.broker")


class Broker:
    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[Event]] = set()

    @property
    def subscribers(self) -> int:
        return len(self._queues)

    def publish(self, event: Event) -> None:
        """Hand an event to this process's subscribers (a full queue drops it for that one)."""
        for queue in self._queues:
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(event)

    async def announce(self, events: list[Event]) -> None:
        """Make delivered events reach every subscriber of the deployment."""
        for event in events:
            self.publish(event)

    async def listen(self) -> AsyncIterator[Event]:
        queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE_SIZE)
        self._queues.add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._queues.discard(queue)

    async def start(self) -> None:
        """Begin receiving announcements from other processes (nothing to do in one process)."""

    async def stop(self) -> None:
        """Stop receiving announcements."""


EventLoader = Callable[[list[int]], Awaitable[list[Event]]]


class PostgresBroker(Broker):
    def __init__(self, dsn: str, load: EventLoader) -> None:
        super().__init__()
        self.dsn = dsn
        self.load = load
        self._connection: Any = None
        self._context: contextvars.Context | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = False

    async def start(self) -> None:
        # Loading announced events needs the platform's database: keep the context start ran in.
        self._context = contextvars.copy_context()
        self._stopping = False
        await self._listen()

    async def _listen(self) -> None:
        import asyncpg

        connection = await asyncpg.connect(self.dsn)
        await connection.add_listener(CHANNEL, self._heard)
        connection.add_termination_listener(self._lost)
        self._connection = connection

    def _lost(self, connection: Any) -> None:
        """The server dropped the LISTEN connection (a restart, a failover): listen again."""
        if self._stopping:
            return
        self._connection = None
        self._spawn(self._relisten())

    async def _relisten(self) -> None:
        import asyncpg

        delay = 0.5
        while not self._stopping:
            try:
                await self._listen()
                log.info("listening for events again")
                return
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("cannot listen for events (%s); retrying in %ss", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30)

    async def stop(self) -> None:
        self._stopping = True
        if self._connection is not None:
            await self._connection.close()
            self._connection = None
        for task in list(self._tasks):
            task.cancel()

    async def announce(self, events: list[Event]) -> None:
        """Tell every process (NOTIFY); while the connection is down, at least this one's subscribers."""
        if self._connection is None:
            await super().announce(events)
            return
        chunk: list[str] = []
        try:
            for event in events:
                chunk.append(str(event.id))
                if sum(len(c) + 1 for c in chunk) > NOTIFY_LIMIT:
                    await self._notify(chunk)
                    chunk = []
            if chunk:
                await self._notify(chunk)
        except Exception as exc:  # the connection went in the middle: events are delivered already
            log.warning("could not announce events to other processes: %s", exc)
            await super().announce(events)

    async def _notify(self, ids: list[str]) -> None:
        await self._connection.execute("SELECT pg_notify($1, $2)", CHANNEL, ",".join(ids))

    def _heard(self, connection: Any, pid: int, channel: str, payload: str) -> None:
        if not self.subscribers:
            return
        ids = [int(part) for part in payload.split(",") if part]
        self._spawn(self._publish(ids))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work, context=self._context)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _publish(self, ids: list[int]) -> None:
        try:
            for event in await self.load(ids):
                self.publish(event)
        except Exception:
            log.exception("could not load announced events %s", ids)
