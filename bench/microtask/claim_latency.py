"""Claim latency as the batch grows: batches of 100,000 to 1,000,000 tasks, each half done with its
real assignment rows, against a batch of 10,000 built the same way, claim for claim (each claim next
to its twin, so the machine's other load weighs on both alike). Regulars (many answers in the batch,
and answers on the first open tasks) and fresh workers, depth-first and breadth-first.

python -m bench.microtask.claim_latency [--explain] [TASK_COUNTS...]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from tortoise.transactions import in_transaction

from bench.microtask.setup import Bench, bench, half_done
from bench.world import cheap_passwords
from crowdgraph.core.actor import Actor
from crowdgraph.core.models import WorkerProfile
from crowdgraph.plugins.microtask import work
from crowdgraph.plugins.microtask.models import Assignment, Batch, Scheduling, Task

CLAIMS = 800
"""Claims measured in each batch: a quarter for each scheduling and kind of worker."""
REFERENCE = 10_000
"""Tasks of the batch each size is measured next to."""
CROWD = 500
"""Workers who answered the done half; the first ``REGULARS`` of them are measured."""
REGULARS = 2
FRESH = 2
SKIPPED = 50
"""Open tasks at the front that the regulars answered (or released): a claim must pass them by."""


class _Undo(Exception):
    """Rolls back a measured statement."""


async def take_rolled_back(
    batch: Batch, worker: WorkerProfile, explain: str = ""
) -> tuple[list[Any], float]:
    """Run the take statement (or ``explain`` it) in a transaction rolled back: rows and milliseconds."""
    found: tuple[list[Any], float] = ([], 0.0)
    try:
        async with in_transaction() as connection:
            statement = work.take_statement(connection.capabilities.dialect, batch.scheduling)
            began = time.perf_counter()
            _, rows = await connection.execute_query(
                f"{explain} {statement}", [batch.id, False, worker.id]
            )
            found = (list(rows), (time.perf_counter() - began) * 1000)
            raise _Undo
    except _Undo:
        pass
    return found


async def plan(batch: Batch, worker: WorkerProfile) -> str:
    """The take statement's plan for these values (PostgreSQL runs it, then rolls back)."""
    if Task._meta.db.capabilities.dialect == "postgres":
        rows, _ = await take_rolled_back(batch, worker, "EXPLAIN (ANALYZE, BUFFERS)")
        return "\n".join(row["QUERY PLAN"] for row in rows)
    rows, _ = await take_rolled_back(batch, worker, "EXPLAIN QUERY PLAN")
    return "\n".join(row["detail"] for row in rows)


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(int(len(ordered) * share), len(ordered) - 1)], 2)


def paired_ratio(measured: Sequence[float], reference: Sequence[float]) -> float:
    """The median ratio of each claim to its twin: steadier than a ratio of medians when the
    machine's other load makes latencies bimodal."""
    return percentile([m / r for m, r in zip(measured, reference, strict=True)], 0.5)


@dataclass
class Side:
    """One half-done batch being measured, and what its claims took (ms)."""

    bench: Bench
    workers: dict[str, Sequence[Actor]]
    claimed: list[float] = field(default_factory=list)
    statements: list[float] = field(default_factory=list)

    async def claim(self, kind: str, i: int) -> None:
        """Time the take statement alone (rolled back), then the whole claim service."""
        actor = self.workers[kind][i % len(self.workers[kind])]
        with self.bench.platform.activate():
            rows, ms = await take_rolled_back(self.bench.batch, await actor.require_worker())
            assert rows, "the bench batch ran out of tasks"
            self.statements.append(ms)
            began = time.perf_counter()
            assert await work.claim_next(actor, self.bench.batch.id) is not None
            self.claimed.append((time.perf_counter() - began) * 1000)

    async def schedule(self, scheduling: Scheduling) -> None:
        with self.bench.platform.activate():
            await Batch.filter(id=self.bench.batch.id).update(scheduling=scheduling)
            await self.bench.batch.refresh_from_db()

    def figures(self) -> tuple[float, float, float]:
        """Median claim, p95 claim and median statement since the last call; then starts afresh."""
        found = (
            percentile(self.claimed, 0.5),
            percentile(self.claimed, 0.95),
            percentile(self.statements, 0.5),
        )
        self.claimed, self.statements = [], []
        return found


