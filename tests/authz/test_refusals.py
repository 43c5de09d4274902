"""A refused field is a coded error in an answer, never a request that crashes."""

from __future__ import annotations

import asyncio

from crowdgraph.core.models import Account
from crowdgraph.platform import Platform
from crowdgraph.schema.context import Context
from crowdgraph.schema.part import Registry
from crowdgraph.testing import Factory


async def test_cancelling_one_resolver_leaves_others_loading_the_same_row_unharmed(
    platform: Platform, factory: Factory
):
    worker = await factory.worker()
    context = Context(platform, worker.actor, Registry())
    loader = context.by_id(Account)
    account_id = worker.account.id
    cancelled = asyncio.ensure_future(loader.load(account_id))
    sibling = asyncio.ensure_future(loader.load(account_id))
    await asyncio.sleep(0)  # one turn of the loop: both resolvers are now waiting for the row
    cancelled.cancel()
    account = await sibling
    assert account is not None and account.id == account_id
