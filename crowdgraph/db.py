"""The Tortoise configuration of core + enabled plugins, how a lost database connection is told
and recovered from, and the migrations entry point."""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import asyncpg
from tortoise.context import TortoiseContext, get_current_context
from tortoise.exceptions import DBConnectionError
from tortoise.migrations.api import migrate as tortoise_migrate
from tortoise.migrations.autodetector import MigrationAutodetector
from tortoise.migrations.executor import MigrationExecutor, PlanStep

from crowdgraph.config import ConfigError, DatabaseSettings
from crowdgraph.manifest import Manifest
from crowdgraph.requestdb import current_request_connection

CORE_APP = {"models": ["crowdgraph.core.models"], "migrations": "crowdgraph.core.migrations"}
CONNECT_TIMEOUT_SECONDS = 10.0
"""A PostgreSQL server that has not accepted a connection by then counts as down (asyncpg waits 60 s)."""
T = TypeVar("T")


def engine(url: str) -> str:
    scheme = urlsplit(url).scheme
    if scheme in ("sqlite",):
        return "sqlite"
    if scheme in ("postgres", "postgresql", "asyncpg"):
        return "postgres"
    raise ConfigError(
        f"database.url: scheme {scheme!r} is not supported; use sqlite://PATH or postgres://USER@HOST/DB"
    )


class DatabaseUnusable(ConfigError):
    """The database of database.url cannot be used at start; the message says why in one line."""


