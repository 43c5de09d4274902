"""The suite's figures as a markdown report and PNG plots (plots need matplotlib: the bench extra)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.microtask import claim_latency


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in rows]
    return [*lines, ""]


def markdown(figures: dict[str, Any], notes: list[str]) -> str:
    lines = [
        f"# Benchmark results ({figures['mode']} mode, {figures['engine']})",
        "",
        f"Run {figures['started']} on {figures['machine']}, Python {figures['python']}; "
        + ", ".join(f"{name} {seconds} s" for name, seconds in figures["seconds"].items())
        + ".",
        "",
    ]
    if "statements" in figures:
        found = figures["statements"]
        lines += ["## SQL statements per list read (`first: 100`)", ""]
        lines += _table(
            ["list", "caller", "rows", "statements at 10", "statements at 100", "same", "left out"],
            [
                [
                    f"`{e['list']}`",
                    e["caller"],
                    f"{e['rows_10']} / {e['rows_100']}",
                    e["statements_10"],
                    e["statements_100"],
                    "yes" if e["constant"] else "**no**",
                    ", ".join(e["left_out"]),
                ]
                for e in found["lists"]
            ],
        )
        if found["not_measured"]:
            lines += ["Not measured:", ""]
            lines += [f"- `{e['list']}`: {e['reason']}" for e in found["not_measured"]]
            lines += [""]
    if "operations" in figures:
        found = figures["operations"]
        lines += [
            "## Key operations over HTTP: GraphQL server next to its raw twin",
            "",
            f"Each server in its own uvicorn process, the load from a third; rounds A B B A of at most "
            f"{found['count']} operations over {found['concurrency']} connections (at most "
            f"{found['seconds']} s each), {found['rows']} rows per list. CPU is the server process's "
            f"own (/proc), per operation; round trips counted at the database by "
            f"{found['round_trips_at']}, one operation at a time. Ratios are GraphQL / raw.",
            "",
        ]
        lines += _table(
            [
                "operation",
                "same body",
                "GraphQL op/s",
                "raw op/s",
                "throughput",
                "GraphQL CPU ms",
                "raw CPU ms",
                "CPU",
                "GraphQL p50 / p99 ms",
                "raw p50 / p99 ms",
                "p50",
                "p99",
                "round trips (messages)",
                "round trips",
            ],
            [
                [
                    o["operation"],
                    "yes" if o["same_body"] else "**no**",
                    o["graphql"]["per_second"],
                    o["raw"]["per_second"],
                    o["throughput_ratio"],
                    o["graphql"]["cpu_ms"],
                    o["raw"]["cpu_ms"],
                    o["cpu_ratio"],
                    f"{o['graphql']['p50_ms']} / {o['graphql']['p99_ms']}",
                    f"{o['raw']['p50_ms']} / {o['raw']['p99_ms']}",
                    o["p50_ratio"],
                    o["p99_ratio"],
                    f"{o['graphql']['round_trips']} ({o['graphql']['messages']}) / "
                    f"{o['raw']['round_trips']} ({o['raw']['messages']})",
                    o["round_trip_ratio"],
                ]
                for o in found["operations"]
            ],
        )
    if "growth" in figures:
        found = figures["growth"]
        lines += [
            f"## Claim latency as the batch grows ({found['claims']} claims each, "
            "each batch half done with its assignments)",
            "",
        ]
        lines += _table(
            ["tasks", "setup s", "median ms", "p95 ms"],
            [
                [f"{s['tasks']:,}", s["setup_s"], s["median_ms"], s["p95_ms"]]
                for s in found["sizes"]
            ],
        )
        if found["sizes"] and "series" in found["sizes"][0]:
            lines += [claim_latency.table(found["sizes"]), ""]
    if "accuracy" in figures:
        found = figures["accuracy"]
        lines += [
            "## Aggregation on the truth-inference datasets (Zheng et al., PVLDB 10(5), 2017)",
            "",
        ]
        if found.get("skipped"):
            lines += [f"Skipped: {found['skipped']}", ""]
        lines += _table(
            [
                "dataset",
                "aggregator",
                "measure",
                "figure",
                "reference",
                "its figure",
                "seconds",
                "its seconds",
                "time ratio",
            ],
            [
                [
                    r["dataset"],
                    r["aggregator"],
                    r["measure"],
                    r["figure"],
                    r.get("reference", "crowd-kit"),
                    r["crowd_kit"] if r["crowd_kit"] is not None else "-",
                    r["seconds"],
                    r.get("reference_seconds") or "-",
                    r.get("time_ratio") or "-",
                ]
                for r in found["results"]
            ],
        )
    if notes:
        lines += ["## Plots", ""] + [f"- {note}" for note in notes] + [""]
    return "\n".join(lines)


def plots(figures: dict[str, Any], out: Path) -> list[str]:
    """Draw what reads better as a picture; returns a note per plot (or why there is none)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return ["no plots: matplotlib is not installed (pip install -e '.[bench]')"]
    notes = []
    if "operations" in figures:
        found = figures["operations"]["operations"]
        names = [o["operation"] for o in found]
        fig, ax = plt.subplots(figsize=(7, 3.5))
        positions = range(len(names))
        for offset, side in ((-0.2, "graphql"), (0.2, "raw")):
            ax.bar(
                [p + offset for p in positions],
                [o[side]["p50_ms"] for o in found],
                width=0.4,
                yerr=[[0] * len(found), [o[side]["p99_ms"] - o[side]["p50_ms"] for o in found]],
                label=side,
            )
        ax.set_xticks(list(positions), names, rotation=30, ha="right", fontsize=7)
        ax.set_ylabel("ms (bar p50, whisker p99)")
        ax.set_title("Key operations over HTTP: GraphQL and its raw twin")
        ax.legend()
        fig.tight_layout()
        fig.savefig(out / "operations.png", dpi=120)
        plt.close(fig)
        notes.append("![operations](operations.png) latency of the key operations")
    if "growth" in figures:
        sizes = figures["growth"]["sizes"]
        fig, ax = plt.subplots(figsize=(6, 3.5))
        tasks = [s["tasks"] for s in sizes]
        ax.plot(tasks, [s["median_ms"] for s in sizes], marker="o", label="median")
        ax.plot(tasks, [s["p95_ms"] for s in sizes], marker="o", label="p95")
        ax.set_xscale("log")
        ax.set_xlabel("tasks in the batch")
        ax.set_ylabel("claim latency, ms")
        ax.set_ylim(bottom=0)
        ax.legend()
        ax.set_title("Claim latency as the batch grows")
        fig.tight_layout()
        fig.savefig(out / "growth.png", dpi=120)
        plt.close(fig)
        notes.append("![growth](growth.png) claim latency as the batch grows")
    return notes
