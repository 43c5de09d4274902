"""A request that runs longer than server.request_seconds is stopped with 503."""

import asyncio
import types
from typing import Any

import httpx
import strawberry

from crowdgraph import hookimpl
from crowdgraph.app import create_app
from crowdgraph.config import ServerSettings
from crowdgraph.manifest import Manifest
from crowdgraph.platform import Platform
from crowdgraph.schema.part import SchemaPart
from crowdgraph.testing import settings_for


@strawberry.type
class StuckQuery:
    @strawberry.field
    async def stuck(self) -> str:
        await asyncio.Event().wait()  # never set: only the time limit ends it
        return "never"


def stuck_plugin() -> types.ModuleType:
    module = types.ModuleType("stuck")

    @hookimpl
    def register_manifest() -> Manifest:
        return Manifest(name="stuck", version="1.0")

    @hookimpl
    def register_schema(platform: Any) -> SchemaPart:
        return SchemaPart(query=StuckQuery)

    module.register_manifest = register_manifest  # type: ignore[attr-defined]
    module.register_schema = register_schema  # type: ignore[attr-defined]
    return module


async def test_a_request_longer_than_request_seconds_is_stopped_with_503():
    settings = settings_for(
        "sqlite://:memory:",
        ["stuck"],
        server=ServerSettings(
            request_seconds=0.2, rate_limit_per_token=0, rate_limit_per_address=0
        ),
    )
    app = create_app(platform=Platform(settings, extra_plugins={"stuck": stuck_plugin()}))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        response = await http.post("/graphql", json={"query": "{ stuck }"})
    assert response.status_code == 503
    assert response.json()["errors"][0]["extensions"] == {"code": "TIMEOUT"}
