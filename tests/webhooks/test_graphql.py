"""Webhooks over GraphQL: only an organization's owners and managers, with clear userErrors."""

from __future__ import annotations

import pytest

from crowdgraph.core.models import MemberRole
from crowdgraph.core.organizations import add_member
from crowdgraph.schema.relay import to_global_id
from crowdgraph.webhooks.sender import send_due
from tests.webhooks.conftest import REGISTER, Receiver, register

LIST = """query($org: ID!) { webhooks(organizationId: $org) { nodes {
    id url events active deliveries { nodes { id status attempts lastStatusCode event { name } } } } } }"""
NODE = "query($id: ID!) { node(id: $id) { id ... on WebhookDelivery { status } } }"
REPLAY = """mutation($input: ReplayWebhookDeliveriesInput!) { replayWebhookDeliveries(input: $input) {
    requeued userErrors { field code message } } }"""
DISABLE = """mutation($input: DisableWebhookInput!) { disableWebhook(input: $input) {
    webhook { active } userErrors { field code message } } }"""


async def test_owners_and_managers_register_list_and_disable_webhooks_and_see_the_log(
    platform, factory, make_client, receiver: Receiver, settings
):
    org, owner = await factory.organization()
    manager = await factory.client()
    await add_member(owner.actor, org.id, manager.account.email, MemberRole.MANAGER)
    await platform.deliver_events()
    registered = await register(make_client(manager.token), org, receiver.url, ["core.*"])
    assert registered["secret"].startswith("whsec_")
    webhook = registered["webhook"]
    assert webhook == {
        "id": webhook["id"],
        "url": receiver.url,
        "events": ["core.*"],
        "active": True,
    }
    await factory.project(owner, org)
    await platform.deliver_events()
    receiver.statuses = [500]
    await send_due(settings)

    listed = (
        await make_client(owner.token).query(LIST, {"org": to_global_id("Organization", org.id)})
    ).data
    (node,) = listed["webhooks"]["nodes"]
    (delivery,) = node["deliveries"]["nodes"]
    assert node["deliveries"]["nodes"] == [
        {
            "id": delivery["id"],
            "status": "PENDING",
            "attempts": 1,
            "lastStatusCode": 500,
            "event": {"name": "core.project.created"},
        }
    ]
    fetched = await make_client(owner.token).query(NODE, {"id": delivery["id"]})
    assert fetched.data["node"] == {"id": delivery["id"], "status": "PENDING"}
    stranger = (await factory.organization())[1]
    assert (await make_client(stranger.token).query(NODE, {"id": delivery["id"]})).data == {
        "node": None
    }
    replayed = await make_client(owner.token).mutate(
        "replayWebhookDeliveries",
        REPLAY,
        {"input": {"webhookId": webhook["id"], "since": "2020-01-01T00:00:00Z"}},
    )
    assert replayed["requeued"] == 1
    disabled = await make_client(owner.token).mutate(
        "disableWebhook", DISABLE, {"input": {"webhookId": webhook["id"]}}
    )
    assert disabled["webhook"] == {"active": False}


@pytest.mark.parametrize("caller", ["worker", "stranger"])
async def test_nobody_else_may_register_list_or_see_an_organizations_webhooks(
    platform, factory, make_client, receiver: Receiver, caller
):
    org, owner = await factory.organization()
    registered = await register(make_client(owner.token), org, receiver.url)
    person = await factory.worker() if caller == "worker" else (await factory.organization())[1]
    client = make_client(person.token)
    org_id = to_global_id("Organization", org.id)
    refused = await client.query(
        REGISTER, {"input": {"organizationId": org_id, "url": receiver.url, "events": ["*"]}}
    )
    assert refused.codes == ["FORBIDDEN"]
    assert (await client.query(LIST, {"org": org_id})).codes == ["FORBIDDEN"]
    node = await client.query(
        "query($id: ID!) { node(id: $id) { id } }", {"id": registered["webhook"]["id"]}
    )
    assert node.data == {"node": None}
    replay = await client.query(
        REPLAY,
        {"input": {"webhookId": registered["webhook"]["id"], "since": "2020-01-01T00:00:00Z"}},
    )
    assert replay.codes == ["NOT_FOUND"]


@pytest.mark.parametrize(
    ("url", "events", "field", "code"),
    [
        ("ftp://example.org/hooks", ["*"], "url", "INVALID_URL"),
        ("https:///nohost", ["*"], "url", "INVALID_URL"),
        ("https://user:pw@example.org/", ["*"], "url", "INVALID_URL"),
        ("https://example.org/" + "x" * 2000, ["*"], "url", "TOO_LONG"),
        ("http://10.0.0.8/hooks", ["*"], "url", "PRIVATE_HOST"),
        ("http://localhost:8000/hooks", ["*"], "url", "PRIVATE_HOST"),
        ("http://[::1]/hooks", ["*"], "url", "PRIVATE_HOST"),
        ("http://2130706433/hooks", ["*"], "url", "PRIVATE_HOST"),
        ("http://169.254.169.254/latest/meta-data", ["*"], "url", "PRIVATE_HOST"),
        ("https://example.org/hooks", [], "events", "REQUIRED"),
        ("https://example.org/hooks", ["Core Project"], "events[0]", "INVALID_FORMAT"),
    ],
)
async def test_a_bad_url_or_pattern_is_a_user_error_naming_the_field(
    public_only, factory, make_client, url, events, field, code
):
    org, owner = await factory.organization()
    response = await make_client(owner.token).query(
        REGISTER,
        {
            "input": {
                "organizationId": to_global_id("Organization", org.id),
                "url": url,
                "events": events,
            }
        },
    )
    payload = response.data["registerWebhook"]
    assert payload["webhook"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(field, code)]


async def test_loopback_hosts_are_refused_unless_the_settings_allow_them(
    make_platform, factory, make_client
):
    await make_platform(plugins=[])
    org, owner = await factory.organization()
    response = await make_client(owner.token).query(
        REGISTER,
        {
            "input": {
                "organizationId": to_global_id("Organization", org.id),
                "url": "http://127.0.0.1:9/",
                "events": ["*"],
            }
        },
    )
    (error,) = response.data["registerWebhook"]["userErrors"]
    assert error["code"] == "PRIVATE_HOST"
    assert error["message"] == (
        "url must point to a public host, not 127.0.0.1 (loopback and private networks are refused)"
    )


async def test_replay_needs_a_delivery_or_a_time(
    platform, factory, make_client, receiver: Receiver
):
    org, owner = await factory.organization()
    registered = await register(make_client(owner.token), org, receiver.url)
    payload = (
        await make_client(owner.token).query(
            REPLAY, {"input": {"webhookId": registered["webhook"]["id"]}}
        )
    ).data["replayWebhookDeliveries"]
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("deliveryId", "REQUIRED")]
