"""What core services need from whoever runs them: a clock, what the plugins contribute (requirement
kinds, stage runners, visibility rules, worker facts, open work), an outbox wake-up.

The core never sees the plugin manager: the platform collects the plugins' contributions once, when
it is built, and hands them over here.

The platform activates one Runtime per server (and tests their own); services read it through
``current()``, so no service takes plumbing arguments.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from crowdgraph.core.throttle import Failures

if TYPE_CHECKING:
    from tortoise.expressions import Q

    from crowdgraph.core.actor import Actor
    from crowdgraph.core.eligibility import RequirementKind
    from crowdgraph.core.models import WorkerProfile
    from crowdgraph.core.stages import StageRunner
    from crowdgraph.core.workforce import OpenWork, WorkerFact

HiddenEngagements = Callable[["Actor"], Awaitable["Q | None"]]
"""A plugin's rule: the engagements to hide from this caller (None hides nothing)."""
WorkerFacts = Callable[[Sequence["WorkerProfile"]], Awaitable[Mapping[int, list["WorkerFact"]]]]
"""A model's facts for workers' records (gold accuracy, ratings, placements), by worker id."""
OpenWorkOf = Callable[[int], Awaitable[list["OpenWork"]]]
"""A model's open work in an organization, with its requirements (for skills in demand)."""


class Clock:
    """The system clock, timezone-aware UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class SettableClock(Clock):
    """A clock that tests move by hand (leases, deadlines, auto-approval)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current

    def set(self, moment: datetime) -> None:
        self.current = moment


@dataclass
class Runtime:
    clock: Clock = field(default_factory=Clock)
    requirement_kinds: dict[str, RequirementKind] = field(default_factory=dict)
    """The plugins' eligibility checks, by kind (the core's own are in ``eligibility``)."""
    stage_runners: dict[str, StageRunner] = field(default_factory=dict)
    """How each enabled model runs a stage of a combined project, by model name."""
    on_commit: Callable[[], None] = lambda: None
    """Called after a transaction that wrote events commits: wakes the outbox dispatcher."""
    hidden_engagements: list[HiddenEngagements] = field(default_factory=list)
    """Plugins' rules narrowing who sees which engagements (a contest's blind judging)."""
    worker_facts: list[WorkerFacts] = field(default_factory=list)
    open_work: list[OpenWorkOf] = field(default_factory=list)
    login_failures: Failures = field(default_factory=Failures)
    """Recent failed logins by email and by address (this process's memory, see throttle.py)."""


_current: contextvars.ContextVar[Runtime] = contextvars.ContextVar("crowdgraph_runtime")
_fallback = Runtime()


def current() -> Runtime:
    return _current.get(_fallback)


def now() -> datetime:
    return current().clock.now()


def make_current(runtime: Runtime) -> None:
    _current.set(runtime)


@contextlib.contextmanager
def activated(runtime: Runtime) -> Iterator[Runtime]:
    token = _current.set(runtime)
    try:
        yield runtime
    finally:
        _current.reset(token)
