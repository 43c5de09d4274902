"""The marketplace's settings (``[plugins.marketplace]`` in plugins.toml)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class MarketplaceSettings(BaseModel, extra="forbid"):
    auto_release_days: int = Field(default=14, ge=1, le=90)
    """Days after a milestone is submitted without an answer before it is paid automatically."""
    feedback_window_days: int = Field(default=14, ge=1, le=90)
    """Days after a contract ends during which both sides may rate; ratings show after it closes."""
    sweep_seconds: float = Field(default=60.0, gt=0)
    """How often the background sweeper releases overdue milestones."""
    search_candidates: int = Field(default=500, ge=10, le=5000)
    """How many workers that pass the filters are ranked by talent search."""


def settings_of(platform: Any) -> MarketplaceSettings:
    """The marketplace's settings on a platform (validated at startup)."""
    found = platform.plugin_settings("marketplace")
    assert isinstance(found, MarketplaceSettings)
    return found
