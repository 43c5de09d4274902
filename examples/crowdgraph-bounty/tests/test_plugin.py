"""The package is a crowdgraph plugin: found through its entry point, version-checked, configurable."""

from __future__ import annotations

import crowdgraph_bounty
import pytest
from crowdgraph_bounty.models import Bounty, BountyFulfilment
from graphql import GraphQLNonNull, GraphQLObjectType

from crowdgraph.config import PluginsSettings, Settings
from crowdgraph.core.models import Audience
from crowdgraph.demo import create_demo
from crowdgraph.platform import Platform
from crowdgraph.plugins import PluginError, available_plugins, load_plugins
from crowdgraph.schema.build import build_schema
from crowdgraph.testing import settings_for, truncate_postgres


def settings(**tables: object) -> Settings:
    return Settings(plugins=PluginsSettings(enabled=["bounty"], **tables))


def test_crowdgraph_finds_the_plugin_through_the_entry_point_of_its_distribution():
    source, load = available_plugins()["bounty"]
    assert source == "crowdgraph-bounty"
    assert load() is crowdgraph_bounty


def test_enabling_bounty_in_plugins_toml_loads_it_with_its_manifest():
    _, loaded = load_plugins(settings())
    [plugin] = [p for p in loaded if p.name == "bounty"]
    assert (plugin.name, plugin.source) == ("bounty", "crowdgraph-bounty")
    assert plugin.manifest.version == crowdgraph_bounty.__version__
    assert plugin.manifest.crowdgraph == ">=0.1,<0.2"
    assert plugin.settings.max_accepted == 100  # type: ignore[attr-defined]


def test_a_crowdgraph_version_the_plugin_does_not_support_stops_the_start(monkeypatch):
    monkeypatch.setattr("crowdgraph.plugins.__version__", "0.2.0")
    with pytest.raises(PluginError) as caught:
        load_plugins(settings())
    assert str(caught.value) == (
        "plugin bounty: supports crowdgraph >=0.1,<0.2, this is crowdgraph 0.2.0"
    )


def test_bad_settings_stop_the_start_and_name_the_field():
    with pytest.raises(PluginError, match=r"plugin bounty: bad settings: .*max_accepted"):
        load_plugins(settings(bounty={"max_accepted": 0}))
    with pytest.raises(PluginError, match=r"plugin bounty: bad settings: .*max_acepted"):
        load_plugins(settings(bounty={"max_acepted": 5}))


def test_the_schema_part_adds_its_types_to_the_core_interfaces():
    schema = build_schema(Platform(settings())).schema._schema

    def interfaces_of(name: str) -> list[str]:
        found = schema.type_map[name]
        assert isinstance(found, GraphQLObjectType)
        return sorted(i.name for i in found.interfaces)

    interfaces = {name: interfaces_of(name) for name in ("Bounty", "BountyFulfilment")}
    assert interfaces == {
        "Bounty": ["Node", "ProjectStage"],
        "BountyFulfilment": ["EngagementDetail", "Node"],
    }
    assert schema.mutation_type is not None
    assert {
        "postBounty",
        "submitBountyFulfilment",
        "acceptBountyFulfilment",
        "declineBountyFulfilment",
        "closeBounty",
    } <= set(schema.mutation_type.fields)
    assert schema.query_type is not None
    bounties = schema.query_type.fields["bounties"]
    assert list(bounties.args) == ["first", "after", "last", "before", "projectId"]
    assert not isinstance(bounties.type, GraphQLNonNull)  # refused, it fails alone


async def test_the_demo_posts_a_bounty_with_a_fulfilment_waiting(
    database_engine, crowdgraph_databases
):
    url = await crowdgraph_databases.fresh(database_engine, ("bounty",))
    platform = Platform(settings_for(url, ["bounty"]))
    if database_engine == "postgres":
        async with platform.running(background=False):
            await truncate_postgres(platform)
    printed = await create_demo(platform)
    assert "bounty: 'Find mislabeled shelf photos' open, 3 places of 5000 USD" in printed
    async with platform.running(background=False):
        bounty = await Bounty.get(title="Find mislabeled shelf photos")
        assert bounty.audience == Audience.BOTH
        assert await BountyFulfilment.filter(bounty_id=bounty.id).count() == 1
