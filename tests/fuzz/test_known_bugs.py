"""Requests the fuzzers found failing inside the server, kept as the smallest examples.

Each is expected to fail (strict): when its bug is fixed the test passes, xfail turns it into a
failure, and the input can go back into the strategies that leave it out (see their notes).
"""

from __future__ import annotations

from typing import Any

import pytest

from crowdgraph.schema.relay import to_global_id
from tests.fuzz.conftest import World, mutation_failed
from tests.fuzz.strategies import OUT_OF_RANGE_IDS, OUT_OF_RANGE_LONGS

ACME = str(to_global_id("Organization", 1))
MISSING_ORGANIZATION = str(to_global_id("Organization", 99))


def bug(reason: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=f"BUG: {reason}")


@pytest.mark.parametrize("global_id", OUT_OF_RANGE_IDS)
async def test_node_with_an_out_of_range_key_is_null(
    world: World, request: pytest.FixtureRequest, global_id: str
) -> None:
    # Keys past 32 bits fit SQLite's integers but not PostgreSQL's primary keys; past 64, neither.
    if world.on_postgres or global_id == OUT_OF_RANGE_IDS[-1]:
        request.applymarker(bug("a key no primary key column holds reaches the database"))
    sent = {"query": "query($id: ID!) { node(id: $id) { id } }", "variables": {"id": global_id}}
    body = world.check(await world.post("owner", json=sent), sent)
    assert body is not None and body["data"] == {"node": None}


@bug(
    "Long takes any integer, not the 53 bits it promises: past 64 the insert overflows, and a "
    "funding near 2**63 breaks every later sum of the budget (SQLite: integer overflow)"
)
@pytest.mark.parametrize("amount", OUT_OF_RANGE_LONGS)
async def test_money_past_53_bits_is_refused(world: World, amount: int) -> None:
    body = await world.mutate_and_check(
        "owner",
        "mutation($input: FundBudgetInput!) { fundBudget(input: $input) { userErrors { code } } }",
        {"input": {"organizationId": ACME, "amount": amount, "idempotencyKey": "huge"}},
    )
    assert body is not None and mutation_failed(body)


@bug("createApiToken computes now + expiresInDays unchecked (OverflowError: date out of range)")
async def test_a_token_lifetime_past_the_calendar_is_a_user_error(world: World) -> None:
    body = await world.mutate_and_check(
        "worker",
        'mutation { createApiToken(input: {name: "ci", expiresInDays: 2912439}) '
        "{ token userErrors { field code } } }",
    )
    assert body is not None and body["data"]["createApiToken"]["userErrors"]


@bug("a JSON body that is not an object raises AttributeError in strawberry's parse_http_body")
@pytest.mark.parametrize("body", [b"1", b"null", b'"query"'])
async def test_a_json_body_that_is_not_an_object_is_a_bad_request(
    world: World, body: bytes
) -> None:
    response = await world.post(
        "anonymous", content=body, headers={"content-type": "application/json"}
    )
    world.check(response, body)
    assert response.status_code == 400


@bug("a body that is not UTF-8 raises UnicodeDecodeError in strawberry's parse_json")
async def test_a_body_that_is_not_utf8_is_a_bad_request(world: World) -> None:
    response = await world.post(
        "anonymous", content=b"\x80", headers={"content-type": "application/json"}
    )
    world.check(response, b"\x80")
    assert response.status_code == 400


@bug("an admin naming a missing organization fails in the database (IntegrityError, DoesNotExist)")
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
    world: World, request: pytest.FixtureRequest, query: str, variables: dict[str, Any]
) -> None:
    if world.refuses_nul:
        request.applymarker(bug("text with NUL reaches PostgreSQL (CharacterNotInRepertoireError)"))
    await world.mutate_and_check("owner", query, variables)
