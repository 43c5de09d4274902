"""A throwaway SQLite platform with microtask, an organization, workers and one open batch."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from crowdgraph.config import DatabaseSettings, PluginsSettings, Settings
from crowdgraph.core import accounts, ledger, organizations, projects
from crowdgraph.core.actor import Actor
from crowdgraph.core.models import Audience, Role, WorkerKind
from crowdgraph.db import migrate
from crowdgraph.platform import Platform
from crowdgraph.plugins.microtask import batches
from crowdgraph.plugins.microtask.batches import BatchFields
from crowdgraph.plugins.microtask.config import Config
from crowdgraph.plugins.microtask.models import Batch, Task

LABELS = {"kind": "label", "labels": ["cat", "dog"]}
INSERT_CHUNK = 50_000


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


async def fill_tasks(batch: Batch, count: int) -> None:
    """Insert tasks straight through the connection, in large chunks (setup only, not the claim path)."""
    connection = Task._meta.db
    mark = "$" if connection.capabilities.dialect == "postgres" else "?"
    marks = ", ".join(f"{mark}{i + 1}" if mark == "$" else "?" for i in range(4))
    sql = f"INSERT INTO microtask_task (batch_id, input, is_gold, answers_needed, answers_received, taken, status) VALUES ({marks}, 0, 0, 'open')"
    for start in range(0, count, INSERT_CHUNK):
        rows = [
            [batch.id, f'{{"image": "img{i}.jpg"}}', False, batch.overlap]
            for i in range(start, min(start + INSERT_CHUNK, count))
        ]
        await connection.execute_many(sql, rows)


@contextlib.asynccontextmanager
async def database(postgres: str | None) -> AsyncIterator[str]:
    """A fresh database URL: a SQLite file in a temporary folder, or a new PostgreSQL database."""
    if postgres is None:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite://{Path(tmp) / 'bench.sqlite3'}"
        return
    import asyncpg

    name = f"cg_bench_{os.getpid()}"
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
