"""Accuracy and time of each aggregator on the truth-inference datasets (read in place, never copied).

python -m bench.microtask.aggregation_accuracy [DATASETS_DIR]
"""

from __future__ import annotations

import csv
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from crowdgraph.plugins.microtask.aggregation import BUILTIN, NUMERIC, Aggregator, Vote

DATASETS = Path("/work/shared/datasets/truth-inference")
CATEGORICAL_SETS = ("duck", "product", "dog", "face")
NUMERIC_SETS = ("emotion",)
REFERENCE = {  # crowd-kit 1.4.2, from the datasets' README
    "duck": {"majority": 0.759, "dawid_skene": 0.889},
    "product": {"majority": 0.897, "dawid_skene": 0.940},
    "dog": {"majority": 0.812, "dawid_skene": 0.843},
    "face": {"majority": 0.634, "dawid_skene": 0.640},
    "emotion": {"mean": 12.0, "median": 13.5},
}


def load(folder: Path, numeric: bool) -> tuple[list[Vote], dict[int, float | str]]:
    ids: dict[str, int] = {}

    def key(name: str, table: dict[str, int]) -> int:
        return table.setdefault(name, len(table) + 1)

    workers: dict[str, int] = {}
    with (folder / "answer.csv").open() as f:
        votes = [
            Vote(
                key(r["question"], ids),
                key(r["worker"], workers),
                float(r["answer"]) if numeric else r["answer"],
            )
            for r in csv.DictReader(f)
        ]
    with (folder / "truth.csv").open() as f:
        truth = {
            key(r["question"], ids): float(r["truth"]) if numeric else r["truth"]
            for r in csv.DictReader(f)
        }
    return votes, truth


def score(
    aggregator: Aggregator, votes: list[Vote], truth: dict[int, float | str]
) -> tuple[float, float]:
    started = time.perf_counter()
    result = aggregator.aggregate(votes, {})
    elapsed = time.perf_counter() - started
    judged = [t for t in truth if t in result]
    if aggregator.kind == NUMERIC:
        figure = statistics.fmean(abs(float(result[t].value) - float(truth[t])) for t in judged)
    else:
        figure = sum(result[t].value == truth[t] for t in judged) / len(judged)
    return figure, elapsed


def results(root: Path) -> list[dict[str, Any]]:
    """Each aggregator's figure (accuracy, or MAE on numeric sets) and seconds on each dataset."""
    found = []
    for name in (*CATEGORICAL_SETS, *NUMERIC_SETS):
        numeric = name in NUMERIC_SETS
        votes, truth = load(root / name, numeric)
        for aggregator in BUILTIN:
            if (aggregator.kind == NUMERIC) != numeric:
                continue
            figure, elapsed = score(aggregator, votes, truth)
            reference = REFERENCE[name].get(aggregator.name)
            worse = reference is not None and (
                figure > reference + 0.05 if numeric else figure < reference - 0.0015
            )
            found.append(
                {
                    "dataset": name,
                    "aggregator": aggregator.name,
                    "measure": "MAE" if numeric else "accuracy",
                    "figure": round(figure, 4),
                    "crowd_kit": reference,
                    "seconds": round(elapsed, 3),
                    "worse_than_reference": worse,
                }
            )
    return found


def main(root: Path) -> int:
    print(f"{'dataset':<9} {'aggregator':<12} {'figure':>8} {'crowd-kit':>10} {'seconds':>8}")
    rows = results(root)
    for row in rows:
        label = "MAE" if row["measure"] == "MAE" else "acc"
        reference = row["crowd_kit"]
        ref = f"{reference:.3f}" if reference is not None else "-"
        print(
            f"{row['dataset']:<9} {row['aggregator']:<12} {label} {row['figure']:.3f} {ref:>10} {row['seconds']:8.2f}"
        )
    return 1 if any(row["worse_than_reference"] for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else DATASETS))
