"""The plugin host: every hook called through pluggy, contributions collected and checked once,
when the platform is built, and a problem stopping the start with one line naming the plugins."""

from __future__ import annotations

import logging
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import strawberry
from click.testing import CliRunner

from crowdgraph import hookimpl
from crowdgraph.cli import cli
from crowdgraph.core import runtime
from crowdgraph.core.events import Event
from crowdgraph.core.stages import StageRunner
from crowdgraph.plugins import BUILTINS, PluginError
from crowdgraph.schema.build import build_schema
from crowdgraph.schema.part import SchemaPart
from tests.test_plugins import fake_plugin, platform_with

PACKAGE = Path(__file__).resolve().parent.parent / "crowdgraph"


@strawberry.type
class ChoresQuery:
    @strawberry.field
    def chores(self) -> int:
        return 3


@strawberry.type(name="Skill")
class AnotherSkill:
    level: int


@strawberry.type(name="ErrandType")
class AnotherErrand:
    size: int


def runner(model: str) -> StageRunner:
    def problems(settings: dict[str, Any]) -> list[str]:
        return []

    async def never(*args: Any) -> Any:
        raise AssertionError("the test never runs a stage")

    return StageRunner(
        model=model,
        detail_type="Errand",
        settings_problems=problems,
        start=never,
        status=never,
        carry_problems=problems,
        carry_requirement=never,
        qualified=never,
    )


def test_a_register_schema_that_takes_no_arguments_adds_its_part():
    def register_schema() -> SchemaPart:
        return SchemaPart(query=ChoresQuery)

    extra = {"chores": fake_plugin("chores", register_schema=register_schema)}
    sdl = build_schema(platform_with(["chores"], extra)).schema.as_str()
    assert "chores: Int!" in sdl


def test_a_wrapper_around_register_schema_sees_each_plugins_part():
    wrapped: list[SchemaPart] = []

    class Watcher:
        @staticmethod
        @hookimpl
        def register_manifest() -> Any:
            return fake_plugin("watcher").register_manifest()

        @staticmethod
        @hookimpl(wrapper=True)
        def register_schema(platform: Any) -> Any:
            parts = yield
            wrapped.extend(parts)
            return parts

    part = SchemaPart(query=ChoresQuery)
    extra = {"chores": fake_plugin("chores", part=part), "watcher": Watcher}
    sdl = build_schema(platform_with(["chores", "errands", "watcher"], extra)).schema.as_str()
    assert "chores: Int!" in sdl
    assert len(wrapped) == 3  # the parts of webhooks, chores and errands, each wrapped once
    assert wrapped[1] is part


def test_hook_tracing_sees_the_schema_being_collected():
    platform = platform_with(["errands"])
    lines: list[str] = []
    platform.pm.trace.root.setwriter(lines.append)
    platform.pm.enable_tracing()
    build_schema(platform)
    assert any("register_schema" in line for line in lines)


async def test_an_event_handler_that_takes_only_the_event_is_called():
    seen: list[str] = []

    async def handle_event(event: Event) -> None:
        seen.append(event.name)

    platform = platform_with(["echo"], {"echo": fake_plugin("echo", handle_event=handle_event)})
    platform.pm.set_blocked("webhooks")  # it fans events out to a database
    event = Event(1, "core.thing.happened", {}, None, None, None, datetime(2026, 1, 5, tzinfo=UTC))
    with runtime.activated(platform.runtime):
        await platform.handle_event(event, alone=False)
    assert seen == ["core.thing.happened"]


async def test_one_plugins_failing_startup_is_logged_and_the_others_still_start(caplog):
    started: list[str] = []

    async def failing_startup(platform: Any) -> None:
        raise RuntimeError("no timer today")

    async def steady_startup() -> None:
        started.append("steady")

    extra = {
        "broken": fake_plugin("broken", startup=failing_startup),
        "steady": fake_plugin("steady", startup=steady_startup),
    }
    platform = platform_with(["broken", "steady"], extra)
    platform.pm.set_blocked("webhooks")  # its startup schedules a job that needs a database
    with caplog.at_level(logging.ERROR, logger="crowdgraph"):
        await platform.call_async_hook("startup", platform=platform)
    assert started == ["steady"]
    assert [r.getMessage() for r in caplog.records] == ["plugin broken failed in startup"]


