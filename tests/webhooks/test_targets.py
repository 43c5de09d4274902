"""Webhooks reach public hosts only: the addresses a host resolves to are checked at registration
and again at every delivery, and the request goes to the address that was checked."""

from __future__ import annotations

import ipaddress

import pytest

from crowdgraph.schema.relay import to_global_id
from crowdgraph.webhooks import targets
from crowdgraph.webhooks.models import Delivery, DeliveryStatus
from crowdgraph.webhooks.sender import send_due
from tests.webhooks.conftest import REGISTER, Receiver, register

PUBLIC = "93.184.215.14"


@pytest.mark.parametrize(
    "url",
    [
        "http://vm:8399/hook",
        "http://127.0.0.1.:8399/hook",
        "http://localhost.:8399/hook",
        "http://127.0.0.1.nip.io:8399/hook",
        "http://[::ffff:127.0.0.1]:8399/hook",
        "http://mixed.test/hook",
    ],
)
async def test_a_host_that_resolves_to_a_loopback_or_private_address_is_refused_at_registration(
    public_only, factory, make_client, dns, url
):
    dns["vm"] = ["127.0.0.1"]
    dns["127.0.0.1.nip.io"] = ["127.0.0.1"]
    dns["mixed.test"] = [PUBLIC, "10.0.0.7"]  # one private address is enough to refuse
    org, owner = await factory.organization()
    response = await make_client(owner.token).query(
        REGISTER,
        {
            "input": {
                "organizationId": to_global_id("Organization", org.id),
                "url": url,
                "events": ["*"],
            }
        },
    )
    payload = response.data["registerWebhook"]
    assert payload["webhook"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("url", "PRIVATE_HOST")]


async def test_a_host_that_resolves_to_loopback_at_delivery_gets_nothing(
    public_only, factory, make_client, dns, receiver: Receiver
):
    port = receiver.url.split(":")[2].split("/")[0]
    dns["vm"] = [PUBLIC]  # public when registered ...
    org, owner = await factory.organization()
    await public_only.deliver_events()
    await register(make_client(owner.token), org, f"http://vm:{port}/hooks")
    await factory.project(owner, org)
    await public_only.deliver_events()
    dns["vm"] = ["127.0.0.1"]  # ... then pointed at this machine (DNS rebinding)

    assert await send_due(public_only.plugin_settings("webhooks")) == 1
    assert receiver.requests == []
    (delivery,) = await Delivery.all()
    assert delivery.status == DeliveryStatus.PENDING and delivery.last_status_code is None


async def test_the_delivery_log_does_not_tell_whether_an_internal_host_answered(
    public_only, factory, make_client, dns, receiver: Receiver
):
    """One endpoint at a port that answers, one at a closed port: the log reads the same."""
    port = receiver.url.split(":")[2].split("/")[0]
    dns["vm"] = [PUBLIC]
    org, owner = await factory.organization()
    await public_only.deliver_events()
    client = make_client(owner.token)
    await register(client, org, f"http://vm:{port}/hooks")
    await register(client, org, "http://vm:9/hooks")
    await factory.project(owner, org)
    await public_only.deliver_events()
    dns["vm"] = ["127.0.0.1"]

    assert await send_due(public_only.plugin_settings("webhooks")) == 2
    answered, closed = await Delivery.all().order_by("endpoint_id")
    assert receiver.requests == []
    assert (answered.last_status_code, answered.last_error) == (
        closed.last_status_code,
        closed.last_error,
    )
    assert answered.last_status_code is None
    assert "vm" in answered.last_error and "public" in answered.last_error


async def test_a_delivery_goes_to_the_checked_address_with_the_urls_host_header(
    make_platform, factory, make_client, dns, receiver: Receiver
):
    """The name resolves only through the checked resolver: reaching the receiver proves the
    connection went to the address that was checked, not to a second lookup."""
    platform = await make_platform(
        plugins=[], plugin_settings={"webhooks": {"allowed_private_networks": ["127.0.0.1/32"]}}
    )
    port = receiver.url.split(":")[2].split("/")[0]
    dns["receiver.test"] = ["127.0.0.1"]
    org, owner = await factory.organization()
    await platform.deliver_events()
    await register(make_client(owner.token), org, f"http://receiver.test:{port}/hooks")
    await factory.project(owner, org)
    await platform.deliver_events()

    assert await send_due(platform.plugin_settings("webhooks")) == 1
    (request,) = receiver.delivered()
    assert request.headers["Host"] == f"receiver.test:{port}"


async def test_a_redirect_is_not_followed(platform, factory, make_client, receiver: Receiver):
    receiver.statuses = [307]
    org, owner = await factory.organization()
    await platform.deliver_events()
    await register(make_client(owner.token), org, receiver.url)
    await factory.project(owner, org)
    await platform.deliver_events()
    assert await send_due(platform.plugin_settings("webhooks")) == 1
    assert len(receiver.requests) == 1
    (delivery,) = await Delivery.all()
    assert delivery.status == DeliveryStatus.PENDING and delivery.last_status_code == 307


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True),
        ("::ffff:93.184.215.14", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # shared (carrier-grade NAT)
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("239.255.255.250", False),
        ("240.0.0.1", False),
        ("255.255.255.255", False),
        ("::1", False),
        ("::", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped
        ("::ffff:169.254.169.254", False),
        ("2002:7f00:1::", False),  # 6to4 around 127.0.0.1
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 around 169.254.169.254
    ],
)
def test_only_public_addresses_are_allowed(address, public):
    assert targets.allowed(ipaddress.ip_address(address), []) is public


def test_an_allowed_network_lets_its_addresses_through_and_no_others():
    networks = [ipaddress.ip_network("10.20.0.0/16")]
    assert targets.allowed(ipaddress.ip_address("10.20.3.4"), networks)
    assert targets.allowed(ipaddress.ip_address("::ffff:10.20.3.4"), networks)
    assert not targets.allowed(ipaddress.ip_address("10.21.0.1"), networks)


@pytest.mark.parametrize(
    "host",
    ["2130706433", "127.1", "0x7f.1", "017700000001", "127.0.0.1.", "LOCALHOST", "a.localhost."],
)
async def test_every_spelling_of_this_machine_is_refused_without_a_lookup(host):
    with pytest.raises(targets.NotPublic) as refused:
        await targets.checked_addresses(host, [])
    assert not isinstance(refused.value, targets.Unresolved)
