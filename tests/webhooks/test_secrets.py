"""Signing secrets at rest: encrypted under the configured key, plain text without one."""

from __future__ import annotations

from cryptography.fernet import Fernet

from crowdgraph.webhooks.models import Endpoint
from crowdgraph.webhooks.sender import send_due
from crowdgraph.webhooks.service import WebhookSettings
from crowdgraph.webhooks.signing import verify_signature
from tests.webhooks.conftest import SETTINGS, Receiver, register

KEY = Fernet.generate_key().decode()


async def stored_secret(endpoint_id: int) -> str:
    """The secret column as the database holds it."""
    db = Endpoint._meta.db
    _, rows = await db.execute_query(
        "SELECT secret FROM webhooks_endpoint WHERE id = " + str(endpoint_id)
    )
    return str(rows[0]["secret"])


async def deliver_one(platform, factory, make_client, receiver, settings):
    """An organization with a webhook, one event sent to it; the secret, the row and the request."""
    org, owner = await factory.organization()
    await platform.deliver_events()
    registered = await register(make_client(owner.token), org, receiver.url)
    endpoint = await Endpoint.get(organization_id=org.id)
    await factory.project(owner, org)
    await platform.deliver_events()
    assert await send_due(settings) == 1
    return registered["secret"], endpoint, receiver.requests[-1]


async def test_with_a_key_the_stored_secret_is_encrypted_and_deliveries_still_verify(
    make_platform, factory, make_client, receiver: Receiver, clock
):
    platform = await make_platform(
        plugins=[], plugin_settings={"webhooks": {**SETTINGS, "secret_key": KEY}}
    )
    settings = platform.plugin_settings("webhooks")
    secret, endpoint, request = await deliver_one(
        platform, factory, make_client, receiver, settings
    )

    stored = await stored_secret(endpoint.id)
    assert secret.startswith("whsec_")
    assert secret not in stored and secret[6:] not in stored
    signature = request.headers["Crowdgraph-Signature"]
    assert verify_signature(secret, signature, request.body, now=clock.now().timestamp())


async def test_a_secret_stored_in_plain_text_before_a_key_was_set_still_signs(
    make_platform, factory, make_client, receiver: Receiver, clock
):
    platform = await make_platform(plugins=[], plugin_settings={"webhooks": SETTINGS})
    org, owner = await factory.organization()
    await platform.deliver_events()
    secret = (await register(make_client(owner.token), org, receiver.url))["secret"]
    endpoint = await Endpoint.get(organization_id=org.id)
    assert await stored_secret(endpoint.id) == secret  # no key: stored as it is

    keyed = WebhookSettings(**SETTINGS, secret_key=KEY)
    await factory.project(owner, org)
    await platform.deliver_events()
    assert await send_due(keyed) == 1
    (request,) = receiver.requests
    signature = request.headers["Crowdgraph-Signature"]
    assert verify_signature(secret, signature, request.body, now=clock.now().timestamp())
