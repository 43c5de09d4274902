"""Relay connections: cursors, capped pages, clear errors, and no statement per row."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crowdgraph.config import GraphQLSettings
from crowdgraph.core import accounts, learning
from crowdgraph.core.models import (
    Account,
    Engagement,
    EngagementStatus,
    LedgerEntry,
    MemberRole,
    Project,
    Role,
    Skill,
    TokenKind,
    WorkerKind,
    WorkerProfile,
    WorkerSkill,
)
from crowdgraph.core.organizations import add_member
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


BACKWARD = """query($last: Int, $before: String, $after: String) {
    skills(last: $last, before: $before, after: $after) {
    nodes { slug } edges { cursor } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""


async def test_last_and_before_walk_a_list_backward_page_by_page(platform, make_client, clock):
    await make_skills(25, clock)
    client = make_client()
    seen: list[str] = []
    before = None
    pages = []
    while True:
        page = (await client.query(BACKWARD, {"last": 10, "before": before})).data["skills"]
        seen = [n["slug"] for n in page["nodes"]] + seen
        info = page["pageInfo"]
        pages.append((len(page["nodes"]), info["hasPreviousPage"], info["hasNextPage"]))
        if not info["hasPreviousPage"]:
            break
        before = info["startCursor"]
    assert seen == [f"s{i:03}" for i in range(25)]
    assert pages == [(10, True, False), (10, True, True), (5, False, True)]


async def test_a_cursor_read_forward_pages_backward_and_between_two_cursors(
    platform, make_client, clock
):
    await make_skills(12, clock)
    client = make_client()
    forward = (await client.query(SKILLS, {"first": 10})).data["skills"]
    edges = (await client.query("{ skills(first: 10) { nodes { slug } edges { cursor } } }")).data[
        "skills"
    ]
    cursor = {n["slug"]: e["cursor"] for n, e in zip(edges["nodes"], edges["edges"], strict=True)}
    back = (
        await client.query(BACKWARD, {"last": 3, "before": forward["pageInfo"]["endCursor"]})
    ).data["skills"]
    assert [n["slug"] for n in back["nodes"]] == ["s006", "s007", "s008"]
    assert [e["cursor"] for e in back["edges"]] == [cursor["s006"], cursor["s007"], cursor["s008"]]
    assert back["pageInfo"]["startCursor"] == cursor["s006"]
    between = (
        await client.query(
            BACKWARD, {"last": 10, "after": cursor["s002"], "before": cursor["s008"]}
        )
    ).data["skills"]
    assert [n["slug"] for n in between["nodes"]] == ["s003", "s004", "s005", "s006", "s007"]
    assert (between["pageInfo"]["hasPreviousPage"], between["pageInfo"]["hasNextPage"]) == (
        False,
        True,
    )
    again = (
        await client.query(SKILLS, {"first": 2, "after": back["pageInfo"]["startCursor"]})
    ).data["skills"]
    assert [n["slug"] for n in again["nodes"]] == ["s007", "s008"]


async def test_first_and_last_together_is_an_error_naming_last(platform, make_client):
    result = await make_client().query("{ skills(first: 2, last: 2) { nodes { slug } } }")
    assert result.codes == ["INVALID_INPUT"]
    problem = result.errors[0]["extensions"]["problems"][0]
    assert (problem["field"], problem["code"]) == ("last", "NOT_ALLOWED")
    assert "last cannot be given with first" in result.errors[0]["message"]


@pytest.mark.parametrize("last", [6, -1])
async def test_last_keeps_the_page_size_cap_and_names_last(make_platform, make_client, last):
    await make_platform(plugins=[], graphql=GraphQLSettings(default_page_size=3, max_page_size=5))
    result = await make_client().query(BACKWARD, {"last": last})
    assert result.codes == ["INVALID_INPUT"]
    assert result.errors[0]["message"] == f"last: last must be between 0 and 5 (got {last})"


@pytest.mark.parametrize("before", ["garbage", to_global_id("Skill", 1)])
async def test_a_bad_before_cursor_is_an_error_naming_before(platform, make_client, before):
    result = await make_client().query(BACKWARD, {"last": 2, "before": before})
    assert result.codes == ["INVALID_INPUT"]
    assert result.errors[0]["extensions"]["problems"][0]["field"] == "before"
    assert f"before must be a cursor from this list (got {before!r})" in result.errors[0]["message"]


TOTAL = """query($first: Int, $after: String, $category: String) {
    skills(first: $first, after: $after, category: $category) { totalCount nodes { slug }
    pageInfo { endCursor } } }"""


async def test_total_count_counts_the_whole_filtered_list_on_every_page(
    platform, make_client, clock
):
    await make_skills(7, clock)
    await Skill.create(slug="other", name="Other", category="elsewhere", created_at=clock.now())
    client = make_client()
    first = (await client.query(TOTAL, {"first": 3, "category": "c"})).data["skills"]
    after = {"first": 3, "category": "c", "after": first["pageInfo"]["endCursor"]}
    second = (await client.query(TOTAL, after)).data["skills"]
    assert (first["totalCount"], second["totalCount"]) == (7, 7)
    assert (await client.query(TOTAL, {"first": 1})).data["skills"]["totalCount"] == 8


async def test_total_count_costs_one_count_statement_and_nothing_unless_asked(
    platform, make_client, clock, count_statements
):
    await make_skills(5, clock)
    client = make_client()
    sent = []
    for document in (
        "{ skills(first: 2) { nodes { slug } } }",
        "{ skills(first: 2) { totalCount nodes { slug } } }",
    ):
        before = len(count_statements.statements)
        assert not (await client.query(document)).errors
        sent.append(count_statements.statements[before:])
    assert not any("COUNT(" in statement.upper() for statement in sent[0])
    assert len(sent[1]) == len(sent[0]) + 1
    assert len([statement for statement in sent[1] if "COUNT(" in statement.upper()]) == 1


async def test_total_count_of_a_list_filtered_through_a_join_counts_each_row_once(
    platform, make_client, factory, clock
):
    _, owner = await rows(platform, factory, clock, 12)
    document = """{ workers(first: 5, filter: {skills: [{slug: "s000", minLevel: 2}]}) {
        totalCount nodes { name } } }"""
    workers = (await make_client(owner.token).query(document)).data["workers"]
    assert (workers["totalCount"], len(workers["nodes"])) == (12, 5)


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


GROWING = {
    "membersConnection": """query($slug: String!, $first: Int, $last: Int) {
        organization(slug: $slug) { membersConnection(first: $first, last: $last) {
        totalCount nodes { role account { name } } } } }""",
    "apiTokensConnection": """query($first: Int, $last: Int) { me {
        apiTokensConnection(first: $first, last: $last) { totalCount nodes { name } } } }""",
    "commentsConnection": """query($id: ID!, $first: Int, $last: Int) { node(id: $id) {
        ... on Engagement { commentsConnection(first: $first, last: $last) {
        totalCount nodes { text } } } } }""",
}


async def test_lists_that_grow_are_connections_next_to_their_plain_lists(
    platform, make_client, factory
):
    org, owner = await factory.organization()
    managers = [await factory.client() for _ in range(3)]
    for manager in managers:
        await add_member(owner.actor, org.id, manager.account.email, MemberRole.MANAGER)
    for name in ("one", "two", "three"):
        await accounts.issue_token(owner.account, TokenKind.API, name, timedelta(days=1))
    worker = await factory.worker()
    engagement = await Engagement.create(
        worker_id=worker.worker.id,
        organization_id=org.id,
        model="core",
        status=EngagementStatus.ACTIVE,
        currency="USD",
        detail_type="Thing",
        detail_id="1",
        created_at=owner.account.created_at,
        updated_at=owner.account.created_at,
    )
    for text in ("first", "second", "third", "fourth"):
        await learning.comment(owner.actor, engagement.id, text)
    client = make_client(owner.token)
    given = {"slug": org.slug, "id": to_global_id("Engagement", engagement.id)}

    async def page(field: str, **size: int) -> dict:
        data = (await client.query(GROWING[field], {**given, **size})).data
        holder = {"membersConnection": "organization", "apiTokensConnection": "me"}
        return data[holder.get(field, "node")][field]

    members = await page("membersConnection", last=2)
    assert members["totalCount"] == 4
    assert [n["account"]["name"] for n in members["nodes"]] == [
        m.account.name for m in managers[1:]
    ]
    tokens = await page("apiTokensConnection", first=2)
    assert tokens["totalCount"] == 4  # the session the factory signed in with, and three
    assert len(tokens["nodes"]) == 2
    comments = await page("commentsConnection", last=3)
    assert (comments["totalCount"], [n["text"] for n in comments["nodes"]]) == (
        4,
        ["second", "third", "fourth"],
    )
