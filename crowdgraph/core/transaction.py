"""One transaction per state change; events written inside it are delivered once it commits."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import AsyncIterator

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from crowdgraph.core import runtime

_wrote_events: contextvars.ContextVar[list[bool] | None] = contextvars.ContextVar(
    "crowdgraph_wrote_events", default=None
)


@contextlib.asynccontextmanager
async def atomic() -> AsyncIterator[BaseDBAsyncClient]:
    """A transaction; nested calls join the outer one, and the outermost commit wakes the outbox."""
    outer = _wrote_events.get()
    if outer is not None:
        async with in_transaction() as connection:
            yield connection
        return
    flag: list[bool] = []
    token = _wrote_events.set(flag)
    try:
        async with in_transaction() as connection:
            yield connection
    finally:
        _wrote_events.reset(token)
    if flag:
        runtime.current().on_commit()


def note_event_written() -> None:
    flag = _wrote_events.get()
    if flag is not None:
        flag.append(True)
    else:
        runtime.current().on_commit()
