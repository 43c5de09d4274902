from crowdgraph.core import skills
from crowdgraph.core.pages import PageRequest
from crowdgraph.plugins.marketplace import offers
from crowdgraph.plugins.marketplace.models import Pricing
from tests.plugins.marketplace.conftest import run


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
    assert await titles(pricing="HOURLY", maxPrice=10_000) == ["SQL tuning"]


async def test_a_paused_offer_is_hidden_from_everyone_but_its_worker(scene):
    offer = await offers.create_offer(
        scene.worker.actor,
        offers.OfferDraft("Python help", "Anything.", Pricing.HOURLY, 5_000, "USD", 1, ["python"]),
    )
    await offers.set_offer_active(scene.worker.actor, offer.id, False)
    page = PageRequest(first=10)

    assert (await offers.search_offers(scene.owner.actor, page)).items == []
    assert [o.id for o in (await offers.search_offers(scene.worker.actor, page)).items] == [
        offer.id
    ]
