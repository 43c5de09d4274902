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
