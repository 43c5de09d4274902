"""The benchmark suite: ``python -m bench [--quick] [--only NAME] [--out DIR]``.

Each benchmark is a function returning a dict of figures; the suite writes them all to
``results.json`` and ``results.md`` in the output folder, and PNG plots when matplotlib is installed
(``pip install -e '.[bench]'``). Runs on a temporary SQLite database, or on a new database of the
PostgreSQL server named by BENCH_POSTGRES_URL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import report, statements, twin
from bench.microtask import aggregation_accuracy, claim_latency
from bench.world import cheap_passwords

Benchmark = Callable[[bool], Awaitable[dict[str, Any]]]


async def growth(quick: bool) -> dict[str, Any]:
    """Claim latency as the batch grows (the front half of each batch already full)."""
    counts = [10_000, 100_000] if quick else [10_000, 100_000, 1_000_000]
    with cheap_passwords():  # setup creates many accounts; their hashing is not what is measured
        sizes = [await claim_latency.measure(count) for count in counts]
    return {"claims": claim_latency.CLAIMS, "sizes": sizes}


async def accuracy(quick: bool) -> dict[str, Any]:
    """Every aggregator on the truth-inference datasets, next to its reference (crowd-kit, pandas or
    the published figure); the datasets folder comes from BENCH_DATASETS (skipped without it)."""
    named = os.environ.get(aggregation_accuracy.ENVIRONMENT, "")
    try:
        root = aggregation_accuracy.datasets_folder([named] if named else [])
    except SystemExit as problem:
        return {"datasets": named, "skipped": str(problem), "results": []}
    return {"datasets": str(root), "results": aggregation_accuracy.results(root)}


BENCHMARKS: dict[str, Benchmark] = {
    "statements": statements.run,
    "operations": twin.run,
    "growth": growth,
    "accuracy": accuracy,
}


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, about a minute")
    parser.add_argument("--only", choices=sorted(BENCHMARKS), action="append", help="run only NAME")
    parser.add_argument("--out", type=Path, default=Path("bench/results"), help="output folder")
    parser.add_argument(
        "--docs",
        type=Path,
        help="also write the report to DOCS/latest-<engine>.md (e.g. --docs docs/benchmarks)",
    )
    parser.add_argument(
        "--report",
        type=Path,
        metavar="RESULTS_JSON",
        help="run nothing: write the reports again from a run's results.json",
    )
    return parser.parse_args(argv)


async def run_all(names: list[str], quick: bool) -> dict[str, Any]:
    found: dict[str, Any] = {
        "mode": "quick" if quick else "full",
        "engine": "postgres" if os.environ.get("BENCH_POSTGRES_URL") else "sqlite",
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": {},
    }
    for name in names:
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        found[name] = await BENCHMARKS[name](quick)
        found["seconds"][name] = round(time.perf_counter() - started, 1)
        print(f"bench: {name} done in {found['seconds'][name]} s", file=sys.stderr, flush=True)
    return found


def plain(value: Any) -> Any:
    """numpy's scalars (in figures computed with crowd-kit or pandas) as Python's."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not a figure")


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    names = args.only or list(BENCHMARKS)
    if args.report:
        figures = json.loads(args.report.read_text())
    else:
        figures = asyncio.run(run_all(names, args.quick))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(figures, indent=2, default=plain) + "\n")
    notes = report.plots(figures, args.out)
    markdown = report.markdown(figures, notes)
    (args.out / "results.md").write_text(markdown)
    if args.docs:
        args.docs.mkdir(parents=True, exist_ok=True)
        page = args.docs / f"latest-{figures['engine']}.md"
        page.write_text(report.markdown(figures, []))
        print(f"bench: wrote {page}", file=sys.stderr)
    print(markdown)
    print(
        f"bench: wrote {args.out / 'results.json'} and {args.out / 'results.md'}", file=sys.stderr
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
