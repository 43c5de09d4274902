"""The HTTP app: health, GraphiQL and introspection by environment, masked errors, body limits."""

from __future__ import annotations

import types
from typing import Any

import httpx
import pytest
import strawberry

import crowdgraph.app
from crowdgraph import hookimpl
from crowdgraph.app import create_app
from crowdgraph.config import ServerSettings
from crowdgraph.manifest import Manifest
from crowdgraph.platform import Platform
from crowdgraph.schema.part import SchemaPart
from crowdgraph.testing import settings_for
from tests.deployment.conftest import wait_for

INTROSPECTION = "{ __schema { queryType { name } } }"


@strawberry.type
class BrokenQuery:
    @strawberry.field
    def broken(self) -> str:
        raise RuntimeError("password=hunter2 in a stack trace")


def broken_plugin() -> types.ModuleType:
    module = types.ModuleType("broken")

    @hookimpl
    def register_manifest() -> Manifest:
        return Manifest(name="broken", version="1.0")

    @hookimpl
    def register_schema(platform: Any) -> SchemaPart:
        return SchemaPart(query=BrokenQuery)

    module.register_manifest = register_manifest  # type: ignore[attr-defined]
    module.register_schema = register_schema  # type: ignore[attr-defined]
    return module


def unopened_app(env: str) -> httpx.AsyncClient:
    """An app whose requests need no database (anonymous callers, no data)."""
    settings = settings_for("sqlite://:memory:", ["broken"], env=env)
    app = create_app(platform=Platform(settings, extra_plugins={"broken": broken_plugin()}))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_healthz_is_ok_while_the_database_answers_and_503_once_it_is_closed(
    make_platform, make_client
):
    platform = await make_platform(plugins=[])
    http = make_client().http
    ok = await http.get("/healthz")
    assert (ok.status_code, ok.json()["status"]) == (200, "ok")
    await platform.close()
    down = await http.get("/healthz")
    assert down.status_code == 503
    assert down.json()["status"] == "error"


async def test_healthz_is_503_while_event_delivery_keeps_failing_and_200_once_it_recovers(
    make_platform, make_client, monkeypatch
):
    platform = await make_platform(plugins=[])
    http = make_client().http
    monkeypatch.setattr(crowdgraph.app, "DELIVERY_STUCK_SECONDS", 0.0)
    deliver = platform.deliver_events

    async def connection_closed() -> int:
        raise ConnectionResetError("connection is closed")

    async def health(status: int) -> dict[str, Any] | None:
        response = await http.get("/healthz")
        return response.json() if response.status_code == status else None

    monkeypatch.setattr(platform, "deliver_events", connection_closed)
    await platform.start_background()
    try:
        stuck = await wait_for(lambda: health(503))
        assert stuck["database"] == "ok"
        assert stuck["events"].endswith("ConnectionResetError: connection is closed")
        assert stuck["outbox"] == 0
        monkeypatch.setattr(platform, "deliver_events", deliver)
        assert await wait_for(lambda: health(200)) == {
            "status": "ok",
            "database": "ok",
            "events": "ok",
            "outbox": 0,
        }
    finally:
        await platform.stop_background()


@pytest.mark.parametrize(("env", "served"), [("development", True), ("production", False)])
async def test_graphiql_is_served_in_development_only(env, served):
    async with unopened_app(env) as http:
        page = await http.get("/graphql", headers={"accept": "text/html"})
    if served:
        assert page.status_code == 200
        assert "text/html" in page.headers["content-type"]
        assert "graphiql" in page.text.lower()
    else:
        assert page.status_code == 404
        assert "graphiql" not in page.text.lower()


@pytest.mark.parametrize(("env", "allowed"), [("development", True), ("production", False)])
async def test_introspection_is_refused_in_production(env, allowed):
    async with unopened_app(env) as http:
        body = (await http.post("/graphql", json={"query": INTROSPECTION})).json()
    if allowed:
        assert body["data"] == {"__schema": {"queryType": {"name": "Query"}}}
    else:
        assert body.get("data") is None
        assert "introspection" in body["errors"][0]["message"].lower()


async def test_unexpected_errors_are_masked_in_production_and_shown_in_development(caplog):
    async with unopened_app("production") as http:
        masked = (await http.post("/graphql", json={"query": "{ broken }"})).json()
    assert masked["errors"] == [
        {
            "message": "Unexpected error.",
            "locations": [{"line": 1, "column": 3}],
            "path": ["broken"],
            "extensions": {"code": "INTERNAL_SERVER_ERROR"},
        }
    ]
    assert "hunter2" in caplog.text  # the operator still sees it in the log
    async with unopened_app("development") as http:
        shown = (await http.post("/graphql", json={"query": "{ broken }"})).json()
    assert shown["errors"][0]["message"] == "password=hunter2 in a stack trace"


async def test_domain_errors_keep_their_message_and_code_in_production():
    async with unopened_app("production") as http:
        body = (await http.post("/graphql", json={"query": "{ projects { nodes { id } } }"})).json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert body["errors"][0]["message"].startswith("sign in first")


async def test_a_body_above_max_body_bytes_gets_413(make_platform, make_client):
    await make_platform(
        plugins=[],
        server=ServerSettings(
            max_body_bytes=2048, rate_limit_per_token=0, rate_limit_per_address=0
        ),
    )
    http = make_client().http
    small = await http.post("/graphql", json={"query": "{ me { id } }"})
    assert small.status_code == 200
    padding = "#" + "x" * 3000 + "\n"
    declared = await http.post("/graphql", json={"query": padding + "{ me { id } }"})
    assert declared.status_code == 413
    assert declared.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"

    async def chunks():
        for _ in range(4):
            yield b'{"query": "' + b" " * 1000
        yield b'{ me { id } }"}'

    streamed = await http.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413
    assert "larger than 2048 bytes" in streamed.json()["errors"][0]["message"]
