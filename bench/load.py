"""The load generator: a process of its own that drives one server with N concurrent connections.

    python -m bench.load PARAMS_JSON     (then one JSON command per line on stdin)

Each command names the server, the side (``graphql`` or ``raw``), the operation, how many to send
at most, over how many connections, for how long at most, and the first ``i``; the answer (one JSON
line) says how many completed, in how long, and their p50/p99 latency.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.scenarios import BY_NAME, Http, Params


def percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0.0


async def drive(params: Params, command: dict[str, Any]) -> dict[str, Any]:
    operation = BY_NAME[command["operation"]]
    step = operation.graphql if command["side"] == "graphql" else operation.raw
    where = urlsplit(command["base"])
    count, offset = command["count"], command["offset"]
    deadline = time.perf_counter() + command["seconds"]
    latencies: list[float] = []
    issued = 0

    async def connection() -> None:
        nonlocal issued
        http = Http(where.hostname or "127.0.0.1", where.port or 80)
        try:
            while issued < count and time.perf_counter() < deadline:
                i = offset + issued
                issued += 1
                began = time.perf_counter()
                await step(http, params, i)
                latencies.append(time.perf_counter() - began)
        finally:
            await http.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(command["concurrency"])))
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "done": len(ordered),
        "seconds": elapsed,
        "p50_ms": percentile(ordered, 0.5) * 1000,
        "p99_ms": percentile(ordered, 0.99) * 1000,
    }


async def serve(params: Params) -> None:
    loop = asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        try:
            answer = await drive(params, json.loads(line))
        except Exception as exc:  # reported to the suite, which stops the run with it
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(answer), flush=True)


def client_command(params: Params, folder: Path) -> list[str]:
    """The command line that starts a load generator for ``params``."""
    path = folder / "params.json"
    path.write_text(json.dumps(asdict(params)))
    return [sys.executable, "-m", "bench.load", str(path)]


if __name__ == "__main__":
    asyncio.run(serve(Params(**json.loads(Path(sys.argv[1]).read_text()))))
