from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crowdgraph.core.errors import InvalidInput
from crowdgraph.plugins.microtask import review, work
from crowdgraph.plugins.microtask.cli import export_rows, import_file, to_csv
from crowdgraph.plugins.microtask.models import Task
from tests.plugins.microtask.conftest import Shop


async def test_import_reads_csv_and_json_lines(shop: Shop, tmp_path: Path) -> None:
    batch = await shop.batch(tasks=1)
    lines = tmp_path / "tasks.jsonl"
    lines.write_text(
        "\n".join(json.dumps({"input": {"image": f"{i}.jpg"}}) for i in range(12)) + "\n"
    )
    table = tmp_path / "tasks.csv"
    table.write_text("image,gold\na.jpg,\nb.jpg,dog\n")
    assert (await import_file(batch.id, lines)).added == 12
    assert (await import_file(batch.id, table)).added == 2
    gold = await Task.get(batch_id=batch.id, is_gold=True)
    assert (gold.input, gold.gold) == ({"image": "b.jpg"}, "dog")
    await batch.refresh_from_db()
    assert batch.held == (14 * 2 + 20) * 10


async def test_import_of_a_bad_row_names_it_and_adds_nothing(shop: Shop, tmp_path: Path) -> None:
    batch = await shop.batch(tasks=1)
    lines = tmp_path / "tasks.jsonl"
    lines.write_text(
        '{"input": {"image": "a.jpg"}}\n{"input": {"image": "b.jpg"}, "gold": "horse"}\n'
    )
    with pytest.raises(InvalidInput) as caught:
        await import_file(batch.id, lines)
    assert "line 2.gold" in str(caught.value)
    assert await Task.filter(batch_id=batch.id).count() == 1


async def test_export_gives_aggregated_results_and_raw_answers(shop: Shop, clock: Any) -> None:
    batch = await shop.batch(tasks=1, overlap=2)
    for answer in ("dog", "dog"):
        worker = await shop.factory.worker()
        assignment = await work.claim_next(worker.actor, batch.id)
        assert assignment is not None
        await work.submit(worker.actor, shop.config, assignment.id, answer)
        await review.approve(shop.owner.actor, shop.config, assignment.id)
    results, raw = await export_rows(shop.config, batch.id)
    assert [(r["result"], r["confidence"]) for r in results] == [("dog", 1.0)]
    assert [r["answer"] for r in raw] == ["dog", "dog"]
    assert to_csv(results + raw).splitlines()[0].startswith("answer,confidence")
