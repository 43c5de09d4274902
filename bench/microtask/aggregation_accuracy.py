"""Accuracy and speed of each aggregator on the truth-inference datasets, next to crowd-kit and pandas.

    python -m bench.microtask.aggregation_accuracy DATASETS_DIR    (or set BENCH_DATASETS)

The datasets are the real crowd answers collected for "Truth Inference in Crowdsourcing: Is the
Problem Solved?" (Zheng, Li, Li, Shan, Cheng; PVLDB 10(5), 2017), public in the repository
https://github.com/zhydhkcws/crowd_truth_infer (folder ``datasets/``). They are read in place,
never copied. DATASETS_DIR holds one folder per dataset, named as the keys of ``SOURCES``, each
with ``answer.csv`` (question,worker,answer) and ``truth.csv`` (question,truth).

With crowd-kit installed (``pip install -e '.[crowdkit]'``), crowd-kit's MajorityVote (plain, and
with the same worker weights as our ``weighted``) and DawidSkene(n_iter=100) run in this process,
as do pandas group-by mean and median for the numeric dataset. Each side starts from its usual
input, already in memory: ours from a list of votes, theirs from the DataFrame ``pandas.read_csv``
gives. The two sides run in turn, and each one's best run counts. Without crowd-kit (or pandas for
the numeric dataset) the figures published with the datasets stand in, marked ``published``.

``weighted`` needs gold accuracies: every tenth question of ``truth.csv`` serves as gold, and a
worker's accuracy on those questions sets their weight (``vote_weight``) on both sides. Its
accuracy is shown but not judged: crowd-kit divides each task's weighted votes by their sum, so
on a task whose weights sum below zero (workers with gold accuracy under 0.5) its ranking is
reversed, and the two differ on exactly those tasks. Majority vote gives a tie to the answer given
first in the task, crowd-kit to the smallest label: the two differ on tied tasks only. The pandas
side is a bare group-by: it computes no confidence and returns a Series, not estimates.

Exits with 1 when an aggregator is less accurate or slower than what it is compared with.
"""

from __future__ import annotations

import csv
import gc
import os
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

from crowdgraph.plugins.microtask.aggregation import (
    BUILTIN,
    DEFAULT_ACCURACY,
    NUMERIC,
    Aggregator,
    Estimate,
    Vote,
    vote_weight,
)

ENVIRONMENT = "BENCH_DATASETS"
SOURCES = {  # our folder name -> its folder in crowd_truth_infer/datasets
    "duck": "d_Duck Identification",
    "product": "d_jn-product",
    "dog": "s4_Dog data",
    "face": "s4_Face Sentiment Identification",
    "emotion": "f201_Emotion_FULL",
}
NUMERIC_SETS = ("emotion",)
GOLD_EVERY = 10
PUBLISHED = {  # crowd-kit 1.4.2 (Dawid-Skene with 100 iterations), from the datasets' README
    "duck": {"majority": 0.759, "dawid_skene": 0.889},
    "product": {"majority": 0.897, "dawid_skene": 0.940},
    "dog": {"majority": 0.812, "dawid_skene": 0.843},
    "face": {"majority": 0.634, "dawid_skene": 0.640},
    "emotion": {"mean": 12.0, "median": 13.5},
}
ACCURACY_SLACK = 0.001
"""How far below the reference an accuracy may fall (the published figures have three places)."""
MAE_SLACK = 0.05
RUN_SECONDS = 1.0
"""Each pair of sides runs until about this long has passed (at least 3 rounds, at most 50)."""


def datasets_folder(argv: list[str] | None = None) -> Path:
    """The datasets folder: the first argument if given, else the BENCH_DATASETS variable."""
    named = argv[0] if argv else os.environ.get(ENVIRONMENT, "")
    if not named:
        raise SystemExit(
            f"name the truth-inference datasets folder as the argument or in {ENVIRONMENT}: "
            "datasets/ of https://github.com/zhydhkcws/crowd_truth_infer, with its folders "
            f"renamed {', '.join(f'{original!r} -> {ours}' for ours, original in SOURCES.items())}"
        )
    root = Path(named)
    missing = [name for name in SOURCES if not (root / name / "answer.csv").is_file()]
    if missing:
        raise SystemExit(f"{root}: no answer.csv in {', '.join(missing)}")
    return root


