"""The ``[plugins.bounty]`` table of plugins.toml, validated when the server starts."""

from __future__ import annotations

from typing import Any, cast

from pydantic import BaseModel, Field


class BountySettings(BaseModel, extra="forbid"):
    max_accepted: int = Field(default=100, ge=1, le=10_000)
    """The most fulfilments one bounty may accept (and fund up front)."""


def bounty_settings(platform: Any) -> BountySettings:
    """This deployment's settings of the plugin (``platform.plugin_settings``, typed)."""
    return cast(BountySettings, platform.plugin_settings("bounty"))
