"""GraphQL over HTTP, to the letter of the spec (application/graphql-response+json and GET rules)."""

import pytest

GRAPHQL_RESPONSE = "application/graphql-response+json"


@pytest.fixture
async def http(make_platform, make_client):
    await make_platform(plugins=[])
    return make_client().http


@pytest.mark.parametrize("query", ["{ me { ", "{ noSuchField }"])
async def test_a_request_that_fails_before_execution_is_400_without_data(http, query):
    response = await http.post(
        "/graphql", json={"query": query}, headers={"accept": GRAPHQL_RESPONSE}
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert "data" not in response.json()
    assert response.json()["errors"]


async def test_an_executed_request_is_200_with_data_in_the_graphql_response_type(http):
    response = await http.post(
        "/graphql", json={"query": "{ me { id } }"}, headers={"accept": GRAPHQL_RESPONSE}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert response.json() == {"data": {"me": None}}


async def test_a_legacy_json_client_gets_200_even_for_a_validation_failure(http):
    response = await http.post(
        "/graphql", json={"query": "{ noSuchField }"}, headers={"accept": "application/json"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")


async def test_queries_may_use_get(http):
    response = await http.get(
        "/graphql", params={"query": "{ me { id } }"}, headers={"accept": GRAPHQL_RESPONSE}
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"me": None}}


async def test_a_mutation_sent_with_get_is_405(http):
    response = await http.get("/graphql", params={"query": "mutation { logout { ok } }"})
    assert response.status_code == 405
