"""GraphiQL in a real headless Chromium: the page loads from the server alone (no CDN), and runs a
query and a subscription with the token pasted into its headers editor.

Debian's chromium, driven by Playwright (never ``playwright install``: no browser download). Without
/usr/bin/chromium the browser test skips, unless CROWDGRAPH_REQUIRE_BROWSER is set (CI sets it): then
it fails.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import pytest_asyncio
from playwright.sync_api import Locator, Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from crowdgraph import graphiql, testing
from crowdgraph.app import create_app
from crowdgraph.testing import settings_for
from tests.deployment.conftest import Server, free_port, wait_healthy

CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_BROWSER = "CROWDGRAPH_REQUIRE_BROWSER"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NAME = "Grace Hopper"
REGISTER = """mutation ($input: RegisterInput!) {
  register(input: $input) { token userErrors { field message } }
}"""
CREATE_ORGANIZATION = """mutation {
  createOrganization(input: { name: "Hopper Labs", slug: "hopper-labs" }) {
    organization { id } userErrors { field message }
  }
}"""
CREATE_PROJECT = """mutation ($input: CreateProjectInput!) {
  createProject(input: $input) { userErrors { field message } }
}"""


@dataclass
class GraphiQLServer:
    server: Server
    token: str
    organization_id: str
    http: httpx.Client


@dataclass
class Requests:
    """Every URL the page asked for, WebSockets included."""

    urls: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def hosts(self) -> set[str]:
        return {urlsplit(url).netloc for url in self.urls}


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get(REQUIRE_BROWSER):
            pytest.fail(f"{reason}, and {REQUIRE_BROWSER} is set")
        pytest.skip(reason)
    return CHROMIUM


@pytest_asyncio.fixture
async def sqlite_database(crowdgraph_databases: testing.TestDatabases) -> str:
    """A migrated SQLite database: the page does not depend on the engine."""
    return await crowdgraph_databases.fresh("sqlite", ())


@pytest.fixture
def graphiql_server(
    chromium: Path, sqlite_database: str, tmp_path: Path
) -> Iterator[GraphiQLServer]:
    """``crowdgraph serve`` in development, with a client registered through the API and owning
    one organization."""
    config = tmp_path / "plugins.toml"
    config.write_text(
        f'env = "development"\n\n[database]\nurl = "{sqlite_database}"\n\n[plugins]\nenabled = []\n'
    )
    only_the_file = {k: v for k, v in os.environ.items() if not k.startswith("CROWDGRAPH_")}
    port = free_port()
    log = tmp_path / "server.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "crowdgraph", "--config", str(config), "serve", "--port", str(port)],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        env=only_the_file,
    )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        wait_healthy(server, seconds=60)
        with httpx.Client(base_url=server.url, timeout=10) as http:
            token = graphql(http, REGISTER, input=registration())["register"]["token"]
            http.headers["authorization"] = f"Bearer {token}"
            created = graphql(http, CREATE_ORGANIZATION)["createOrganization"]
            yield GraphiQLServer(server, token, created["organization"]["id"], http)
    finally:
        process.terminate()
        process.wait(timeout=15)


def registration() -> dict[str, str]:
    return {
        "email": "grace@example.org",
        "name": NAME,
        "password": "a-long-browser-test-password",
        "role": "CLIENT",
    }


def graphql(http: httpx.Client, query: str, **variables: object) -> dict[str, Any]:
    """Run an operation that must succeed; its data."""
    body = http.post("/graphql", json={"query": query, "variables": variables}).json()
    assert not body.get("errors"), body
    payload = next(iter(body["data"].values()))
    assert payload["userErrors"] == [], payload
    return body["data"]


@contextmanager
def open_graphiql(server: Server) -> Iterator[tuple[Page, Requests]]:
    """GraphiQL loaded in headless Chromium, with every request the page made recorded."""
    requests = Requests()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(30_000)
            page.on("request", lambda request: requests.urls.append(request.url))
            page.on("requestfailed", lambda request: requests.failed.append(request.url))
            page.on("websocket", lambda socket: requests.urls.append(socket.url))
            page.goto(f"{server.url}/graphql")
            try:
                editor(page, "Query Editor").wait_for()
            except PlaywrightTimeoutError as exc:
                raise AssertionError(f"GraphiQL did not load; failed: {requests.failed}") from exc
            yield page, requests
        finally:
            browser.close()


def editor(page: Page, section: str) -> Locator:
    """The visible CodeMirror editor of a GraphiQL section ("Query Editor", "Headers")."""
    return page.locator(
        f'section[aria-label="{section}"] .graphiql-editor:not(.hidden) .CodeMirror'
    )


def paste(page: Page, section: str, text: str) -> None:
    """Replace the text of a GraphiQL editor, as a user pasting into it."""
    editor(page, section).click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(text)


def run(page: Page, query: str) -> None:
    """Paste the operation and press Run once GraphiQL has read it: it parses an edit 100 ms
    later (then stores it), and a subscription run before that goes out as a query over HTTP."""
    paste(page, "Query Editor", query)
    page.wait_for_function("query => localStorage.getItem('graphiql:query') === query", arg=query)
    page.get_by_role("button", name="Execute query (Ctrl-Enter)").click()


def result(page: Page) -> Any:
    """The result pane's text (CodeMirror renders indentation as no-break spaces), as JSON."""
    text = page.locator(".graphiql-response .result-window").inner_text()
    return json.loads(text.replace("\xa0", " "))


