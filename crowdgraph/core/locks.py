"""Work that one process of a deployment at a time may do (sweepers, deadline timers)."""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import AsyncIterator

from crowdgraph.core.transaction import atomic


@contextlib.asynccontextmanager
async def exclusive(name: str) -> AsyncIterator[bool]:
    """A transaction that yields whether this process holds the lock ``name`` for its duration.

    On PostgreSQL a transaction-scoped advisory lock (released at commit, even if the process dies);
    on SQLite, with one process and serialized transactions, always held.
    """
    async with atomic() as connection:
        if connection.capabilities.dialect != "postgres":
            yield True
            return
        key = zlib.crc32(name.encode()) - 2**31
        _, rows = await connection.execute_query(
            "SELECT pg_try_advisory_xact_lock($1) AS held", [key]
        )
        yield bool(rows[0]["held"])
