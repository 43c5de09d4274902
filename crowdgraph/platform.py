"""The assembled server: settings, enabled plugins, database, clock, event delivery.

The app, the CLI and the tests each build one Platform; everything else takes it as given.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pluggy
from pydantic import BaseModel
from tortoise.context import TortoiseContext
from tortoise.context import _current_context as _current_tortoise_context

from crowdgraph.broker import Broker, PostgresBroker
from crowdgraph.config import Settings
from crowdgraph.core import ledger, runtime
from crowdgraph.core.eligibility import CORE_KINDS
from crowdgraph.core.events import Event, deliver_pending, load_events
from crowdgraph.core.locks import exclusive
from crowdgraph.core.runtime import Clock, Runtime
from crowdgraph.core.transaction import savepoint
from crowdgraph.db import database_unavailable, engine, renew_connections, tortoise_config
from crowdgraph.plugins import (
    LoadedPlugin,
    PluginError,
    by_plugin,
    collect_registry,
    contributions,
    load_plugins,
    registry_hooks,
)

log = logging.getLogger("crowdgraph")

DISPATCH_PAUSE_SECONDS = 1.0
"""How often the dispatcher looks at the outbox when no commit wakes it."""
DISPATCH_BACKOFF_SECONDS = 10.0
"""The longest pause between attempts while delivery keeps failing."""


@dataclass
class Delivery:
    """How event delivery is going: since when it has been failing (monotonic time), and why."""

    failing_since: float | None = None
    error: str = ""

    def failed(self, error: BaseException) -> None:
        if self.failing_since is None:
            self.failing_since = time.monotonic()
        self.error = f"{type(error).__name__}: {error}"

    def succeeded(self) -> None:
        self.failing_since, self.error = None, ""

    def failing_for(self) -> float:
        """Seconds since delivery last worked, if it has failed since; else 0."""
        return 0.0 if self.failing_since is None else time.monotonic() - self.failing_since


def describe_stranded(stranded: list[ledger.HeldFunds]) -> str:
    """One line: each plugin that is not enabled, the money held for it, and what to do."""
    parts = []
    for model in sorted({funds.model for funds in stranded}):
        mine = [funds for funds in stranded if funds.model == model]
        totals: dict[str, int] = {}
        for funds in mine:
            totals[funds.currency] = totals.get(funds.currency, 0) + funds.amount
        amounts = ", ".join(
            ledger.format_money(total, cur) for cur, total in sorted(totals.items())
        )
        organizations = len({funds.organization_id for funds in mine})
        parts.append(
            f"plugin {model} is not enabled but money is still held for its work: {amounts} "
            f"of {organizations} organization{'s' if organizations > 1 else ''}; "
            f"enable it again, or give the money back with "
            f"`crowdgraph ledger release-holds {model}`"
        )
    return "; ".join(parts)


RESERVED = {"register_requirements": {kind: "the core" for kind in CORE_KINDS}}
"""Names a registry hook's contributions may not take, with their owner."""


async def _awaited(answers: list[Awaitable[None]]) -> None:
    """Await what an async hook's implementations returned (pluggy calls them, we await them)."""
    for answer in answers:
        await answer


