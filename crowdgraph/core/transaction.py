"""One transaction per state change; events written inside it are delivered once it commits.

A nested ``atomic()`` joins the transaction around it: no SAVEPOINT, so no round trip. If a
nested block fails and its caller carries on, the writes the block made before failing are still
in the transaction, so the outer transaction is marked rollback-only and refuses to commit
(``NestedBlockFailed``). Code that means to carry on after a failed part (one event handler among
several, one item of a sweep) says so with ``savepoint()``, which undoes just that part.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import AsyncIterator
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient, TransactionContextPooled
from tortoise.connection import get_connections
from tortoise.transactions import in_transaction

from crowdgraph.core import runtime


class NestedBlockFailed(RuntimeError):
    """A nested ``atomic()`` failed and was caught: the transaction around it may not commit."""


@dataclass
class _Transaction:
    connection: BaseDBAsyncClient
    wrote_events: bool = False
    failed: BaseException | None = None


_current: contextvars.ContextVar[_Transaction | None] = contextvars.ContextVar(
    "crowdgraph_transaction", default=None
)


@contextlib.asynccontextmanager
async def atomic() -> AsyncIterator[BaseDBAsyncClient]:
    """A transaction; nested calls join the outer one, and the outermost commit wakes the outbox."""
    outer = _current.get()
    if outer is not None:
        try:
            yield outer.connection
        except BaseException as exc:
            outer.failed = outer.failed or exc
            raise
        return
    async with _begun() as connection, _tracked(connection) as state:
        yield connection
    if state.wrote_events:
        runtime.current().on_commit()


@contextlib.asynccontextmanager
async def savepoint() -> AsyncIterator[BaseDBAsyncClient]:
    """A part of a transaction that can fail alone: its writes are undone, the rest carries on.

    Outside a transaction it is a transaction of its own.
    """
    outer = _current.get()
    if outer is None:
        async with atomic() as connection:
            yield connection
        return
    # Inside a transaction Tortoise's in_transaction() is SAVEPOINT ... RELEASE.
    async with in_transaction() as connection, _tracked(connection) as inner:
        yield connection
    outer.wrote_events = outer.wrote_events or inner.wrote_events


@contextlib.asynccontextmanager
async def _begun() -> AsyncIterator[BaseDBAsyncClient]:
    """Tortoise's ``in_transaction()``, except when BEGIN fails on a pooled connection.

    Tortoise then keeps the connection out of the pool and leaves its transaction as the task's
    current connection: every later transaction of that task (the event dispatcher, a background
    job) fails on the dead connection, forever. Here it is given back and forgotten.
    """
    context = in_transaction()
    try:
        connection = await context.__aenter__()
    except BaseException:
        token = getattr(context, "token", None)  # set once a connection is taken from the pool
        if isinstance(context, TransactionContextPooled) and token is not None:
            pool = context.client._parent._pool
            try:
                if pool is not None:
                    await pool.release(context.client._connection)
            finally:
                get_connections().reset(token)
        raise
    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_exit(context)
        yield connection


@contextlib.asynccontextmanager
async def _tracked(connection: BaseDBAsyncClient) -> AsyncIterator[_Transaction]:
    """The block's state while it runs; a nested part that failed and was caught stops its commit."""
    state = _Transaction(connection)
    token = _current.set(state)
    try:
        yield state
        if state.failed is not None:
            raise NestedBlockFailed(
                "a part of this transaction failed and was caught without savepoint(): "
                f"{state.failed!r}"
            ) from state.failed
    finally:
        _current.reset(token)


def note_event_written() -> None:
    state = _current.get()
    if state is not None:
        state.wrote_events = True
    else:
        runtime.current().on_commit()
