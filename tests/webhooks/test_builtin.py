"""Webhooks are part of every server, whatever plugins.toml enables."""

from __future__ import annotations

import pytest

from crowdgraph.config import PluginsSettings, Settings
from crowdgraph.platform import Platform
from crowdgraph.plugins import PluginError, available_plugins, describe_plugins


def test_webhooks_are_on_with_no_plugin_enabled_and_come_first():
    platform = Platform(Settings(plugins=PluginsSettings(enabled=["contest"])))
    assert platform.plugin_names == ["webhooks", "contest"]
    assert "webhooks" in platform.db_config["apps"]


def test_listing_webhooks_in_plugins_enabled_is_an_error_that_says_why():
    with pytest.raises(PluginError, match="plugin webhooks: built in and always on"):
        Platform(Settings(plugins=PluginsSettings(enabled=["webhooks"])))


def test_crowdgraph_plugins_shows_webhooks_enabled():
    rows = {r["name"]: r for r in describe_plugins(Settings(), available_plugins())}
    assert rows["webhooks"]["enabled"] is True
    assert {"handle_event", "startup", "register_schema"} <= set(rows["webhooks"]["hooks"])


def test_webhook_settings_come_from_their_table_and_are_validated():
    settings = Settings(plugins=PluginsSettings(webhooks={"max_attempts": 3}))
    assert Platform(settings).plugin_settings("webhooks").max_attempts == 3  # type: ignore[attr-defined]
    with pytest.raises(PluginError, match=r"plugin webhooks: bad settings: plugins\.webhooks\.max"):
        Platform(Settings(plugins=PluginsSettings(webhooks={"max_attempts": 0})))
