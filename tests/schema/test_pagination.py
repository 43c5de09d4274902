"""Relay connections: cursors, capped pages, clear errors, and no statement per row."""

from __future__ import annotations

import pytest

from crowdgraph.config import GraphQLSettings
from crowdgraph.core.models import (
    Account,
    Engagement,
    EngagementStatus,
    LedgerEntry,
    Project,
    Role,
    Skill,
    WorkerKind,
    WorkerProfile,
    WorkerSkill,
)
from crowdgraph.schema.context import Loader
from crowdgraph.schema.relay import to_global_id

SKILLS = """query($first: Int, $after: String) { skills(first: $first, after: $after) {
    nodes { slug } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""


async def make_skills(count: int, clock) -> None:
    await Skill.bulk_create(
        [
            Skill(slug=f"s{i:03}", name=f"Skill {i}", category="c", created_at=clock.now())
            for i in range(count)
        ]
    )


async def test_first_and_after_walk_a_list_page_by_page(platform, make_client, clock):
    await make_skills(25, clock)
    client = make_client()
    seen: list[str] = []
    after = None
    pages = []
    while True:
        page = (await client.query(SKILLS, {"first": 10, "after": after})).data["skills"]
        seen += [n["slug"] for n in page["nodes"]]
        pages.append(
            (
                len(page["nodes"]),
                page["pageInfo"]["hasNextPage"],
                page["pageInfo"]["hasPreviousPage"],
            )
        )
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [f"s{i:03}" for i in range(25)]
    assert pages == [(10, True, False), (10, True, True), (5, False, True)]


async def test_the_default_page_size_comes_from_the_settings(make_platform, make_client, clock):
    await make_platform(plugins=[], graphql=GraphQLSettings(default_page_size=3, max_page_size=5))
    await make_skills(8, clock)
    page = (await make_client().query(SKILLS)).data["skills"]
    assert [n["slug"] for n in page["nodes"]] == ["s000", "s001", "s002"]


@pytest.mark.parametrize("first", [6, -1])
async def test_a_page_size_outside_the_cap_is_an_error_naming_first(
    make_platform, make_client, first
):
    await make_platform(plugins=[], graphql=GraphQLSettings(default_page_size=3, max_page_size=5))
    result = await make_client().query(SKILLS, {"first": first})
    assert result.codes == ["INVALID_INPUT"]
    assert result.errors[0]["message"] == f"first: first must be between 0 and 5 (got {first})"
    assert result.errors[0]["extensions"]["problems"][0]["field"] == "first"


@pytest.mark.parametrize("after", ["garbage", to_global_id("Skill", 1), "Y3Vyc29yOmFiYw=="])
async def test_a_bad_cursor_is_a_clear_error(platform, make_client, after):
    result = await make_client().query(SKILLS, {"first": 2, "after": after})
    assert result.codes == ["INVALID_INPUT"]
    assert f"after must be a cursor from this list (got {after!r})" in result.errors[0]["message"]


async def rows(platform, factory, clock, count: int):
    """``count`` rows of every listed kind, visible to the owner returned."""
    org, owner = await factory.organization()
    now = clock.now()
    await make_skills(count, clock)
    await Project.bulk_create(
        [Project(organization_id=org.id, name=f"P{i}", created_at=now) for i in range(count)]
    )
    project = await Project.filter(organization_id=org.id).first()
    await Account.bulk_create(
        [
            Account(
                email=f"w{i}@example.org",
                name=f"W{i}",
                password_hash="-",
                role=Role.WORKER,
                created_at=now,
            )
            for i in range(count)
        ]
    )
    accounts = await Account.filter(email__startswith="w", email__endswith="@example.org").order_by(
        "id"
    )
    await WorkerProfile.bulk_create(
        [
            WorkerProfile(
                account_id=a.id,
                kind=WorkerKind.EXTERNAL,
                country="DE",
                created_at=now,
                updated_at=now,
            )
            for a in accounts
        ]
    )
    profiles = await WorkerProfile.filter(account_id__in=[a.id for a in accounts]).order_by("id")
    skills = await Skill.all().order_by("id").limit(2)
    await WorkerSkill.bulk_create(
        [
            WorkerSkill(worker_id=p.id, skill_id=s.id, level=3, updated_at=now)
            for p in profiles
            for s in skills
        ]
    )
    await Engagement.bulk_create(
        [
            Engagement(
                worker_id=profiles[i].id,
                organization_id=org.id,
                project_id=project.id if project else None,
                model="core",
                status=EngagementStatus.ACTIVE,
                currency="USD",
                detail_type="Thing",
                detail_id=str(i),
                created_at=now,
                updated_at=now,
            )
            for i in range(count)
        ]
    )
    await LedgerEntry.bulk_create(
        [
            LedgerEntry(
                organization_id=org.id,
                kind="fund",
                source="external",
                destination=f"org:{org.id}:available",
                amount=100,
                currency="USD",
                idempotency_key=f"bulk-{i}",
                created_at=now,
            )
            for i in range(count)
        ]
    )
    return org, owner


LISTS = {
    "skills": "query($n: Int) { skills(first: $n) { nodes { slug name category } } }",
    "projects": "query($n: Int) { projects(first: $n) { nodes { name organization { name } } } }",
    "workers": """query($n: Int) { workers(first: $n, filter: {skills: [{slug: "s000", minLevel: 2}]}) {
        nodes { name country employer { name } skills { level skill { slug } } } } }""",
    "engagements": """query($n: Int) { engagements(first: $n) {
        nodes { title worker { name } organization { name } project { name } } } }""",
    "ledgerEntries": """query($n: Int, $slug: String!) { organization(slug: $slug) {
        ledgerEntries(first: $n) { nodes { kind amount { amount currency } } } } }""",
}


@pytest.mark.parametrize("name", LISTS)
async def test_a_list_costs_the_same_statements_for_10_rows_as_for_100(
    name, platform, make_client, factory, clock, count_statements
):
    org, owner = await rows(platform, factory, clock, 100)
    client = make_client(owner.token)
    await client.query("{ me { id } }")  # the token's first use records last_used_at
    sent = []
    for size in (10, 100):
        before = len(count_statements.statements)
        result = await client.query(LISTS[name], {"n": size, "slug": org.slug})
        data = (
            result.data["organization"]["ledgerEntries"]
            if name == "ledgerEntries"
            else result.data[name]
        )
        assert len(data["nodes"]) == size
        sent.append(count_statements.statements[before:])
    assert len(sent[0]) == len(sent[1]), sent[1]
    assert len(sent[1]) <= 8


@pytest.mark.parametrize("name", ["workers", "engagements", "projects"])
async def test_a_list_loads_its_rows_related_objects_before_they_resolve(
    name, platform, make_client, factory, clock, monkeypatch
):
    """Prefetching by selection set: no DataLoader round (a future and a task) per row."""
    _, owner = await rows(platform, factory, clock, 30)
    loads = []
    original = Loader.load
    monkeypatch.setattr(Loader, "load", lambda self, key: loads.append(key) or original(self, key))
    result = await make_client(owner.token).query(LISTS[name], {"n": 30})
    assert len(result.data[name]["nodes"]) == 30
    assert loads == []