@contextlib.asynccontextmanager
async def half_done_batch(tasks: int, postgres: str | None) -> AsyncIterator[Side]:
    """A batch of ``tasks`` tasks whose front half is done, on a database of its own."""
    async with bench(tasks=tasks, workers=CROWD + FRESH, postgres=postgres) as b:
        profiles = [await actor.require_worker() for actor in b.workers]
        await half_done(b.batch, profiles[:CROWD], profiles[:REGULARS], SKIPPED)
        assert await Task.filter(batch_id=b.batch.id).count() == tasks
        assert await Assignment.filter(batch_id=b.batch.id).count() == (
            tasks // 2 * b.batch.overlap + SKIPPED * REGULARS
        )
        connection = Task._meta.db
        # Settle the bulk load as a running server would have long since: stats and visibility map
        # (autovacuum), and its pages written out, so the claims measured don't wait on its writes.
        if postgres:
            await connection.execute_script("VACUUM ANALYZE microtask_task, microtask_assignment")
            await connection.execute_script("CHECKPOINT")
        else:
            await connection.execute_script("PRAGMA wal_checkpoint(TRUNCATE)")
        yield Side(b, {"regular": b.workers[:REGULARS], "fresh": b.workers[CROWD:]})


async def measure(tasks: int, show_plans: bool = False) -> dict[str, Any]:
    """Claim latency in a batch of ``tasks`` tasks whose front half is done, with its assignments,
    claim for claim next to a batch of ``REFERENCE`` tasks built the same way."""
    started = time.perf_counter()
    postgres = os.environ.get("BENCH_POSTGRES_URL")
    async with (
        half_done_batch(REFERENCE, postgres) as reference,
        half_done_batch(tasks, postgres) as measured,
    ):
        setup = time.perf_counter() - started
        found: list[dict[str, Any]] = []
        every: list[float] = []
        for scheduling in Scheduling:
            for side in (reference, measured):
                await side.schedule(scheduling)
            for kind in measured.workers:
                if show_plans:
                    with measured.bench.platform.activate():
                        worker = await measured.workers[kind][0].require_worker()
                        shown = await plan(measured.bench.batch, worker)
                    print(f"-- {tasks:,} tasks, {scheduling.value}, {kind} worker\n{shown}\n")
                for i in range(CLAIMS // 4):
                    # Each claim next to its twin, in turns, so what else the machine runs weighs
                    # on both sizes alike.
                    pair = (reference, measured) if i % 2 else (measured, reference)
                    for side in pair:
                        await side.claim(kind, i)
                every += measured.claimed
                ratio = paired_ratio(measured.claimed, reference.claimed)
                statement_ratio = paired_ratio(measured.statements, reference.statements)
                median, p95, statement = measured.figures()
                at_reference, _, reference_statement = reference.figures()
                found.append(
                    {
                        "scheduling": scheduling.value,
                        "worker": kind,
                        "median_ms": median,
                        "p95_ms": p95,
                        "statement_median_ms": statement,
                        "reference_median_ms": at_reference,
                        "reference_statement_median_ms": reference_statement,
                        "ratio": ratio,
                        "statement_ratio": statement_ratio,
                    }
                )
    return {
        "engine": "postgres" if postgres else "sqlite",
        "tasks": tasks,
        "reference_tasks": REFERENCE,
        "setup_s": round(setup, 1),
        "claims": CLAIMS,
        "median_ms": percentile(every, 0.5),
        "p95_ms": percentile(every, 0.95),
        "series": found,
    }


def table(sizes: list[dict[str, Any]]) -> str:
    """One row per size, scheduling and kind of worker, next to the reference batch's claims."""
    lines = [
        "| tasks | engine | scheduling | worker | p50 claim ms | at 10k | paired ratio "
        "| p50 statement ms | at 10k | paired ratio |",
        "|---:|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for size in sizes:
        for s in size["series"]:
            lines.append(
                f"| {size['tasks']:,} | {size['engine']} | {s['scheduling']} | {s['worker']} "
                f"| {s['median_ms']:.2f} | {s['reference_median_ms']:.2f} "
                f"| {s['ratio']:.2f} "
                f"| {s['statement_median_ms']:.2f} | {s['reference_statement_median_ms']:.2f} "
                f"| {s['statement_ratio']:.2f} |"
            )
    return "\n".join(lines)


async def main(counts: list[int], show_plans: bool) -> None:
    sizes = []
    with cheap_passwords():  # setup creates many accounts; their hashing is not what is measured
        for count in counts:
            sizes.append(await measure(count, show_plans))
            print(f"measured {count:,} tasks (setup {sizes[-1]['setup_s']} s)", flush=True)
    print(table(sizes))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.microtask.claim_latency")
    parser.add_argument("counts", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--explain", action="store_true", help="print each take statement's plan")
    args = parser.parse_args()
    asyncio.run(main(args.counts, args.explain))
