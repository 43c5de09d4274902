"""Talent marketplace: offers, job postings, screening exams, proposals and contracts with milestones."""

from __future__ import annotations

from crowdgraph import __version__, hookimpl
from crowdgraph.manifest import Manifest


@hookimpl
def register_manifest() -> Manifest:
    return Manifest(
        name="marketplace",
        version=__version__,
        description="Talent marketplace: offers, job postings, screening exams, proposals and contracts with milestones.",
        crowdgraph=f"=={__version__}",
    )
