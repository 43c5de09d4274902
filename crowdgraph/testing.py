"""Test helpers for crowdgraph and its plugins: migrated databases, platforms, clients, factories.

Use them from a ``conftest.py``::

    pytest_plugins = ["crowdgraph.testing"]

which provides the fixtures ``database_engine`` (every test runs on SQLite and, when
``CROWDGRAPH_TEST_POSTGRES_URL`` is set, on PostgreSQL too), ``clock`` (a settable clock),
``make_platform`` and ``platform`` (an open platform on a clean, migrated database), ``make_client``
(GraphQL clients acting as a given token), ``client_as`` (a client acting as a factory-made
person), ``factory`` (people, organizations, funded projects) and ``count_statements`` (SQL
statements sent); and the helper ``recorded_events(prefix)`` (the outbox, oldest first).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import pytest_asyncio

from crowdgraph.app import create_app
from crowdgraph.config import DatabaseSettings, PluginsSettings, ServerSettings, Settings
from crowdgraph.core import accounts, ledger, organizations, projects
from crowdgraph.core.actor import Actor
from crowdgraph.core.models import (
    Account,
    Audience,
    Event,
    MemberRole,
    Organization,
    Project,
    Role,
    TokenKind,
    WorkerKind,
    WorkerProfile,
)
from crowdgraph.core.runtime import SettableClock
from crowdgraph.db import migrate
from crowdgraph.platform import Platform
from crowdgraph.plugins import BUILTINS

POSTGRES_ENV = "CROWDGRAPH_TEST_POSTGRES_URL"
PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


def engines() -> list[str]:
    return ["sqlite", "postgres"] if os.environ.get(POSTGRES_ENV) else ["sqlite"]


def settings_for(
    url: str, plugins: list[str], env: str = "development", **sections: Any
) -> Settings:
    """Settings for a test; rate limits are off unless the test gives ``server=ServerSettings(...)``."""
    sections.setdefault("server", ServerSettings(rate_limit_per_token=0, rate_limit_per_address=0))
    return Settings(
        env=env,  # type: ignore[arg-type]
        database=DatabaseSettings(url=url),
        plugins=PluginsSettings(enabled=plugins, **sections.pop("plugin_settings", {})),
        **sections,
    )


class TestDatabases:
    """Migrated template databases, one per engine and set of plugins; each test gets a clean one.

    A SQLite test gets a copy of the template file; a PostgreSQL test gets the template database
    emptied (every table truncated).
    """

    def __init__(self, workdir: Path, extra_plugins: dict[str, Any]) -> None:
        self.workdir = workdir
        self.extra_plugins = extra_plugins
        self.templates: dict[tuple[str, tuple[str, ...]], str] = {}
        self.created: list[str] = []

    async def template(self, engine: str, plugins: tuple[str, ...]) -> str:
        key = (engine, plugins)
        if key not in self.templates:
            if engine == "sqlite":
                url = f"sqlite://{self.workdir / f'template_{len(self.templates)}.sqlite3'}"
            else:
                url = await self._create_postgres(f"cg_test_{os.getpid()}_{uuid.uuid4().hex[:8]}")
            extra = {k: v for k, v in self.extra_plugins.items() if k in plugins}
            platform = Platform(settings_for(url, list(plugins)), extra_plugins=extra)
            await migrate(platform.db_config)
            self.templates[key] = url
        return self.templates[key]

    async def _create_postgres(self, name: str) -> str:
        import asyncpg

        base = os.environ[POSTGRES_ENV]
        conn = await asyncpg.connect(base)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        self.created.append(name)
        return urlunsplit(urlsplit(base)._replace(path=f"/{name}"))

    async def fresh(self, engine: str, plugins: tuple[str, ...]) -> str:
        """A clean database for one test (PostgreSQL ones are emptied when the platform opens)."""
        template = await self.template(engine, plugins)
        if engine == "sqlite":
            path = self.workdir / f"test_{next(_counter)}.sqlite3"
            shutil.copyfile(template.split("://", 1)[1], path)
            return f"sqlite://{path}"
        return template

    def drop_all(self) -> None:
        if not self.created:
            return
        import asyncpg

        async def drop() -> None:
            conn = await asyncpg.connect(os.environ[POSTGRES_ENV])
            try:
                for name in self.created:
                    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await conn.close()

        asyncio.run(drop())


async def truncate_postgres(platform: Platform) -> None:
    """Empty every table but the migration history (a PostgreSQL test starts clean)."""
    db = platform.tortoise.db()
    _, rows = await db.execute_query(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'tortoise_migrations'"
    )
    names = ", ".join(f'"{row["tablename"]}"' for row in rows)
    if names:
        await db.execute_script(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


def extra_plugins_option(config: pytest.Config) -> dict[str, Any]:
    """Plugins defined inside a test suite: ``crowdgraph_extra_plugins`` in its conftest module."""
    found: dict[str, Any] = {}
    for conftest in config.pluginmanager.get_plugins():
        found.update(getattr(conftest, "crowdgraph_extra_plugins", {}) or {})
    return found


@pytest.fixture(scope="session")
def crowdgraph_databases(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[TestDatabases]:
    databases = TestDatabases(
        tmp_path_factory.mktemp("crowdgraph"), extra_plugins_option(request.config)
    )
    yield databases
    databases.drop_all()


@pytest.fixture(params=engines())
def database_engine(request: pytest.FixtureRequest) -> str:
    """``sqlite``, and ``postgres`` too when CROWDGRAPH_TEST_POSTGRES_URL is set."""
    return str(request.param)


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock()


PlatformFactory = Callable[..., Any]


@pytest_asyncio.fixture
async def make_platform(
    database_engine: str,
    crowdgraph_databases: TestDatabases,
    clock: SettableClock,
    request: pytest.FixtureRequest,
) -> AsyncIterator[PlatformFactory]:
    """``await make_platform(plugins=[...], env=..., graphql=GraphQLSettings(...), ...)``.

    An open platform, current for the rest of the test, on a clean migrated database with exactly
    the tables of core + ``plugins`` (default: every built-in plugin; plugins listed in a
    conftest's ``crowdgraph_extra_plugins`` may be named too). Platforms with the same plugins in
    one test share their database, like processes of one deployment. Events are delivered only
    when the test calls ``platform.deliver_events()``.
    """
    opened: list[Platform] = []
    urls: dict[tuple[str, ...], str] = {}
    extra = extra_plugins_option(request.config)

    async def make(plugins: list[str] | None = None, **options: Any) -> Platform:
        enabled = list(BUILTINS) if plugins is None else list(plugins)
        key = tuple(enabled)
        first = key not in urls
        if first:
            urls[key] = await crowdgraph_databases.fresh(database_engine, key)
        platform = Platform(
            settings_for(urls[key], enabled, **options),
            extra_plugins={k: v for k, v in extra.items() if k in enabled},
            clock=clock,
        )
        platform.make_current()
        await platform.open()
        opened.append(platform)
        if first and database_engine == "postgres":
            await truncate_postgres(platform)
        return platform

    make.opened = opened  # type: ignore[attr-defined]
    yield make
    for platform in reversed(opened):
        await platform.close()


@pytest_asyncio.fixture
async def platform(make_platform: PlatformFactory) -> Platform:
    """A platform with every built-in plugin enabled."""
    return await make_platform()


@dataclass
class GraphQLResponse:
    status: int
    body: dict[str, Any]

    @property
    def data(self) -> dict[str, Any]:
        assert not self.body.get("errors"), self.body.get("errors")
        return self.body["data"]

    @property
    def errors(self) -> list[dict[str, Any]]:
        return self.body.get("errors") or []

    @property
    def codes(self) -> list[str]:
        return [e.get("extensions", {}).get("code", "") for e in self.errors]


@dataclass
class Client:
    """Sends GraphQL to the app in-process, as one caller (or anonymously)."""

    http: httpx.AsyncClient
    token: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def as_(self, token: str | None) -> Client:
        return Client(self.http, token)

    async def query(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> GraphQLResponse:
        sent = {"authorization": f"Bearer {self.token}"} if self.token else {}
        sent.update(self.headers)
        sent.update(headers or {})
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=sent
        )
        return GraphQLResponse(response.status_code, response.json())

    async def mutate(self, name: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """Run a mutation that must succeed; returns its payload (asserting no userErrors)."""
        payload = (await self.query(query, variables)).data[name]
        assert payload["userErrors"] == [], payload["userErrors"]
        return payload


@pytest_asyncio.fixture
async def make_client(make_platform: PlatformFactory) -> AsyncIterator[Callable[..., Client]]:
    """``make_client(token=None, on=None)``: a GraphQL client on an app over a platform.

    ``on`` defaults to the platform the test made last (with ``make_platform`` or ``platform``).
    """
    opened: list[httpx.AsyncClient] = []
    apps: dict[int, Any] = {}

    def make(token: str | None = None, on: Platform | None = None) -> Client:
        made = make_platform.opened  # type: ignore[attr-defined]
        if on is None and not made:
            raise AssertionError(
                "make a platform first: request `platform` or call make_platform()"
            )
        target = on or made[-1]
        if id(target) not in apps:
            apps[id(target)] = create_app(platform=target)
        http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=apps[id(target)]), base_url="http://test"
        )
        opened.append(http)
        return Client(http, token)

    yield make
    for http in opened:
        await http.aclose()


@pytest.fixture
def client_as(make_client: Callable[..., Client]) -> Callable[..., Client]:
    """``client_as(person, on=None)``: a GraphQL client acting as a factory-made person.

    ``client_as(None)`` is an anonymous client; ``on`` defaults to the platform made last.
    """

    def make(person: Person | None, on: Platform | None = None) -> Client:
        return make_client(person.token if person else None, on=on)

    return make


@dataclass
class Person:
    """A test account with its actor and a token for GraphQL."""

    account: Account
    actor: Actor
    token: str
    worker: WorkerProfile | None = None


@dataclass
class FundedProject:
    """An organization with money in its budget, its owner, and a project of it."""

    organization: Organization
    owner: Person
    project: Project


class Factory:
    """Creates realistic rows through the services (so the same rules apply as in production)."""

    def __init__(self) -> None:
        self.n = itertools.count(1)

    async def person(
        self,
        role: Role,
        *,
        kind: WorkerKind | None = None,
        employer: Organization | None = None,
        name: str | None = None,
    ) -> Person:
        i = next(self.n)
        account = await accounts.create_account(
            f"{role.value}{i}@example.org",
            name or f"{role.value.title()} {i}",
            PASSWORD,
            role,
            worker_kind=kind,
            employer_id=employer.id if employer else None,
        )

        token, _ = await accounts.issue_token(account, TokenKind.API, "test", timedelta(days=365))
        worker = await WorkerProfile.get_or_none(account_id=account.id)
        return Person(account, await Actor.for_account(account), token, worker)

    async def admin(self) -> Person:
        return await self.person(Role.ADMIN)

    async def client(self) -> Person:
        return await self.person(Role.CLIENT)

    async def worker(self, *, employer: Organization | None = None, country: str = "DE") -> Person:
        kind = WorkerKind.INTERNAL if employer else WorkerKind.EXTERNAL
        person = await self.person(Role.WORKER, kind=kind, employer=employer)
        assert person.worker is not None
        person.worker.country = country
        await person.worker.save(update_fields=["country"])
        return person

    async def organization(
        self, owner: Person | None = None, funds: int = 0
    ) -> tuple[Organization, Person]:
        owner = owner or await self.client()
        i = next(self.n)
        org = await organizations.create_organization(owner.actor, f"Org {i}", f"org-{i}")
        if funds:
            await ledger.fund(owner.actor, org.id, funds, f"factory-{i}")
        return org, owner

    async def project(
        self, owner: Person, org: Organization, audience: Audience = Audience.BOTH
    ) -> Project:
        return await projects.create_project(
            owner.actor, org.id, f"Project {next(self.n)}", "", audience
        )

    async def manager(self, organization: Organization, owner: Person) -> Person:
        """A client account added to the organization as a manager (by its owner)."""
        person = await self.client()
        await organizations.add_member(
            owner.actor, organization.id, person.account.email, MemberRole.MANAGER
        )
        person.actor = await Actor.for_account(person.account)
        return person

    async def funded_project(
        self,
        funds: int = 1_000_000,
        *,
        audience: Audience = Audience.BOTH,
        owner: Person | None = None,
    ) -> FundedProject:
        """A new organization funded with ``funds`` minor units, and a project of it."""
        org, owner = await self.organization(owner, funds=funds)
        return FundedProject(org, owner, await self.project(owner, org, audience))


@pytest.fixture
def factory() -> Factory:
    return Factory()


async def recorded_events(prefix: str = "") -> list[Event]:
    """The events written to the outbox so far whose names start with ``prefix``, oldest first."""
    return await Event.filter(name__startswith=prefix).order_by("id")


class StatementCounter(logging.Handler):
    """Counts SQL statements sent through Tortoise (its ``tortoise.db_client`` logger)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.split(None, 1)[0].upper() in {"SELECT", "INSERT", "UPDATE", "DELETE", "WITH"}:
            self.statements.append(message)


@pytest.fixture
def count_statements() -> Iterator[StatementCounter]:
    logger = logging.getLogger("tortoise.db_client")
    counter = StatementCounter()
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(counter)
    yield counter
    logger.removeHandler(counter)
    logger.setLevel(previous)
