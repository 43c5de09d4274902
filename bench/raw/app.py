"""The raw twin's Starlette app: routes, the bearer token, and the JSON the GraphQL endpoint returns.

Every route authenticates as a real endpoint must (the token's hash looked up with its account, its
memberships and worker profile in one statement; expiry, revocation and deactivation checked; the
last use recorded at most every five minutes) and answers with the bytes strawberry would write:
``json.dumps(body, separators=(",", ":"))``, keys in the order of the GraphQL selection. Errors are
GraphQL-shaped (message and code) but not byte-compared: the benchmark measures the successful path.

    BENCH_RAW_DATABASE_URL=... uvicorn --factory bench.raw.app:app_from_environment
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bench.raw import reads, writes
from bench.raw.caller import Caller, Refused, authenticate
from bench.raw.db import Connection, Database, count_sqlite_statements, statements_counted


def body(data: dict[str, Any]) -> Response:
    """The bytes strawberry writes for ``{"data": data}``."""
    encoded = json.dumps({"data": data}, separators=(",", ":"))
    return Response(encoded, media_type="application/json")


def refused(problem: Refused) -> Response:
    error = {"message": problem.message, "extensions": {"code": problem.code}}
    return JSONResponse({"data": None, "errors": [error]})


Handler = Callable[[Database, Request], Awaitable[dict[str, Any]]]


def route(db: Database, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            return body(await handler(db, request))
        except Refused as problem:
            return refused(problem)

    return endpoint


async def read_endpoint(
    db: Database,
    request: Request,
    read: Callable[[Connection, Caller, Request], Awaitable[dict[str, Any]]],
) -> dict[str, Any]:
    """A read: the token and the query on one connection, in autocommit."""
    async with db.connection() as connection:
        caller = await authenticate(connection, request.headers.get("authorization"))
        return await read(connection, caller, request)


def create_app(url: str, pool_max: int = 10) -> Starlette:
    db = Database(url, pool_max)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await db.open()
        try:
            yield
        finally:
            await db.close()

    def reading(
        read: Callable[[Connection, Caller, Request], Awaitable[dict[str, Any]]],
    ) -> Handler:
        return lambda db, request: read_endpoint(db, request, read)

    async def healthz(request: Request) -> Response:
        async with db.connection() as connection:
            await connection.fetchrow("SELECT 1 AS ok")
        return JSONResponse({"status": "ok", "database": "ok"})

    async def statements(request: Request) -> Response:
        return JSONResponse({"statements": statements_counted()})

    routes = [
        Route("/healthz", healthz),
        Route("/me", route(db, reading(reads.me))),
        Route("/feed", route(db, reading(reads.feed))),
        Route("/workers", route(db, reading(reads.workers))),
        Route("/organizations/{id}/projects", route(db, reading(reads.projects))),
        Route("/contests/{id}/leaderboard", route(db, reading(reads.leaderboard))),
        Route("/talent", route(db, reading(reads.talent))),
        Route("/claim", route(db, writes.claim), methods=["POST"]),
        Route("/submit", route(db, writes.submit), methods=["POST"]),
        Route("/scores", route(db, writes.score), methods=["POST"]),
        Route("/offers", route(db, writes.offer), methods=["POST"]),
    ]
    if os.environ.get("BENCH_COUNT_STATEMENTS"):
        routes.append(Route("/__statements", statements))
    return Starlette(routes=routes, lifespan=lifespan)


def app_from_environment() -> Starlette:
    """The factory uvicorn runs: database from BENCH_RAW_DATABASE_URL, pool size BENCH_POOL_MAX;
    BENCH_COUNT_STATEMENTS=1 counts SQLite statements and serves them at /__statements."""
    logging.basicConfig(level=logging.INFO)  # uvicorn's access lines, as crowdgraph writes its own
    if os.environ.get("BENCH_COUNT_STATEMENTS"):
        count_sqlite_statements()
    return create_app(
        os.environ["BENCH_RAW_DATABASE_URL"], int(os.environ.get("BENCH_POOL_MAX", "10"))
    )
