"""``crowdgraph microtask import|export``: tasks in from CSV or JSON Lines, results and answers out."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from crowdgraph.core.errors import InvalidInput
from crowdgraph.plugins.microtask.batches import insert_tasks, parse_task
from crowdgraph.plugins.microtask.config import Config
from crowdgraph.plugins.microtask.models import Assignment, Batch, Task
from crowdgraph.plugins.microtask.quality import aggregate

CHUNK = 5_000


def read_items(path: Path) -> Iterator[dict[str, Any]]:
    """Rows of a .jsonl file as they are; rows of a .csv file become ``{"input": row}`` (a ``gold`` column is the gold answer)."""
    with path.open(newline="") as f:
        if path.suffix.lower() == ".csv":
            for row in csv.DictReader(f):
                gold = row.pop("gold", "") or None
                yield {"input": row, **({"gold": gold} if gold is not None else {})}
        else:
            for line in f:
                if line.strip():
                    yield json.loads(line)


async def import_file(batch_id: int, path: Path, progress: Callable[[int], None]) -> int:
    """Add every task of a file to a batch, in chunks of one transaction each."""
    batch = await Batch.get_or_none(id=batch_id)
    if batch is None:
        raise click.ClickException(f"no batch {batch_id}")
    chunk: list[Any] = []
    added = 0
    for index, item in enumerate(read_items(path)):
        chunk.append(parse_task(batch, item, f"row {index + 1}"))
        if len(chunk) == CHUNK:
            added += await insert_tasks(batch, chunk)
            progress(len(chunk))
            chunk = []
    if chunk:
        added += await insert_tasks(batch, chunk)
        progress(len(chunk))
    return added


async def export_rows(
    config: Config, batch_id: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Results per task (aggregated batch-wide with the batch's aggregator) and raw answers, as rows."""
    batch = await Batch.get_or_none(id=batch_id)
    if batch is None:
        raise click.ClickException(f"no batch {batch_id}")
    estimates = await aggregate(config, batch)
    tasks = await Task.filter(batch_id=batch_id, is_gold=False).order_by("id")
    answers = await Assignment.filter(batch_id=batch_id, answer__not_isnull=True).order_by("id")
    results = [
        {
            "record": "result",
            "task_id": t.id,
            "input": t.input,
            "status": t.status.value,
            "result": estimates[t.id].value if t.id in estimates else None,
            "confidence": estimates[t.id].confidence if t.id in estimates else None,
            "method": batch.aggregator,
        }
        for t in tasks
    ]
    raw = [
        {
            "record": "answer",
            "task_id": a.task_id,
            "worker_id": a.worker_id,
            "status": a.status.value,
            "answer": a.value,
            "time_on_task": a.time_on_task,
            "gold": a.is_gold,
            "correct": a.correct,
        }
        for a in answers
    ]
    return results, raw


def to_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    columns = sorted({key for row in rows for key in row})
    writer = csv.DictWriter(out, columns)
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in row.items()}
        )
    return out.getvalue()


def register(cli: click.Group, platform_factory: Callable[[], Any]) -> None:
    @cli.group()
    def microtask() -> None:
        """Micro-task batches: bulk import of tasks, export of results."""

    @microtask.command(name="import")
    @click.argument("batch_id", type=int)
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def import_command(batch_id: int, file: Path) -> None:
        """Add tasks from a CSV (one column per input field, optional gold) or JSON Lines file."""

        async def act() -> int:
            async with platform_factory().running(background=False):
                with click.progressbar(
                    length=sum(1 for _ in read_items(file)), label="importing"
                ) as bar:
                    return await import_file(batch_id, file, bar.update)

        try:
            added = asyncio.run(act())
        except InvalidInput as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"added {added} tasks to batch {batch_id}")

    @microtask.command(name="export")
    @click.argument("batch_id", type=int)
    @click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="jsonl")
    def export_command(batch_id: int, fmt: str) -> None:
        """Print aggregated results per task, then every raw answer."""

        async def act() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
            platform = platform_factory()
            async with platform.running(background=False):
                return await export_rows(Config.of(platform), batch_id)

        results, raw = asyncio.run(act())
        if fmt == "csv":
            click.echo(to_csv(results + raw), nl=False)
        else:
            for row in results + raw:
                click.echo(json.dumps(row))