def shown_url(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


async def check_connection(database: DatabaseSettings) -> None:
    """Connect once, outside any pool, and stop with one line saying what is wrong, if anything
    (a server that is down, a wrong host, refused credentials, a missing database or file)."""
    try:
        if engine(database.url) == "postgres":
            await _check_postgres(database)
        else:
            await asyncio.to_thread(_check_sqlite, connection_config(database))
    except DatabaseUnusable as exc:
        raise DatabaseUnusable(f"database.url ({shown_url(database.url)}): {exc}") from exc


async def _check_postgres(database: DatabaseSettings) -> None:
    credentials = dict(connection_config(database)["credentials"])
    where = f"{credentials['host']}:{credentials['port']}"
    try:
        connection = await asyncpg.connect(
            host=credentials["host"],
            port=credentials["port"],
            user=credentials["user"],
            password=credentials["password"],
            database=credentials["database"],
            timeout=CONNECT_TIMEOUT_SECONDS,
        )
    except socket.gaierror as exc:
        raise DatabaseUnusable(f"host {credentials['host']} is not known ({exc.strerror})") from exc
    except TimeoutError as exc:
        raise DatabaseUnusable(
            f"no answer from {where} within {CONNECT_TIMEOUT_SECONDS:g} s"
        ) from exc
    except OSError as exc:
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        raise DatabaseUnusable(
            f"cannot connect to {where} ({reason}): is PostgreSQL running there?"
        ) from exc
    except (
        asyncpg.InvalidPasswordError,
        asyncpg.InvalidAuthorizationSpecificationError,
    ) as exc:
        raise DatabaseUnusable(f"PostgreSQL at {where} refused the credentials: {exc}") from exc
    except asyncpg.InvalidCatalogNameError as exc:
        raise DatabaseUnusable(
            f"PostgreSQL at {where} has no such database: {exc} (create it, e.g. with createdb)"
        ) from exc
    except asyncpg.PostgresError as exc:
        raise DatabaseUnusable(f"PostgreSQL at {where} refused the connection: {exc}") from exc
    await connection.close()


def _check_sqlite(config: dict[str, Any]) -> None:
    path = config["credentials"]["file_path"]
    if path == ":memory:":
        return
    folder = Path(path).resolve().parent
    if not folder.is_dir():
        raise DatabaseUnusable(f"the folder {folder} of the SQLite file does not exist")
    try:
        connection = sqlite3.connect(path)
        try:
            connection.execute("PRAGMA schema_version")
        finally:
            connection.close()
    except sqlite3.Error as exc:
        raise DatabaseUnusable(f"cannot open the SQLite file {path}: {exc}") from exc


def connection_config(database: DatabaseSettings) -> dict[str, Any]:
    url = database.url
    if engine(url) == "postgres":
        parts = urlsplit(url)
        return {
            "engine": "tortoise.backends.asyncpg",
            "credentials": {
                "host": parts.hostname or "127.0.0.1",
                "port": parts.port or 5432,
                "user": parts.username or "postgres",
                "password": parts.password or "",
                "database": parts.path.lstrip("/") or "postgres",
                "minsize": database.pool_min,
                "maxsize": database.pool_max,
                "timeout": CONNECT_TIMEOUT_SECONDS,
                "connect": connect_postgres,
                "reset": keep_session,
            },
        }
    path = url.split("://", 1)[1] or ":memory:"
    return {
        "engine": "tortoise.backends.sqlite",
        "credentials": {"file_path": path, "journal_mode": "WAL"},
    }


async def connect_postgres(*args: Any, **kwargs: Any) -> asyncpg.Connection:
    """How the pool opens a connection: whatever stops it means the database is unavailable."""
    try:
        return await asyncpg.connect(*args, **kwargs)
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        raise DBConnectionError(f"cannot connect to the database: {exc}") from exc


async def keep_session(connection: asyncpg.Connection) -> None:
    """How the pool takes a connection back: as it is, without asyncpg's reset round trip.

    asyncpg's default sends ``pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`` on
    every release, and Tortoise releases after each statement outside a transaction. crowdgraph
    keeps no session state on pooled connections: its advisory locks are transaction-scoped, it
    sets nothing with SET, opens no cursors outside a transaction, and LISTENs on a connection of
    its own (broker.py). An open transaction is still rolled back by asyncpg before this is called.
    """


_CONNECTION_LOST = (
    DBConnectionError,
    ConnectionError,  # refused, reset, broken pipe
    asyncpg.PostgresConnectionError,  # class 08: "connection was closed in the middle of operation"
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
)
_CUT_OFF = (
    # "connection is closed", "released back to the pool" (the pool takes back a connection the
    # server closed); InterfaceError's subclasses are the caller's mistakes.
    asyncpg.InterfaceError,
    # "cannot switch to state 15; another operation (2) is in progress": the server's goodbye
    # arrived mid-conversation (MagicStack/asyncpg#1069); the pool drops the connection on release.
    asyncpg.InternalClientError,
)


def database_unavailable(error: BaseException) -> bool:
    """Whether an error comes of the database being unreachable or dropping the connection in use."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, _CONNECTION_LOST) or type(current) in _CUT_OFF:
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


async def renew_connections() -> None:
    """Have the pool replace each of its connections on next use.

    When the server dropped one connection it most likely dropped them all (a restart, a failover),
    and a pooled connection whose end the client has not yet noticed fails the next statement sent
    on it: renewed, they do not each fail one more request.
    """
    context = get_current_context()
    for client in context.connections.all() if context is not None else []:
        expire = getattr(client, "_expire_connections", None)  # Tortoise's pooled engines only
        if expire is not None:
            await expire()
    pinned = current_request_connection()
    if pinned is not None:
        await pinned.renew()


async def read_retrying(read: Callable[[], Awaitable[T]]) -> T:
    """Run a read; once more, on renewed connections, if the database dropped the one it used.

    Only reads are repeated: a write cut off mid-commit may have been applied.
    """
    try:
        return await read()
    except Exception as exc:
        if not database_unavailable(exc):
            raise
        await renew_connections()
        return await read()


def tortoise_config(database: DatabaseSettings, manifests: Iterable[Manifest]) -> dict[str, Any]:
    # The connection is named after its engine: Tortoise caches compiled statements per connection
    # name and table, so one process using SQLite and PostgreSQL (the test suite) needs two names.
    connection = engine(database.url)
    apps: dict[str, Any] = {"core": {**CORE_APP, "default_connection": connection}}
    for manifest in manifests:
        if manifest.models:
            apps[manifest.name] = {
                "models": list(manifest.models),
                "migrations": manifest.migrations,
                "default_connection": connection,
            }
    return {
        "connections": {connection: connection_config(database)},
        "apps": apps,
        "use_tz": True,
        "timezone": "UTC",
    }


async def migrate(
    config: dict[str, Any],
    progress: Callable[[str, str, str], object] | None = None,
    target: str | None = None,
) -> None:
    """Apply every pending migration of core and the enabled plugins (or up to ``app.migration``)."""
    async with TortoiseContext():
        await tortoise_migrate(config=config, progress=progress, target=target)


async def pending_migrations(config: dict[str, Any]) -> list[str]:
    """``app.migration`` names not yet applied to the database."""
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        executor = MigrationExecutor(ctx.db(), config["apps"])
        steps: list[PlanStep] = await executor.plan(None)
        return [f"{s.migration.app_label}.{s.migration.name}" for s in steps if not s.backward]


async def makemigrations(config: dict[str, Any]) -> list[str]:
    """Write a migration for each app whose models changed since its last migration."""
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        assert ctx.apps is not None
        detector = MigrationAutodetector(ctx.apps, config["apps"])
        return await detector.write()


async def reset_database(config: dict[str, Any]) -> None:
    """Empty the database: delete the SQLite file, or drop and recreate PostgreSQL's public schema."""
    (connection,) = config["connections"].values()
    if connection["engine"].endswith("sqlite"):
        path = connection["credentials"]["file_path"]
        if path != ":memory:":
            await asyncio.to_thread(_delete_sqlite_files, path)
        return
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        await ctx.db().execute_script("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")


def _delete_sqlite_files(path: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(path + suffix).unlink(missing_ok=True)