@dataclass
class Dataset:
    """One dataset, loaded for our side: votes and truth by our task ids."""

    name: str
    numeric: bool
    votes: list[Vote]
    truth: dict[int, Any]
    gold_accuracy: dict[int, float]
    """Worker id -> accuracy on the gold questions."""
    worker_ids: dict[str, int]
    """Worker name in answer.csv -> our worker id."""


def _number(table: dict[str, int], name: str) -> int:
    return table.setdefault(name, len(table) + 1)


def load(root: Path, name: str) -> Dataset:
    """Votes as the service builds them: labels as strings, numbers as floats."""
    numeric = name in NUMERIC_SETS
    cast: Callable[[str], Any] = float if numeric else str
    tasks: dict[str, int] = {}
    workers: dict[str, int] = {}
    with (root / name / "answer.csv").open() as f:
        votes = [
            Vote(_number(tasks, r["question"]), _number(workers, r["worker"]), cast(r["answer"]))
            for r in csv.DictReader(f)
        ]
    with (root / name / "truth.csv").open() as f:
        truth = {_number(tasks, r["question"]): cast(r["truth"]) for r in csv.DictReader(f)}
    gold = set(list(truth)[::GOLD_EVERY])
    marks: dict[int, list[bool]] = defaultdict(list)
    for vote in votes:
        if vote.task_id in gold:
            marks[vote.worker_id].append(vote.value == truth[vote.task_id])
    gold_accuracy = {worker: sum(m) / len(m) for worker, m in marks.items()}
    return Dataset(name, numeric, votes, truth, gold_accuracy, workers)


def figure(numeric: bool, answers: Any, truth: dict[Any, Any]) -> float:
    """Accuracy on the questions with a known truth, or the mean absolute error for numbers.

    ``answers`` maps question -> answer: a dict (ours) or a pandas Series (theirs).
    """
    judged = [t for t in truth if t in answers]
    if numeric:
        return statistics.fmean(abs(float(answers[t]) - float(truth[t])) for t in judged)
    return sum(answers[t] == truth[t] for t in judged) / len(judged)


@dataclass
class Reference:
    """What one of our aggregators is compared with: a run in this process, or a published figure."""

    label: str
    run: Callable[[], Any] | None = None
    """Returns question -> answer (a pandas Series), to compare with ``truth``."""
    truth: dict[Any, Any] = field(default_factory=dict)
    published: float | None = None
    judged: bool = True
    """Whether our figure must match this one (not when the methods differ by design)."""


def references(root: Path, dataset: Dataset) -> dict[str, Reference]:
    """Aggregator name -> crowd-kit or pandas on the same answers, or the published figure."""
    published = {
        aggregator: Reference("published (datasets' README, crowd-kit 1.4.2)", published=value)
        for aggregator, value in PUBLISHED[dataset.name].items()
    }
    try:
        import pandas as pd
    except ImportError:
        return published
    folder = root / dataset.name
    frame = pd.read_csv(folder / "answer.csv")
    truth = pd.read_csv(folder / "truth.csv").set_index("question")["truth"].to_dict()
    if dataset.numeric:
        by_question = f"pandas {pd.__version__} group-by"
        return {
            "mean": Reference(
                f"{by_question} mean", lambda: frame.groupby("question")["answer"].mean(), truth
            ),
            "median": Reference(
                f"{by_question} median", lambda: frame.groupby("question")["answer"].median(), truth
            ),
        }
    try:
        from crowdkit.aggregation import DawidSkene, MajorityVote
    except ImportError:
        return published
    answers = frame.rename(columns={"question": "task", "answer": "label"})
    skills = pd.Series(
        {
            worker: vote_weight(
                dataset.gold_accuracy.get(dataset.worker_ids[str(worker)], DEFAULT_ACCURACY)
            )
            for worker in answers["worker"].unique()
        }
    )

    def crowd_kit(method: str, model: Any, judged: bool = True, **extra: Any) -> Reference:
        label = f"crowd-kit {version('crowd-kit')} {method}"
        return Reference(label, lambda: model.fit_predict(answers, **extra), truth, None, judged)

    return {
        "majority": crowd_kit("MajorityVote", MajorityVote()),
        "weighted": crowd_kit(
            "MajorityVote(skills), speed only", MajorityVote(), False, skills=skills
        ),
        "dawid_skene": crowd_kit("DawidSkene(n_iter=100)", DawidSkene(n_iter=100)),
    }


