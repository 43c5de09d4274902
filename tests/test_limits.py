"""Query limits hold (depth, aliases, nodes, no suggestions in production), including the known
bypasses: introspection-like names, fragments spread into fragments."""

import time

import graphql
import pytest
from graphql.validation.rules import overlapping_fields_can_be_merged as overlapping

from crowdgraph.config import GraphQLSettings
from crowdgraph.schema.build import Documents

DEEP = (
    "me { organizations { projects { nodes { organization { projects { nodes { name } } } } } } }"
)


@pytest.fixture
async def client(make_platform, make_client):
    await make_platform(plugins=[], graphql=GraphQLSettings(max_depth=4, max_aliases=3))
    return make_client()


@pytest.mark.parametrize(
    "document",
    [
        f"{{ {DEEP} }}",
        f"query __schema {{ {DEEP} }}",
        f"query {{ ...__schema }} fragment __schema on Query {{ {DEEP} }}",
        f"query {{ __schema: {DEEP} }}",
        f"query {{ __typename ...F }} fragment F on Query {{ __schema {{ types {{ name }} }} {DEEP} }}",
    ],
    ids=[
        "plain",
        "operation-named-__schema",
        "fragment-named-__schema",
        "alias-__schema",
        "beside-real-introspection",
    ],
)
async def test_the_depth_limit_cannot_be_escaped(client, document):
    response = await client.query(document)
    assert response.body.get("data") is None
    assert any("exceeds maximum operation depth" in e["message"] for e in response.errors)


async def test_too_many_aliases_are_refused(client):
    response = await client.query("{ a: me { id } b: me { id } c: me { id } d: me { id } }")
    assert response.body.get("data") is None
    assert response.errors


NESTED = "projects(first: $outer) {{ nodes {{ organization {{ {inner} }} }} }}"
INNER = "projects(first: $inner) { nodes { id } }"


@pytest.fixture
async def costed(make_platform, client_as, factory):
    await make_platform(
        plugins=[], graphql=GraphQLSettings(max_nodes=100, default_page_size=5, max_page_size=50)
    )
    return client_as(await factory.client())


async def cost_of(client, query, variables=None):
    """The response to a request that asks for its cost (``"extensions": {"cost": true}``)."""
    response = await client.http.post(
        "/graphql",
        json={"query": query, "variables": variables or {}, "extensions": {"cost": True}},
        headers={"authorization": f"Bearer {client.token}"},
    )
    return response.json()


@pytest.mark.parametrize(
    "query",
    [
        "query($outer: Int, $inner: Int) { " + NESTED.format(inner=INNER) + " }",
        "query($outer: Int, $inner: Int) { " + NESTED.format(inner="...Inner") + " }"
        " fragment Inner on Organization { " + INNER + " }",
        "query($outer: Int, $inner: Int) { ... on Query { "
        + NESTED.format(inner="... on Organization { " + INNER + " }")
        + " } }",
    ],
    ids=["plain", "fragment", "inline-fragments"],
)
async def test_nested_pages_multiply_and_above_max_nodes_are_refused_before_execution(
    costed, query
):
    allowed = await cost_of(costed, query, {"outer": 9, "inner": 10})
    assert allowed["extensions"]["cost"] == {"nodes": 9 + 9 * 10, "limit": 100}
    assert allowed["data"]["projects"]["nodes"] == []
    refused = await cost_of(costed, query, {"outer": 10, "inner": 10})
    assert refused.get("data") is None
    assert refused["errors"][0]["extensions"] == {
        "code": "QUERY_TOO_COSTLY",
        "cost": 110,
        "limit": 100,
    }
    assert "110 nodes, more than the limit of 100" in refused["errors"][0]["message"]


async def test_a_connection_without_first_counts_the_default_page_size(costed):
    body = await cost_of(
        costed, "{ projects { nodes { organization { projects { nodes { id } } } } } }"
    )
    assert body["extensions"]["cost"]["nodes"] == 5 + 5 * 5


async def test_a_variable_left_out_counts_its_default_value(costed):
    query = "query($n: Int = 7) { projects(first: $n) { nodes { id } } }"
    assert (await cost_of(costed, query))["extensions"]["cost"]["nodes"] == 7
    assert (await cost_of(costed, query, {"n": 3}))["extensions"]["cost"]["nodes"] == 3


def fragment_bomb(levels: int, leaf: str) -> str:
    """A small document that unfolds to 2**levels copies of ``leaf``."""
    fragments = " ".join(
        f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)
    )
    return f"{{ ...F0 }} {fragments} fragment F{levels} on Query {{ {leaf} }}"


async def test_spreads_of_spreads_are_measured_without_unfolding_them(costed):
    levels = 40  # unfolded, 2**40 fields: measuring would not finish
    nodes = await cost_of(costed, fragment_bomb(levels, "projects(first: 1) { nodes { id } }"))
    assert nodes["errors"][0]["extensions"]["cost"] == 2**levels
    aliases = await cost_of(costed, fragment_bomb(levels, "me { name: id }"))
    assert aliases["errors"][0]["message"] == (
        f"the document has {2**levels} aliases, more than the maximum of 30"
    )


async def test_the_cost_is_reported_only_to_a_request_that_asks(costed):
    response = await costed.query("{ projects(first: 3) { nodes { id } } }")
    assert "extensions" not in response.body
    assert response.data == {"projects": {"nodes": []}}


