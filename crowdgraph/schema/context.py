"""The per-request GraphQL context: who is calling, the platform, and per-request DataLoaders."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

from strawberry.dataloader import DataLoader
from tortoise.models import Model

from crowdgraph.core.actor import Actor
from crowdgraph.core.pages import PageRequest
from crowdgraph.schema.part import Registry
from crowdgraph.schema.relay import page_request

if TYPE_CHECKING:
    from crowdgraph.platform import Platform

_MISSING: Any = object()
M = TypeVar("M", bound=Model)
K = TypeVar("K")
V = TypeVar("V")


class Loader(DataLoader[K, V]):
    """A DataLoader whose waiters are independent: cancelling one leaves the others their result.

    A plain DataLoader hands the same future to every resolver that loads one key; when graphql-core
    cancels a field's siblings (a refused field, an error), that shared future is cancelled and a
    resolver elsewhere in the query gets ``CancelledError``. Use it for every per-request loader.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._ready: dict[K, V] = {}
        """Values loaded or primed, by key: what ``now`` answers with a single dict lookup."""

    def load(self, key: K) -> Awaitable[V]:
        return asyncio.shield(super().load(key))

    def now(self, key: K) -> V | Awaitable[V]:
        """The value at once when it is loaded already (no future, no task), else ``load(key)``."""
        value = self._ready.get(key, _MISSING)
        if value is not _MISSING:
            return cast(V, value)
        future = self.cache_map.get(key)
        if (
            future is not None
            and future.done()
            and not future.cancelled()
            and future.exception() is None
        ):
            return cast(V, future.result())
        return self.load(key)

    def prime_many(self, data: Mapping[K, V], force: bool = False) -> None:
        super().prime_many(data, force)
        for key in data:
            future = self.cache_map.get(key)
            if future is not None and future.done() and future.exception() is None:
                self._ready[key] = future.result()

    def clear(self, key: K) -> None:
        super().clear(key)
        self._ready.pop(key, None)

    def clear_many(self, keys: Iterable[K]) -> None:
        wanted = list(keys)
        super().clear_many(wanted)
        for key in wanted:
            self._ready.pop(key, None)

    def clear_all(self) -> None:
        super().clear_all()
        self._ready.clear()

    def load_many(self, keys: Iterable[K]) -> Awaitable[list[V]]:
        """Many keys with one call of the batch function: no future or shield per key."""
        return self._many(list(keys))

    async def _many(self, keys: list[K]) -> list[V]:
        await self.prefetch(keys)
        values = [self.now(key) for key in keys]
        waiting = [value for value in values if asyncio.isfuture(value)]
        if waiting:  # keys a batch is loading right now, or whose load failed
            await asyncio.gather(*waiting)
        return [
            cast(V, value.result()) if asyncio.isfuture(value) else cast(V, value)
            for value in values
        ]

    async def prefetch(self, keys: Iterable[K]) -> None:
        """Load every key not loaded yet with one call of the batch function, and keep them."""
        missing = [key for key in dict.fromkeys(keys) if self.cache_map.get(key) is None]
        if missing:
            values = await self.load_fn(missing)
            self.prime_many(
                {
                    k: v
                    for k, v in zip(missing, values, strict=True)
                    if not isinstance(v, BaseException)
                }
            )


class Context:
    """What every resolver gets as ``info.context``.

    Plugins add their own entries (``context.plugins[name]``) through the ``register_context`` hook.
    """

    def __init__(
        self,
        platform: Platform,
        actor: Actor,
        registry: Registry,
        request: Any = None,
        response: Any = None,
    ) -> None:
        self.platform = platform
        self.actor = actor
        self.registry = registry
        self.request = request
        self.response = response
        self.connection_params: dict[str, Any] | None = None
        """The payload of a WebSocket's connection_init (set by strawberry)."""
        self.plugins: dict[str, Any] = {}
        self._loaders: dict[tuple[Any, ...], Loader[Any, Any]] = {}

    def page(
        self,
        first: int | None,
        after: str | None,
        last: int | None = None,
        before: str | None = None,
    ) -> PageRequest:
        """The page a connection's arguments ask for, within the configured page sizes (a list
        that declares only first/after reads forward only)."""
        limits = self.platform.settings.graphql
        return page_request(
            first, after, last, before, limits.default_page_size, limits.max_page_size
        )

    def by_id(self, model: type[M]) -> Loader[int, M | None]:
        """Rows of ``model`` by primary key, batched: one statement per model per tick."""
        key = ("by_id", model)
        if key not in self._loaders:

            async def load(ids: Sequence[int]) -> list[M | None]:
                rows = {row.pk: row for row in await model.filter(pk__in=list(ids))}
                return [rows.get(i) for i in ids]

            self._loaders[key] = Loader(load_fn=load)
        return self._loaders[key]

    def prime_joined(self, rows: Iterable[Model], relation: str, model: type[M]) -> None:
        """Keep the ``relation`` rows a query joined (``select_related``) as loaded by id, so
        that the fields reading them send no statement of their own."""
        joined = {}
        for row in rows:
            other = getattr(row, relation)
            if isinstance(other, model):
                joined[other.pk] = other
        if joined:
            self.by_id(model).prime_many(joined)

    def loader(
        self, name: str, load: Callable[[Sequence[Any]], Awaitable[list[Any]]]
    ) -> Loader[Any, Any]:
        """A per-request DataLoader kept under ``name``, made from ``load`` on first use."""
        key = ("named", name)
        if key not in self._loaders:
            self._loaders[key] = Loader(load_fn=load)
        return self._loaders[key]

    def project_stages(self) -> Loader[int, list[Any]]:
        """Each project's stages in every enabled model: every stage resolver called once per batch."""
        key = ("project_stages",)
        if key not in self._loaders:

            async def load(ids: Sequence[int]) -> list[list[Any]]:
                found: dict[int, list[Any]] = defaultdict(list)
                for resolve in self.registry.stages:
                    for project_id, stages in (await resolve(self, list(ids))).items():
                        found[project_id].extend(stages)
                return [found[i] for i in ids]

            self._loaders[key] = Loader(load_fn=load)
        return self._loaders[key]

    def children(self, model: type[M], field: str, order_by: str = "id") -> Loader[int, list[M]]:
        """Rows of ``model`` grouped by the foreign key ``field``, batched."""
        key = ("children", model, field, order_by)
        if key not in self._loaders:

            async def load(ids: Sequence[int]) -> list[list[M]]:
                grouped: dict[int, list[M]] = defaultdict(list)
                for row in await model.filter(**{f"{field}__in": list(ids)}).order_by(order_by):
                    grouped[getattr(row, field)].append(row)
                return [grouped[i] for i in ids]

            self._loaders[key] = Loader(load_fn=load)
        return self._loaders[key]
