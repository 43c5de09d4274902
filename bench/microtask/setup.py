"""A throwaway platform (SQLite, or a new PostgreSQL database) with microtask, an organization,
workers and one open batch, and bulk builders of its work."""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from crowdgraph.config import DatabaseSettings, PluginsSettings, Settings
from crowdgraph.core import accounts, ledger, organizations, projects
from crowdgraph.core.actor import Actor
from crowdgraph.core.models import Audience, Role, WorkerKind, WorkerProfile
from crowdgraph.db import migrate
from crowdgraph.platform import Platform
from crowdgraph.plugins.microtask import batches
from crowdgraph.plugins.microtask.batches import BatchFields
from crowdgraph.plugins.microtask.config import Config
from crowdgraph.plugins.microtask.models import Batch, Task

LABELS = {"kind": "label", "labels": ["cat", "dog"]}
STAMP = "2026-01-05 09:00:00+00:00"
"""When the bulk-made work was claimed, answered and reviewed (long before any lease in the bench)."""


@dataclass
class Bench:
    platform: Platform
    owner: Actor
    workers: list[Actor]
    batch: Batch


async def _person(i: int, role: Role) -> Actor:
    kind = WorkerKind.EXTERNAL if role == Role.WORKER else None
    account = await accounts.create_account(
        f"{role.value}{i}@bench.example",
        f"{role.value} {i}",
        "bench-password-1",
        role,
        worker_kind=kind,
    )
    return await Actor.for_account(account)


def _numbered(count: int) -> str:
    """A CTE ``n(i)`` of 0 .. count - 1 on either engine (SQLite has no generate_series)."""
    return f"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < {count})"


async def fill_tasks(batch: Batch, count: int) -> None:
    """Insert ``count`` open tasks in one statement (setup only, not the claim path)."""
    connection = Task._meta.db
    as_json = (
        "json_build_object" if connection.capabilities.dialect == "postgres" else "json_object"
    )
    await connection.execute_script(
        f"{_numbered(count)} INSERT INTO microtask_task "
        "(batch_id, input, is_gold, answers_needed, answers_received, taken, status) "
        f"SELECT {batch.id}, {as_json}('image', 'img' || i || '.jpg'), FALSE, {batch.overlap}, 0, 0, "
        "'open' FROM n"
    )


async def _answer(
    batch: Batch,
    first_task: int,
    count: int,
    crowd: Sequence[WorkerProfile],
    each: int,
    status: str,
) -> None:
    """Give tasks ``first_task`` .. + count - 1 one assignment from each of ``each`` crowd members in
    turn; ``status`` is an SQL expression of the task's number ``i``."""
    members = ", ".join(f"({k}, {w.id}, {w.account_id})" for k, w in enumerate(crowd))
    slots = ", ".join(f"({s})" for s in range(each))
    await Task._meta.db.execute_script(
        f"{_numbered(count)}, crowd(k, worker_id, account_id) AS (VALUES {members}), "
        f"slot(s) AS (VALUES {slots}) "
        "INSERT INTO microtask_assignment (task_id, batch_id, worker_id, worker_account_id, status, "
        "is_gold, lease_expires_at, started_at, submitted_at, time_on_task, answer, correct, too_fast, "
        "feedback, appeal_status, appeal_reason, appeal_response, paid) "
        f"SELECT {first_task} + i, {batch.id}, worker_id, account_id, {status}, FALSE, '{STAMP}', "
        f"'{STAMP}', '{STAMP}', 30, '{{\"value\": \"cat\"}}', NULL, FALSE, '', 'none', '', '', 0 "
        f"FROM n JOIN slot ON TRUE JOIN crowd ON crowd.k = (n.i + slot.s) % {len(crowd)}"
    )


async def half_done(
    batch: Batch, crowd: Sequence[WorkerProfile], regulars: Sequence[WorkerProfile], skipped: int
) -> None:
    """Complete the front half of a batch with the crowd's answers (its assignment rows included), and
    let ``regulars`` answer or release the first ``skipped`` open tasks, so a claim must pass them by."""
    connection = Task._meta.db
    tasks = Task.filter(batch_id=batch.id)
    front = await tasks.order_by("id").first()
    assert front is not None, "the batch has no tasks"
    first, done = front.id, await tasks.count() // 2
    await connection.execute_script(
        f"UPDATE microtask_task SET status = 'completed', taken = {batch.overlap}, "
        f'answers_received = {batch.overlap}, result = \'{{"value": "cat"}}\', '
        f"confidence = 1.0, completed_at = '{STAMP}' "
        f"WHERE batch_id = {batch.id} AND id < {first + done}"
    )
    await _answer(batch, first, done, crowd, batch.overlap, "'approved'")
    # Even ones answered (the regulars hold slots), odd ones released (slots given back).
    start = first + done
    await connection.execute_script(
        f"UPDATE microtask_task SET taken = CASE WHEN (id - {start}) % 2 = 0 THEN {len(regulars)} "
        f"ELSE 0 END, answers_received = CASE WHEN (id - {start}) % 2 = 0 THEN {len(regulars)} ELSE 0 END "
        f"WHERE batch_id = {batch.id} AND id >= {start} AND id < {start + skipped}"
    )
    status = "CASE WHEN i % 2 = 0 THEN 'submitted' ELSE 'released' END"
    await _answer(batch, start, skipped, regulars, len(regulars), status)


@contextlib.asynccontextmanager
async def database(postgres: str | None) -> AsyncIterator[str]:
    """A fresh database URL: a SQLite file in a temporary folder, or a new PostgreSQL database."""
    if postgres is None:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite://{Path(tmp) / 'bench.sqlite3'}"
        return
    import asyncpg

    name = f"cg_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"  # a bench may hold two at once
    admin = await asyncpg.connect(postgres)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield urlunsplit(urlsplit(postgres)._replace(path=f"/{name}"))
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@contextlib.asynccontextmanager
async def bench(
    tasks: int, workers: int, overlap: int = 3, postgres: str | None = None
) -> AsyncIterator[Bench]:
    """``postgres``: a server URL to run on a new database there instead of SQLite."""
    async with database(postgres) as url:
        settings = Settings(
            database=DatabaseSettings(url=url, pool_max=20),
            plugins=PluginsSettings(enabled=["microtask"]),
        )
        platform = Platform(settings)
        await migrate(platform.db_config)
        async with platform.running(background=False):
            config = Config.of(platform)
            owner = await _person(0, Role.CLIENT)
            org = await organizations.create_organization(owner, "Bench Org", "bench-org")
            owner = await Actor.for_account(owner.account)
            await ledger.fund(owner, org.id, tasks * overlap * 10 + 1000, "bench")
            project = await projects.create_project(owner, org.id, "Bench", "", Audience.BOTH)
            batch = await batches.create_batch(
                owner,
                config,
                project.id,
                BatchFields(title="Bench", answer_spec=LABELS, reward=10, overlap=overlap),
            )
            await fill_tasks(batch, tasks)
            batch = await batches.open_batch(owner, batch.id)
            people = [await _person(i + 1, Role.WORKER) for i in range(workers)]
            yield Bench(platform, owner, people, batch)
