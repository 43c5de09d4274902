"""The request's PostgreSQL connection: a connection dropped after a mutation's commit does not
turn the committed change into a failure."""

from __future__ import annotations

from typing import Any

import pytest

from crowdgraph.core import ledger
from crowdgraph.core.models import LedgerEntry
from crowdgraph.schema.relay import to_global_id
from tests.schema.test_subscriptions import terminate_backends

FUND = """mutation($input: FundBudgetInput!) { fundBudget(input: $input) {
  entry { amount { amount } } budget { available { amount } } userErrors { code message } } }"""


async def test_a_mutation_whose_connection_drops_right_after_its_commit_answers_success(
    database_engine, platform, factory, client_as, monkeypatch
):
    if database_engine != "postgres":
        pytest.skip("only a PostgreSQL server drops connections")
    org, owner = await factory.organization(funds=100)
    fund = ledger.fund

    async def fund_then_drop(*args: Any, **kwargs: Any) -> Any:
        entry = await fund(*args, **kwargs)  # committed
        await terminate_backends(platform.settings.database.url)
        return entry

    monkeypatch.setattr(ledger, "fund", fund_then_drop)
    variables = {
        "input": {
            "organizationId": to_global_id("Organization", org.id),
            "amount": 250,
            "idempotencyKey": "after-commit",
        }
    }
    response = await client_as(owner).query(FUND, variables)

    assert response.errors == []
    assert response.data["fundBudget"] == {
        "entry": {"amount": {"amount": 250}},
        "budget": {"available": {"amount": 350}},
        "userErrors": [],
    }
    assert await LedgerEntry.filter(idempotency_key__endswith=":after-commit").count() == 1


async def test_a_request_takes_one_pooled_connection_and_gives_it_back_without_a_reset(
    database_engine, platform, factory, client_as, monkeypatch
):
    """Reads, the mutation's transaction and the payload's reads share one connection, and the
    pool takes it back without asyncpg's reset round trip (crowdgraph keeps no session state)."""
    if database_engine != "postgres":
        pytest.skip("SQLite has one connection and no pool")
    import asyncpg

    org, owner = await factory.organization(funds=100)
    client = client_as(owner)
    await client.query("{ me { id } }")  # the token's first use records last_used_at
    acquired: list[object] = []
    resets: list[object] = []
    acquire, reset = asyncpg.Pool.acquire, asyncpg.Connection.reset
    monkeypatch.setattr(
        asyncpg.Pool, "acquire", lambda self, **kw: acquired.append(self) or acquire(self, **kw)
    )

    async def counted_reset(self: Any, **kwargs: Any) -> None:
        resets.append(self)
        await reset(self, **kwargs)

    monkeypatch.setattr(asyncpg.Connection, "reset", counted_reset)
    variables = {
        "input": {
            "organizationId": to_global_id("Organization", org.id),
            "amount": 50,
            "idempotencyKey": "one-connection",
        }
    }
    response = await client.query(FUND, variables)
    assert response.data["fundBudget"]["userErrors"] == []
    assert len(acquired) == 1
    assert resets == []
