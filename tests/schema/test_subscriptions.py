"""Live events over WebSocket (graphql-transport-ws), after commit, only to those who may see them."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime
from typing import Any

import anyio
import pytest
from starlette.testclient import TestClient, WebSocketTestSession

from crowdgraph import testing
from crowdgraph.app import create_app
from crowdgraph.core.runtime import SettableClock
from crowdgraph.platform import Platform
from crowdgraph.testing import settings_for, truncate_postgres

WAIT = 10.0
"""Seconds before a test gives up on a message that should have come (never reached when green)."""
EVENTS = 'subscription { events(names: ["core.project.created"]) { name payload } }'


@pytest.fixture
def live_platform(database_engine: str, crowdgraph_databases: testing.TestDatabases) -> Platform:
    """A migrated, empty database and a platform the app's lifespan opens in its own loop."""

    async def prepare() -> str:
        url = await crowdgraph_databases.fresh(database_engine, ("errands",))
        if database_engine == "postgres":
            platform = Platform(settings_for(url, ["errands"]), extra_plugins=_errands())
            async with platform.running(background=False):
                await truncate_postgres(platform)
        return url

    url = asyncio.run(prepare())
    return Platform(settings_for(url, ["errands"]), extra_plugins=_errands())


def _errands() -> dict[str, Any]:
    from tests import sample_plugin

    return {"errands": sample_plugin}


def graphql(
    client: TestClient, query: str, variables: dict[str, Any], token: str | None = None
) -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    body = response.json()
    assert not body.get("errors"), body
    return body["data"]


def client_with_org(client: TestClient, who: str) -> tuple[str, str]:
    """Register a client and create its organization; returns (token, organization id)."""
    token = graphql(
        client,
        "mutation($i: RegisterInput!) { register(input: $i) { token } }",
        {
            "i": {
                "email": f"{who}@example.org",
                "name": who,
                "password": "long enough pw",
                "role": "CLIENT",
            }
        },
    )["register"]["token"]
    org = graphql(
        client,
        "mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { organization { id } } }",
        {"i": {"name": who, "slug": who}},
        token,
    )["createOrganization"]["organization"]["id"]
    return token, org


def create_project(client: TestClient, token: str, org: str, name: str) -> None:
    graphql(
        client,
        "mutation($i: CreateProjectInput!) { createProject(input: $i) { project { id } } }",
        {"i": {"organizationId": org, "name": name}},
        token,
    )


def receive(ws: WebSocketTestSession) -> dict[str, Any]:
    """The next message, or a failure after WAIT seconds (the test client's own receive never times out)."""

    async def next_message() -> Any:
        with anyio.fail_after(WAIT):
            return await ws._send_rx.receive()

    message = ws.portal.call(next_message)
    assert message["type"] == "websocket.send", message
    return json.loads(message["text"])


def subscribe(ws: WebSocketTestSession, token: str) -> None:
    ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
    assert receive(ws) == {"type": "connection_ack"}
    ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": EVENTS}})


def wait_for_subscribers(client: TestClient, platform: Platform, count: int) -> None:
    async def listening() -> None:
        with anyio.fail_after(WAIT):
            # The broker offers no event for "someone subscribed": look again until it counts them.
            while platform.broker.subscribers != count:  # noqa: ASYNC110
                await asyncio.sleep(0.01)

    assert client.portal is not None
    client.portal.call(listening)


def test_a_subscriber_hears_committed_events_of_its_own_organization_only(live_platform):
    app = create_app(platform=live_platform)
    with TestClient(app) as client:
        alice, alice_org = client_with_org(client, "alice")
        bob, bob_org = client_with_org(client, "bob")
        with (
            client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as alice_ws,
            client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as bob_ws,
        ):
            subscribe(alice_ws, alice)
            subscribe(bob_ws, bob)
            wait_for_subscribers(client, live_platform, 2)
            create_project(client, alice, alice_org, "Alice's project")
            create_project(client, bob, bob_org, "Bob's project")

            heard = receive(alice_ws)
            assert heard["type"] == "next" and heard["id"] == "1"
            event = heard["payload"]["data"]["events"]
            assert event["name"] == "core.project.created"
            assert event["payload"]["name"] == "Alice's project"
            # Bob's first event is his own: Alice's, delivered before it, never reached him.
            bob_heard = receive(bob_ws)["payload"]["data"]["events"]
            assert bob_heard["payload"]["name"] == "Bob's project"