async def test_a_wrapper_around_an_async_hook_wraps_each_plugins_call():
    calls: list[str] = []

    async def startup() -> None:
        calls.append("startup")

    class Watcher:
        @staticmethod
        @hookimpl
        def register_manifest() -> Any:
            return fake_plugin("watcher").register_manifest()

        @staticmethod
        @hookimpl(wrapper=True)
        def startup(platform: Any) -> Any:
            calls.append("wrapped")
            return (yield)

    extra = {"early": fake_plugin("early", startup=startup), "watcher": Watcher}
    platform = platform_with(["early", "watcher"], extra)
    platform.pm.set_blocked("webhooks")
    await platform.call_async_hook("startup", platform=platform)
    assert calls == ["wrapped", "startup"]


def test_two_plugins_with_a_stage_runner_for_one_model_stop_the_start_naming_both():
    def register_stage_runners(platform: Any) -> list[StageRunner]:
        return [runner("chores")]

    extra = {
        "first": fake_plugin("first", register_stage_runners=register_stage_runners),
        "second": fake_plugin("second", register_stage_runners=register_stage_runners),
    }
    with pytest.raises(PluginError) as caught:
        platform_with(["first", "second"], extra)
    assert str(caught.value) == (
        "plugin second: stage runner for model chores is already registered by plugin first"
    )


def test_a_requirement_kind_with_a_core_kinds_name_stops_the_start():
    def register_requirements() -> list[Any]:
        return [type("Kind", (), {"name": "skill"})()]

    extra = {"copycat": fake_plugin("copycat", register_requirements=register_requirements)}
    with pytest.raises(PluginError) as caught:
        platform_with(["copycat"], extra)
    assert str(caught.value) == (
        "plugin copycat: requirement kind skill is already registered by the core"
    )


def test_the_stage_runners_reach_the_core_through_the_runtime():
    platform = platform_with(["errands", "microtask", "contest"])
    assert list(platform.runtime.stage_runners) == ["microtask", "contest"]


@pytest.mark.parametrize(
    ("enabled", "cls", "expected"),
    [
        (
            ["errands", "clash"],
            AnotherSkill,
            "plugin clash: GraphQL type Skill is already defined by core",
        ),
        (
            ["errands", "clash"],
            AnotherErrand,
            "plugin clash: GraphQL type ErrandType is already defined by errands",
        ),
        (
            ["clash", "errands"],
            AnotherErrand,
            "plugin errands: GraphQL type ErrandType is already defined by clash",
        ),
    ],
)
def test_a_graphql_type_defined_twice_names_both_plugins(enabled, cls, expected):
    extra = {"clash": fake_plugin("clash", part=SchemaPart(types=[cls]))}
    with pytest.raises(PluginError) as caught:
        build_schema(platform_with(enabled, extra))
    assert str(caught.value) == expected


def test_a_schema_clash_stops_serve_with_one_line_before_the_banner(tmp_path, monkeypatch):
    import uvicorn

    started: list[object] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: started.append(kwargs))
    monkeypatch.setitem(
        sys.modules,
        "crowdgraph_test_clash",
        fake_plugin("clash", part=SchemaPart(types=[AnotherSkill])),
    )
    monkeypatch.setitem(BUILTINS, "clash", "crowdgraph_test_clash")
    config = tmp_path / "plugins.toml"
    config.write_text(
        f'[database]\nurl = "sqlite://{tmp_path / "cg.sqlite3"}"\n[plugins]\nenabled = ["clash"]\n',
        encoding="utf-8",
    )

    def run(*args: str) -> Any:
        return CliRunner().invoke(
            cli, ["--config", str(config), *args], env={"CROWDGRAPH_CONFIG": None}
        )

    assert run("db", "migrate").exit_code == 0  # else serve stops at the pending migrations
    result = run("serve")
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines() == [
        "error: plugin clash: GraphQL type Skill is already defined by core"
    ]
    assert started == []


def test_the_core_never_touches_the_plugin_manager():
    reaching = [
        str(path.relative_to(PACKAGE.parent))
        for path in sorted((PACKAGE / "core").rglob("*.py"))
        if re.search(r"\bpluggy\b|\.pm\b|\bhook\.", path.read_text(encoding="utf-8"))
    ]
    assert reaching == []


def test_no_module_calls_a_hook_implementation_past_pluggy():
    calling = [
        str(path.relative_to(PACKAGE.parent))
        for path in sorted(PACKAGE.rglob("*.py"))
        if re.search(r"\bimpl\.function\b|\.function\(", path.read_text(encoding="utf-8"))
    ]
    assert calling == []
