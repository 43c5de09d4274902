"""Rate limits per token and per address, answered with 429 and Retry-After."""

from crowdgraph.config import ServerSettings
from crowdgraph.ratelimit import TokenBuckets

QUERY = {"query": "{ me { id } }"}


async def test_an_address_over_its_limit_gets_429_with_retry_after(make_platform, make_client):
    await make_platform(
        plugins=[], server=ServerSettings(rate_limit_per_address=12, rate_limit_per_token=0)
    )
    http = make_client().http
    allowed = [(await http.post("/graphql", json=QUERY)).status_code for _ in range(2)]
    refused = await http.post("/graphql", json=QUERY)
    assert allowed == [200, 200]
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


async def test_each_token_has_its_own_bucket(make_platform, make_client, factory):
    await make_platform(
        plugins=[], server=ServerSettings(rate_limit_per_token=6, rate_limit_per_address=0)
    )
    first, second = await factory.worker(), await factory.worker()
    one, other = make_client(first.token), make_client(second.token)
    assert (await one.query("{ me { id } }")).status == 200
    assert (await other.query("{ me { id } }")).status == 200
    refused = await one.http.post(
        "/graphql", json=QUERY, headers={"authorization": f"Bearer {first.token}"}
    )
    assert refused.status_code == 429
    assert (
        await other.http.post(
            "/graphql", json=QUERY, headers={"authorization": f"Bearer {second.token}"}
        )
    ).status_code == 429


def test_a_bucket_refills_at_its_rate():
    buckets = TokenBuckets(per_minute=60, burst=2)
    assert buckets.take("a", now=0.0) == 0
    assert buckets.take("a", now=0.0) == 0
    assert buckets.take("a", now=0.0) == 1.0
    assert buckets.take("a", now=1.0) == 0
    assert buckets.take("b", now=1.0) == 0
