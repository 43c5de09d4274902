"""Micro-tasks: batches of small tasks, claimed and answered by many workers; redundancy and aggregation decide the result."""

from __future__ import annotations

from crowdgraph import __version__, hookimpl
from crowdgraph.manifest import Manifest


@hookimpl
def register_manifest() -> Manifest:
    return Manifest(
        name="microtask",
        version=__version__,
        description="Micro-tasks: batches of small tasks, claimed and answered by many workers; redundancy and aggregation decide the result.",
        crowdgraph=f"=={__version__}",
    )
