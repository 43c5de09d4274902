from crowdgraph.core import ledger, skills
from crowdgraph.core.models import Event
from crowdgraph.core.pages import PageRequest
from crowdgraph.plugins.marketplace import offers
from crowdgraph.plugins.marketplace.models import (
    Contract,
    Job,
    Pricing,
    Proposal,
    ProposalStatus,
)
from tests.plugins.marketplace.conftest import gid, run


async def test_workers_pitch_offers_that_clients_find_by_skill_and_text(scene, make_client, market):
    await skills.create_skill(scene.admin.actor, "sql", "SQL", "engineering")
    worker = make_client(scene.worker.token, on=market)
    created = await run(
        worker,
        "createMarketplaceOffer",
        "CreateMarketplaceOfferInput",
        "offer { id title pricing price { amount currency } deliveryDays skills }",
        {
            "title": "A Python ETL job in a week",
            "description": "Nightly imports, tested and documented.",
            "pricing": "FIXED",
            "price": 150_000,
            "currency": "EUR",
            "deliveryDays": 7,
            "skills": ["python", "sql"],
        },
    )
    assert created["offer"]["price"] == {"amount": 150000, "currency": "EUR"}
    await offers.create_offer(
        scene.worker.actor,
        offers.OfferDraft(
            "SQL tuning", "Faster queries.", Pricing.HOURLY, 8_000, "EUR", 3, ["sql"]
        ),
    )
    client = make_client(scene.owner.token, on=market)
    query = """query($f: MarketplaceOfferSearchInput) { marketplaceOffers(filter: $f) {
        nodes { title worker { name } } } }"""

    async def titles(**f):
        result = await client.query(query, {"f": f})
        return [n["title"] for n in result.data["marketplaceOffers"]["nodes"]]

    assert await titles(skill="python") == ["A Python ETL job in a week"]
    assert await titles(skill="sql") == ["A Python ETL job in a week", "SQL tuning"]
    assert await titles(text="faster") == ["SQL tuning"]
    assert await titles(pricing="HOURLY", maxPrice=10_000, currency="EUR") == ["SQL tuning"]
    assert await titles(pricing="HOURLY", maxPrice=10_000) == []  # the client keeps USD


async def test_a_paused_offer_is_hidden_from_everyone_but_its_worker(scene):
    offer = await offers.create_offer(
        scene.worker.actor,
        offers.OfferDraft("Python help", "Anything.", Pricing.HOURLY, 5_000, "USD", 1, ["python"]),
    )
    await offers.set_offer_active(scene.worker.actor, offer.id, False)
    page = PageRequest(size=10)

    assert (await offers.search_offers(scene.owner.actor, page)).items == []
    assert [o.id for o in (await offers.search_offers(scene.worker.actor, page)).items] == [
        offer.id
    ]


async def test_a_max_price_matches_only_offers_in_its_currency(scene, make_client, market):
    for currency in ("USD", "JPY"):
        await offers.create_offer(
            scene.worker.actor,
            offers.OfferDraft(
                f"Python in {currency}", "Anything.", Pricing.FIXED, 20_000, currency, 5, []
            ),
        )
    client = make_client(scene.owner.token, on=market)  # the organization keeps USD
    query = """query($f: MarketplaceOfferSearchInput) { marketplaceOffers(filter: $f) {
        nodes { title price { amount currency } } } }"""

    async def titles(**f):
        result = await client.query(query, {"f": f})
        return [n["title"] for n in result.data["marketplaceOffers"]["nodes"]]

    assert await titles(maxPrice=25_000) == ["Python in USD"]
    assert await titles(maxPrice=25_000, currency="JPY") == ["Python in JPY"]
    assert await titles(maxPrice=10_000, currency="JPY") == []
    assert await titles(currency="JPY") == ["Python in JPY"]
    assert await titles() == ["Python in USD", "Python in JPY"]


HIRE_OFFER_FIELDS = """contract { status pricing weeklyHoursCap amount { amount currency }
    worker { name } job { title status } milestones { title status amount { amount } } }"""


async def hire_offer(client, offer, scene, **more):
    return await run(
        client,
        "hireMarketplaceOffer",
        "HireMarketplaceOfferInput",
        HIRE_OFFER_FIELDS,
        {
            "offerId": gid("MarketplaceOffer", offer.id),
            "projectId": gid("Project", scene.project.id),
            **more,
        },
    )


async def test_a_client_hires_a_worker_from_their_offer(scene, make_client, market):
    offer = await offers.create_offer(
        scene.worker.actor,
        offers.OfferDraft(
            "A Python ETL job in a week", "Tested.", Pricing.FIXED, 50_000, "USD", 7, ["python"]
        ),
    )
    owner = make_client(scene.owner.token, on=market)

    hired = await hire_offer(
        owner,
        offer,
        scene,
        milestones=[{"title": "Draft", "amount": 20_000}, {"title": "Final", "amount": 30_000}],
    )

    assert hired["userErrors"] == []
    assert hired["contract"] == {
        "status": "ACTIVE",
        "pricing": "FIXED",
        "weeklyHoursCap": None,
        "amount": {"amount": 50_000, "currency": "USD"},
        "worker": {"name": scene.worker.account.name},
        "job": {"title": "A Python ETL job in a week", "status": "FILLED"},
        "milestones": [
            {"title": "Draft", "status": "FUNDED", "amount": {"amount": 20_000}},
            {"title": "Final", "status": "FUNDED", "amount": {"amount": 30_000}},
        ],
    }
    budget = await ledger.budget(scene.owner.actor, scene.org.id)
    assert (budget.available, budget.held) == (450_000, 50_000)
    proposal = await Proposal.get(worker_id=scene.worker.worker.id)
    assert (proposal.status, proposal.bid) == (ProposalStatus.HIRED, 50_000)
    names = await Event.filter(name__startswith="marketplace.").values_list("name", flat=True)
    assert "marketplace.offer.hired" in names
    assert "marketplace.job.posted" not in names  # the offer's job was never open work


async def test_an_offer_in_another_currency_or_without_a_cap_is_not_hired(
    scene, make_client, market
):
    in_euros = await offers.create_offer(
        scene.worker.actor,
        offers.OfferDraft("ETL", "Tested.", Pricing.FIXED, 50_000, "EUR", 7, []),
    )
    hourly = await offers.create_offer(
        scene.worker.actor,
        offers.OfferDraft("Python help", "Anything.", Pricing.HOURLY, 5_000, "USD", 1, []),
    )
    owner = make_client(scene.owner.token, on=market)

    euros = await hire_offer(owner, in_euros, scene)
    assert euros["contract"] is None
    assert [(e["field"], e["code"], e["message"]) for e in euros["userErrors"]] == [
        (
            "offerId",
            "CURRENCY_MISMATCH",
            f"the offer is priced in EUR and {scene.org.name} pays in USD "
            "(there are no exchange rates)",
        )
    ]
    uncapped = await hire_offer(owner, hourly, scene)
    assert [(e["field"], e["code"]) for e in uncapped["userErrors"]] == [
        ("weeklyHoursCap", "REQUIRED")
    ]
    assert not await Contract.exists()
    assert not await Job.exists()

    capped = await hire_offer(owner, hourly, scene, weeklyHoursCap=10)
    assert capped["contract"]["pricing"] == "HOURLY"
    assert capped["contract"]["weeklyHoursCap"] == 10
    assert capped["contract"]["amount"] == {"amount": 5_000, "currency": "USD"}
