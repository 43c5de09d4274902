"""Tasks as they are given (API items, CSV, TSV or JSON Lines files), read and checked whole before
anything is stored: every path that adds tasks goes through ``validate``.

A task is ``{"input": {...}}``, with an optional ``gold`` answer (a gold task) and an optional
``key``. Without a key, the task's key is a digest of its input and gold answer, so adding the same
file twice adds nothing the second time (``batches.insert_tasks`` skips keys the batch holds).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crowdgraph.core.errors import InvalidInput, Problem
from crowdgraph.core.validation import CONTROL
from crowdgraph.plugins.microtask.spec import answer_problems

MAX_PROBLEMS = 20
"""Problems reported at most per call; the rest are counted."""
KEY_MAX = 200
RESERVED = ("key", "gold")
"""Columns of a CSV or TSV file that are not input fields."""
ITEM_FIELDS = {"input", "gold", "key"}
DELIMITERS = {".csv": ",", ".tsv": "\t"}
JSON_LINES = {".jsonl", ".ndjson"}
JSON_GOLD = {"number", "labels", "json"}
"""Answer kinds whose gold answer a CSV cell gives as JSON (``3``, ``["a", "b"]``)."""


@dataclass(frozen=True)
class NewTask:
    input: dict[str, Any]
    gold: Any
    is_gold: bool
    key: str
    where: str
    """Where the task was given (``tasks[3]``, ``line 5``), to name it in later problems."""


@dataclass
class Problems:
    """Problems of one call, each naming where and the rule, kept up to ``MAX_PROBLEMS``."""

    found: list[Problem] = field(default_factory=list)
    more: int = 0

    def add(self, where: str, code: str, message: str) -> None:
        if len(self.found) < MAX_PROBLEMS:
            self.found.append(Problem(where, code, f"{where}: {message}"))
        else:
            self.more += 1

    def done(self) -> None:
        if not self.found:
            return
        problems = list(self.found)
        if self.more:
            problems.append(
                Problem("tasks", "TOO_MANY_PROBLEMS", f"and {self.more} more problems not shown")
            )
        raise InvalidInput(*problems)


def task_key(input: dict[str, Any], gold: Any) -> str:
    """The key of a task given without one: a digest of its input and gold answer."""
    text = json.dumps({"input": input, "gold": gold}, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def validate(spec: dict[str, Any], items: Iterable[tuple[str, Any]]) -> list[NewTask]:
    """Every item checked (shape, key, gold answer against the spec, keys given twice); all
    problems raised together, or the tasks."""
    problems = Problems()
    tasks: list[NewTask] = []
    first_seen: dict[str, str] = {}
    for where, item in items:
        task = _task(spec, where, item, problems)
        if task is None:
            continue
        if task.key in first_seen:
            problems.add(
                where,
                "DUPLICATE_TASK",
                f"repeats {first_seen[task.key]} (same key {task.key!r}): give each task its own key",
            )
            continue
        first_seen[task.key] = where
        tasks.append(task)
    problems.done()
    return tasks


def _task(spec: dict[str, Any], where: str, item: Any, problems: Problems) -> NewTask | None:
    if not isinstance(item, dict) or not isinstance(item.get("input"), dict):
        problems.add(where, "INVALID_TASK", "must be an object with an input object")
        return None
    unknown = sorted(set(item) - ITEM_FIELDS)
    if unknown:
        problems.add(
            where,
            "UNKNOWN_FIELDS",
            f"unknown fields {', '.join(unknown)} (allowed: {', '.join(sorted(ITEM_FIELDS))})",
        )
        return None
    key, gold = item.get("key"), item.get("gold")
    if key is not None and not _good_key(key):
        problems.add(
            f"{where}.key",
            "INVALID_KEY",
            f"must be text of 1 to {KEY_MAX} characters without control characters (got {key!r})",
        )
        return None
    if gold is not None:
        wrong = answer_problems(spec, gold)
        if wrong:
            problems.add(f"{where}.gold", "INVALID_ANSWER", wrong[0])
            return None
    return NewTask(
        item["input"], gold, gold is not None, key or task_key(item["input"], gold), where
    )


def _good_key(key: Any) -> bool:
    return isinstance(key, str) and 0 < len(key) <= KEY_MAX and not CONTROL.search(key)


def read_file(
    path: Path, spec: dict[str, Any], input_fields: set[str] | None
) -> list[tuple[str, Any]]:
    """The items of a file, each with its line, for ``validate``; a file that cannot be read as
    a whole raises every problem found (bounded).

    ``input_fields`` are the input fields of the batch's tasks (None for an empty batch): a CSV or
    TSV file's other columns are unknown.
    """
    suffix = path.suffix.lower()
    if suffix not in DELIMITERS and suffix not in JSON_LINES:
        raise InvalidInput.one(
            "file", "FILE_TYPE", "file: name it .csv, .tsv or .jsonl (JSON Lines)"
        )
    try:
        text = path.read_bytes().decode("utf-8-sig")  # a byte-order mark is not data
    except UnicodeDecodeError as exc:
        raise InvalidInput.one(
            "file", "NOT_UTF8", f"file: must be UTF-8 text (byte {exc.start} is not)"
        ) from exc
    problems = Problems()
    if suffix in JSON_LINES:
        items = list(_json_lines(text, problems))
    else:
        items = list(_table(text, DELIMITERS[suffix], spec, input_fields, problems))
    problems.done()
    return items


def _json_lines(text: str, problems: Problems) -> Iterator[tuple[str, Any]]:
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield f"line {number}", json.loads(line)
        except json.JSONDecodeError as exc:
            problems.add(
                f"line {number}", "INVALID_JSON", f"not JSON: {exc.msg} at column {exc.colno}"
            )


def _table(
    text: str,
    delimiter: str,
    spec: dict[str, Any],
    input_fields: set[str] | None,
    problems: Problems,
) -> Iterator[tuple[str, Any]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
        if header is None:
            problems.add("line 1", "EMPTY_FILE", "the file has no header line")
            return
        if not _header_fits(header, delimiter, input_fields, problems):
            return
        for row in reader:
            where = f"line {reader.line_num}"
            if not row:
                continue
            if len(row) != len(header):
                problems.add(
                    where,
                    "ROW_LENGTH",
                    f"{len(row)} values, but the header has {len(header)} columns",
                )
                continue
            yield where, _item(dict(zip(header, row, strict=True)), spec, where, problems)
    except csv.Error as exc:
        problems.add(f"line {reader.line_num}", "INVALID_CSV", f"{exc} (is a quote not closed?)")


def _header_fits(
    header: list[str], delimiter: str, input_fields: set[str] | None, problems: Problems
) -> bool:
    """The header names each column once, input columns the batch knows and the reserved ones."""
    before = len(problems.found)
    if delimiter == "," and len(header) == 1 and "\t" in header[0]:
        problems.add(
            "line 1",
            "TAB_SEPARATED",
            "the header has tabs and no commas: name a tab-separated file .tsv",
        )
        return False
    named = [name for name in header if name not in RESERVED]
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated or "" in header:
        problems.add(
            "line 1", "INVALID_HEADER", f"every column needs its own name (repeated: {repeated})"
        )
    known = input_fields or set()
    misspelt = [name for name in named if name not in known and _near_reserved(name)]
    if misspelt:
        problems.add(
            "line 1",
            "UNKNOWN_COLUMNS",
            f"columns {', '.join(map(repr, misspelt))} look like the reserved columns "
            f"{' and '.join(RESERVED)} misspelt: spell them exactly so",
        )
    if input_fields is not None:
        unknown = sorted(set(named) - input_fields)
        missing = sorted(input_fields - set(named))
        if unknown:
            problems.add(
                "line 1",
                "UNKNOWN_COLUMNS",
                f"unknown columns {', '.join(unknown)}: the batch's tasks have the input fields "
                f"{', '.join(sorted(input_fields))} (and the optional columns key, gold)",
            )
        if missing:
            problems.add("line 1", "MISSING_COLUMNS", f"missing columns {', '.join(missing)}")
    if not named:
        problems.add("line 1", "INVALID_HEADER", "name at least one input column")
    return len(problems.found) == before


def _near_reserved(name: str) -> bool:
    """A column one typing slip away from ``key`` or ``gold`` (case, spaces, one letter)."""
    plain = name.strip().lower()
    return any(plain == word or _one_slip(plain, word) for word in RESERVED)


def _one_slip(a: str, b: str) -> bool:
    """One letter changed, added, dropped, or two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        swapped = len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
        return len(diff) == 1 or (swapped and a[diff[1]] == b[diff[0]])
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _item(row: dict[str, str], spec: dict[str, Any], where: str, problems: Problems) -> Any:
    """A row as an item: input columns, then ``key`` and ``gold`` when filled in."""
    item: dict[str, Any] = {"input": {k: v for k, v in row.items() if k not in RESERVED}}
    if row.get("key"):
        item["key"] = row["key"]
    gold = row.get("gold")
    if gold:
        if spec.get("kind") in JSON_GOLD:
            try:
                item["gold"] = json.loads(gold)
            except json.JSONDecodeError:
                problems.add(
                    f"{where}.gold",
                    "INVALID_ANSWER",
                    f"a {spec['kind']} gold answer is written as JSON (got {gold!r})",
                )
        else:
            item["gold"] = gold
    return item
