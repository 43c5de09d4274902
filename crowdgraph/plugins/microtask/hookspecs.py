"""Hooks that the microtask plugin adds for other plugins to implement."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

from crowdgraph.hookspecs import registry

if TYPE_CHECKING:
    from crowdgraph.plugins.microtask.aggregation import Aggregator

hookspec = pluggy.HookspecMarker("crowdgraph")


@registry("aggregator")
@hookspec
def register_aggregators() -> list[Aggregator]:
    """Ways to aggregate a task's answers into one result with a confidence."""
