"""Transactions: a nested atomic() joins the outer one; savepoint() lets a part fail alone."""

import asyncpg
import pytest
from tortoise.backends.asyncpg.client import TransactionWrapper

from crowdgraph.core import events
from crowdgraph.core.models import Event
from crowdgraph.core.transaction import NestedBlockFailed, atomic, savepoint
from tests.core.test_events import Boom


async def test_a_nested_block_that_fails_and_is_caught_stops_the_outer_commit(platform):
    with pytest.raises(NestedBlockFailed):
        async with atomic():
            await events.emit("core.test.kept", {})
            try:
                async with atomic():
                    await events.emit("core.test.half-written", {})
                    raise Boom
            except Boom:
                pass
    assert await Event.filter(name__startswith="core.test.").count() == 0


async def test_a_nested_block_that_fails_rolls_back_everything_when_not_caught(platform):
    with pytest.raises(Boom):
        async with atomic():
            await events.emit("core.test.outer", {})
            async with atomic():
                await events.emit("core.test.inner", {})
                raise Boom
    assert await Event.filter(name__startswith="core.test.").count() == 0


async def test_a_savepoint_undoes_only_its_own_writes(platform):
    async with atomic():
        await events.emit("core.test.kept", {})
        try:
            async with savepoint():
                await events.emit("core.test.undone", {})
                raise Boom
        except Boom:
            pass
        async with savepoint():
            await events.emit("core.test.also-kept", {})
    names = (
        await Event.filter(name__startswith="core.test.")
        .order_by("id")
        .values_list("name", flat=True)
    )
    assert names == ["core.test.kept", "core.test.also-kept"]


async def test_nested_blocks_that_succeed_commit_with_the_outer_one(platform):
    async with atomic():
        async with atomic():
            await events.emit("core.test.inner", {})
        await events.emit("core.test.outer", {})
    assert await Event.filter(name__startswith="core.test.").count() == 2


async def test_a_transaction_whose_begin_fails_gives_its_connection_back_to_the_pool(
    database_engine, platform, monkeypatch
):
    if database_engine != "postgres":
        pytest.skip("only PostgreSQL pools connections")
    pool = platform.tortoise.db()._pool
    begin = TransactionWrapper.begin

    async def dropped(self: TransactionWrapper) -> None:
        monkeypatch.setattr(TransactionWrapper, "begin", begin)
        raise asyncpg.ConnectionDoesNotExistError(
            "connection was closed in the middle of operation"
        )

    monkeypatch.setattr(TransactionWrapper, "begin", dropped)
    with pytest.raises(asyncpg.ConnectionDoesNotExistError):
        async with atomic():
            await events.emit("core.test.lost", {})

    assert pool.get_idle_size() == pool.get_size()  # nothing kept out of the pool
    async with atomic():  # the same task: nothing of the failed BEGIN is left in its context
        await events.emit("core.test.after", {})
    names = await Event.filter(name__startswith="core.test.").values_list("name", flat=True)
    assert names == ["core.test.after"]
