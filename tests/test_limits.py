"""Query limits hold, including the known bypasses through introspection-like names."""

import pytest

from crowdgraph.config import GraphQLSettings

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
