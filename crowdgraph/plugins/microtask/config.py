"""The plugin's settings (``[plugins.microtask]`` in plugins.toml) and what services read from the platform."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, cast

from pydantic import BaseModel, Field

from crowdgraph.plugins.microtask.aggregation import Aggregator

if TYPE_CHECKING:
    from crowdgraph.platform import Platform
    from crowdgraph.plugins.microtask.models import Batch

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
        return cls(settings=settings, aggregators=platform.registered("register_aggregators"))


@dataclass(frozen=True)
class PayTerms:
    """The pay floor, auto-approval delay and appeal window that hold in one batch."""

    pay_floor_per_hour: int | None
    """Minor units per hour; never below the server's floor."""
    top_up: bool
    auto_approve_after: timedelta
    appeal_window: timedelta


def pay_terms(config: Config, batch: Batch | None) -> PayTerms:
    """A batch's terms: its own settings where it has them, else the server's (``batch=None``:
    the server's alone). A batch can raise the server's pay floor, never lower it."""
    settings = config.settings
    floors = [settings.pay_floor_per_hour, batch.pay_floor_per_hour if batch else None]
    given = [floor for floor in floors if floor is not None]
    auto_hours = batch.auto_approve_hours if batch else None
    appeal_hours = batch.appeal_window_hours if batch else None
    return PayTerms(
        pay_floor_per_hour=max(given) if given else None,
        top_up=settings.top_up,
        auto_approve_after=timedelta(hours=auto_hours or settings.auto_approve_hours),
        appeal_window=timedelta(hours=appeal_hours or settings.appeal_window_hours),
    )
