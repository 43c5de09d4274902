"""The demo database: realistic people, organizations, money and working tokens."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from crowdgraph import testing
from crowdgraph.app import create_app
from crowdgraph.core import ledger
from crowdgraph.core.accounts import authenticate
from crowdgraph.core.actor import Actor
from crowdgraph.core.events import pending_count
from crowdgraph.core.models import (
    Account,
    Organization,
    Project,
    Role,
    Skill,
    WorkerKind,
    WorkerProfile,
)
from crowdgraph.demo import create_demo
from crowdgraph.platform import Platform
from crowdgraph.testing import settings_for, truncate_postgres

TOKEN_LINE = re.compile(r"^  (?P<label>.+?)\s+(?P<email>\S+@\S+)\s+(?P<token>cg_\S+)$")


async def demo_platform(engine: str, databases: testing.TestDatabases) -> Platform:
    url = await databases.fresh(engine, ())
    platform = Platform(settings_for(url, []))
    if engine == "postgres":
        async with platform.running(background=False):
            await truncate_postgres(platform)
    return platform


async def test_the_demo_fills_an_empty_database_and_prints_tokens_that_work(
    database_engine, crowdgraph_databases
):
    platform = await demo_platform(database_engine, crowdgraph_databases)
    summary = await create_demo(platform)
    tokens = {m["email"]: m["token"] for m in map(TOKEN_LINE.match, summary.splitlines()) if m}
    assert len(tokens) == 6
    assert "admin@crowdgraph.example" in tokens and "hannah@acme.example" in tokens

    async with platform.running(background=False):
        assert await Account.filter(role=Role.ADMIN).count() == 1
        assert await Skill.all().count() == 15
        assert await Project.all().count() == 4
        assert await Project.filter(learning=True, mentor__email="omar@acme.example").exists()
        assert await WorkerProfile.filter(kind=WorkerKind.EXTERNAL).count() == 6
        acme = await Organization.get(slug="acme")
        hannah = await WorkerProfile.get(account__email="hannah@acme.example")
        assert (hannah.kind, hannah.employer_id, hannah.country) == (
            WorkerKind.INTERNAL,
            acme.id,
            "DE",
        )
        admin = await Actor.for_account(await Account.get(role=Role.ADMIN))
        budget = await ledger.budget(admin, acme.id)
        assert (budget.funded, budget.available) == (2_500_000, 2_500_000)
        assert await pending_count() == 0
        for email, token in tokens.items():
            actor = await authenticate(token)
            assert actor.account is not None and actor.account.email == email


README = Path(__file__).resolve().parent.parent / "README.md"


async def test_the_readme_example_query_answers_with_the_demo_token_the_readme_names(
    database_engine, crowdgraph_databases
):
    readme = README.read_text(encoding="utf-8")
    named = re.search(r"with the \*\*(.+?)\*\*'s token", readme)
    example = re.search(r"```graphql\n(.*?)```", readme, flags=re.DOTALL)
    assert named is not None and example is not None
    platform = await demo_platform(database_engine, crowdgraph_databases)
    summary = await create_demo(platform)
    tokens = {m["label"]: m["token"] for m in map(TOKEN_LINE.match, summary.splitlines()) if m}
    transport = httpx.ASGITransport(app=create_app(platform=platform))
    async with (
        platform.running(background=False),
        httpx.AsyncClient(transport=transport, base_url="http://test") as http,
    ):
        answer = await http.post(
            "/graphql",
            json={"query": example[1]},
            headers={"authorization": f"Bearer {tokens[named[1]]}"},
        )
    body = answer.json()
    assert "errors" not in body, body
    assert body["data"]["me"]["organizations"] and body["data"]["workers"]["nodes"]
