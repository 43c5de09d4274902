"""Odd input is the caller's mistake: answered 400 or as an error naming the field, never a 500 or
an unexpected error in the log."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from crowdgraph.schema.relay import to_global_id

LONG = "x" * 300
JSON = "application/json"


def nested(levels: int) -> str:
    return "[" * levels + '"x"' + "]" * levels


async def test_variables_nested_400_levels_deep_are_a_bad_request_naming_the_limit(
    make_platform, make_client, caplog
):
    await make_platform(plugins=[])
    body = '{"query": "query($v: JSON) { me { name } }", "variables": {"v": ' + nested(400) + "}}"
    assert len(body) < 1000
    response = await make_client().http.post(
        "/graphql", content=body, headers={"content-type": JSON}
    )
    assert response.status_code == 400
    assert "nested more than 64 levels deep" in response.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("levels", [64, 65, 100_000])
async def test_json_nesting_is_refused_past_64_levels_only(make_platform, make_client, levels):
    await make_platform(plugins=[])
    variables = '{"v": ' + nested(levels - 2) + "}"  # the body and the variables are two levels
    body = '{"query": "query($v: JSON) { me { name } }", "variables": ' + variables + "}"
    response = await make_client().http.post(
        "/graphql", content=body, headers={"content-type": JSON, "accept": JSON}
    )
    assert response.status_code == (200 if levels <= 64 else 400), response.text


async def test_text_that_is_not_unicode_is_a_bad_request(make_platform, make_client):
    await make_platform(plugins=[])
    body = '{"query": "query($s: String!) { organization(slug: $s) { id } }", "variables": '
    response = await make_client().http.post(
        "/graphql",
        content=body + '{"s": "\\ud800"}}',
        headers={"content-type": JSON},
    )
    assert response.status_code == 400
    assert "surrogate" in response.text


ACME = str(to_global_id("Organization", 1))

LOOKUPS: list[tuple[str, str, dict[str, Any]]] = [
    # (field the answer must name, document, variables): each value is longer than its column
    (
        "email",
        'mutation($v: String!) { login(input: {email: $v, password: "long enough pw"}) '
        "{ userErrors { field code message } } }",
        {"v": LONG},
    ),
    ("slug", "query($v: String!) { organization(slug: $v) { id } }", {"v": LONG}),
    ("category", "query($v: String) { skills(category: $v) { nodes { id } } }", {"v": LONG}),
    (
        "slug",
        "query($v: String!) { workers(filter: {skills: [{slug: $v}]}) { nodes { id } } }",
        {"v": LONG},
    ),
    (
        "email",
        'mutation($v: String!) { addOrganizationMember(input: {organizationId: "'
        + ACME
        + '", email: $v, role: MANAGER}) { userErrors { field code message } } }',
        {"v": LONG},
    ),
    (
        "slug",
        "query($v: String!) { marketplaceTalent(filter: {skills: [{slug: $v}]}) "
        "{ nodes { score } } }",
        {"v": LONG},
    ),
]


@pytest.mark.parametrize(
    ("field", "document", "variables"),
    LOOKUPS,
    ids=[
        "login-email",
        "organization-slug",
        "skills-category",
        "workers-skill-slug",
        "member-email",
        "talent-skill-slug",
    ],
)
async def test_text_longer_than_its_column_is_refused_naming_the_field(
    make_platform, client_as, factory, caplog, field, document, variables
):
    await make_platform()
    _, owner = await factory.organization()
    response = await client_as(owner).query(document, variables)
    assert "INTERNAL_SERVER_ERROR" not in response.codes
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    payload = next(iter((response.body.get("data") or {}).values()), None)
    if isinstance(payload, dict) and payload.get("userErrors"):
        [problem] = payload["userErrors"]
    else:
        [error] = response.errors
        assert error["extensions"]["code"] == "INVALID_INPUT"
        [problem] = error["extensions"]["problems"]
    assert problem["field"] == field
    assert problem["code"] == "TOO_LONG"
    assert f"{field} must have at most" in problem["message"]


@pytest.mark.parametrize("name", ["ci\x1b[2Jbot", "bell\x07", "del\x7f", "two\nlines", "tab\tbed"])
async def test_a_token_name_with_control_characters_is_refused(client_as, factory, platform, name):
    worker = await factory.worker()
    response = await client_as(worker).query(
        "mutation($name: String!) { createApiToken(input: {name: $name}) "
        "{ token userErrors { field code } } }",
        {"name": name},
    )
    payload = response.data["createApiToken"]
    assert payload["token"] is None
    assert payload["userErrors"] == [{"field": "name", "code": "INVALID_FORMAT"}]
