"""A plugin that is not enabled: its settings table, and money still held for its work."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from crowdgraph.cli import cli
from crowdgraph.config import PluginsSettings, Settings
from crowdgraph.core import ledger
from crowdgraph.core.models import LedgerEntry, Organization
from crowdgraph.platform import Platform
from crowdgraph.plugins import PluginError
from crowdgraph.plugins.contest import contests, phases
from crowdgraph.plugins.contest.models import Contest, Phase
from crowdgraph.testing import Factory, Person, settings_for

FUNDS = 1_000_000
POOL = 50_000 + 30_000 + 20_000
"""The prize pool of the contest ``contest_holding_a_pool`` launches."""


def test_a_table_for_a_plugin_that_is_not_enabled_stops_the_start():
    settings = Settings(
        plugins=PluginsSettings(enabled=["microtask"], contest={"sweep_seconds": 5})
    )
    with pytest.raises(PluginError) as caught:
        Platform(settings)
    assert str(caught.value) == (
        "plugins.contest: plugin contest is not enabled; add it to plugins.enabled "
        "or remove its table"
    )


def test_a_table_for_an_unknown_plugin_stops_the_start():
    settings = Settings(plugins=PluginsSettings(enabled=["microtask"], mikrotask={"top_up": True}))
    with pytest.raises(PluginError) as caught:
        Platform(settings)
    message = str(caught.value)
    assert message.startswith("plugins.mikrotask: no plugin is called mikrotask (installed: ")
    assert "microtask" in message


def test_the_tables_of_enabled_plugins_and_of_webhooks_are_fine():
    settings = Settings(
        plugins=PluginsSettings(
            enabled=["microtask"], microtask={"top_up": True}, webhooks={"max_attempts": 3}
        )
    )
    assert Platform(settings).plugin_names == ["webhooks", "microtask"]


def test_the_command_line_reports_a_stray_table_in_one_line(tmp_path):
    path = tmp_path / "plugins.toml"
    path.write_text("[plugins]\nenabled = []\n[plugins.contest]\nsweep_seconds = 5\n")
    result = invoke(path, "schema")
    assert (result.exit_code, result.output.strip()) == (
        2,
        "error: plugins.contest: plugin contest is not enabled; add it to plugins.enabled "
        "or remove its table",
    )


def invoke(config: Path, *args: str) -> Result:
    return CliRunner().invoke(
        cli, ["--config", str(config), *args], env={"CROWDGRAPH_CONFIG": None}
    )


async def command(config: Path, *args: str) -> Result:
    """The command run in a thread (it runs its own event loop)."""
    return await asyncio.to_thread(invoke, config, *args)


@dataclass
class Pool:
    """An organization whose launched contest holds its prize pool."""

    platform: Platform
    clock: Any
    owner: Person
    org: Organization
    contest: Contest


@pytest.fixture
async def contest_holding_a_pool(make_platform: Any, factory: Factory, clock: Any) -> Pool:
    platform = await make_platform(plugins=["contest"])
    org, owner = await factory.organization(funds=FUNDS)
    project = await factory.project(owner, org)
    at = clock.now()
    draft = contests.ContestDraft(
        title="Logo",
        brief="Draw a logo",
        prizes=[50_000, 30_000, 20_000],
        criteria=[{"name": "Concept", "weight": 1}],
        registration_ends_at=at + timedelta(days=1),
        submission_ends_at=at + timedelta(days=2),
        review_ends_at=at + timedelta(days=3),
        appeals_ends_at=at + timedelta(days=4),
    )
    contest = await contests.create_contest(owner.actor, project.id, draft)
    await contests.add_judge(owner.actor, contest.id, (await factory.worker()).account.email)
    contest = await phases.move_by_organizer(owner.actor, contest, Phase.REGISTRATION)
    budget = await ledger.budget(owner.actor, org.id)
    assert (budget.available, budget.held) == (FUNDS - POOL, POOL)
    return Pool(platform, clock, owner, org, contest)


def without_contest(arena: Pool, tmp_path: Path) -> tuple[Platform, Path]:
    """The same database, served by a platform (and a plugins.toml) without the contest plugin."""
    url = arena.platform.settings.database.url
    path = tmp_path / "plugins.toml"
    path.write_text(f'[database]\nurl = "{url}"\n[plugins]\nenabled = []\n')
    return Platform(settings_for(url, []), clock=arena.clock), path


STRANDED = (
    "plugin contest is not enabled but money is still held for its work: 1,000.00 USD of "
    "1 organization; enable it again, or give the money back with "
    "`crowdgraph ledger release-holds contest`"
)


async def test_a_server_without_the_plugin_refuses_to_start_while_its_prize_pool_is_held(
    contest_holding_a_pool, tmp_path
):
    platform, config = without_contest(contest_holding_a_pool, tmp_path)
    with pytest.raises(PluginError) as caught:
        async with platform.running():
            pass
    assert str(caught.value) == STRANDED
    served = await command(config, "serve")
    assert (served.exit_code, served.output.strip()) == (2, f"error: {STRANDED}")


async def test_releasing_the_holds_gives_the_pool_back_and_lets_the_server_start(
    contest_holding_a_pool, tmp_path, monkeypatch
):
    arena = contest_holding_a_pool
    platform, config = without_contest(arena, tmp_path)
    released = await command(config, "ledger", "release-holds", "contest")
    assert released.exit_code == 0, released.output
    org = arena.org.id
    assert released.output.splitlines() == [
        f"  released {POOL} USD from org:{org}:held:contest:{arena.contest.id} "
        f"to org:{org}:available",
        "nothing is held for plugin contest any more",
    ]
    budget = await ledger.budget(arena.owner.actor, org)
    assert (budget.funded, budget.available, budget.held, budget.spent) == (FUNDS, FUNDS, 0, 0)
    entry = await LedgerEntry.filter(organization_id=org).order_by("-id").first()
    assert entry is not None
    assert (entry.kind, entry.model, entry.amount) == ("release", "contest", POOL)
    assert entry.memo == "released by an admin: plugin contest is not enabled"
    async with platform.running():
        pass
    again = await command(config, "ledger", "release-holds", "contest")
    assert again.output.splitlines() == ["nothing is held for plugin contest any more"]
    assert (await ledger.budget(arena.owner.actor, org)).available == FUNDS


async def test_the_holds_of_an_enabled_plugin_are_not_released_by_hand(
    contest_holding_a_pool, tmp_path
):
    url = contest_holding_a_pool.platform.settings.database.url
    config = tmp_path / "plugins.toml"
    config.write_text(f'[database]\nurl = "{url}"\n[plugins]\nenabled = ["contest"]\n')
    refused = await command(config, "ledger", "release-holds", "contest")
    assert (refused.exit_code, refused.output.strip()) == (
        2,
        "error: plugin contest is enabled: its own rules pay and release what it holds",
    )
    assert (
        await ledger.budget(contest_holding_a_pool.owner.actor, contest_holding_a_pool.org.id)
    ).held == POOL