def assert_only_the_server(requests: Requests, server: Server) -> None:
    assert requests.hosts() == {urlsplit(server.url).netloc}, requests.urls
    assert requests.failed == []
    assert any("/graphiql/static/graphiql-" in url for url in requests.urls), requests.urls


def until_an_event_shows(page: Page, graphiql_server: GraphiQLServer) -> None:
    """Create projects until GraphiQL shows a project.created event: the subscription is live
    only once the server listens, and an event sent before that passes unseen."""
    project = {"organizationId": graphiql_server.organization_id, "name": "Survey"}
    for _ in range(30):
        graphql(graphiql_server.http, CREATE_PROJECT, input=project)
        try:
            expect(page.locator(".graphiql-response")).to_contain_text(
                "core.project.created", timeout=1_000
            )
            return
        except AssertionError:
            continue
    raise AssertionError("no event reached GraphiQL after 30 projects")


def test_graphiql_without_a_cdn_runs_a_query_and_a_subscription_with_the_pasted_token(
    graphiql_server: GraphiQLServer,
) -> None:
    with open_graphiql(graphiql_server.server) as (page, requests):
        authorization = {"Authorization": f"Bearer {graphiql_server.token}"}
        paste(page, "Headers", json.dumps(authorization))

        run(page, "{ me { name role } }")
        expect(page.locator(".graphiql-response")).to_contain_text(NAME)
        assert result(page) == {"data": {"me": {"name": NAME, "role": "CLIENT"}}}

        run(page, 'subscription { events(names: ["core.project.created"]) { name } }')
        until_an_event_shows(page, graphiql_server)
        assert result(page) == {"data": {"events": {"name": "core.project.created"}}}

        assert_only_the_server(requests, graphiql_server.server)


def app_client(env: str) -> httpx.AsyncClient:
    app = create_app(settings_for("sqlite://:memory:", [], env=env))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_the_graphiql_page_loads_only_packaged_assets_cached_for_a_year():
    async with app_client("development") as http:
        page = await http.get("/graphql", headers={"accept": "text/html"})
        links = set(re.findall(r'(?:src|href)="([^"]+)"', page.text)) - {"data:,"}
        assert links == {f"{graphiql.STATIC_URL}/{path}" for path in graphiql.SERVED}
        for path, file in graphiql.SERVED.items():
            asset = await http.get(f"/graphiql/static/{path}")
            assert asset.status_code == 200
            assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
            assert asset.content == file.read_bytes()
        packaged_only = f"{graphiql.folder('graphiql')}/LICENSE"
        assert (await http.get(f"/graphiql/static/{packaged_only}")).status_code == 404


async def test_production_serves_no_graphiql_assets():
    async with app_client("production") as http:
        for path in graphiql.SERVED:
            assert (await http.get(f"/graphiql/static/{path}")).status_code == 404
