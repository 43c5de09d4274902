"""A local webhook receiver, and a platform whose webhooks may call it."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

import pytest

from crowdgraph.core.models import Organization
from crowdgraph.platform import Platform
from crowdgraph.schema.relay import to_global_id
from crowdgraph.testing import Client, PlatformFactory
from crowdgraph.webhooks import targets
from crowdgraph.webhooks.service import WebhookSettings

SETTINGS = {
    "allowed_private_networks": ["127.0.0.1/32"],  # the receiver below listens on this machine
    "backoff_seconds": 30,
    "backoff_cap_seconds": 120,
}

REGISTER = """mutation($input: RegisterWebhookInput!) { registerWebhook(input: $input) {
    webhook { id url events active } secret userErrors { field code message } } }"""


@dataclass
class Request:
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def event(self) -> dict[str, Any]:
        return cast(dict[str, Any], json.loads(self.body))


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 answering each POST with the next of ``statuses`` (then 200)."""

    url: str = ""
    statuses: list[int] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        with self.lock:
            status = self.statuses.pop(0) if self.statuses else 200
            self.requests.append(Request(headers, body, status))
            return status

    def delivered(self) -> list[Request]:
        return [r for r in self.requests if 200 <= r.status < 300]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status = found.answer(dict(self.headers.items()), body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the test reads the requests, not a log."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    found.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield found
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """The names webhook hosts resolve to (no test needs a DNS server); other names do not resolve."""
    names: dict[str, list[str]] = {}

    async def resolve(host: str) -> list[str]:
        if host not in names:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return names[host]

    monkeypatch.setattr(targets, "resolve", resolve)
    return names


@pytest.fixture
async def platform(make_platform: PlatformFactory) -> Platform:
    """Core + webhooks only, allowed to call 127.0.0.1."""
    return await make_platform(plugins=[], plugin_settings={"webhooks": SETTINGS})


@pytest.fixture
async def public_only(make_platform: PlatformFactory) -> Platform:
    """Core + webhooks with the default settings: no private network allowed."""
    return await make_platform(plugins=[])


@pytest.fixture
def settings(platform: Platform) -> WebhookSettings:
    return cast(WebhookSettings, platform.plugin_settings("webhooks"))


async def register(
    client: Client, org: Organization, url: str, events: list[str] | None = None
) -> dict[str, Any]:
    """Register a webhook through GraphQL; returns the payload (webhook and secret)."""
    return await client.mutate(
        "registerWebhook",
        REGISTER,
        {
            "input": {
                "organizationId": to_global_id("Organization", org.id),
                "url": url,
                "events": events or ["*"],
            }
        },
    )
