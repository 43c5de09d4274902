"""Background work runs in one process at a time."""

import asyncio

from crowdgraph.core.locks import exclusive


async def test_a_lock_held_by_one_transaction_is_refused_to_another_until_it_ends(
    make_platform, database_engine
):
    await make_platform(plugins=[])
    if database_engine == "sqlite":
        # One process, serialized transactions: the lock is always held by whoever runs.
        async with exclusive("sweeper") as held:
            assert held
        return
    inside = asyncio.Event()
    release = asyncio.Event()

    async def first() -> bool:
        async with exclusive("sweeper") as held:
            inside.set()
            await release.wait()
            return held

    holder = asyncio.create_task(first())
    await inside.wait()
    async with exclusive("sweeper") as second_held:
        pass
    async with exclusive("another job") as other_held:
        pass
    release.set()
    assert await holder is True
    assert second_held is False
    assert other_held is True
    async with exclusive("sweeper") as held_after:
        assert held_after is True
