"""Adding tasks in bulk: the whole input is checked first (every problem named by line or item and
rule, a bounded number of them), then stored all or none; a rerun adds nothing twice. The CLI
import and the GraphQL mutation share one validator."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from crowdgraph.core.errors import InvalidInput
from crowdgraph.plugins.microtask.cli import import_file
from crowdgraph.plugins.microtask.models import Batch, Task
from crowdgraph.plugins.microtask.task_input import MAX_PROBLEMS
from crowdgraph.testing import Client
from tests.plugins.microtask import api
from tests.plugins.microtask.conftest import Shop


async def _refused(batch: Batch, path: Path) -> list[tuple[str, str]]:
    """The (where, code) of each problem importing the file raises; nothing may be stored."""
    before = await Task.filter(batch_id=batch.id).count()
    with pytest.raises(InvalidInput) as caught:
        await import_file(batch.id, path)
    assert await Task.filter(batch_id=batch.id).count() == before
    return [(p.field, p.code) for p in caught.value.problems]


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


async def test_an_error_in_the_last_row_stores_nothing_and_a_rerun_duplicates_nothing(
    shop: Shop, tmp_path: Path
) -> None:
    batch = await shop.batch(tasks=0, open_it=False)
    rows = "".join(f"img{i}.jpg\n" for i in range(3000))
    bad = _write(
        tmp_path, "tasks.csv", "image,gold\n" + rows.replace("\n", ",\n") + "x.jpg,horse\n"
    )
    assert await _refused(batch, bad) == [("line 3002.gold", "INVALID_ANSWER")]
    good = _write(tmp_path, "good.csv", "image\n" + rows)
    assert (await import_file(batch.id, good)).added == 3000
    again = await import_file(batch.id, good)
    assert (again.added, len(again.ids)) == (0, 3000)
    assert await Task.filter(batch_id=batch.id).count() == 3000


async def test_extra_and_short_rows_are_named_by_line(shop: Shop, tmp_path: Path) -> None:
    batch = await shop.batch(tasks=0, open_it=False)
    path = _write(tmp_path, "t.csv", "image,size\na.jpg,1\nb.jpg,2,3\nc.jpg\n")
    assert await _refused(batch, path) == [("line 3", "ROW_LENGTH"), ("line 4", "ROW_LENGTH")]


@pytest.mark.parametrize("column", ["glod", "Gold", "gold ", "gld"])
async def test_a_misspelt_gold_column_is_refused(shop: Shop, tmp_path: Path, column: str) -> None:
    batch = await shop.batch(tasks=0, open_it=False)
    path = _write(tmp_path, "t.csv", f"image,{column}\na.jpg,cat\n")
    assert await _refused(batch, path) == [("line 1", "UNKNOWN_COLUMNS")]


async def test_columns_the_batchs_tasks_do_not_have_are_unknown(shop: Shop, tmp_path: Path) -> None:
    batch = await shop.batch(tasks=1, open_it=False)  # inputs {"image": ...}
    path = _write(tmp_path, "t.csv", "image,colour\na.jpg,red\n")
    with pytest.raises(InvalidInput) as caught:
        await import_file(batch.id, path)
    assert "unknown columns colour" in caught.value.problems[0].message


async def test_a_byte_order_mark_is_stripped(shop: Shop, tmp_path: Path) -> None:
    batch = await shop.batch(tasks=0, open_it=False)
    path = _write(tmp_path, "t.csv", "\ufeffimage,gold\na.jpg,dog\n")
    assert (await import_file(batch.id, path)).added == 1
    task = await Task.get(batch_id=batch.id)
    assert (task.input, task.gold) == ({"image": "a.jpg"}, "dog")


async def test_a_tab_separated_file_is_read_as_tsv_and_refused_as_csv(
    shop: Shop, tmp_path: Path
) -> None:
    batch = await shop.batch(tasks=0, open_it=False)
    text = "image\tgold\na.jpg\tdog\n"
    assert await _refused(batch, _write(tmp_path, "t.csv", text)) == [("line 1", "TAB_SEPARATED")]
    assert (await import_file(batch.id, _write(tmp_path, "t.tsv", text))).added == 1
    assert (await Task.get(batch_id=batch.id)).gold == "dog"


async def test_an_unterminated_quote_is_a_problem_not_a_traceback(
    shop: Shop, tmp_path: Path
) -> None:
    batch = await shop.batch(tasks=0, open_it=False)
    path = _write(tmp_path, "t.csv", 'image\na.jpg\n"b.jpg\nc.jpg\n')
    assert [code for _, code in await _refused(batch, path)] == ["INVALID_CSV"]


async def test_many_problems_are_reported_up_to_a_bound(shop: Shop, tmp_path: Path) -> None:
    batch = await shop.batch(tasks=0, open_it=False)
    path = _write(tmp_path, "t.jsonl", '{"input": {"image": "a"}, "gold": "horse"}\n' * 30)
    with pytest.raises(InvalidInput) as caught:
        await import_file(batch.id, path)
    problems = caught.value.problems
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[0].field == "line 1.gold" and problems[-1].code == "TOO_MANY_PROBLEMS"
    assert "and 10 more problems" in problems[-1].message


async def test_graphql_returns_task_ids_and_keys_and_a_rerun_adds_nothing(
    shop: Shop, make_client: Callable[..., Client]
) -> None:
    requester = make_client(shop.owner.token)
    batch_id = await api.create_batch(requester, shop.project.id, reward=1, overlap=1)
    tasks = [{"input": {"n": 1}, "key": "row-1"}, {"input": {"n": 2}}]
    first = await api.add_tasks(requester, batch_id, tasks, "added tasks { id key input }")
    assert first["userErrors"] == [] and first["added"] == 2
    keys = [t["key"] for t in first["tasks"]]
    assert keys[0] == "row-1" and keys[1].startswith("sha256:")
    again = await api.add_tasks(requester, batch_id, tasks, "added tasks { id key }")
    assert again["added"] == 0
    assert [t["id"] for t in again["tasks"]] == [t["id"] for t in first["tasks"]]


async def test_graphql_names_every_bad_item_and_stores_none(
    shop: Shop, make_client: Callable[..., Client]
) -> None:
    requester = make_client(shop.owner.token)
    batch_id = await api.create_batch(requester, shop.project.id, reward=1, overlap=1)
    await api.add_tasks(requester, batch_id, [{"input": {"n": 0}, "key": "k"}])
    tasks: list[Any] = [
        {"input": {"n": 1}},
        {"input": {"n": 2}, "gold": "horse"},
        {"input": {"n": 3}, "glod": "cat"},
        {"input": {"n": 4}, "key": "same"},
        {"input": {"n": 5}, "key": "same"},
    ]
    refused = await api.add_tasks(requester, batch_id, tasks)
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        ("tasks[1].gold", "INVALID_ANSWER"),
        ("tasks[2]", "UNKNOWN_FIELDS"),
        ("tasks[4]", "DUPLICATE_TASK"),
    ]
    taken = await api.add_tasks(requester, batch_id, [{"input": {"n": 9}, "key": "k"}])
    assert [(e["field"], e["code"]) for e in taken["userErrors"]] == [("tasks[0]", "KEY_TAKEN")]
    assert await Task.filter(batch__id__gt=0).count() == 1
