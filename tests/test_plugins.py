"""The plugin manager and the schema builder: what is enabled, and what stops the start."""

from __future__ import annotations

import itertools
import types
from typing import Any

import pytest
import strawberry
from pydantic import BaseModel

from crowdgraph import __version__, hookimpl
from crowdgraph.config import PluginsSettings, Settings
from crowdgraph.manifest import Manifest, NoSettings
from crowdgraph.platform import Platform
from crowdgraph.plugins import BUILTINS, PluginError
from crowdgraph.schema.build import build_schema
from crowdgraph.schema.part import SchemaPart
from crowdgraph.schema.relay import to_global_id
from tests import sample_plugin

ALL = [*BUILTINS, "errands"]


def fake_plugin(
    name: str,
    *,
    crowdgraph: str = ">=0.1",
    requires: tuple[str, ...] = (),
    part: SchemaPart | None = None,
    settings: type[BaseModel] = NoSettings,
    **hooks: Any,
) -> types.ModuleType:
    """A plugin object made in the test: a module with hookimpls, as an installed plugin would be."""
    module = types.ModuleType(f"fake_{name}")

    @hookimpl
    def register_manifest() -> Manifest:
        return Manifest(
            name=name, version="1.0", crowdgraph=crowdgraph, requires=requires, settings=settings
        )

    module.register_manifest = register_manifest  # type: ignore[attr-defined]
    if part is not None:

        @hookimpl
        def register_schema(platform: Any) -> SchemaPart:
            return part

        module.register_schema = register_schema  # type: ignore[attr-defined]
    for hook, function in hooks.items():
        setattr(module, hook, hookimpl(function))
    return module


def platform_with(
    enabled: list[str], extra: dict[str, Any] | None = None, **tables: Any
) -> Platform:
    """A platform that is never opened: loading plugins and building the schema need no database."""
    settings = Settings(plugins=PluginsSettings(enabled=enabled, **tables))
    return Platform(settings, extra_plugins={"errands": sample_plugin, **(extra or {})})


def test_only_the_plugins_listed_are_loaded_in_the_order_given():
    platform = platform_with(["errands", "microtask"])
    assert platform.plugin_names == ["webhooks", "errands", "microtask"]
    assert [p.source for p in platform.plugins] == ["builtin", "embedded", "builtin"]
    assert platform.pm.get_plugin("contest") is None


def test_plugin_settings_are_validated_by_the_plugins_own_model():
    platform = platform_with(["errands"], errands={"max_reward": 250})
    assert platform.plugin_settings("errands").max_reward == 250  # type: ignore[attr-defined]
    assert platform_with(["errands"]).plugin_settings("errands").max_reward == 10_000  # type: ignore[attr-defined]


def test_an_unknown_plugin_name_stops_the_start_and_lists_what_is_installed():
    with pytest.raises(PluginError) as caught:
        platform_with(["errands", "mikrotask"])
    message = str(caught.value)
    assert message.startswith("plugin mikrotask: unknown plugin")
    assert "microtask" in message and "errands" in message


def test_a_plugin_listed_twice_stops_the_start():
    with pytest.raises(PluginError, match=r"plugin errands: listed twice in plugins\.enabled"):
        platform_with(["errands", "microtask", "errands"])


def test_a_plugin_with_the_name_of_a_builtin_stops_the_start():
    with pytest.raises(PluginError) as caught:
        platform_with(["errands"], extra={"contest": fake_plugin("contest")})
    assert str(caught.value).startswith("plugin contest: two plugins have this name (builtin and")


def test_a_plugin_whose_required_plugin_is_not_enabled_stops_the_start():
    extra = {"addon": fake_plugin("addon", requires=("errands",))}
    with pytest.raises(
        PluginError, match="plugin addon: requires plugin errands, which is not enabled"
    ):
        platform_with(["addon"], extra)
    assert platform_with(["addon", "errands"], extra).plugin_names == [
        "webhooks",
        "addon",
        "errands",
    ]


def test_a_plugin_for_another_crowdgraph_version_stops_the_start():
    extra = {"old": fake_plugin("old", crowdgraph=">=9.0")}
    with pytest.raises(PluginError) as caught:
        platform_with(["old"], extra)
    assert str(caught.value) == (
        f"plugin old: supports crowdgraph >=9.0, this is crowdgraph {__version__}"
    )


def test_a_plugin_with_a_malformed_version_specifier_stops_the_start():
    extra = {"odd": fake_plugin("odd", crowdgraph="version one")}
    with pytest.raises(
        PluginError, match="plugin odd: crowdgraph = 'version one' is not a version"
    ):
        platform_with(["odd"], extra)


def test_a_manifest_that_gives_another_name_stops_the_start():
    extra = {"alias": fake_plugin("errands-two")}
    with pytest.raises(PluginError, match="plugin alias: its manifest calls it 'errands-two'"):
        platform_with(["alias"], extra)


def test_a_plugin_without_a_manifest_stops_the_start():
    with pytest.raises(PluginError, match="plugin bare: does not implement register_manifest"):
        platform_with(["bare"], {"bare": types.ModuleType("bare")})


