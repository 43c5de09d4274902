"""The suite's figures as a markdown report and PNG plots (plots need matplotlib: the bench extra)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


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
            f"## Key operations: GraphQL next to a bare Starlette endpoint "
            f"({found['requests']} sequential requests each, {found['rows']} rows per list)",
            "",
        ]
        lines += _table(
            [
                "operation",
                "GraphQL /s",
                "p50 ms",
                "p99 ms",
                "CPU ms",
                "SQL",
                "full GC (max ms)",
                "baseline /s",
                "p50 ms",
                "p99 ms",
                "CPU ms",
                "SQL",
                "p50 ratio",
                "CPU ratio",
                "same JSON",
            ],
            [
                [
                    o["operation"],
                    o["graphql"]["per_second"],
                    o["graphql"]["p50_ms"],
                    o["graphql"]["p99_ms"],
                    o["graphql"]["cpu_ms"],
                    o["graphql"]["statements"],
                    f"{o['graphql']['full_gc_passes']} ({o['graphql']['full_gc_max_ms']})",
                    o["baseline"]["per_second"],
                    o["baseline"]["p50_ms"],
                    o["baseline"]["p99_ms"],
                    o["baseline"]["cpu_ms"],
                    o["baseline"]["statements"],
                    o["p50_ratio"],
                    o["cpu_ratio"],
                    {True: "yes", False: "**no**", None: "shape only"}[o["same_json"]],
                ]
                for o in found["operations"]
            ],
        )
    if "growth" in figures:
        found = figures["growth"]
        lines += [f"## Claim latency as the batch grows ({found['claims']} claims each)", ""]
        lines += _table(
            ["tasks", "setup s", "median ms", "p95 ms"],
            [
                [f"{s['tasks']:,}", s["setup_s"], s["median_ms"], s["p95_ms"]]
                for s in found["sizes"]
            ],
        )
    if "accuracy" in figures:
        found = figures["accuracy"]
        lines += [f"## Aggregation against `{found['datasets']}`", ""]
        lines += _table(
            ["dataset", "aggregator", "measure", "figure", "crowd-kit", "seconds"],
            [
                [
                    r["dataset"],
                    r["aggregator"],
                    r["measure"],
                    r["figure"],
                    r["crowd_kit"] if r["crowd_kit"] is not None else "-",
                    r["seconds"],
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
        for offset, side in ((-0.2, "graphql"), (0.2, "baseline")):
            ax.bar(
                [p + offset for p in positions],
                [o[side]["p50_ms"] for o in found],
                width=0.4,
                yerr=[[0] * len(found), [o[side]["p99_ms"] - o[side]["p50_ms"] for o in found]],
                label=side,
            )
        ax.set_xticks(list(positions), names)
        ax.set_ylabel("ms (bar p50, whisker p99)")
        ax.set_title("Key operations: GraphQL and the bare Starlette baseline")
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
