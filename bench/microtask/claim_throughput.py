"""Claims per second with many concurrent claimers on SQLite.

python -m bench.microtask.claim_throughput [CLAIMERS] [CLAIMS_EACH]
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

from tortoise.functions import Count

from bench.microtask.setup import bench
from crowdgraph.core.actor import Actor
from crowdgraph.plugins.microtask import work
from crowdgraph.plugins.microtask.models import Assignment


async def claimer(actor: Actor, batch_id: int, claims: int, latencies: list[float]) -> None:
    for _ in range(claims):
        started = time.perf_counter()
        assert await work.claim_next(actor, batch_id) is not None
        latencies.append(time.perf_counter() - started)


async def main(claimers: int, each: int) -> None:
    postgres = os.environ.get("BENCH_POSTGRES_URL")
    async with bench(tasks=claimers * each, workers=claimers, postgres=postgres) as b:
        latencies: list[float] = []
        started = time.perf_counter()
        await asyncio.gather(*[claimer(w, b.batch.id, each, latencies) for w in b.workers])
        elapsed = time.perf_counter() - started
        total = await Assignment.all().count()
        latencies.sort()
        engine = "postgres" if postgres else "sqlite"
        print(f"engine={engine} claimers={claimers} claims={total} seconds={elapsed:.2f}")
        per_task = await Assignment.all().group_by("task_id").annotate(n=Count("id")).values("n")
        print(f"max_assignments_per_task={max(row['n'] for row in per_task)} (overlap 3)")
        print(f"claims_per_second={total / elapsed:.0f}")
        print(
            f"p50_ms={latencies[len(latencies) // 2] * 1000:.1f} p95_ms={latencies[int(len(latencies) * 0.95)] * 1000:.1f}"
        )


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    asyncio.run(main(*(args + [100, 20][len(args) :])))
