"""Real migrations: from an empty database, and from the previous schema with its data kept."""

import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from crowdgraph.config import DatabaseSettings, PluginsSettings, Settings
from crowdgraph.db import migrate, pending_migrations
from crowdgraph.platform import Platform
from crowdgraph.plugins import BUILTINS, CORE_PLUGINS
from crowdgraph.testing import POSTGRES_ENV


@pytest.fixture
async def empty_database_url(database_engine, tmp_path):
    if database_engine == "sqlite":
        yield f"sqlite://{tmp_path / 'empty.sqlite3'}"
        return
    base = os.environ[POSTGRES_ENV]
    name = f"cg_migrate_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(base)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(base)._replace(path=f"/{name}"))
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def platform_on(url: str, plugins: list[str]) -> Platform:
    return Platform(
        Settings(database=DatabaseSettings(url=url), plugins=PluginsSettings(enabled=plugins))
    )


async def test_an_empty_database_migrates_to_every_plugins_latest_schema(empty_database_url):
    platform = platform_on(empty_database_url, list(BUILTINS))
    before = await pending_migrations(platform.db_config)
    assert {name.split(".")[0] for name in before} == {"core", *CORE_PLUGINS, *BUILTINS}
    await migrate(platform.db_config)
    assert await pending_migrations(platform.db_config) == []


async def test_upgrading_from_the_previous_core_schema_keeps_the_data(empty_database_url):
    platform = platform_on(empty_database_url, [])
    await migrate(platform.db_config, target="core.0001_initial")
    pending = await pending_migrations(platform.db_config)
    assert pending[0] == "core.0002_engagement_outcome"
    assert {name.split(".")[0] for name in pending} == {"core", *CORE_PLUGINS}
    platform.make_current()
    await platform.open()
    db = platform.tortoise.db()
    now = "2026-01-05 09:00:00+00:00"
    await db.execute_script(
        "INSERT INTO core_organization (name, slug, currency, created_at) VALUES ('Acme', 'acme', 'USD', '"
        + now
        + "');"
        "INSERT INTO core_account (email, name, password_hash, role, is_active, created_at) "
        "VALUES ('w@example.org', 'W', 'x', 'worker', true, '" + now + "');"
        "INSERT INTO core_worker_profile (account_id, kind, headline, bio, country, timezone, currency, availability, created_at, updated_at) "
        "VALUES (1, 'external', '', '', 'DE', 'UTC', 'USD', 'available', '"
        + now
        + "', '"
        + now
        + "');"
        "INSERT INTO core_engagement (worker_id, organization_id, model, status, currency, detail_type, detail_id, title, created_at, updated_at) "
        "VALUES (1, 1, 'contest', 'active', 'USD', 'ContestEntry', '7', 'Logo', '"
        + now
        + "', '"
        + now
        + "');"
    )
    await platform.close()

    await migrate(platform.db_config)

    await platform.open()
    from crowdgraph.core.models import Engagement

    kept = await Engagement.get(detail_id="7")
    assert (kept.title, kept.outcome, kept.status.value) == ("Logo", "", "active")
    await platform.close()
