"""The click commands end to end, on a SQLite file of their own (they run their own event loop)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import click
from click.testing import CliRunner

from crowdgraph.config import DatabaseSettings, PluginsSettings, Settings
from crowdgraph.core import accounts, ledger, organizations, projects
from crowdgraph.core.actor import Actor
from crowdgraph.core.models import Audience, Role
from crowdgraph.db import migrate
from crowdgraph.platform import Platform
from crowdgraph.plugins.microtask import batches
from crowdgraph.plugins.microtask.batches import BatchFields
from crowdgraph.plugins.microtask.cli import register
from crowdgraph.plugins.microtask.config import Config
from tests.plugins.microtask.conftest import LABELS


def _settings(path: Path) -> Settings:
    return Settings(
        database=DatabaseSettings(url=f"sqlite://{path}"),
        plugins=PluginsSettings(enabled=["microtask"]),
    )


async def _draft_batch(settings: Settings) -> int:
    platform = Platform(settings)
    await migrate(platform.db_config)
    async with platform.running(background=False):
        account = await accounts.create_account(
            "o@example.org", "Owner", "pw-long-enough", Role.CLIENT
        )
        owner = await Actor.for_account(account)
        org = await organizations.create_organization(owner, "Org", "org")
        owner = await Actor.for_account(account)
        await ledger.fund(owner, org.id, 10_000, "cli")
        project = await projects.create_project(owner, org.id, "P", "", Audience.BOTH)
        fields = BatchFields(title="Pets", answer_spec=LABELS, reward=5)
        batch = await batches.create_batch(owner, Config.of(platform), project.id, fields)
        return batch.id


def test_import_then_export_through_the_command_line(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "cli.sqlite3")
    batch_id = asyncio.run(_draft_batch(settings))
    cli = click.Group()
    register(cli, lambda: Platform(settings))
    tasks = tmp_path / "tasks.csv"
    tasks.write_text("image,gold\na.jpg,\nb.jpg,cat\nc.jpg,\n")
    runner = CliRunner()
    imported = runner.invoke(cli, ["microtask", "import", str(batch_id), str(tasks)])
    assert imported.exit_code == 0, imported.output
    assert f"added 3 tasks to batch {batch_id}" in imported.output
    exported = runner.invoke(cli, ["microtask", "export", str(batch_id), "--format", "jsonl"])
    assert exported.exit_code == 0, exported.output
    rows = [json.loads(line) for line in exported.output.splitlines()]
    assert [r["input"]["image"] for r in rows] == ["a.jpg", "c.jpg"]
    as_csv = runner.invoke(cli, ["microtask", "export", str(batch_id), "--format", "csv"])
    assert as_csv.output.splitlines()[0].startswith("confidence,input,method")


def test_importing_a_bad_file_fails_with_the_row_named(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "cli.sqlite3")
    batch_id = asyncio.run(_draft_batch(settings))
    cli = click.Group()
    register(cli, lambda: Platform(settings))
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text('{"input": {"image": "a.jpg"}}\n{"input": "b.jpg"}\n')
    result = CliRunner().invoke(cli, ["microtask", "import", str(batch_id), str(tasks)])
    assert result.exit_code == 1
    assert "line 2: must be an object with an input object" in result.output
