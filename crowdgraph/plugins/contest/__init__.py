"""Contests: a challenge posed to the crowd; entrants compete, judges score, several winners are ranked and paid."""

from __future__ import annotations

from crowdgraph import __version__, hookimpl
from crowdgraph.manifest import Manifest


@hookimpl
def register_manifest() -> Manifest:
    return Manifest(
        name="contest",
        version=__version__,
        description="Contests: a challenge posed to the crowd; entrants compete, judges score, several winners are ranked and paid.",
        crowdgraph=f"=={__version__}",
    )