def test_a_misspelled_hook_stops_the_start_naming_the_plugin():
    def register_shema(platform: Any) -> None:
        return None

    extra = {"typo": fake_plugin("typo", register_shema=register_shema)}
    with pytest.raises(PluginError) as caught:
        platform_with(["typo"], extra)
    assert str(caught.value).startswith("plugin typo: ")
    assert "register_shema" in str(caught.value)


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            {"max_reward": 0},
            "plugin errands: bad settings: plugins.errands.max_reward: "
            "Input should be greater than or equal to 1 (got 0)",
        ),
        ({"max_reward": "lots"}, "plugins.errands.max_reward: Input should be a valid integer"),
        ({"max_rewrd": 5}, "plugins.errands.max_rewrd: Extra inputs are not permitted"),
    ],
)
def test_bad_plugin_settings_stop_the_start_naming_the_plugin_and_the_rule(table, expected):
    with pytest.raises(PluginError) as caught:
        platform_with(["errands"], errands=table)
    assert str(caught.value).startswith("plugin errands: bad settings: ")
    assert expected in str(caught.value)


def test_a_requirement_kind_defined_twice_stops_the_start_naming_both_plugins():
    def register_requirements(platform: Any) -> list[Any]:
        return list(sample_plugin.register_requirements(platform))

    extra = {"copycat": fake_plugin("copycat", register_requirements=register_requirements)}
    with pytest.raises(PluginError) as caught:
        platform_with(["errands", "copycat"], extra)
    assert str(caught.value) == (
        "plugin copycat: requirement kind errands.done is already registered by plugin errands"
    )


@strawberry.type
class ClashingQuery:
    @strawberry.field
    def me(self) -> str:
        return "not you"


@strawberry.type
class ErrandsClashQuery:
    @strawberry.field
    def errands(self) -> int:
        return 0


@strawberry.type
class ClashingMutation:
    @strawberry.mutation
    def login(self) -> bool:
        return True


@strawberry.type(name="Skill")
class AnotherSkill:
    level: int


@strawberry.type(name="ErrandType")
class AnotherErrand:
    size: int


@pytest.mark.parametrize(
    ("part", "expected"),
    [
        (
            SchemaPart(query=ClashingQuery),
            "plugin clash: query field me is already defined by core",
        ),
        (
            SchemaPart(query=ErrandsClashQuery),
            "plugin clash: query field errands is already defined by errands",
        ),
        (
            SchemaPart(mutation=ClashingMutation),
            "plugin clash: mutation field login is already defined by core",
        ),
    ],
)
def test_a_root_field_defined_twice_stops_build_schema_naming_the_plugin(part, expected):
    platform = platform_with(["errands", "clash"], {"clash": fake_plugin("clash", part=part)})
    with pytest.raises(PluginError) as caught:
        build_schema(platform)
    assert str(caught.value) == expected


@pytest.mark.parametrize(("cls", "name"), [(AnotherSkill, "Skill"), (AnotherErrand, "ErrandType")])
def test_a_graphql_type_defined_twice_stops_build_schema_naming_the_plugin(cls, name):
    part = SchemaPart(types=[cls])
    platform = platform_with(["errands", "clash"], {"clash": fake_plugin("clash", part=part)})
    with pytest.raises(PluginError) as caught:
        build_schema(platform)
    message = str(caught.value)
    assert message.startswith("plugin clash: ")
    assert name in message


def test_a_node_type_resolved_by_two_plugins_stops_build_schema():
    async def resolve(context: Any, pk: int) -> None:
        return None

    part = SchemaPart(nodes={"Errand": resolve})
    platform = platform_with(["errands", "clash"], {"clash": fake_plugin("clash", part=part)})
    with pytest.raises(PluginError, match="plugin clash: node type Errand is defined twice"):
        build_schema(platform)


def test_register_schema_must_return_a_schema_part():
    def register_schema(platform: Any) -> object:
        return {"query": ClashingQuery}

    extra = {"loose": fake_plugin("loose", register_schema=register_schema)}
    with pytest.raises(PluginError, match="plugin loose: register_schema must return a SchemaPart"):
        build_schema(platform_with(["loose"], extra))


SUBSETS = [list(c) for n in range(len(ALL) + 1) for c in itertools.combinations(ALL, n)]


@pytest.mark.parametrize("enabled", SUBSETS, ids=lambda s: "+".join(s) or "core-only")
def test_every_subset_of_the_builtin_plugins_builds_a_schema(enabled):
    schema = build_schema(platform_with(enabled)).schema
    sdl = schema.as_str()
    assert "type Query" in sdl and "me: Account" in sdl
    assert ("errands: [ErrandType!]!" in sdl) == ("errands" in enabled)


@pytest.mark.parametrize("enabled", SUBSETS, ids=lambda s: "+".join(s) or "core-only")
async def test_every_subset_of_the_builtin_plugins_serves_a_signed_in_caller(
    enabled, database_engine, make_platform, make_client, factory
):
    if database_engine == "postgres" and 1 < len(enabled) < len(ALL):
        # Plugins migrate independently of each other: on the slower engine the single plugins
        # and the full set stand for every subset (the schema of each is built above).
        pytest.skip("PostgreSQL serves the single plugins and the full set")
    platform = await make_platform(plugins=enabled)
    worker = await factory.worker()
    result = await make_client(worker.token, on=platform).query("{ me { id } }")
    assert result.data == {"me": {"id": to_global_id("Account", worker.account.id)}}
