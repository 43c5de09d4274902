"""One small interface over asyncpg (PostgreSQL) and aiosqlite (SQLite) for hand-written SQL.

Statements are written once with ``$1, $2, ...`` placeholders, each used once and in order; on SQLite
they become ``?``. Rows come back as dicts. Datetimes are stored as Tortoise stores them: timestamptz
on PostgreSQL, ``YYYY-MM-DD HH:MM:SS[.ffffff]+00:00`` text on SQLite.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
import sqlite3
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

PLACEHOLDER = re.compile(r"\$\d+")
Row = dict[str, Any]

STATEMENTS = itertools.count()
"""Statements SQLite ran in this process (when counting is on; see :func:`count_sqlite_statements`)."""


def count_sqlite_statements() -> None:
    """Count every statement any sqlite3 connection of this process runs (BEGIN, SAVEPOINT and
    COMMIT included): each connection opened from now on gets a trace callback."""
    connect = sqlite3.connect

    def counted(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        connection = connect(*args, **kwargs)
        connection.set_trace_callback(lambda _statement: next(STATEMENTS))
        return connection

    sqlite3.connect = counted  # type: ignore[assignment]


def statements_counted() -> int:
    """How many statements were counted so far (reading does not count itself)."""
    return int(str(STATEMENTS).removeprefix("count(").removesuffix(")"))


class Connection(Protocol):
    dialect: str

    async def fetch(self, sql: str, *args: Any) -> list[Row]: ...

    async def fetchrow(self, sql: str, *args: Any) -> Row | None: ...

    async def execute(self, sql: str, *args: Any) -> None: ...


def ids(values: Sequence[object], start: int) -> str:
    """``$start, $start+1, ...``: placeholders for an IN list."""
    return ", ".join(f"${start + i}" for i in range(len(values))) or "NULL"


class PostgresConnection:
    dialect = "postgres"

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        return [dict(row) for row in await self.connection.fetch(sql, *args)]

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        row = await self.connection.fetchrow(sql, *args)
        return None if row is None else dict(row)

    async def execute(self, sql: str, *args: Any) -> None:
        await self.connection.execute(sql, *args)


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(" ")
    return value


class SqliteConnection:
    dialect = "sqlite"

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.converted: dict[str, str] = {}

    def _sql(self, sql: str) -> str:
        found = self.converted.get(sql)
        if found is None:
            found = self.converted[sql] = PLACEHOLDER.sub("?", sql)
        return found

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        cursor = await self.connection.execute(self._sql(sql), [_sqlite_value(a) for a in args])
        try:
            rows = await cursor.fetchall()
        finally:
            await cursor.close()
        return [dict(row) for row in rows]

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        rows = await self.fetch(sql, *args)
        return rows[0] if rows else None

    async def execute(self, sql: str, *args: Any) -> None:
        cursor = await self.connection.execute(self._sql(sql), [_sqlite_value(a) for a in args])
        await cursor.close()


class Database:
    """A pool (PostgreSQL) or one connection behind a lock (SQLite, as Tortoise does)."""

    def __init__(self, url: str, pool_max: int) -> None:
        self.url = url
        self.pool_max = pool_max
        self.dialect = "sqlite" if url.startswith("sqlite") else "postgres"
        self._pool: Any = None
        self._sqlite: SqliteConnection | None = None
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        if self.dialect == "postgres":
            import asyncpg

            self._pool = await asyncpg.create_pool(self.url, min_size=1, max_size=self.pool_max)
            return
        import aiosqlite

        connection = await aiosqlite.connect(urlsplit(self.url).path or self.url.split("://")[1])
        connection.row_factory = sqlite3.Row
        await connection.execute("PRAGMA journal_mode=WAL")
        await connection.execute("PRAGMA busy_timeout=10000")
        self._sqlite = SqliteConnection(connection)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
        if self._sqlite is not None:
            await self._sqlite.connection.close()

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        """A connection for one request's statements (autocommit)."""
        if self._pool is not None:
            async with self._pool.acquire() as connection:
                yield PostgresConnection(connection)
            return
        assert self._sqlite is not None
        async with self._lock:
            yield self._sqlite

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """A connection inside one transaction, committed at the end (rolled back on error)."""
        if self._pool is not None:
            async with self._pool.acquire() as connection, connection.transaction():
                yield PostgresConnection(connection)
            return
        assert self._sqlite is not None
        async with self._lock:
            sqlite = self._sqlite
            await sqlite.execute("BEGIN IMMEDIATE")
            try:
                yield sqlite
            except BaseException:
                await sqlite.execute("ROLLBACK")
                raise
            await sqlite.execute("COMMIT")
