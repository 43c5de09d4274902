"""Money: funding, derived budgets, no overdraft, idempotent movements, a zero-sum ledger."""

import asyncio

import pytest
from tortoise.expressions import Q

from crowdgraph.core import ledger
from crowdgraph.core.errors import Forbidden, InvalidInput
from crowdgraph.core.models import Event, LedgerEntry
from crowdgraph.schema.relay import to_global_id

FUND = """mutation($input: FundBudgetInput!) { fundBudget(input: $input) {
    entry { kind amount { amount currency } } budget { funded { amount } available { amount } }
    userErrors { field code message } } }"""


async def pay(org_id: int, worker, amount: int, key: str, **kw):
    return await ledger.pay(
        organization_id=org_id,
        worker_account_id=worker.account.id,
        amount=amount,
        idempotency_key=key,
        model="core",
        **kw,
    )


async def all_balances() -> dict[str, int]:
    names = {
        name
        for pair in await LedgerEntry.all().values_list("source", "destination")
        for name in pair
    }
    return {name: await ledger.balance(name) for name in names}


async def test_an_owner_funds_the_budget_through_graphql(platform, make_client, factory):
    org, owner = await factory.organization()
    variables = {
        "input": {
            "organizationId": to_global_id("Organization", org.id),
            "amount": 5000,
            "idempotencyKey": "k1",
        }
    }
    funded = await make_client(owner.token).mutate("fundBudget", FUND, variables)
    assert funded["entry"] == {"kind": "fund", "amount": {"amount": 5000, "currency": "USD"}}
    assert funded["budget"] == {"funded": {"amount": 5000}, "available": {"amount": 5000}}
    again = await make_client(owner.token).mutate("fundBudget", FUND, variables)
    assert again["budget"]["funded"] == {"amount": 5000}
    assert await LedgerEntry.filter(organization_id=org.id).count() == 1


async def test_the_budget_is_derived_from_funding_holds_releases_and_payments(platform, factory):
    org, owner = await factory.organization(funds=10_000)
    worker = await factory.worker()
    await ledger.hold(org.id, "contest-1", 3000, "hold-1", model="contest")
    await ledger.release(org.id, "contest-1", 1000, "release-1", model="contest")
    await pay(org.id, worker, 1500, "pay-from-hold", from_hold="contest-1")
    await pay(org.id, worker, 2500, "pay-direct")
    budget = await ledger.budget(owner.actor, org.id)
    assert budget == ledger.Budget(
        currency="USD", funded=10_000, available=5_500, held=500, spent=4_000
    )
    assert [(e.currency, e.total) for e in await ledger.earnings(worker.actor)] == [("USD", 4_000)]


async def test_a_payment_beyond_the_funds_is_refused_and_writes_nothing(platform, factory):
    org, _ = await factory.organization(funds=1000)
    worker = await factory.worker()
    entries, events = await LedgerEntry.all().count(), await Event.all().count()
    with pytest.raises(InvalidInput) as caught:
        await pay(org.id, worker, 1001, "too-much")
    (problem,) = caught.value.problems
    assert (problem.field, problem.code) == ("amount", "INSUFFICIENT_FUNDS")
    assert problem.message == (
        "the organization's available balance is 10.00 USD; 10.01 USD is needed"
    )
    assert (await LedgerEntry.all().count(), await Event.all().count()) == (entries, events)
    assert await ledger.balance(ledger.available(org.id)) == 1000


async def test_a_payment_beyond_a_hold_is_refused_even_when_the_budget_has_more(platform, factory):
    org, _ = await factory.organization(funds=5000)
    worker = await factory.worker()
    await ledger.hold(org.id, "escrow", 100, "hold", model="core")
    with pytest.raises(InvalidInput) as caught:
        await pay(org.id, worker, 101, "over-hold", from_hold="escrow")
    (problem,) = caught.value.problems
    assert problem.code == "INSUFFICIENT_FUNDS"
    assert problem.message == "the money held for this work is 1.00 USD; 1.01 USD is needed"


