"""Operations: JSON logs carrying a request id, and Prometheus metrics at /metrics.

With several server processes (``crowdgraph serve --workers N``) the processes share a metrics
directory (``PROMETHEUS_MULTIPROC_DIR``, set by ``serve``), so one scrape sees the whole server.
"""

from __future__ import annotations

import contextvars
import hmac
import json
import logging
import os
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from crowdgraph.config import ServerSettings
from crowdgraph.core.events import pending_count
from crowdgraph.schema.errors import callers_error, domain_error

request_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "crowdgraph_request_id", default="-"
)

GRAPHQL_SECONDS = Histogram(
    "crowdgraph_graphql_seconds", "Time to execute a GraphQL operation.", ["operation", "type"]
)
GRAPHQL_ERRORS = Counter(
    "crowdgraph_graphql_errors_total",
    "GraphQL errors by operation and code.",
    ["operation", "code"],
)
SQL_STATEMENTS = Counter("crowdgraph_sql_statements_total", "SQL statements sent to the database.")
CLAIMS = Counter(
    "crowdgraph_claims_total", "Work claimed by workers, by staffing model.", ["model"]
)
OUTBOX_DEPTH = Gauge(
    "crowdgraph_outbox_depth", "Committed events not yet delivered.", multiprocess_mode="max"
)
WEBHOOK_FAILURES = Counter("crowdgraph_webhook_failures_total", "Webhook deliveries that failed.")
OPERATION_NAMES_KEPT = 100
OPERATION_NAME_LENGTH = 64


_NOT_FIELDS = frozenset(vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",  # uvicorn's message with terminal colours
}
"""A record's attributes that are not fields given as ``extra``."""


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, the fields given as
    ``extra`` (an access line's method, path, status, duration_ms), and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id.get(),
        }
        for key, value in vars(record).items():
            if key not in _NOT_FIELDS and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO") -> None:
    """JSON logs on stderr for crowdgraph, uvicorn and Tortoise; one access line per request (from
    AccessLog, not uvicorn); SQL statements counted, not logged."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    handler.setLevel(level)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    # AccessLog writes one line per request, with fields; uvicorn writes its own only while this
    # logger has handlers to reach.
    uvicorn_access = logging.getLogger("uvicorn.access")
    uvicorn_access.handlers = []
    uvicorn_access.propagate = False
    count_sql_statements()


class _StatementCounter(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        SQL_STATEMENTS.inc()


def count_sql_statements() -> None:
    """Count every statement Tortoise sends (it reports them at DEBUG on tortoise.db_client)."""
    logger = logging.getLogger("tortoise.db_client")
    if not any(isinstance(h, _StatementCounter) for h in logger.handlers):
        logger.addHandler(_StatementCounter(logging.DEBUG))
        logger.setLevel(logging.DEBUG)
        logger.propagate = False


class RequestIds:
    """Pure ASGI middleware: every request gets an id (X-Request-ID, or a new one), in logs and the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = given if 0 < len(given) <= 64 and given.isprintable() else uuid.uuid4().hex
        token = request_id.set(rid)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)


access_log = logging.getLogger("crowdgraph.access")


class AccessLog:
    """Pure ASGI middleware: one log line per HTTP request, with its method, path, status and
    duration in ms as fields (the request id comes with every line; inside RequestIds)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers when the app fails before it starts a response

        async def watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watched)
        finally:
            duration = round((time.perf_counter() - started) * 1000, 1)
            method, path = scope["method"], scope["path"]
            access_log.info(
                "%s %s %s %.1f ms",
                method,
                path,
                status,
                duration,
                extra={"method": method, "path": path, "status": status, "duration_ms": duration},
            )


class OperationNames:
    """The operation labels of one server: the first OPERATION_NAMES_KEPT names it sees (of at
    most OPERATION_NAME_LENGTH characters), then ``other``.

    Callers choose operation names, and each label is a time series kept until the process ends.
    """

    def __init__(self) -> None:
        self.known: set[str] = set()

    def label(self, name: str | None) -> str:
        if name is None:
            return "anonymous"
        if name not in self.known:
            if len(self.known) >= OPERATION_NAMES_KEPT or len(name) > OPERATION_NAME_LENGTH:
                return "other"
            self.known.add(name)
        return name


class Metrics(SchemaExtension):
    """Times every GraphQL operation and counts its errors by code."""

    def __init__(self, names: OperationNames) -> None:
        self.names = names

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        context = self.execution_context
        operation = self.names.label(context.operation_name)
        try:
            kind = context.operation_type.value
        except RuntimeError:  # the document did not parse
            kind = "invalid"
        GRAPHQL_SECONDS.labels(operation, kind).observe(time.perf_counter() - started)
        result = context.result
        for error in result.errors if result and result.errors else []:
            domain = domain_error(error.original_error)
            code = (
                domain.code
                if domain is not None
                else (
                    (error.extensions or {}).get("code")
                    or ("GRAPHQL_VALIDATION" if callers_error(error) else "INTERNAL")
                )
            )
            GRAPHQL_ERRORS.labels(operation, code).inc()


def metrics_routes(server: ServerSettings) -> list[Route]:
    """``/metrics``, unless ``server.metrics`` turns it off; behind ``server.metrics_token``
    (``Authorization: Bearer <token>``) when one is set."""
    if not server.metrics:
        return []
    return [Route("/metrics", metrics_endpoint(server.metrics_token))]


def metrics_endpoint(token: str) -> Callable[[Request], Awaitable[Response]]:
    expected = f"Bearer {token}".encode()

    async def metrics(request: Request) -> Response:
        given = request.headers.get("authorization", "").encode()
        if token and not hmac.compare_digest(given, expected):
            return Response(
                "/metrics needs 'Authorization: Bearer <server.metrics_token>'\n",
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        OUTBOX_DEPTH.set(await pending_count())
        if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return metrics
