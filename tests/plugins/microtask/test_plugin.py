from __future__ import annotations

from typing import Any

import pytest

from crowdgraph.plugins.microtask import work
from crowdgraph.plugins.microtask.config import Config
from crowdgraph.plugins.microtask.models import Task
from tests.plugins.microtask.conftest import Shop

SCORE = {"kind": "number", "min": 0, "max": 100}


async def test_another_plugin_adds_an_aggregator_through_the_microtask_hookspec(
    make_platform: Any, factory: Any
) -> None:
    platform = await make_platform(plugins=["microtask", "trimmed"])
    config = Config.of(platform)
    assert "trimmed_mean" in config.aggregators
    org, owner = await factory.organization(funds=10_000)
    shop = Shop(platform, config, org, owner, await factory.project(owner, org), factory)
    batch = await shop.batch(tasks=1, overlap=3, answer_spec=SCORE, aggregator="trimmed_mean")
    for answer in (10, 50, 90):
        worker = await factory.worker()
        assignment = await work.claim_next(worker.actor, batch.id)
        assert assignment is not None
        await work.submit(worker.actor, config, assignment.id, answer)
    task = await Task.get(batch_id=batch.id)
    assert task.outcome == 50


def test_two_aggregators_with_one_name_are_refused_naming_both_plugins() -> None:
    from crowdgraph import hookimpl
    from crowdgraph.config import PluginsSettings, Settings
    from crowdgraph.manifest import Manifest
    from crowdgraph.platform import Platform
    from crowdgraph.plugins import PluginError
    from crowdgraph.plugins.microtask.aggregation import BUILTIN

    class Copycat:
        @staticmethod
        @hookimpl
        def register_manifest() -> Manifest:
            return Manifest(name="copycat", version="1.0")

        @staticmethod
        @hookimpl
        def register_aggregators() -> list[Any]:
            return [BUILTIN[0]]

    with pytest.raises(PluginError) as caught:
        Platform(
            Settings(plugins=PluginsSettings(enabled=["microtask", "copycat"])),
            extra_plugins={"copycat": Copycat},
        )
    assert str(caught.value) == (
        "plugin copycat: aggregator majority is already registered by plugin microtask"
    )
