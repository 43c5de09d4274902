"""The fuzzing world: the demo data on every built-in plugin, a client per caller, and the checks.

Every fuzz test sends requests through the real HTTP app and holds each answer to the same
properties (``World.check``): never a 5xx, every error carries a code that is not the masked
internal one, no error logged by the server, and a mutation that failed changed nothing.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, settings

from crowdgraph.core import accounts
from crowdgraph.core.models import Account, LedgerEntry, TokenKind
from crowdgraph.core.runtime import SettableClock
from crowdgraph.demo import create_demo
from crowdgraph.platform import Platform
from crowdgraph.testing import Client, PlatformFactory

EXAMPLES_ENV = "CROWDGRAPH_FUZZ_EXAMPLES"
INTERNAL = "INTERNAL_SERVER_ERROR"

CALLERS = {
    "anonymous": None,
    "worker": "amara@example.net",
    "owner": "owner@acme.example",
    "admin": "admin@crowdgraph.example",
}
"""Who sends the fuzzed requests: the demo's accounts (the owner's Acme is funded and has projects)."""


def fuzz_settings(examples: int) -> settings:
    """Bounded and reproducible for CI; CROWDGRAPH_FUZZ_EXAMPLES=N runs N examples per test."""
    return settings(
        max_examples=int(os.environ.get(EXAMPLES_ENV, examples)),
        deadline=None,
        derandomize=True,
        database=None,
        # One world per test function is the point: examples build on what earlier ones changed.
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


class ServerLog(logging.Handler):
    """Keeps what the server logs at ERROR or above (an unexpected exception is logged there)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self) -> list[str]:
        lines = [self.format(r) for r in self.records]
        self.records.clear()
        return lines


@pytest.fixture
def server_log() -> Iterator[ServerLog]:
    handler = ServerLog()
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo and fuzzed register/login calls hash passwords: a small scrypt cost keeps it fast."""
    monkeypatch.setattr(accounts, "SCRYPT", {"n": 2**4, "r": 8, "p": 1})


Snapshot = dict[str, int]


class World:
    """The demo on every built-in plugin, served in production mode, with one client per caller.

    Not a dataclass: hypothesis prints a failing example's arguments, and this one in one word.
    """

    def __init__(
        self, platform: Platform, clients: dict[str, Client], log: ServerLog, tables: list[str]
    ) -> None:
        self.platform = platform
        self.clients = clients
        self.log = log
        self.tables = tables

    def __repr__(self) -> str:
        return "World(demo)"

    @property
    def on_postgres(self) -> bool:
        return self.platform.settings.database.url.startswith("postgres")

    async def snapshot(self) -> Snapshot:
        """Row counts of every table, in one statement, and the sum of the ledger's amounts
        (summed here: a database's SUM may overflow where the rows themselves fit)."""
        counts = " UNION ALL ".join(
            f"SELECT '{table}' AS name, COUNT(*) AS n FROM \"{table}\"" for table in self.tables
        )
        _, rows = await self.platform.tortoise.db().execute_query(counts)
        total = sum(entry.amount for entry in await LedgerEntry.all().only("id", "amount"))
        return {row["name"]: int(row["n"]) for row in rows} | {"ledger amount": total}

    def check(self, response: httpx.Response, sent: Any) -> dict[str, Any] | None:
        """The properties every answer must have; returns the JSON body when there is one.

        The world runs in production mode, where an unexpected exception reaches the caller as
        INTERNAL_SERVER_ERROR (and is logged); an error without a path is the request's own
        (syntax, validation) and needs no code."""
        logged = self.log.take()
        assert response.status_code < 500, (response.status_code, response.text, sent)
        assert not logged, ("the server logged an error", logged, sent)
        try:
            body = response.json()
        except ValueError:
            return None
        for error in body.get("errors") or [] if isinstance(body, dict) else []:
            code = (error.get("extensions") or {}).get("code")
            assert code != INTERNAL, ("an unexpected error reached the caller", error, sent)
            if error.get("path"):
                assert code, ("an error in execution has no code", error, sent)
        return body if isinstance(body, dict) else None

    async def mutate_and_check(
        self, caller: str, query: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        """Send a one-field mutation; when it failed (errors on the field, or userErrors), the
        database must be as it was."""
        before = await self.snapshot()
        sent = {"query": query, "variables": variables or {}}
        response = await self.post(caller, json=sent)
        body = self.check(response, sent)
        if body is not None and mutation_failed(body):
            assert await self.snapshot() == before, ("a failed mutation wrote", body, sent)
        return body

    async def post(self, caller: str, **request: Any) -> httpx.Response:
        client = self.clients[caller]
        headers = {"authorization": f"Bearer {client.token}"} if client.token else {}
        headers.update(request.pop("headers", {}))
        return await client.http.post("/graphql", headers=headers, **request)


def outcome(body: dict[str, Any] | None) -> str:
    """How an answer ended, for ``--hypothesis-show-statistics``: ok, or its first code."""
    if body is None:
        return "not JSON"
    codes = [(e.get("extensions") or {}).get("code", "no code") for e in body.get("errors") or []]
    data = body.get("data") or {}
    codes += [
        error.get("code", "userError")
        for payload in data.values()
        if isinstance(payload, dict)
        for error in payload.get("userErrors") or []
    ]
    return codes[0] if codes else "ok"


def mutation_failed(body: dict[str, Any]) -> bool:
    """No data (the request was refused), a root field that errored itself, or a payload with
    userErrors; an error deeper in the payload's selection comes after the change committed."""
    data = body.get("data")
    if data is None or any(len(e.get("path") or []) == 1 for e in body.get("errors") or []):
        return True
    return any(isinstance(payload, dict) and payload.get("userErrors") for payload in data.values())


@pytest.fixture
async def world(
    make_platform: PlatformFactory,
    make_client: Callable[..., Client],
    server_log: ServerLog,
    clock: SettableClock,
) -> World:
    """The demo on a clean database (its own platform fills it), and a token per caller."""
    platform = await make_platform(env="production")
    await create_demo(Platform(platform.settings, clock=clock))
    clients = {}
    for caller, email in CALLERS.items():
        token = None
        if email is not None:
            account = await Account.get(email=email)
            token, _ = await accounts.issue_token(
                account, TokenKind.API, "fuzz", timedelta(days=365)
            )
        clients[caller] = make_client(token)
    tables = sorted(m._meta.db_table for m in platform.tortoise.apps.get_models_iterable())
    return World(platform, clients, server_log, tables)
