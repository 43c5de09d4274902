"""CORS: browsers on the origins listed in ``[server] cors_origins`` may call /graphql; no others."""

from __future__ import annotations

from typing import Any

from crowdgraph.config import ServerSettings

APP = "https://app.example.com"
PREFLIGHT = {
    "access-control-request-method": "POST",
    "access-control-request-headers": "authorization, content-type",
}


def server(**settings: Any) -> ServerSettings:
    return ServerSettings(rate_limit_per_token=0, rate_limit_per_address=0, **settings)


async def test_a_preflight_from_a_listed_origin_is_granted_authorization_and_content_type(
    make_platform, make_client
):
    await make_platform(plugins=[], server=server(cors_origins=[APP], cors_max_age=120))
    http = make_client().http
    answer = await http.options("/graphql", headers={"origin": APP, **PREFLIGHT})
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == APP
    allowed = {h.strip().lower() for h in answer.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type"} <= allowed
    assert "POST" in answer.headers["access-control-allow-methods"]
    assert answer.headers["access-control-max-age"] == "120"
    assert "access-control-allow-credentials" not in answer.headers


async def test_the_request_after_the_preflight_carries_the_grant_and_exposes_the_request_id(
    make_platform, make_client, factory
):
    await make_platform(plugins=[], server=server(cors_origins=[APP]))
    _, owner = await factory.organization()
    client = make_client(owner.token)
    answer = await client.http.post(
        "/graphql",
        json={"query": "{ me { name } }"},
        headers={"origin": APP, "authorization": f"Bearer {owner.token}"},
    )
    assert answer.status_code == 200 and answer.json()["data"]["me"]["name"]
    assert answer.headers["access-control-allow-origin"] == APP
    assert "x-request-id" in answer.headers["access-control-expose-headers"].lower()


async def test_any_other_origin_gets_no_grant(make_platform, make_client):
    await make_platform(plugins=[], server=server(cors_origins=[APP]))
    http = make_client().http
    for origin in ("https://evil.example", "https://app.example.com.evil.example", "null"):
        preflight = await http.options("/graphql", headers={"origin": origin, **PREFLIGHT})
        assert preflight.status_code == 400
        assert "access-control-allow-origin" not in preflight.headers
        simple = await http.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"origin": origin}
        )
        assert "access-control-allow-origin" not in simple.headers


async def test_by_default_no_origin_is_allowed(make_platform, make_client):
    await make_platform(plugins=[])
    http = make_client().http
    preflight = await http.options("/graphql", headers={"origin": APP, **PREFLIGHT})
    assert preflight.status_code == 405
    assert "access-control-allow-origin" not in preflight.headers
    simple = await http.post("/graphql", json={"query": "{ __typename }"}, headers={"origin": APP})
    assert "access-control-allow-origin" not in simple.headers
