"""``crowdgraph microtask import|export``: tasks in from CSV, TSV or JSON Lines, results and answers out."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from crowdgraph.core.errors import InvalidInput
from crowdgraph.plugins.microtask.batches import AddedTasks, input_fields, insert_tasks
from crowdgraph.plugins.microtask.config import Config
from crowdgraph.plugins.microtask.models import Assignment, Batch, Task
from crowdgraph.plugins.microtask.quality import results as task_results
from crowdgraph.plugins.microtask.task_input import read_file, validate


async def import_file(batch_id: int, path: Path) -> AddedTasks:
    """Add every task of a file to a batch: the whole file is checked first, then stored in one
    transaction (all of it or none); rows the batch already holds are skipped."""
    batch = await Batch.get_or_none(id=batch_id)
    if batch is None:
        raise click.ClickException(f"no batch {batch_id}")
    items = read_file(path, batch.answer_spec, await input_fields(batch))
    return await insert_tasks(batch, validate(batch.answer_spec, items))


async def export_rows(
    config: Config, batch_id: int, aggregator: str | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Results per task (by the batch's aggregator, or the one named) and raw answers, as rows."""
    batch = await Batch.get_or_none(id=batch_id)
    if batch is None:
        raise click.ClickException(f"no batch {batch_id}")
    estimates = await task_results(config, batch, method=aggregator)
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
            "method": aggregator or batch.aggregator,
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
        """Add tasks from a CSV or TSV file (a header line; one column per input field, optional
        key and gold columns) or a JSON Lines file ({"input": {...}, "key": ..., "gold": ...}).
        The whole file is checked first and stored all or none; a rerun skips stored tasks."""

        async def act() -> AddedTasks:
            async with platform_factory().running(background=False):
                return await import_file(batch_id, file)

        try:
            done = asyncio.run(act())
        except InvalidInput as exc:
            problems = "\n".join(f"  {p.message}" for p in exc.problems)
            raise click.ClickException(f"nothing was imported:\n{problems}") from exc
        skipped = len(done.ids) - done.added
        click.echo(
            f"added {done.added} tasks to batch {batch_id}"
            + (f" ({skipped} already in the batch, skipped)" if skipped else "")
        )

    @microtask.command(name="export")
    @click.argument("batch_id", type=int)
    @click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="jsonl")
    @click.option(
        "--aggregator", default=None, help="A registered aggregator (default: the batch's own)."
    )
    def export_command(batch_id: int, fmt: str, aggregator: str | None) -> None:
        """Print aggregated results per task, then every raw answer."""

        async def act() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
            platform = platform_factory()
            async with platform.running(background=False):
                return await export_rows(Config.of(platform), batch_id, aggregator)

        try:
            results, raw = asyncio.run(act())
        except InvalidInput as exc:
            raise click.ClickException(str(exc)) from exc
        if fmt == "csv":
            click.echo(to_csv(results + raw), nl=False)
        else:
            for row in results + raw:
                click.echo(json.dumps(row))
