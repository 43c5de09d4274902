"""Faults: a server killed mid-load loses no acknowledged work and pays nothing twice; a dropped
database connection gives a clear error, and the server recovers by itself."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest
import pytest_asyncio

from crowdgraph.config import DatabaseSettings, PluginsSettings, Settings
from crowdgraph.db import migrate
from crowdgraph.platform import Platform
from crowdgraph.schema.relay import from_global_id, to_global_id
from tests.deployment.conftest import BASE, Server, free_port, wait_for, wait_healthy
from tests.deployment.test_claims_across_processes import ADD_TASKS, CLAIM, CREATE_BATCH, FUND, OPEN
from tests.deployment.test_processes import CREATE_ORG, CREATE_PROJECT, REGISTER, gql

ORGANIZATION = """query($slug: String!) { organization(slug: $slug) { name } }"""
SUBMIT = """mutation($input: SubmitMicrotaskAnswerInput!) {
  submitMicrotaskAnswer(input: $input) { assignment { id } userErrors { code message } } }"""
APPROVE = """mutation($input: MicrotaskAssignmentIdInput!) {
  approveMicrotaskAnswer(input: $input) { assignment { id } userErrors { code message } } }"""
TIP = """mutation($input: PayMicrotaskBonusInput!) {
  payMicrotaskBonus(input: $input) { paid { amount } userErrors { code message } } }"""
MY_CLAIMS = """{ myMicrotaskAssignments(status: CLAIMED, first: 100) { nodes { id } } }"""
BUDGET = """query($slug: String!) { organization(slug: $slug) {
  budget { funded { amount } available { amount } held { amount } spent { amount } } } }"""
TASK_COUNTS = """SELECT t.id, t.taken, t.answers_needed, t.answers_received,
  count(CASE WHEN a.status IN ('claimed', 'submitted', 'approved') THEN 1 END) AS live,
  count(CASE WHEN a.status IN ('submitted', 'approved') THEN 1 END) AS answered
