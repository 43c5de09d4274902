"""The plugin's settings (``[plugins.microtask]`` in plugins.toml) and what services read from the platform."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from pydantic import BaseModel, Field

from crowdgraph.plugins.microtask.aggregation import Aggregator, known_aggregators

if TYPE_CHECKING:
    from crowdgraph.platform import Platform

NAME = "microtask"


class MicrotaskSettings(BaseModel, extra="forbid"):
    auto_approve_hours: float = Field(default=72, gt=0)
    """Submitted answers nobody reviewed are approved after this long."""
    appeal_window_hours: float = Field(default=72, gt=0)
    """How long a worker may appeal a rejection."""
    sweep_seconds: float = Field(default=30, gt=0)
    """How often the sweeper expires leases, auto-approves and closes past-deadline batches."""
    pay_floor_per_hour: int | None = Field(default=None, ge=1)
    """Minor units per hour: batches whose median effective pay is below it are flagged."""
    top_up: bool = False
    """Pay a bonus that lifts each approved answer to the pay floor."""
    min_gold_accuracy: float = Field(default=0.6, ge=0, le=1)
    """Workers below this gold accuracy (after ``min_gold_answers``) may no longer claim."""
    min_gold_answers: int = Field(default=3, ge=1)
    fast_answer_seconds: int = Field(default=2, ge=0)
    """Answers submitted faster than this are flagged."""
    track_record_answers: int = Field(default=10, ge=1)
    """Gold answers needed before a track record verifies the batch's skill."""
    track_record_accuracy: float = Field(default=0.9, ge=0, le=1)
    max_tasks_per_call: int = Field(default=10_000, ge=1)


@dataclass(frozen=True)
class Config:
    settings: MicrotaskSettings
    aggregators: dict[str, Aggregator]

    @classmethod
    def of(cls, platform: Platform) -> Config:
        settings = cast(MicrotaskSettings, platform.plugin_settings(NAME))
        return cls(settings=settings, aggregators=known_aggregators(platform.pm))
