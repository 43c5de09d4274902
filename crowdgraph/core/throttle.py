"""Failed attempts counted in a sliding window, per key (an email, an address), in process memory.

Each process keeps its own count (see docs/deploy.md): with N server processes a guesser gets at
most N times the limit, still a few dozen guesses an hour instead of thousands.
"""

from __future__ import annotations

from datetime import datetime, timedelta

MAX_KEYS = 100_000
"""Keys remembered at once; past it the longest-known keys are forgotten first."""


class Failures:
    """When each key failed lately, oldest first."""

    def __init__(self) -> None:
        self.times: dict[str, list[datetime]] = {}

    def wait(self, key: str, limit: int, window: timedelta, now: datetime) -> timedelta | None:
        """How long ``key`` must wait when it failed ``limit`` times within ``window``; else None.

        A limit of 0 never makes anyone wait.
        """
        recent = [t for t in self.times.get(key, ()) if t > now - window]
        if recent:
            self.times[key] = recent
        else:
            self.times.pop(key, None)
        if not limit or len(recent) < limit:
            return None
        return recent[-limit] + window - now

    def add(self, key: str, moment: datetime) -> None:
        if key not in self.times and len(self.times) >= MAX_KEYS:
            for stale in list(self.times)[: MAX_KEYS // 10]:
                del self.times[stale]
        self.times.setdefault(key, []).append(moment)

    def remove(self, key: str, moment: datetime) -> None:
        """Take back one failure recorded at ``moment`` (an attempt that turned out well)."""
        times = self.times.get(key, [])
        if moment in times:
            times.remove(moment)

    def forget(self, key: str) -> None:
        self.times.pop(key, None)
