"""Work that one process of a deployment at a time may do (sweepers, deadline timers)."""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import AsyncIterator

from tortoise.context import require_context

from crowdgraph.core.transaction import atomic


@contextlib.asynccontextmanager
async def exclusive(name: str) -> AsyncIterator[bool]:
    """A transaction that yields whether this process holds the lock ``name`` for its duration.

    On PostgreSQL a transaction-scoped advisory lock (released at commit, even if the process dies).
    On SQLite, with one process, always held, and no transaction is opened: SQLite's transactions
    hold the only connection, and a long job would stall every request.
    """
    if require_context().db().capabilities.dialect != "postgres":
        yield True
        return
    async with atomic() as connection:
        key = zlib.crc32(name.encode()) - 2**31
        _, rows = await connection.execute_query(
            "SELECT pg_try_advisory_xact_lock($1) AS held", [key]
        )
        yield bool(rows[0]["held"])