async def test_an_idempotency_key_pays_once_and_refuses_reuse_for_another_movement(
    platform, factory
):
    org, _ = await factory.organization(funds=1000)
    worker, other = await factory.worker(), await factory.worker()
    first = await pay(org.id, worker, 300, "task-7")
    again = await pay(org.id, worker, 300, "task-7")
    assert again.id == first.id
    assert await LedgerEntry.filter(idempotency_key="task-7").count() == 1
    for amount, who in ((301, worker), (300, other)):
        with pytest.raises(InvalidInput) as caught:
            await pay(org.id, who, amount, "task-7")
        assert caught.value.problems[0].code == "KEY_REUSED"
    assert await ledger.balance(ledger.available(org.id)) == 700


async def test_amounts_must_be_positive(platform, factory):
    org, _ = await factory.organization(funds=1000)
    worker = await factory.worker()
    for amount in (0, -5):
        with pytest.raises(InvalidInput, match=rf"amount must be > 0 \(got {amount}\)"):
            await pay(org.id, worker, amount, f"neg{amount}")


async def test_concurrent_payments_never_overdraw(platform, factory):
    org, owner = await factory.organization(funds=1000)
    worker = await factory.worker()
    results = await asyncio.gather(
        *(pay(org.id, worker, 300, f"race-{i}") for i in range(8)), return_exceptions=True
    )
    paid = [r for r in results if isinstance(r, LedgerEntry)]
    refused = [r for r in results if isinstance(r, InvalidInput)]
    assert (len(paid), len(refused)) == (3, 5), results
    assert {r.problems[0].code for r in refused} == {"INSUFFICIENT_FUNDS"}
    budget = await ledger.budget(owner.actor, org.id)
    assert (budget.available, budget.spent) == (100, 900)


async def test_concurrent_retries_of_one_payment_pay_once(platform, factory):
    org, _ = await factory.organization(funds=1000)
    worker = await factory.worker()
    results = await asyncio.gather(*(pay(org.id, worker, 200, "same") for _ in range(5)))
    assert len({r.id for r in results}) == 1
    assert await ledger.balance(ledger.worker_account(worker.account.id)) == 200


async def test_the_sum_of_all_balances_is_zero(platform, factory):
    org, _ = await factory.organization(funds=7000)
    org2, _ = await factory.organization(funds=3000)
    worker = await factory.worker()
    await ledger.hold(org.id, "pool", 2000, "h", model="contest")
    await pay(org.id, worker, 1200, "p1", from_hold="pool")
    await pay(org2.id, worker, 900, "p2")
    balances = await all_balances()
    assert sum(balances.values()) == 0
    assert balances[ledger.EXTERNAL] == -10_000
    assert balances[ledger.worker_account(worker.account.id)] == 2100
    assert all(v >= 0 for k, v in balances.items() if k != ledger.EXTERNAL)


async def test_only_owners_and_admins_fund_and_only_members_see_the_budget(platform, factory):
    org, _ = await factory.organization(funds=100)
    worker = await factory.worker()
    _, stranger = await factory.organization()
    admin = await factory.admin()
    for person in (worker, stranger):
        with pytest.raises(Forbidden):
            await ledger.fund(person.actor, org.id, 10, "x")
        with pytest.raises(Forbidden):
            await ledger.budget(person.actor, org.id)
    await ledger.fund(admin.actor, org.id, 10, "by-admin")
    assert (await ledger.budget(admin.actor, org.id)).funded == 110
    assert await LedgerEntry.filter(Q(created_by_id=admin.account.id)).count() == 1


async def test_amounts_beyond_32_bits_survive_graphql(platform, make_client, factory):
    org, owner = await factory.organization()
    big = 5_000_000_000_00
    variables = {
        "input": {
            "organizationId": to_global_id("Organization", org.id),
            "amount": big,
            "idempotencyKey": "big",
        }
    }
    funded = await make_client(owner.token).mutate("fundBudget", FUND, variables)
    assert funded["budget"]["available"] == {"amount": big}
