"""Rate limits per token and per address, answered with 429 and Retry-After."""

import asyncio
import secrets

import httpx

from crowdgraph.app import create_app
from crowdgraph.config import ServerSettings
from crowdgraph.ratelimit import TokenBuckets, client_address

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


def limited(**server: object) -> ServerSettings:
    return ServerSettings(**{"rate_limit_per_token": 600, "rate_limit_per_address": 12, **server})


async def statuses(http, requests: int, headers=lambda i: {}) -> list[int]:
    return [
        (await http.post("/graphql", json=QUERY, headers=headers(i))).status_code
        for i in range(requests)
    ]


async def test_a_made_up_token_on_each_request_counts_against_the_address(
    make_platform, make_client
):
    await make_platform(plugins=[], server=limited())
    http = make_client().http
    made_up = await statuses(
        http, 6, lambda i: {"authorization": f"Bearer cg_{secrets.token_urlsafe(32)}"}
    )
    malformed = await statuses(http, 2, lambda i: {"authorization": f"Bearer nonsense-{i}"})
    assert made_up == [200, 200, 429, 429, 429, 429]  # the address's burst is 2
    assert malformed == [429, 429]


async def test_a_token_that_authenticates_draws_on_its_own_bucket_not_the_addresss(
    make_platform, make_client, factory
):
    await make_platform(plugins=[], server=limited())
    worker = await factory.worker()
    http = make_client().http
    token = {"authorization": f"Bearer {worker.token}"}
    assert await statuses(http, 3, lambda i: token) == [200] * 3
    assert await statuses(http, 3) == [200, 200, 429]  # the address's whole burst was left
    assert await statuses(http, 1, lambda i: token) == [200]


async def test_zero_turns_the_token_limit_off_and_leaves_the_address_limit(
    make_platform, make_client, factory
):
    await make_platform(plugins=[], server=limited(rate_limit_per_token=0))
    worker = await factory.worker()
    http = make_client().http
    with_token = await statuses(http, 12, lambda i: {"authorization": f"Bearer {worker.token}"})
    assert with_token == [200] * 12
    assert await statuses(http, 3) == [200, 200, 429]


async def test_zero_turns_the_address_limit_off_and_leaves_the_token_limit(
    make_platform, make_client, factory
):
    await make_platform(
        plugins=[], server=limited(rate_limit_per_token=12, rate_limit_per_address=0)
    )
    worker = await factory.worker()
    http = make_client().http
    assert await statuses(http, 12) == [200] * 12
    with_token = await statuses(http, 3, lambda i: {"authorization": f"Bearer {worker.token}"})
    assert with_token == [200, 200, 429]


def serve_options(settings, monkeypatch) -> dict[str, object]:
    """The keyword arguments ``crowdgraph serve`` gives uvicorn.run."""
    import uvicorn

    from crowdgraph import cli

    given: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: given.update(kwargs))
    monkeypatch.setattr(cli, "run", lambda awaitable: awaitable.close())  # no pending migrations
    cli.serve_settings(settings, "127.0.0.1", 0, 1)
    return given


async def test_a_spoofed_x_forwarded_for_from_loopback_is_not_believed(make_platform, monkeypatch):
    """Through the real server, as `crowdgraph serve` runs it, with no trusted proxy configured."""
    import uvicorn

    platform = await make_platform(plugins=[], server=limited())
    options = serve_options(platform.settings, monkeypatch)
    for key in ("factory", "host", "port", "workers"):
        options.pop(key)
    config = uvicorn.Config(
        create_app(platform=platform), host="127.0.0.1", port=0, lifespan="off", **options
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(500):  # up to 5 s
            if server.started:
                break
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            spoofed = await statuses(http, 6, lambda i: {"x-forwarded-for": f"203.0.113.{i}"})
    finally:
        server.should_exit = True
        await task
    assert spoofed == [200, 200, 429, 429, 429, 429]


async def test_x_forwarded_for_is_read_only_from_a_trusted_proxy(make_platform):
    platform = await make_platform(plugins=[], server=limited(trusted_proxies=["10.0.0.0/8"]))
    app = create_app(platform=platform)

    def client(peer: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(peer, 4000))
        return httpx.AsyncClient(transport=transport, base_url="http://test")

    async with client("10.0.0.2") as proxy, client("198.51.100.9") as direct:
        # through the proxy: the address the proxy saw (the last one it did not add itself)
        forwarded = await statuses(
            proxy, 6, lambda i: {"x-forwarded-for": f"1.2.3.4, 203.0.113.{i}, 10.0.0.3"}
        )
        # not through the proxy: the header is the caller's own word, and ignored
        spoofed = await statuses(direct, 4, lambda i: {"x-forwarded-for": f"203.0.113.{i}"})
    assert forwarded == [200] * 6
    assert spoofed == [200, 200, 429, 429]


async def test_a_token_that_cannot_be_checked_for_an_outage_goes_on_to_meet_it(
    make_platform, make_client, factory, monkeypatch
):
    """The lookup that places a token fails with the database: the request is not a 500 here,
    it draws on the address and goes on to the GraphQL layer (which answers the outage, 503)."""
    await make_platform(plugins=[], server=limited())
    worker = await factory.worker()

    async def unreachable(token: str) -> bool:
        raise ConnectionRefusedError("the database is away")

    monkeypatch.setattr("crowdgraph.ratelimit.token_authenticates", unreachable)
    http = make_client().http
    token = {"authorization": f"Bearer {worker.token}"}
    assert await statuses(http, 3, lambda i: token) == [200, 200, 429]


def test_an_ipv6_caller_is_one_address_per_64_network():
    scope = {"client": ("2001:db8:1:2:aaaa::1", 4000), "headers": []}
    other = {"client": ("2001:db8:1:2:bbbb::9", 4000), "headers": []}
    assert client_address(scope, []) == client_address(other, []) == "2001:db8:1:2::/64"
    assert client_address({"client": ("192.0.2.7", 1), "headers": []}, []) == "192.0.2.7"
