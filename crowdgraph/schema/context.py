"""The per-request GraphQL context: who is calling, the platform, and per-request DataLoaders."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from strawberry.dataloader import DataLoader
from tortoise.models import Model

from crowdgraph.core.actor import Actor
from crowdgraph.core.pages import PageRequest
from crowdgraph.schema.part import Registry
from crowdgraph.schema.relay import page_request

if TYPE_CHECKING:
    from crowdgraph.platform import Platform

M = TypeVar("M", bound=Model)
K = TypeVar("K")
V = TypeVar("V")


class Loader(DataLoader[K, V]):
    """A DataLoader whose waiters are independent: cancelling one leaves the others their result.

    A plain DataLoader hands the same future to every resolver that loads one key; when graphql-core
    cancels a field's siblings (a refused field, an error), that shared future is cancelled and a
    resolver elsewhere in the query gets ``CancelledError``. Use it for every per-request loader.
    """

    def load(self, key: K) -> Awaitable[V]:
        return asyncio.shield(super().load(key))


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
        self._loaders: dict[tuple[Any, ...], DataLoader[Any, Any]] = {}

    def page(self, first: int | None, after: str | None) -> PageRequest:
        limits = self.platform.settings.graphql
        return page_request(first, after, limits.default_page_size, limits.max_page_size)

    def by_id(self, model: type[M]) -> DataLoader[int, M | None]:
        """Rows of ``model`` by primary key, batched: one statement per model per tick."""
        key = ("by_id", model)
        if key not in self._loaders:

            async def load(ids: Sequence[int]) -> list[M | None]:
                rows = {row.pk: row for row in await model.filter(pk__in=list(ids))}
                return [rows.get(i) for i in ids]

            self._loaders[key] = Loader(load_fn=load)
        return self._loaders[key]

    def loader(
        self, name: str, load: Callable[[Sequence[Any]], Awaitable[list[Any]]]
    ) -> DataLoader[Any, Any]:
        """A per-request DataLoader kept under ``name``, made from ``load`` on first use."""
        key = ("named", name)
        if key not in self._loaders:
            self._loaders[key] = Loader(load_fn=load)
        return self._loaders[key]

    def project_stages(self) -> DataLoader[int, list[Any]]:
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

    def children(
        self, model: type[M], field: str, order_by: str = "id"
    ) -> DataLoader[int, list[M]]:
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
