"""create_app(): the Starlette app serving /graphql (HTTP and WebSocket) and /healthz."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from tortoise.context import get_current_context

from crowdgraph.config import Settings, load_settings
from crowdgraph.core.accounts import authenticate
from crowdgraph.core.actor import Actor
from crowdgraph.core.errors import NotAuthenticated
from crowdgraph.observability import RequestIds, configure_logging, metrics_endpoint
from crowdgraph.platform import Platform
from crowdgraph.schema.build import BuiltSchema, build_schema
from crowdgraph.schema.context import Context


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

    async def get_context(  # type: ignore[override]
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        context = Context(
            self.platform,
            await actor_from_header(request.headers.get("authorization")),
            self.registry,
            request=request,
            response=response,
        )
        for impl in self.platform.pm.hook.register_context.get_hookimpls():
            additions = impl.function(platform=self.platform, context=context)
            if additions:
                context.plugins[impl.plugin_name] = additions
        return context


class ActivatePlatform:
    """Pure ASGI middleware: each request and WebSocket runs with the platform's database and clock."""

    def __init__(self, app: ASGIApp, platform: Platform) -> None:
        self.app = app
        self.platform = platform

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        with self.platform.activate():
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


def too_large(limit: int) -> Response:
    return JSONResponse(
        {
            "errors": [
                {
                    "message": f"request body is larger than {limit} bytes",
                    "extensions": {"code": "PAYLOAD_TOO_LARGE"},
                }
            ]
        },
        status_code=413,
    )


async def healthz(request: Request) -> Response:
    try:
        context = get_current_context()
        if context is None:
            raise RuntimeError("database not initialised")
        await context.db().execute_query("SELECT 1")
    except Exception as exc:
        return JSONResponse({"status": "error", "database": str(exc)}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


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
            yield

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
            Route("/metrics", metrics_endpoint),
        ],
        lifespan=lifespan,
    )
    app.state.platform = platform
    app.state.schema = built.schema
    app.add_middleware(LimitBody, max_bytes=platform.settings.server.max_body_bytes)
    app.add_middleware(ActivatePlatform, platform=platform)
    app.add_middleware(RequestIds)
    return app


def app_from_environment() -> Starlette:
    """The factory ``crowdgraph serve`` hands to uvicorn (each worker process builds its own app)."""
    configure_logging()
    return create_app(load_settings())
