import pytest

from crowdgraph.core import runtime, skills
from crowdgraph.core.errors import Forbidden
from crowdgraph.core.models import (
    Account,
    Role,
    VerifiedBy,
    WorkerKind,
    WorkerProfile,
    WorkerSkill,
)
from crowdgraph.core.pages import PageRequest
from crowdgraph.plugins.marketplace import contracts, feedback, search
from crowdgraph.plugins.marketplace.models import Pricing
from tests.plugins.marketplace.conftest import FEEDBACK_WINDOW

TALENT = """query($f: MarketplaceTalentSearchInput, $first: Int, $after: String) {
    marketplaceTalent(filter: $f, first: $first, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes { score reasons worker { name } reputation { rating jobSuccess } } } }"""


async def holding(factory, name, held, *, rate=None, currency="USD", employer=None, country="DE"):
    person = await factory.person(
        Role.WORKER,
        kind=WorkerKind.INTERNAL if employer else WorkerKind.EXTERNAL,
        employer=employer,
        name=name,
    )
    person.worker.country, person.worker.hourly_rate = country, rate
    person.worker.currency = currency
    await person.worker.save()
    for slug, level, verified in held:
        skill = await skills.skill_by_slug(slug)
        if verified:
            await skills.record_verification(
                person.worker.id, skill.id, level, VerifiedBy.EXAM, "test"
            )
        else:
            await skills.set_my_skill(person.actor, slug, level)
    return person


async def rated(scene, person, rating):
    """An ended fixed-price contract of ``person`` that the client rated ``rating``."""
    job = await scene.job()
    proposal = await scene.proposal(job, worker=person, bid=1_000)
    contract = await contracts.hire(scene.owner.actor, proposal.id, [])
    await contracts.end_contract(scene.owner.actor, contract.id, FEEDBACK_WINDOW)
    await feedback.leave_feedback(scene.owner.actor, contract.id, rating, "")
    await feedback.leave_feedback(person.actor, contract.id, 5, "")


@pytest.fixture
async def crowd(scene, factory):
    await skills.create_skill(scene.admin.actor, "sql", "SQL", "engineering")
    await skills.create_skill(scene.admin.actor, "react", "React", "engineering")
    other_org, _ = await factory.organization()
    people = {
        "Ada": await holding(factory, "Ada", [("python", 5, True), ("sql", 4, False)], rate=9_000),
        "Cy": await holding(factory, "Cy", [("python", 3, True), ("sql", 3, True)], rate=4_000),
        "Bo": await holding(factory, "Bo", [("python", 5, False)], rate=5_000, country="FR"),
        "Di": await holding(factory, "Di", [("python", 5, False)], rate=5_000),
        "Ed": await holding(factory, "Ed", [("react", 5, True)]),
        "Fay": await holding(factory, "Fay", [("python", 5, True)], employer=other_org),
    }
    await rated(scene, people["Di"], 5)
    return people


async def names(client, first=None, after=None, **f):
    result = await client.query(TALENT, {"f": f, "first": first, "after": after})
    return result.data["marketplaceTalent"]


async def test_talent_is_ranked_by_relevance_with_the_reasons(scene, crowd, make_client, market):
    client = make_client(scene.owner.token, on=market)

    found = await names(
        client, skills=[{"slug": "python", "minLevel": 3}, {"slug": "sql", "minLevel": 1}]
    )

    ranked = [(n["worker"]["name"], n["score"]) for n in found["nodes"]]
    assert ranked == [("Ada", 43.0), ("Cy", 41.0), ("Di", 36.0), ("Bo", 21.0)]
    ada, _, di, _ = found["nodes"]
    assert ada["reasons"] == [
        "python at level 5, verified by exam",
        "sql at level 4",
        "available now",
    ]
    assert di["reasons"][1:3] == ["rated 5.0 by clients over 1 contracts", "job success 100%"]
    assert di["reputation"] == {"rating": 5.0, "jobSuccess": 100}


async def test_talent_filters_narrow_the_ranking(scene, crowd, make_client, market):
    client = make_client(scene.owner.token, on=market)
    python = {"slug": "python", "minLevel": 3}

    async def who(**f):
        return [n["worker"]["name"] for n in (await names(client, **f))["nodes"]]

    assert await who(skills=[{**python, "verified": True}]) == ["Ada", "Cy"]
    assert await who(skills=[python], country="FR") == ["Bo"]
    assert await who(skills=[python], maxRate=5_000) == ["Di", "Cy", "Bo"]
    assert await who(skills=[python], minRating=4.5) == ["Di"]
    assert await who(skills=[python], availability="UNAVAILABLE") == []
    assert await who(skills=[{"slug": "react"}]) == ["Ed"]