FROM microtask_task t LEFT JOIN microtask_assignment a ON a.task_id = t.id GROUP BY t.id"""
UNDELIVERED = "SELECT count(*) AS n FROM core_event WHERE delivered_at IS NULL"
NO_RATE_LIMITS = "[server]\nrate_limit_per_token = 0\nrate_limit_per_address = 0\n"
FUNDS, TASKS, WORKERS, REWARD, TIP_AMOUNT = 10_000, 40, 6, 5, 2
KILL_AFTER_APPROVALS = 15


@dataclass
class Deployment:
    """One server process at a time on a database that outlives it."""

    database_url: str
    start: Callable[[], Server]


@pytest_asyncio.fixture
async def sqlite_file(tmp_path: Path) -> str:
    url = f"sqlite://{tmp_path / 'crowdgraph.sqlite3'}"
    settings = Settings(
        database=DatabaseSettings(url=url), plugins=PluginsSettings(enabled=["microtask"])
    )
    await migrate(Platform(settings).db_config)
    return url


@pytest.fixture(params=["postgres", "sqlite"])
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Deployment]:
    """A microtask server on PostgreSQL (the conftest's processes) or on a SQLite file."""
    if request.param == "postgres":
        start_servers = request.getfixturevalue("start_servers")
        yield Deployment(
            request.getfixturevalue("shared_database"),
            lambda: start_servers(1, plugins=["microtask"], extra=NO_RATE_LIMITS)[0],
        )
        return
    url = request.getfixturevalue("sqlite_file")
    config = tmp_path / "plugins.toml"
    config.write_text(
        f'[database]\nurl = "{url}"\n\n[plugins]\nenabled = ["microtask"]\n\n{NO_RATE_LIMITS}'
    )
    started: list[Server] = []

    def start() -> Server:
        port = free_port()
        log = tmp_path / f"server{len(started)}.log"
        command = [sys.executable, "-m", "crowdgraph", "--config", str(config), "serve"]
        process = subprocess.Popen(
            [*command, "--port", str(port)], stdout=log.open("wb"), stderr=subprocess.STDOUT
        )
        started.append(Server(f"http://127.0.0.1:{port}", process, log))
        wait_healthy(started[-1])
        return started[-1]

    yield Deployment(url, start)
    for server in started:
        server.process.terminate()
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()


class Database:
    """The server's PostgreSQL database as an operator sees it: connections can be cut, tables
    locked (so that statements wait, in flight), and the database can go down."""

    def __init__(self, admin: asyncpg.Connection, url: str) -> None:
        self.admin = admin
        self.url = url
        self.name = urlsplit(url).path.lstrip("/")
        self.spared: list[int] = []

    async def drop_connections(self) -> int:
        """Terminate the backends serving the server, as a failover or an operator would."""
        rows = await self.admin.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> ALL($2::int[])",
            self.name,
            self.spared,
        )
        return len(rows)

    async def waiting_for_locks(self) -> int:
        return int(
            await self.admin.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'",
                self.name,
            )
        )

    @contextlib.asynccontextmanager
    async def locked(self, table: str) -> AsyncIterator[None]:
        """Hold an exclusive lock on ``table`` until the block ends: statements touching it wait."""
        locker = await asyncpg.connect(self.url)
        self.spared.append(locker.get_server_pid())
        try:
            async with locker.transaction():
                await locker.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
                yield
        finally:
            self.spared.remove(locker.get_server_pid())
            await locker.close()

    @contextlib.asynccontextmanager
    async def down(self) -> AsyncIterator[None]:
        """The database refuses connections, and those it had are cut, until the block ends."""
        await self.admin.execute(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false')
        try:
            await self.drop_connections()
            yield
        finally:
            await self.admin.execute(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')


@pytest_asyncio.fixture
async def database(shared_database: str) -> AsyncIterator[Database]:
    admin = await asyncpg.connect(BASE)
    try:
        yield Database(admin, shared_database)
    finally:
        await admin.close()


async def post(
    http: httpx.AsyncClient, url: str, query: str, variables: dict, token: str | None = None
) -> tuple[int, dict[str, Any]]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await http.post(
        f"{url}/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    return response.status_code, response.json()


async def register(http: httpx.AsyncClient, url: str, email: str, role: str) -> str:
    account = {"email": email, "name": email, "password": "long enough pw", "role": role}
    return (await gql(http, url, REGISTER, {"input": account}))["register"]["token"]


def error_codes(body: dict[str, Any]) -> set[str]:
    return {(e.get("extensions") or {}).get("code", "") for e in body.get("errors") or []}


async def test_a_dropped_database_gives_a_clear_error_and_the_server_recovers_by_itself(
    start_servers, database
):
    (server,) = start_servers(1)
    async with httpx.AsyncClient(timeout=10) as http:
        token = await register(http, server.url, "owner@faults.example", "CLIENT")
        await gql(http, server.url, CREATE_ORG, {"input": {"name": "F", "slug": "f"}}, token)

        # A read and a write in flight (waiting on a lock) when their connections are cut.
        async with database.locked("core_organization"):
            read = asyncio.create_task(post(http, server.url, ORGANIZATION, {"slug": "f"}, token))
            write = asyncio.create_task(
                post(http, server.url, CREATE_ORG, {"input": {"name": "G", "slug": "g"}}, token)
            )

            async def both_waiting() -> bool:
                return await database.waiting_for_locks() >= 2

            await wait_for(both_waiting)
            assert await database.drop_connections() >= 2
        # The read ran again on a new connection; the write was rolled back and says so.
        assert await read == (200, {"data": {"organization": {"name": "F"}}})
        status, body = await write
        assert (status, error_codes(body)) == (200, {"DATABASE_UNAVAILABLE"}), body
        assert body["errors"][0]["message"] == "the database is unavailable: try again in a moment"
        assert await post(http, server.url, ORGANIZATION, {"slug": "g"}, token) == (
            200,
            {"data": {"organization": None}},
        )

        async with database.down():
            health = await http.get(f"{server.url}/healthz")
            assert health.status_code == 503
            assert "not currently accepting connections" in health.json()["database"]
            # Authenticating a token needs the database: refused before execution.
            status, body = await post(http, server.url, ORGANIZATION, {"slug": "f"}, token)
            assert (status, error_codes(body)) == (503, {"DATABASE_UNAVAILABLE"}), body
            # An anonymous caller reaches the resolver, which cannot reach the database.
            account = {"email": "w@faults.example", "name": "W", "password": "long enough pw"}
            status, body = await post(http, server.url, REGISTER, {"input": account})
            assert error_codes(body) == {"DATABASE_UNAVAILABLE"}, body

        health = await http.get(f"{server.url}/healthz")
        assert (health.status_code, health.json()["database"]) == (200, "ok")
        assert await post(http, server.url, ORGANIZATION, {"slug": "f"}, token) == (
            200,
            {"data": {"organization": {"name": "F"}}},
        )
        await gql(http, server.url, CREATE_ORG, {"input": {"name": "G", "slug": "g"}}, token)
    assert server.process.poll() is None


@dataclass
class Crowd:
    """Workers claiming and answering, a requester approving and tipping each answer, and what the
    server acknowledged (a request cut off by a dead server is only "sent")."""

    http: httpx.AsyncClient
    owner: str
    kill_after_approvals: int | None = None
    server: Server | None = None
    claimed: set[int] = field(default_factory=set)
    answers: dict[int, str] = field(default_factory=dict)
    approvals_sent: set[int] = field(default_factory=set)
    approved: set[int] = field(default_factory=set)
    tips_sent: set[int] = field(default_factory=set)
    tipped: set[int] = field(default_factory=set)
    cut_off: int = 0

    async def call(
        self, url: str, query: str, variables: dict, token: str, tolerate: str = ""
    ) -> dict | None:
        """The mutation's payload, or None when the server died before answering."""
        try:
            status, body = await post(self.http, url, query, variables, token)
        except httpx.TransportError:
            self.cut_off += 1
            return None
        assert (status, body.get("errors")) == (200, None), body
        (payload,) = body["data"].values()
        assert {e["code"] for e in payload["userErrors"]} <= {tolerate} - {""}, payload
        return payload

    async def work(self, url: str, token: str, batch_id: str) -> None:
        """Claim and answer until the batch has nothing left for this worker (or the server dies)."""
        while True:
            variables = {"input": {"batchId": batch_id}}
            # The last answer completes the batch: later claims find it closed.
            claimed = await self.call(url, CLAIM, variables, token, tolerate="BATCH_NOT_OPEN")
            if claimed is None or claimed["assignment"] is None:
                return
            if not await self.answer(url, token, claimed["assignment"]["id"]):
                return

    async def answer(self, url: str, token: str, assignment_id: str) -> bool:
        pk = int(from_global_id(assignment_id)[1])
        self.claimed.add(pk)
        label = "ab"[pk % 2]
        variables = {"input": {"assignmentId": assignment_id, "answer": label}}
        if await self.call(url, SUBMIT, variables, token) is None:
            return False
        self.answers[pk] = label
        return await self.approve(url, pk) and await self.tip(url, pk)

    async def approve(self, url: str, pk: int, resent: bool = False) -> bool:
        """Approve (pay) an answer; a resent approval may find it approved already."""
        self.approvals_sent.add(pk)
        variables = {"input": {"assignmentId": to_global_id("MicrotaskAssignment", pk)}}
        tolerate = "NOT_REVIEWABLE" if resent else ""
        if await self.call(url, APPROVE, variables, self.owner, tolerate) is None:
            return False
        self.approved.add(pk)
        if len(self.approved) == self.kill_after_approvals and self.server is not None:
            self.server.process.send_signal(signal.SIGKILL)
        return True

    async def tip(self, url: str, pk: int) -> bool:
        """A bonus for an answer, under an idempotency key of the client's."""
        self.tips_sent.add(pk)
        variables = {
            "input": {
                "assignmentId": to_global_id("MicrotaskAssignment", pk),
                "amount": TIP_AMOUNT,
                "reason": "thanks",
                "idempotencyKey": f"tip-{pk}",
            }
        }
        if await self.call(url, TIP, variables, self.owner) is None:
            return False
        self.tipped.add(pk)
        return True


def tip_entries(pks: set[int]) -> set[str]:
    """The idempotency keys of the ledger entries that pay the tips for these answers."""
    return {f"microtask:assignment:{pk}:bonus:tip-{pk}" for pk in pks}


async def fetch_all(url: str, queries: list[str]) -> list[list[Any]]:
    """The rows of each query, read straight from the database (PostgreSQL or a SQLite file)."""
    if url.startswith("sqlite"):
        return await asyncio.to_thread(fetch_all_sqlite, url.split("://", 1)[1], queries)
    db = await asyncpg.connect(url)
    try:
        return [await db.fetch(query) for query in queries]
    finally:
        await db.close()


def fetch_all_sqlite(path: str, queries: list[str]) -> list[list[Any]]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.row_factory = sqlite3.Row
        return [db.execute(query).fetchall() for query in queries]


@dataclass
class Books:
    """The database as it stands: assignments, tasks and the ledger."""

    assignments: dict[int, Any]
    tasks: list[Any]
    entries: list[Any]
    batch_status: str

    @classmethod
    async def read(cls, url: str) -> Books:
        queries = [
            "SELECT * FROM microtask_assignment",
            TASK_COUNTS,
            "SELECT * FROM core_ledger_entry",
            "SELECT status FROM microtask_batch",
        ]
        assignments, tasks, entries, batches = await fetch_all(url, queries)
        return cls({a["id"]: a for a in assignments}, tasks, entries, batches[0]["status"])

    def balance(self, prefix: str) -> int:
        """What the ledger accounts starting with ``prefix`` hold: received minus sent."""
        received = sum(e["amount"] for e in self.entries if e["destination"].startswith(prefix))
        sent = sum(e["amount"] for e in self.entries if e["source"].startswith(prefix))
        return received - sent

    def money(self) -> tuple[int, int, int, int]:
        """(funded, available, held, paid to workers), from the ledger alone."""
        org = f"org:{self.entries[0]['organization_id']}"
        return (
            -self.balance("external"),
            self.balance(f"{org}:available"),
            self.balance(f"{org}:held:"),
            self.balance("worker:"),
        )

    def with_status(self, *statuses: str) -> set[int]:
        return {pk for pk, a in self.assignments.items() if a["status"] in statuses}

    def check(self, crowd: Crowd) -> None:
        """Every acknowledged claim, answer, approval and tip is there, once; the money adds up."""
        assert crowd.claimed <= self.with_status("claimed", "submitted", "approved")
        for pk, label in crowd.answers.items():
            assert self.assignments[pk]["status"] in ("submitted", "approved"), pk
            assert json.loads(self.assignments[pk]["answer"]) == {"value": label}
        approved = self.with_status("approved")
        assert crowd.approved <= approved

        keys = Counter(e["idempotency_key"] for e in self.entries)
        assert max(keys.values()) == 1
        pay_keys = {k for k in keys if k.endswith(":pay")}
        assert pay_keys == {f"microtask:assignment:{pk}:pay" for pk in approved}
        tip_keys = {k for k in keys if ":bonus:" in k}
        assert tip_entries(crowd.tipped) <= tip_keys <= tip_entries(crowd.tips_sent)
        for entry in self.entries:
            if entry["kind"] == "payment":
                assignment = self.assignments[int(entry["idempotency_key"].split(":")[2])]
                assert entry["destination"] == f"worker:{assignment['worker_account_id']}"
                assert entry["amount"] == REWARD

        funded, available, held, paid = self.money()
        assert funded == FUNDS
        assert min(available, held, paid) >= 0
        assert available + held + paid == funded
        assert paid == REWARD * len(pay_keys) + TIP_AMOUNT * len(tip_keys)
        # The hold still covers every answer that may yet be approved.
        assert held >= REWARD * len(self.with_status("claimed", "submitted"))

        for task in self.tasks:
            assert task["live"] <= task["answers_needed"], dict(task)
            assert (task["taken"], task["answers_received"]) == (task["live"], task["answered"])


async def open_batch(http: httpx.AsyncClient, url: str) -> tuple[str, str, list[str]]:
    """A funded organization with an open batch of TASKS tasks: (owner, batch ID, workers)."""
    owner = await register(http, url, "owner@kill.example", "CLIENT")
    org = await gql(http, url, CREATE_ORG, {"input": {"name": "Kill", "slug": "kill"}}, owner)
    org_id = org["createOrganization"]["organization"]["id"]
    fund = {"organizationId": org_id, "amount": FUNDS, "idempotencyKey": "invoice-1"}
    await gql(http, url, FUND, {"input": fund}, owner)
    project = await gql(
        http, url, CREATE_PROJECT, {"input": {"organizationId": org_id, "name": "P"}}, owner
    )
    spec = {"kind": "label", "labels": ["a", "b"]}
    batch = {"title": "Labels", "answerSpec": spec, "reward": REWARD, "overlap": 1}
    project_id = project["createProject"]["project"]["id"]
    created = await gql(
        http, url, CREATE_BATCH, {"input": {"projectId": project_id, "batch": batch}}, owner
    )
    batch_id = created["createMicrotaskBatch"]["batch"]["id"]
    tasks = [{"input": {"n": i}} for i in range(TASKS)]
    await gql(http, url, ADD_TASKS, {"input": {"batchId": batch_id, "tasks": tasks}}, owner)
    await gql(http, url, OPEN, {"input": {"batchId": batch_id}}, owner)
    workers = [await register(http, url, f"w{i}@kill.example", "WORKER") for i in range(WORKERS)]
    return owner, batch_id, workers


async def test_a_server_killed_mid_load_loses_no_acknowledged_work_and_pays_each_answer_once(
    deployment,
):
    server = deployment.start()
    async with httpx.AsyncClient(timeout=30) as http:
        owner, batch_id, workers = await open_batch(http, server.url)
        crowd = Crowd(http, owner, kill_after_approvals=KILL_AFTER_APPROVALS, server=server)
        await asyncio.gather(*(crowd.work(server.url, token, batch_id) for token in workers))
        assert server.process.wait(timeout=10) == -signal.SIGKILL
        assert KILL_AFTER_APPROVALS <= len(crowd.approved) < TASKS
        assert crowd.cut_off >= 1
        (await Books.read(deployment.database_url)).check(crowd)

        crowd.kill_after_approvals = None
        url = deployment.start().url
        # Clients resend what got no answer (and what did): nothing is paid twice.
        for pk in sorted(crowd.approvals_sent):
            assert await crowd.approve(url, pk, resent=True)
        for pk in sorted(crowd.tips_sent | crowd.approved):
            assert await crowd.tip(url, pk)

        async def finish(token: str) -> None:
            """Answer the tasks this worker still holds, then claim and answer the rest."""
            status, body = await post(http, url, MY_CLAIMS, {}, token)
            assert (status, body.get("errors")) == (200, None), body
            for node in body["data"]["myMicrotaskAssignments"]["nodes"]:
                assert await crowd.answer(url, token, node["id"])
            await crowd.work(url, token, batch_id)

        await asyncio.gather(*(finish(token) for token in workers))
        # Answers stored before the crash but never acknowledged wait for review like any other.
        for pk in sorted((await Books.read(deployment.database_url)).with_status("submitted")):
            assert await crowd.approve(url, pk) and await crowd.tip(url, pk)

        status, body = await post(http, url, BUDGET, {"slug": "kill"}, owner)
        assert (status, body.get("errors")) == (200, None), body

        async def outbox_empty() -> bool:
            ((row,),) = await fetch_all(deployment.database_url, [UNDELIVERED])
            return row["n"] == 0

        # Events written before the crash, and since, reach the plugins.
        await wait_for(outbox_empty)

    done = await Books.read(deployment.database_url)
    done.check(crowd)
    assert (len(done.with_status("approved")), done.batch_status) == (TASKS, "completed")
    funded, available, held, paid = done.money()
    assert (funded, held, paid) == (FUNDS, 0, TASKS * (REWARD + TIP_AMOUNT))
    budget = {k: v["amount"] for k, v in body["data"]["organization"]["budget"].items()}
    assert budget == {"funded": FUNDS, "available": available, "held": 0, "spent": paid}


async def until_applied(
    http: httpx.AsyncClient, url: str, query: str, variables: dict, token: str
) -> dict[str, Any]:
    """Send a mutation until it is applied, as a client does after DATABASE_UNAVAILABLE."""

    async def applied() -> dict[str, Any] | None:
        status, body = await post(http, url, query, variables, token)
        if error_codes(body) == {"DATABASE_UNAVAILABLE"}:
            return None
        assert (status, body.get("errors")) == (200, None), body
        return body["data"]

    data: dict[str, Any] = await wait_for(applied)
    return data


async def test_events_written_between_dropped_connections_are_delivered(start_servers, database):
    (server,) = start_servers(1)
    async with httpx.AsyncClient(timeout=30) as http:
        token = await register(http, server.url, "owner@drops.example", "CLIENT")
        created = await gql(
            http, server.url, CREATE_ORG, {"input": {"name": "D", "slug": "d"}}, token
        )
        org_id = created["createOrganization"]["organization"]["id"]
        for drop in range(8):
            assert await database.drop_connections() >= 1
            for n in range(3):
                project = {"organizationId": org_id, "name": f"After drop {drop}.{n}"}
                await until_applied(http, server.url, CREATE_PROJECT, {"input": project}, token)

        async def outbox_empty() -> bool:
            ((row,),) = await fetch_all(database.url, [UNDELIVERED])
            return row["n"] == 0

        await wait_for(outbox_empty, seconds=60)
        health = await http.get(f"{server.url}/healthz")
        assert (health.status_code, health.json()["status"]) == (200, "ok")
    assert server.process.poll() is None
