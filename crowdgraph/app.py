"""create_app(): the Starlette app serving /graphql (HTTP and WebSocket) and /healthz."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import gc
import json
import logging
import re
from collections.abc import AsyncIterator
from typing import Any

from cross_web import HTTPException
from graphql import OperationType, get_operation_ast, parse
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET
from tortoise.context import get_current_context

from crowdgraph import graphiql
from crowdgraph.config import Settings, load_settings
from crowdgraph.core.accounts import authenticate
from crowdgraph.core.actor import Actor
from crowdgraph.core.errors import NotAuthenticated
from crowdgraph.core.events import pending_count
from crowdgraph.db import database_unavailable, read_retrying, renew_connections
from crowdgraph.observability import AccessLog, RequestIds, configure_logging, metrics_routes
from crowdgraph.platform import Delivery, Platform
from crowdgraph.plugins import by_plugin
from crowdgraph.ratelimit import RateLimit
from crowdgraph.requestdb import request_connection
from crowdgraph.schema.build import BuiltSchema, build_schema
from crowdgraph.schema.context import Context
from crowdgraph.schema.errors import DATABASE_UNAVAILABLE, DATABASE_UNAVAILABLE_MESSAGE

log = logging.getLogger("crowdgraph.graphql")


async def actor_from_header(authorization: str | None) -> Actor:
    """The caller behind ``Authorization: Bearer <token>``; a refused token leaves a reason."""
    if not authorization:
        return Actor()
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return Actor(auth_problem="the Authorization header must be 'Bearer <token>'")
    try:
        return await authenticate(token.strip())
    except NotAuthenticated as exc:
        return Actor(auth_problem=str(exc))


class GraphQLApp(GraphQL):
    def __init__(self, platform: Platform, built: BuiltSchema) -> None:
        super().__init__(
            built.schema,
            graphql_ide=None if platform.settings.production else "graphiql",
            allow_queries_via_get=True,
        )
        self.platform = platform
        self.registry = built.registry
        self.context_hooks = by_plugin(platform.pm, "register_context")

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL from the package's own assets (crowdgraph/graphiql), never a CDN."""
        return graphiql.page()

    def parse_json(self, data: str | bytes) -> Any:
        """A body (or GET's variables) must be UTF-8 JSON holding an object, nested at most
        MAX_JSON_DEPTH levels, its text without NUL characters or lone surrogates (no database
        stores them): anything else is the caller's mistake, answered 400."""
        try:
            found = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise HTTPException(400, "Unable to parse request body as JSON") from exc
        except RecursionError as exc:  # nested far deeper than the limit
            raise HTTPException(400, TOO_DEEP) from exc
        if not isinstance(found, dict | list):
            raise HTTPException(400, "the request body must be a JSON object")
        problem = json_problem(found)
        if problem is not None:
            raise HTTPException(400, problem)
        return found

    async def run(  # type: ignore[override]
        self, request: Request | WebSocket, context: Any = UNSET, root_value: Any = UNSET
    ) -> Response | WebSocket:
        """A request refused before execution because the database is unreachable (authentication
        needs it) is 503 with a DATABASE_UNAVAILABLE error, not a bare 500."""
        try:
            return await super().run(request, context, root_value)
        except Exception as exc:
            if isinstance(request, WebSocket) or not database_unavailable(exc):
                raise
            log.warning("database unavailable before execution: %s", exc)
            return error_response(503, DATABASE_UNAVAILABLE_MESSAGE, DATABASE_UNAVAILABLE)

    async def execute_single(  # type: ignore[override]
        self,
        request: Request,
        request_adapter: Any,
        sub_response: Response,
        context: Context,
        root_value: Any,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """A query that lost its database connection runs once more, on renewed connections and
        with a fresh context (its DataLoaders remember the failure); a mutation is not repeated."""
        result = await self._execute_once(
            request, request_adapter, sub_response, context, root_value, request_data
        )
        if lost_the_database(result):
            await renew_connections()
            if is_query(request_data):
                context = await self.get_context(request, sub_response)
                result = await self._execute_once(
                    request, request_adapter, sub_response, context, root_value, request_data
                )
        return result

    async def _execute_once(self, *args: Any) -> ExecutionResult:
        """A mutation or subscription sent with GET is 405 Method Not Allowed (GraphQL over HTTP)."""
        try:
            return await super().execute_single(*args)
        except HTTPException as exc:
            if isinstance(exc.__cause__, InvalidOperationTypeError):
                raise HTTPException(405, exc.reason) from exc
            raise

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """GraphQL over HTTP: for application/graphql-response+json, a request that failed before
        execution gets 400 and no ``data`` entry; application/json keeps 200 for every result."""
        processed = await super().process_result(request, result)
        wants = prefers_graphql_response(request.headers.get("accept", ""))
        _wants_graphql_response.set(wants)
        if wants and failed_before_execution(result):
            processed.pop("data", None)
        return processed

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        if _wants_graphql_response.get():
            response.headers["content-type"] = GRAPHQL_RESPONSE
            if isinstance(response_data, dict) and "data" not in response_data:
                response.status_code = 400
        return response

    async def get_context(  # type: ignore[override]
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        authorization = request.headers.get("authorization")
        context = Context(
            self.platform,
            await read_retrying(lambda: actor_from_header(authorization)),
            self.registry,
            request=request,
            response=response,
        )
        for name, call in self.context_hooks:
            for additions in call(platform=self.platform, context=context):
                context.plugins[name] = additions
        return context


GRAPHQL_RESPONSE = "application/graphql-response+json"
_wants_graphql_response: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "crowdgraph_wants_graphql_response", default=False
)


NUL_ESCAPE = re.compile(r"\\u(0000|\{0+\})")
"""A NUL written as an escape inside a GraphQL string literal."""
SURROGATE = re.compile(r"[\ud800-\udfff]")
MAX_JSON_DEPTH = 64
TOO_DEEP = f"JSON must not be nested more than {MAX_JSON_DEPTH} levels deep"


def json_problem(value: object) -> str | None:
    """What is wrong with a decoded body: nesting deeper than MAX_JSON_DEPTH, a NUL in a string
    (or escaped in a GraphQL document), a lone surrogate; None when nothing is. No recursion:
    a deep body must not exhaust the stack."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if "\x00" in item or NUL_ESCAPE.search(item) is not None:
                return "text must not contain NUL characters (U+0000)"
            if SURROGATE.search(item) is not None:
                return (
                    "text must be Unicode: a lone surrogate (U+D800 to U+DFFF) is not a character"
                )
        elif isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                return TOO_DEEP
            inner = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in inner)
    return None


def lost_the_database(result: ExecutionResult) -> bool:
    return any(
        (e.extensions or {}).get("code") == DATABASE_UNAVAILABLE for e in result.errors or []
    )


def is_query(request_data: GraphQLRequestData) -> bool:
    """Whether the operation a request runs is a query (a read, safe to run twice)."""
    if request_data.query is None:
        return False
    operation = get_operation_ast(parse(request_data.query), request_data.operation_name)
    return operation is not None and operation.operation == OperationType.QUERY


def prefers_graphql_response(accept: str) -> bool:
    """Whether the client asked for application/graphql-response+json (GraphQL over HTTP)."""
    return GRAPHQL_RESPONSE in accept or ("application/json" not in accept and "*/*" in accept)


def failed_before_execution(result: ExecutionResult) -> bool:
    """A parse or validation failure: no data, and no error that belongs to a field."""
    errors = result.errors or []
    return result.data is None and bool(errors) and all(e.path is None for e in errors)


class ActivatePlatform:
    """Pure ASGI middleware: each request and WebSocket runs with the platform's database and clock;
    a GraphQL request over HTTP keeps one database connection for all its statements
    (``request_connection``)."""

    def __init__(self, app: ASGIApp, platform: Platform) -> None:
        self.app = app
        self.platform = platform

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        with self.platform.activate():
            if scope["type"] != "http" or scope["path"] != "/graphql":
                await self.app(scope, receive, send)
                return
            async with request_connection():
                await self.app(scope, receive, send)


class LimitBody:
    """Refuse request bodies larger than the configured size with 413, before reading them whole."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await too_large(self.max_bytes)(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise BodyTooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except BodyTooLarge:
            await too_large(self.max_bytes)(scope, receive, send)


class BodyTooLarge(Exception):
    pass


class LimitTime:
    """Answer 503 to an HTTP request that takes longer than ``seconds``; its work is cancelled
    (and its transaction rolled back)."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.seconds:
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        deadline = asyncio.timeout(self.seconds)
        try:
            async with deadline:
                await self.app(scope, receive, watched)
        except TimeoutError:
            if not deadline.expired() or started:
                raise
            message = f"the request took longer than {self.seconds:g} s and was stopped"
            await error_response(503, message, "TIMEOUT")(scope, receive, send)


def too_large(limit: int) -> Response:
    return error_response(413, f"request body is larger than {limit} bytes", "PAYLOAD_TOO_LARGE")


def error_response(status: int, message: str, code: str) -> Response:
    """A GraphQL-shaped error for a request refused before execution."""
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]}, status_code=status
    )


DELIVERY_STUCK_SECONDS = 30.0
"""Event delivery failing for longer than this makes the process unhealthy."""


async def healthz(request: Request) -> Response:
    """200 while the database answers and events are delivered; 503 with the reason otherwise.
    ``outbox`` is the number of events committed but not yet delivered."""
    try:
        context = get_current_context()
        if context is None:
            raise RuntimeError("database not initialised")
        db = context.db()
        await read_retrying(lambda: db.execute_query("SELECT 1"))
        outbox = await read_retrying(pending_count)
    except Exception as exc:
        return JSONResponse({"status": "error", "database": str(exc)}, status_code=503)
    delivery: Delivery = request.app.state.platform.delivery
    failing = delivery.failing_for()
    if failing > DELIVERY_STUCK_SECONDS:
        events = f"delivery failing for {failing:.0f} s: {delivery.error}"
        body = {"status": "error", "database": "ok", "events": events, "outbox": outbox}
        return JSONResponse(body, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok", "events": "ok", "outbox": outbox})


def settle_startup_objects() -> None:
    """Keep what startup built (schema, models, modules) out of the collector's full passes.

    Those objects live as long as the process; left in the collector's care, each full pass walks
    all of them and stalls the request it lands in (tens of ms, about once per hundred requests).
    """
    gc.collect()
    gc.freeze()


def create_app(
    settings: Settings | None = None, *, platform: Platform | None = None, **platform_options: Any
) -> Starlette:
    """The ASGI app. Give settings (a Platform is built from them) or a ready Platform."""
    if platform is None:
        if settings is None:
            raise ValueError("create_app needs settings or a platform")
        platform = Platform(settings, **platform_options)
    built = build_schema(platform)
    graphql = GraphQLApp(platform, built)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with platform.running():
            settle_startup_objects()
            yield

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
            *([] if platform.settings.production else graphiql.routes()),
            *metrics_routes(platform.settings.server),
        ],
        lifespan=lifespan,
    )
    app.state.platform = platform
    app.state.schema = built.schema
    server = platform.settings.server
    app.add_middleware(LimitTime, seconds=server.request_seconds)
    app.add_middleware(LimitBody, max_bytes=server.max_body_bytes)
    app.add_middleware(
        RateLimit,
        per_token=server.rate_limit_per_token,
        per_address=server.rate_limit_per_address,
        trusted_proxies=server.trusted_proxies,
    )
    app.add_middleware(ActivatePlatform, platform=platform)
    if server.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=server.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
            max_age=server.cors_max_age,
        )
    app.add_middleware(AccessLog)
    app.add_middleware(RequestIds)
    return app


def app_from_environment() -> Starlette:
    """The factory ``crowdgraph serve`` hands to uvicorn (each worker process builds its own app)."""
    configure_logging()
    return create_app(load_settings())