TYPO = "{ projets { nodes { id } } }"
LOGIN = "mutation($input: LoginInput!) { login(input: $input) { userErrors { code } } }"


@pytest.mark.parametrize(("env", "suggested"), [("development", True), ("production", False)])
async def test_field_suggestions_are_left_out_in_production(
    make_platform, make_client, env, suggested
):
    await make_platform(plugins=[], env=env)
    message = (await make_client().query(TYPO)).errors[0]["message"]
    assert message.startswith("Cannot query field 'projets' on type 'Query'.")
    assert ("Did you mean 'projects'?" in message) is suggested


@pytest.mark.parametrize(
    ("env", "suggested"),
    [("development", True), ("production", False)],
)
async def test_input_field_suggestions_are_left_out_in_production(
    make_platform, make_client, env, suggested
):
    await make_platform(plugins=[], env=env)
    response = await make_client().query(LOGIN, {"input": {"emial": "a@b.c", "password": "x"}})
    [message] = [e["message"] for e in response.errors if "unknown field 'emial'" in e["message"]]
    assert ("Did you mean 'email'?" in message) is suggested


async def test_a_refused_document_stays_refused_when_sent_again(client):
    for _ in range(2):
        response = await client.query(f"{{ {DEEP} }}")
        assert any("exceeds maximum operation depth" in e["message"] for e in response.errors)


def test_documents_are_validated_once_and_forgotten_beyond_their_budget():
    validated = []

    class Counted(graphql.ValidationRule):
        def enter_document(self, node, *_):
            validated.append(node)

    schema = graphql.build_schema("type Query { a: Int b: Int }")
    documents = Documents((Counted,), hide_suggestions=False, budget=12, max_selections=10)
    first = documents.parsed("{ a }", {})
    assert documents.parsed("{ a }", {}) is first
    documents.errors(schema, first)
    documents.errors(schema, documents.parsed("{ a }", {}))
    assert len(validated) == 1
    documents.parsed("{ b }", {})
    documents.parsed("{ a b }", {})  # 17 characters kept: "{ a }", the oldest, goes
    assert documents.parsed("{ a }", {}) is not first


def test_a_document_sent_again_with_other_comments_and_spacing_is_not_validated_again():
    validated = []

    class Counted(graphql.ValidationRule):
        def enter_document(self, node, *_):
            validated.append(node)

    schema = graphql.build_schema("type Query { a: Int b: Int }")
    rules = (Counted, graphql.FieldsOnCorrectTypeRule)
    documents = Documents(rules, hide_suggestions=False, budget=1000, max_selections=10)
    for text in ("{ a b } # 1", "# 2\n{a,  b}", "{\n  a\n  b\n}"):
        assert documents.errors(schema, documents.parsed(text, {})) == []
    assert len(validated) == 1
    assert documents.errors(schema, documents.parsed("{ a c }", {}))
    assert documents.errors(schema, documents.parsed("{ a c } # again", {}))
    assert len(validated) == 3  # a refusal is kept by text only: its locations are the text's


def repeated(selection: str, times: int, comment: str) -> str:
    """One selection written ``times`` times; the comment keeps each text new to the server."""
    return f"# {comment}\n{{ {' '.join([selection] * times)} }}"


@pytest.fixture
def comparisons(monkeypatch):
    """Counts the runs of GraphQL's costly rule (fields that overlap can be merged)."""
    runs = []
    compare = overlapping.find_conflicts_within_selection_set

    def counted(*args):
        runs.append(1)
        return compare(*args)

    monkeypatch.setattr(overlapping, "find_conflicts_within_selection_set", counted)
    return runs


async def timed(client, document):
    """The response, and the seconds it took."""
    started = time.perf_counter()
    response = await client.query(document)
    return response, time.perf_counter() - started


async def test_a_document_selecting_too_many_fields_is_refused_before_validation(
    make_platform, make_client, comparisons
):
    await make_platform(plugins=[])
    client = make_client()
    await client.query("{ me { name } }")  # the first request of an app pays for warming up
    seconds = []
    for attempt in range(3):  # 15 KB, 1,240 x 2 fields: seconds in validation before the limit
        response, took = await timed(client, repeated("me { name }", 1240, f"attempt {attempt}"))
        seconds.append(took)
        assert response.codes == ["TOO_MANY_SELECTIONS"]
        assert (
            "2480 selections (fields and fragments), more than the limit of 500"
            in (response.errors[0]["message"])
        )
    assert comparisons == []
    assert min(seconds) < 0.5  # milliseconds, loosely: the best of three on a busy machine


@pytest.mark.parametrize(
    "document",
    [
        repeated("me { name }", 240, "roots"),
        repeated("me { organizations { name } organizations { name } }", 80, "nested"),
        repeated("me { ...F }", 160, "spreads") + " fragment F on Account { name }",
    ],
    ids=["roots", "nested", "spreads"],
)
async def test_fields_repeated_within_the_selection_limit_are_refused_quickly_with_a_code(
    make_platform, make_client, document
):
    await make_platform(plugins=[])
    client = make_client()
    await client.query("{ me { name } }")
    seconds = []
    for attempt in range(2):
        response, took = await timed(client, f"# {attempt}\n{document}")
        seconds.append(took)
        assert response.codes == ["QUERY_TOO_COMPLEX"]
    assert min(seconds) < 1  # tens of ms, loosely: seconds before the budget
