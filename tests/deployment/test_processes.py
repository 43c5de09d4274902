"""Several server processes on one PostgreSQL database behave as one server."""

from __future__ import annotations

import asyncio
import json

import httpx
from websockets.asyncio.client import connect

REGISTER = """mutation($input: RegisterInput!) { register(input: $input) { token userErrors { message } } }"""
CREATE_ORG = """mutation($input: CreateOrganizationInput!) {
  createOrganization(input: $input) { organization { id } userErrors { message } } }"""
CREATE_PROJECT = """mutation($input: CreateProjectInput!) {
  createProject(input: $input) { project { id name } userErrors { message } } }"""


async def gql(
    http: httpx.AsyncClient, url: str, query: str, variables: dict, token: str | None = None
) -> dict:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await http.post(
        f"{url}/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    body = response.json()
    assert not body.get("errors"), body
    for payload in body["data"].values():
        assert not (payload or {}).get("userErrors"), payload
    return body["data"]


async def test_a_subscriber_on_one_process_hears_an_event_caused_through_another(start_servers):
    first, second = start_servers(2)
    async with httpx.AsyncClient(timeout=10) as http:
        registered = await gql(
            http,
            first.url,
            REGISTER,
            {
                "input": {
                    "email": "owner@deploy.example",
                    "name": "Owner",
                    "password": "long enough pw",
                    "role": "CLIENT",
                }
            },
        )
        token = registered["register"]["token"]
        org = await gql(
            http, second.url, CREATE_ORG, {"input": {"name": "Deploy", "slug": "deploy"}}, token
        )
        org_id = org["createOrganization"]["organization"]["id"]

        ws_url = first.url.replace("http", "ws") + "/graphql"
        async with connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send(
                json.dumps(
                    {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
                )
            )
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(
                json.dumps(
                    {
                        "id": "1",
                        "type": "subscribe",
                        "payload": {
                            "query": 'subscription { events(names: ["core.project.created"]) { name payload } }'
                        },
                    }
                )
            )

            # The subscription starts asynchronously: cause events through the other process until one arrives.
            created: list[str] = []

            async def cause() -> None:
                while True:
                    name = f"Project {len(created) + 1}"
                    created.append(name)
                    await gql(
                        http,
                        second.url,
                        CREATE_PROJECT,
                        {"input": {"organizationId": org_id, "name": name}},
                        token,
                    )
                    await asyncio.sleep(0.3)

            causing = asyncio.create_task(cause())
            try:
                message = json.loads(await asyncio.wait_for(ws.recv(), timeout=60))
            finally:
                causing.cancel()
    assert message["type"] == "next"
    event = message["payload"]["data"]["events"]
    assert event["name"] == "core.project.created"
    assert event["payload"]["name"] in created