class Platform:
    def __init__(
        self,
        settings: Settings,
        *,
        extra_plugins: dict[str, Any] | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings
        self.pm: pluggy.PluginManager
        self.plugins: list[LoadedPlugin]
        self.pm, self.plugins = load_plugins(settings, extra_plugins)
        self.db_config = tortoise_config(settings.database, [p.manifest for p in self.plugins])
        self._registered: dict[str, dict[str, Any]] = {}
        for hook in registry_hooks(self.pm):
            self.registered(hook)
        self.runtime = Runtime(
            clock=clock or Clock(),
            requirement_kinds=self.registered("register_requirements"),
            stage_runners=self.registered("register_stage_runners"),
            on_commit=self._wake_dispatcher,
            hidden_engagements=self._contributions("register_engagement_visibility"),
            worker_facts=self._contributions("register_worker_facts"),
            open_work=self._contributions("register_open_work"),
        )
        self.broker = self._broker()
        self.tortoise = TortoiseContext()
        self._wake = asyncio.Event()
        self.delivery = Delivery()
        self._dispatcher: asyncio.Task[None] | None = None
        self._jobs: list[asyncio.Task[None]] = []

    def _broker(self) -> Broker:
        if engine(self.settings.database.url) == "postgres":
            return PostgresBroker(self.settings.database.url, load_events)
        return Broker()

    @property
    def plugin_names(self) -> list[str]:
        return [p.name for p in self.plugins]

    def plugin(self, name: str) -> LoadedPlugin:
        for plugin in self.plugins:
            if plugin.name == name:
                return plugin
        raise KeyError(name)

    def plugin_settings(self, name: str) -> BaseModel:
        return self.plugin(name).settings

    def _contributions(self, hook: str) -> list[Any]:
        """What each plugin's ``hook`` returned, in the order plugins were enabled, Nones left out."""
        return [found for _, found in contributions(self.pm, hook, platform=self)]

    def registered(self, hook: str) -> dict[str, Any]:
        """What the plugins register through the ``@registry`` hook ``hook``, by name: collected
        and checked once (a plugin may ask for another registry while the platform is built)."""
        if hook not in self._registered:
            taken = RESERVED.get(hook, {})
            self._registered[hook] = collect_registry(self.pm, hook, taken, platform=self)
        return self._registered[hook]

    @contextlib.contextmanager
    def activate(self) -> Iterator[Platform]:
        """Make this platform's database and runtime the current ones (per request, per task)."""
        # TortoiseContext's own ``with`` keeps one token per context object, so it cannot be entered
        # by many concurrent requests; setting its context variable per task can.
        token = _current_tortoise_context.set(self.tortoise)
        try:
            with runtime.activated(self.runtime):
                yield self
        finally:
            _current_tortoise_context.reset(token)

    def make_current(self) -> None:
        """Activate for the rest of the current context (a test, a script), with nothing to undo."""
        _current_tortoise_context.set(self.tortoise)
        runtime.make_current(self.runtime)

    async def open(self) -> None:
        """Connect to the database (the schema must already be migrated)."""
        await self.tortoise.init(config=self.db_config)

    async def close(self) -> None:
        await self.tortoise.close_connections()

    @contextlib.asynccontextmanager
    async def running(self, background: bool = True) -> AsyncIterator[Platform]:
        """Open the database, activate, and run event delivery and the plugins' background work."""
        with self.activate():
            await self.open()
            try:
                if background:
                    await self.check_held_funds()
                    await self.start_background()
                yield self
            finally:
                if background:
                    await self.stop_background()
                await self.close()

    async def check_held_funds(self) -> None:
        """Refuse to serve while money is held for a plugin that is not enabled: it would stay
        held with nothing to pay or release it (docs/deploy.md, "Disabling a plugin")."""
        stranded = await ledger.held_funds(excluding=["core", *self.plugin_names])
        if stranded:
            raise PluginError(describe_stranded(stranded))

    async def call_async_hook(self, name: str, **kwargs: Any) -> None:
        """Await every plugin's implementation of an async hook, in the order plugins were
        enabled; one plugin's failure is logged, not fatal."""
        for plugin, call in by_plugin(self.pm, name):
            try:
                await _awaited(call(**kwargs))
            except Exception:
                log.exception("plugin %s failed in %s", plugin, name)

    async def handle_event(self, event: Event, alone: bool = True) -> None:
        """Run every plugin's handle_event. ``alone``: each in a savepoint, and a failure is logged
        (it undoes only that plugin's writes); else together, and a failure is raised."""
        for plugin, call in by_plugin(self.pm, "handle_event"):
            if not alone:
                await _awaited(call(platform=self, event=event))
                continue
            try:
                async with savepoint():
                    await _awaited(call(platform=self, event=event))
            except Exception:
                log.exception(
                    "plugin %s failed to handle event %s (%s)", plugin, event.id, event.name
                )

    async def deliver_events(self) -> int:
        """Deliver every committed, undelivered event now (the dispatcher does this continuously).

        Hooks run first, inside the delivery transaction; subscribers hear of an event after it
        is marked delivered.
        """
        delivered = await deliver_pending(self.handle_event)
        if delivered:
            await self.broker.announce(delivered)
        return len(delivered)

    def every(self, seconds: float, name: str, job: Callable[[], Awaitable[object]]) -> None:
        """Run ``job`` every ``seconds`` while the server runs (call it from a startup hook).

        Each run is one transaction holding the lock ``name``: across all the processes of a
        deployment one run at a time, so a deadline or a sweep fires once. Jobs must still be
        idempotent (a run may repeat after a crash). Stopped at shutdown.
        """

        async def loop() -> None:
            while True:
                try:
                    async with exclusive(name) as held:
                        if held:
                            await job()
                except Exception:
                    log.exception("background job %s failed; retrying in %ss", name, seconds)
                await asyncio.sleep(seconds)

        self._jobs.append(asyncio.create_task(loop(), name=f"crowdgraph-{name}"))

    def _wake_dispatcher(self) -> None:
        self._wake.set()

    async def _dispatch_forever(self) -> None:
        """Deliver after each commit and every second; while delivery fails, retry with back-off,
        on new connections when the database dropped the ones in the pool."""
        pause = DISPATCH_PAUSE_SECONDS
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=pause)
            self._wake.clear()
            try:
                await self.deliver_events()
            except Exception as exc:
                self.delivery.failed(exc)
                pause = min(pause * 2, DISPATCH_BACKOFF_SECONDS)
                log.exception("event delivery failed; retrying in %g s", pause)
                if database_unavailable(exc):
                    await renew_connections()
            else:
                self.delivery.succeeded()
                pause = DISPATCH_PAUSE_SECONDS

    async def start_background(self) -> None:
        await self.broker.start()
        self._dispatcher = asyncio.create_task(self._dispatch_forever(), name="crowdgraph-events")
        await self.call_async_hook("startup", platform=self)

    async def stop_background(self) -> None:
        await self.call_async_hook("shutdown", platform=self)
        for job in self._jobs:
            job.cancel()
        for job in self._jobs:
            with contextlib.suppress(asyncio.CancelledError):
                await job
        self._jobs.clear()
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._dispatcher
            self._dispatcher = None
        await self.broker.stop()
