"""One pooled PostgreSQL connection per request, taken at its first statement.

Tortoise takes a connection from the pool for every statement outside a transaction and gives it
back after: asyncpg's acquire and release cost about three times the CPU of the statement itself
on a short query, and a request sends several. ``request_connection()`` puts a client in the
request's context that keeps one connection for every statement of the request, transactions
included (BEGIN and COMMIT go over the same connection), and gives it back when the request ends.

Statements of one request may run concurrently (sibling fields): each takes the connection's
lock, so they go one at a time. A transaction holds the lock from BEGIN to COMMIT; its own
statements go through Tortoise's transaction client on the same connection, and other work of the
request waits until it ends. A transaction therefore never waits for work that runs outside it:
a service's transaction awaits its own statements only.

A read sent outside a transaction that finds the connection dropped by the database is sent once
more on a new one (``read_retrying``): what a mutation reads after its commit to build its answer
must not turn the committed change into a failure. Writes and statements inside a transaction are
never repeated.

SQLite has one connection anyway: there the context is left as it is.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import asyncpg
from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper
from tortoise.backends.base.client import BaseDBAsyncClient, TransactionContext
from tortoise.connection import get_connections
from tortoise.context import get_current_context
from tortoise.exceptions import ConfigurationError, TransactionManagementError

T = TypeVar("T")


class RequestConnection(AsyncpgDBClient):
    """A client for one request: one pool connection, taken on first use, kept until the end."""

    def __init__(self, parent: AsyncpgDBClient) -> None:  # no super().__init__: nothing to parse
        self._parent = parent
        self.connection_name = parent.connection_name
        self.log = parent.log
        self.fetch_inserted = parent.fetch_inserted
        self._pool_init_lock = parent._pool_init_lock
        self._lock = asyncio.Lock()
        self._connection = None
        self._transaction_task: asyncio.Task[Any] | None = None
        self._transaction: TransactionWrapper | None = None
        self._closed = False

    async def _connect(self) -> Any:
        if self._connection is None:
            if self._parent._pool is None:
                async with self._pool_init_lock:
                    if self._parent._pool is None:
                        await self._parent.create_connection(with_db=True)
            self._connection = await self._parent._pool.acquire()
        return self._connection

    def acquire_connection(self) -> Any:
        return _Statement(self)

    async def execute_query(self, query: str, values: list | None = None) -> tuple[int, list[dict]]:
        return await self._sent(
            lambda: super(RequestConnection, self).execute_query(query, values), query
        )

    async def execute_query_dict(self, query: str, values: list | None = None) -> list[dict]:
        return await self._sent(
            lambda: super(RequestConnection, self).execute_query_dict(query, values), query
        )

    async def _sent(self, send: Callable[[], Awaitable[T]], query: str) -> T:
        """Send a statement; a read outside a transaction once more if its connection was dropped."""
        inside = self._transaction is not None and asyncio.current_task() is self._transaction_task
        if inside or query.lstrip()[:6].upper() != "SELECT":
            return await send()
        from crowdgraph.db import read_retrying  # db.py imports this module

        return await read_retrying(send)

    def _in_transaction(self) -> TransactionContext:
        if self._transaction is not None and asyncio.current_task() is self._transaction_task:
            return self._transaction._in_transaction()  # a client kept from before BEGIN
        if self._closed:
            return self._parent._in_transaction()
        return _Transaction(self)

    async def release(self) -> None:
        """Give the connection back to the pool; later statements (if any) use the pool."""
        self._closed = True
        async with self._lock:
            connection, self._connection = self._connection, None
            if connection is not None:
                with contextlib.suppress(asyncpg.InterfaceError):  # the pool took it back already
                    await self._parent._pool.release(connection)

    async def renew(self) -> None:
        """Drop the connection (the database dropped it): the next statement takes a new one."""
        async with self._lock:
            connection, self._connection = self._connection, None
            if connection is not None:
                with contextlib.suppress(asyncpg.InterfaceError):  # the pool took it back already
                    connection.terminate()
                    await self._parent._pool.release(connection)


class _Statement:
    """A statement outside a transaction: the request's connection, one statement at a time."""

    def __init__(self, owner: RequestConnection) -> None:
        self.owner = owner
        self._pooled: Any = None
        self._held = False

    async def __aenter__(self) -> Any:
        owner = self.owner
        transaction = owner._transaction
        if transaction is not None and asyncio.current_task() is owner._transaction_task:
            # The transaction's own task reaching past it (a client kept from before BEGIN):
            # its statement belongs inside the transaction.
            self._pooled = transaction.acquire_connection()
            return await self._pooled.__aenter__()
        if owner._closed:
            self._pooled = owner._parent.acquire_connection()
            return await self._pooled.__aenter__()
        await owner._lock.acquire()
        self._held = True
        try:
            return await owner._connect()
        except BaseException:
            owner._lock.release()
            self._held = False
            raise

    async def __aexit__(self, *exc: object) -> None:
        if self._held:
            self.owner._lock.release()
        elif self._pooled is not None:
            await self._pooled.__aexit__(*exc)


class _Transaction(TransactionContext):
    """BEGIN ... COMMIT on the request's connection, holding it for the whole transaction."""

    def __init__(self, owner: RequestConnection) -> None:
        self.owner = owner
        self.token: Any = None

    async def __aenter__(self) -> TransactionWrapper:
        owner = self.owner
        await owner._lock.acquire()
        try:
            connection = await owner._connect()
            self.client = TransactionWrapper(owner)
            self.client._connection = connection
            self.token = get_connections().set(owner.connection_name, self.client)
            owner._transaction, owner._transaction_task = self.client, asyncio.current_task()
            await self.client.begin()
        except BaseException:
            self._end()
            raise
        return self.client

    async def __aexit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        try:
            if not self.client._finalized:
                if exc_type:
                    if exc_type is not TransactionManagementError:
                        await self.client.rollback()
                else:
                    await self.client.commit()
        finally:
            self._end()

    def _end(self) -> None:
        owner = self.owner
        owner._transaction = owner._transaction_task = None
        if self.token is not None:
            get_connections().reset(self.token)
            self.token = None
        owner._lock.release()


@contextlib.asynccontextmanager
async def request_connection() -> AsyncIterator[None]:
    """Run the block with one pooled connection for all its statements (PostgreSQL only)."""
    client = _pooled_client()
    if not isinstance(client, AsyncpgDBClient) or isinstance(
        client, RequestConnection | TransactionWrapper
    ):
        yield
        return
    pinned = RequestConnection(client)
    token = get_connections().set(client.connection_name, pinned)
    try:
        yield
    finally:
        get_connections().reset(token)
        await pinned.release()


def _pooled_client() -> BaseDBAsyncClient | None:
    """The database client of the current context, if it is opened and has one connection name."""
    context = get_current_context()
    try:
        names = list(context.connections.db_config) if context is not None else []
    except ConfigurationError:  # not opened, or closed already
        return None
    return get_connections().get(names[0]) if len(names) == 1 else None


def current_request_connection() -> RequestConnection | None:
    client = _pooled_client()
    return client if isinstance(client, RequestConnection) else None