def best_seconds(runs: list[Callable[[], Any]]) -> list[float]:
    """Each function's best time; they run in turn, so every side sees the same machine load."""
    best = [float("inf")] * len(runs)
    rounds = 0
    started = time.perf_counter()
    gc.collect()
    gc.disable()
    try:
        while rounds < 3 or (rounds < 50 and time.perf_counter() - started < RUN_SECONDS):
            for i, run in enumerate(runs):
                begun = time.perf_counter()
                run()
                best[i] = min(best[i], time.perf_counter() - begun)
            rounds += 1
    finally:
        gc.enable()
    return best


def results(root: Path) -> list[dict[str, Any]]:
    """Per dataset and aggregator: our figure (accuracy, or MAE) and seconds, and the reference's.

    ``crowd_kit`` holds the reference's figure (crowd-kit's, pandas', or the published one).
    """
    found = []
    for name in SOURCES:
        dataset = load(root, name)
        compared = references(root, dataset)
        for aggregator in BUILTIN:
            if (aggregator.kind == NUMERIC) != dataset.numeric:
                continue
            reference = compared.get(aggregator.name, Reference("-"))
            found.append(_compare(dataset, aggregator, reference))
    return found


def _compare(dataset: Dataset, aggregator: Aggregator, reference: Reference) -> dict[str, Any]:
    def ours() -> dict[int, Estimate]:
        return aggregator.aggregate(dataset.votes, dataset.gold_accuracy)

    answers = {task: estimate.value for task, estimate in ours().items()}
    figure_ours = figure(dataset.numeric, answers, dataset.truth)
    theirs, seconds_theirs, ratio = reference.published, None, None
    if reference.run is not None:
        theirs = figure(dataset.numeric, reference.run(), reference.truth)
        seconds, seconds_theirs = best_seconds([ours, reference.run])
        ratio = round(seconds / seconds_theirs, 3)
    else:
        (seconds,) = best_seconds([ours])
    if theirs is None or not reference.judged:
        worse = False
    elif dataset.numeric:
        worse = figure_ours > theirs + MAE_SLACK
    else:
        worse = figure_ours < theirs - ACCURACY_SLACK
    return {
        "dataset": dataset.name,
        "aggregator": aggregator.name,
        "measure": "MAE" if dataset.numeric else "accuracy",
        "figure": round(figure_ours, 4),
        "seconds": round(seconds, 6),
        "reference": reference.label,
        "crowd_kit": None if theirs is None else round(theirs, 4),
        "reference_seconds": None if seconds_theirs is None else round(seconds_theirs, 6),
        "time_ratio": ratio,
        "worse_than_reference": worse,
        "slower_than_reference": ratio is not None and ratio > 1,
    }


LINE = "{dataset:<8} {aggregator:<12} {measure:<8} {ours:>8} {theirs:>8} {ours_ms:>9} {theirs_ms:>9} {ratio:>6}  {reference}"


def _line(row: dict[str, Any]) -> str:
    def number(value: float | None, scale: float, places: int) -> str:
        return "-" if value is None else f"{value * scale:.{places}f}"

    return LINE.format(
        dataset=row["dataset"],
        aggregator=row["aggregator"],
        measure=row["measure"],
        ours=number(row["figure"], 1, 4),
        theirs=number(row["crowd_kit"], 1, 4),
        ours_ms=number(row["seconds"], 1000, 2),
        theirs_ms=number(row["reference_seconds"], 1000, 2),
        ratio=number(row["time_ratio"], 1, 2),
        reference=row["reference"],
    )


def main(argv: list[str]) -> int:
    """Print the table; exit 1 when an aggregator is less accurate or slower than its reference."""
    rows = results(datasets_folder(argv))
    print(
        LINE.format(
            dataset="dataset",
            aggregator="aggregator",
            measure="measure",
            ours="ours",
            theirs="theirs",
            ours_ms="ours ms",
            theirs_ms="theirs ms",
            ratio="ratio",
            reference="reference (ratio: our time / theirs)",
        )
    )
    for row in rows:
        print(_line(row))
    failed = [r for r in rows if r["worse_than_reference"] or r["slower_than_reference"]]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