async def test_a_max_rate_matches_only_rates_in_its_currency_and_says_which(
    scene, make_client, market, factory
):
    await holding(factory, "Euro", [("python", 4, False)], rate=4_000, currency="EUR")
    await holding(factory, "Dollar", [("python", 4, False)], rate=4_000)
    await holding(factory, "Yen", [("python", 4, False)], rate=4_000, currency="JPY")
    await holding(factory, "Unpriced", [("python", 4, False)])
    client = make_client(scene.owner.token, on=market)  # the organization keeps USD
    python = [{"slug": "python"}]

    async def found(**f):
        nodes = (await names(client, skills=python, **f))["nodes"]
        return {n["worker"]["name"]: n["reasons"][-1] for n in nodes}

    assert await found(maxRate=5_000) == {
        "Dollar": "hourly rate 40.00 USD within 50.00 USD",
        "Unpriced": "available now",
    }
    assert await found(maxRate=5_000, currency="JPY") == {
        "Yen": "hourly rate 4,000 JPY within 5,000 JPY",
        "Unpriced": "available now",
    }
    admin = make_client(scene.admin.token, on=market)  # in no organization: no currency implied
    refused = await admin.query(TALENT, {"f": {"skills": python, "maxRate": 5_000}})
    assert refused.codes == ["INVALID_INPUT"]
    ((problem,),) = [e["extensions"]["problems"] for e in refused.errors]
    assert (problem["field"], problem["code"]) == ("currency", "REQUIRED")


async def test_talent_pages_follow_the_ranking(scene, crowd, make_client, market):
    client = make_client(scene.owner.token, on=market)
    wanted = [{"slug": "python", "minLevel": 3}, {"slug": "sql"}]

    first = await names(client, first=2, skills=wanted)
    rest = await names(client, first=2, after=first["pageInfo"]["endCursor"], skills=wanted)

    assert [n["worker"]["name"] for n in first["nodes"]] == ["Ada", "Cy"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert [n["worker"]["name"] for n in rest["nodes"]] == ["Di", "Bo"]
    assert rest["pageInfo"]["hasNextPage"] is False


async def test_workers_may_not_search_talent(scene):
    with pytest.raises(Forbidden):
        await search.search_talent(
            scene.worker.actor, search.TalentQuery(), PageRequest(size=10), 100
        )


async def test_jobs_are_recommended_to_a_worker_by_the_skills_they_hold(scene, crowd):
    await scene.job(title="React dashboard", skills=["react"])
    await scene.job(title="Python and SQL", skills=["python", "sql"])
    await scene.job(title="Python scripts", skills=["python"])
    await scene.job(
        title="Hourly SQL",
        skills=["sql"],
        pricing=Pricing.HOURLY,
        budget=10_000,
        weekly_hours_cap=5,
    )

    page = await search.recommend_jobs(crowd["Ada"].actor, PageRequest(size=10), 100)

    assert [(m.job.title, m.score) for _, m in page.items] == [
        ("Python and SQL", 42.0),
        ("Python scripts", 24.0),
        ("Hourly SQL", 19.0),
    ]
    assert page.items[0][1].reasons == [
        "you have python at level 5, verified by exam",
        "you have sql at level 4",
        "2 of the 2 skills asked",
    ]
    assert "pays up to 100.00 USD an hour, at or above your rate of 90.00 USD" in (
        page.items[2][1].reasons
    )


async def add_workers(count, python_id):
    """Many plain external python workers at once (bulk rows: no business rule is under test)."""
    now = runtime.now()
    start = await Account.all().count()
    emails = [f"bulk{start + i}@example.org" for i in range(count)]
    await Account.bulk_create(
        [
            Account(
                email=email,
                name=email,
                password_hash="-",
                role=Role.WORKER,
                created_at=now,
            )
            for email in emails
        ]
    )
    ids = await Account.filter(email__in=emails).values_list("id", flat=True)
    await WorkerProfile.bulk_create(
        [
            WorkerProfile(account_id=i, kind=WorkerKind.EXTERNAL, created_at=now, updated_at=now)
            for i in ids
        ]
    )
    profiles = await WorkerProfile.filter(account_id__in=ids).values_list("id", flat=True)
    await WorkerSkill.bulk_create(
        [WorkerSkill(worker_id=p, skill_id=python_id, level=3, updated_at=now) for p in profiles]
    )


async def test_talent_search_costs_the_same_statements_for_10_and_100_workers(
    scene, make_client, market, count_statements
):
    client = make_client(scene.owner.token, on=market)
    await client.query("{ me { email } }")  # the token's first use writes last_used_at
    counts = []
    for total in (10, 100):
        await add_workers(total - await WorkerSkill.all().count(), scene.python.id)
        count_statements.statements.clear()
        found = await names(client, first=100, skills=[{"slug": "python"}])
        assert len(found["nodes"]) == total
        counts.append(len(count_statements.statements))

    assert counts[0] == counts[1]


async def test_talent_pages_backward_from_the_end_and_counts_every_match(
    scene, crowd, make_client, market
):
    client = make_client(scene.owner.token, on=market)
    document = """query($f: MarketplaceTalentSearchInput, $before: String) {
        marketplaceTalent(filter: $f, last: 2, before: $before) { totalCount
        nodes { worker { name } } pageInfo { hasPreviousPage startCursor } } }"""
    wanted = {"skills": [{"slug": "python", "minLevel": 3}, {"slug": "sql"}]}

    bottom = (await client.query(document, {"f": wanted})).data["marketplaceTalent"]
    start = bottom["pageInfo"]["startCursor"]
    top = (await client.query(document, {"f": wanted, "before": start})).data["marketplaceTalent"]

    assert bottom["totalCount"] == top["totalCount"] == 4
    assert [n["worker"]["name"] for n in bottom["nodes"]] == ["Di", "Bo"]
    assert [n["worker"]["name"] for n in top["nodes"]] == ["Ada", "Cy"]
    assert (bottom["pageInfo"]["hasPreviousPage"], top["pageInfo"]["hasPreviousPage"]) == (
        True,
        False,
    )
