"""Claim latency as the batch grows: the same claims at 10,000 and 1,000,000 tasks, half already full.

python -m bench.microtask.claim_latency [TASK_COUNTS...]
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time

from bench.microtask.setup import bench
from crowdgraph.plugins.microtask import work
from crowdgraph.plugins.microtask.models import Task, TaskStatus

CLAIMS = 200


async def measure(tasks: int) -> dict[str, float | int | str]:
    """Claim latency in a batch of ``tasks`` tasks whose front half is full."""
    started = time.perf_counter()
    postgres = os.environ.get("BENCH_POSTGRES_URL")
    async with bench(tasks=tasks, workers=CLAIMS // 4, postgres=postgres) as b:
        setup = time.perf_counter() - started
        assert await Task.filter(batch_id=b.batch.id).count() == tasks
        # The front half of the batch is taken, as in a batch half done (depth-first skips it).
        await Task.filter(batch_id=b.batch.id, id__lte=tasks // 2).update(
            status=TaskStatus.FULL, taken=3
        )
        if postgres:
            # As autovacuum would after such a mass update: drop the dead index entries, refresh stats.
            await Task._meta.db.execute_script("VACUUM ANALYZE microtask_task")
        latencies = []
        for i in range(CLAIMS):
            worker = b.workers[i % len(b.workers)]
            began = time.perf_counter()
            assert await work.claim_next(worker, b.batch.id) is not None
            latencies.append(time.perf_counter() - began)
        latencies.sort()
    return {
        "engine": "postgres" if postgres else "sqlite",
        "tasks": tasks,
        "setup_s": round(setup, 1),
        "claims": CLAIMS,
        "median_ms": round(statistics.median(latencies) * 1000, 2),
        "p95_ms": round(latencies[int(CLAIMS * 0.95)] * 1000, 2),
    }


async def main(counts: list[int]) -> None:
    for count in counts:
        m = await measure(count)
        print(
            f"engine={m['engine']} tasks={m['tasks']:>9} setup_s={m['setup_s']:6.1f} claims={m['claims']} "
            f"median_ms={m['median_ms']:.2f} p95_ms={m['p95_ms']:.2f}"
        )


if __name__ == "__main__":
    asyncio.run(main([int(a) for a in sys.argv[1:]] or [10_000, 1_000_000]))
