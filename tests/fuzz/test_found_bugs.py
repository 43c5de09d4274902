"""Requests the fuzzers found failing inside the server, kept as the smallest examples of bugs
since fixed (2026-11-23): each must keep being answered as the caller's error, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from crowdgraph.schema.relay import to_global_id
from tests.fuzz.conftest import World, mutation_failed
from tests.fuzz.strategies import OUT_OF_RANGE_IDS, OUT_OF_RANGE_LONGS

ACME = str(to_global_id("Organization", 1))
MISSING_ORGANIZATION = str(to_global_id("Organization", 99))


@pytest.mark.parametrize("global_id", OUT_OF_RANGE_IDS)
async def test_node_with_an_out_of_range_key_is_null(world: World, global_id: str) -> None:
    # Keys past 32 bits fit SQLite's integers but not PostgreSQL's primary keys; past 64, neither.
    sent = {"query": "query($id: ID!) { node(id: $id) { id } }", "variables": {"id": global_id}}
    body = world.check(await world.post("owner", json=sent), sent)
    assert body is not None and body["data"] == {"node": None}


@pytest.mark.parametrize("amount", OUT_OF_RANGE_LONGS)
async def test_money_past_53_bits_is_refused(world: World, amount: int) -> None:
    body = await world.mutate_and_check(
        "owner",
        "mutation($input: FundBudgetInput!) { fundBudget(input: $input) { userErrors { code } } }",
        {"input": {"organizationId": ACME, "amount": amount, "idempotencyKey": "huge"}},
    )
    assert body is not None and mutation_failed(body)


async def test_a_token_lifetime_past_the_calendar_is_a_user_error(world: World) -> None:
    body = await world.mutate_and_check(
        "worker",
        'mutation { createApiToken(input: {name: "ci", expiresInDays: 2912439}) '
        "{ token userErrors { field code } } }",
    )
    assert body is not None and body["data"]["createApiToken"]["userErrors"]


@pytest.mark.parametrize("body", [b"1", b"null", b'"query"'])
async def test_a_json_body_that_is_not_an_object_is_a_bad_request(
    world: World, body: bytes
) -> None:
    response = await world.post(
        "anonymous", content=body, headers={"content-type": "application/json"}
    )
    world.check(response, body)
    assert response.status_code == 400


async def test_a_body_that_is_not_utf8_is_a_bad_request(world: World) -> None:
    response = await world.post(
        "anonymous", content=b"\x80", headers={"content-type": "application/json"}
    )
    world.check(response, b"\x80")
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("mutation", "input_type", "fields"),
    [
        ("createProject", "CreateProjectInput", {"name": "Lost"}),
        ("fundBudget", "FundBudgetInput", {"amount": 100, "idempotencyKey": "fuzz-1"}),
    ],
)
async def test_an_admin_acting_on_a_missing_organization_gets_not_found(
    world: World, mutation: str, input_type: str, fields: dict[str, Any]
) -> None:
    query = f"mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ userErrors {{ code }} }} }}"
    variables = {"input": {"organizationId": MISSING_ORGANIZATION, **fields}}
    await world.mutate_and_check("admin", query, variables)


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("query($slug: String!) { organization(slug: $slug) { id } }", {"slug": "acme\x00"}),
        (
            "mutation($input: CreateProjectInput!) { createProject(input: $input) "
            "{ userErrors { code } } }",
            {"input": {"organizationId": ACME, "name": "a\x00b"}},
        ),
    ],
)
async def test_text_with_nul_is_answered_without_internal_errors(
    world: World, query: str, variables: dict[str, Any]
) -> None:
    await world.mutate_and_check("owner", query, variables)