def test_a_subscription_without_a_valid_token_is_refused(live_platform):
    app = create_app(platform=live_platform)
    with (
        TestClient(app) as client,
        client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws,
    ):
        ws.send_json({"type": "connection_init", "payload": {"Authorization": "Bearer cg_nope"}})
        assert receive(ws) == {"type": "connection_ack"}
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": EVENTS}})
        refused = receive(ws)
        assert refused["type"] == "next" and refused["payload"]["data"] is None
        (error,) = refused["payload"]["errors"]
        assert error["extensions"]["code"] == "UNAUTHENTICATED"
        assert error["message"] == "the token is unknown, expired or revoked: log in again"
        assert receive(ws) == {"id": "1", "type": "complete"}


def test_subscribers_keep_hearing_events_after_the_database_drops_its_connections(
    live_platform, database_engine
):
    if database_engine != "postgres":
        pytest.skip("the LISTEN/NOTIFY broker is PostgreSQL's")
    app = create_app(platform=live_platform)
    with TestClient(app) as client:
        alice, alice_org = client_with_org(client, "alice")
        with client.websocket_connect(
            "/graphql", subprotocols=["graphql-transport-ws"]
        ) as alice_ws:
            subscribe(alice_ws, alice)
            wait_for_subscribers(client, live_platform, 1)
            assert client.portal is not None
            client.portal.call(terminate_backends, live_platform.settings.database.url)
            client.portal.call(listening_again, live_platform)
            create_project(client, alice, alice_org, "After the drop")
            event = receive(alice_ws)["payload"]["data"]["events"]
            assert event["payload"]["name"] == "After the drop"


async def terminate_backends(url: str) -> None:
    """Drop every connection of the server to this database, as a restart or failover would."""
    import asyncpg

    admin = await asyncpg.connect(url)
    try:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await admin.close()


async def listening_again(platform: Platform) -> None:
    """Wait for the broker to notice the drop and LISTEN on a new connection."""
    broker: Any = platform.broker
    with anyio.fail_after(WAIT):
        while broker._connection is None or broker._connection.is_closed():  # noqa: ASYNC110
            await asyncio.sleep(0.05)


def api_token(client: TestClient, session: str) -> tuple[str, str]:
    """A new API token of the session's account, valid for a day: (token, its id)."""
    payload = graphql(
        client,
        'mutation { createApiToken(input: {name: "ws", expiresInDays: 1}) '
        "{ token apiToken { id } } }",
        {},
        session,
    )["createApiToken"]
    return payload["token"], payload["apiToken"]["id"]


def closed(ws: WebSocketTestSession) -> dict[str, Any]:
    """The close message that ends the socket (events delivered before it are passed over)."""

    async def close_message() -> Any:
        with anyio.fail_after(WAIT):
            while True:
                message = await ws._send_rx.receive()
                if message["type"] == "websocket.close":
                    return message

    return dict(ws.portal.call(close_message))


@pytest.mark.parametrize("ending", ["logout", "revoke", "expiry"])
def test_a_subscription_ends_and_its_socket_closes_when_its_token_stops_being_valid(
    live_platform, ending, caplog
):
    clock = SettableClock(datetime.now(UTC))
    live_platform.runtime.clock = clock
    app = create_app(platform=live_platform)
    with TestClient(app) as client:
        session, org = client_with_org(client, "alice")
        api, api_id = api_token(client, session)
        watched, other = (session, api) if ending == "logout" else (api, session)
        with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
            subscribe(ws, watched)
            wait_for_subscribers(client, live_platform, 1)
            create_project(client, other, org, "Before")
            assert receive(ws)["payload"]["data"]["events"]["payload"]["name"] == "Before"
            if ending == "logout":
                graphql(client, "mutation { logout { ok } }", {}, session)
            elif ending == "revoke":
                revoke = "mutation($i: RevokeApiTokenInput!) { revokeApiToken(input: $i) { userErrors { code } } }"
                graphql(client, revoke, {"i": {"id": api_id}}, session)
            else:
                clock.advance(days=2)
            create_project(client, other, org, "After")
            close = closed(ws)
            assert close["code"] == 4403
            assert "log in again" in close["reason"]
            wait_for_subscribers(client, live_platform, 0)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
