"""Profile one key operation with pyinstrument (the bench extra).

python -m bench.profile ["claim and submit"|"worker feed"|"contest leaderboard"|"talent search"]
    [--baseline] [--requests N]
"""

from __future__ import annotations

import argparse
import asyncio

import httpx
from pyinstrument import Profiler

from bench import operations
from bench.baseline import create_baseline
from bench.world import world
from crowdgraph.app import create_app, settle_startup_objects

NAMES = ("worker feed", "claim and submit", "contest leaderboard", "talent search")


async def profile(name: str, baseline: bool, requests: int) -> str:
    async with world(30) as w:
        batch = await operations.claim_batch(w, 2 * requests + 20)
        gql_transport = httpx.ASGITransport(app=create_app(platform=w.platform))
        base_transport = httpx.ASGITransport(app=create_baseline(w.platform))
        settle_startup_objects()
        async with (
            httpx.AsyncClient(transport=gql_transport, base_url="http://bench") as gql,
            httpx.AsyncClient(transport=base_transport, base_url="http://bench") as base,
        ):
            pair = {p.name: p for p in operations.pairs(w, gql, base, batch)}[name]
            call = pair.baseline if baseline else pair.graphql
            for i in range(5):
                await call(i)
            profiler = Profiler(async_mode="enabled")
            with profiler:
                for i in range(requests):
                    await call(i)
            return profiler.output_text(color=False)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("operation", choices=NAMES, nargs="?", default="claim and submit")
    parser.add_argument("--baseline", action="store_true", help="the bare Starlette endpoint")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    print(asyncio.run(profile(args.operation, args.baseline, args.requests)))


if __name__ == "__main__":
    main()
