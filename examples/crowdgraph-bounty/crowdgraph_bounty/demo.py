"""Demo data: a bounty in Acme's "Retail shelf images" project, with one fulfilment waiting."""

from __future__ import annotations

from typing import Any

from crowdgraph.core.actor import Actor
from crowdgraph.core.models import Account
from crowdgraph_bounty import service
from crowdgraph_bounty.settings import bounty_settings

FULFILLER = "amara@example.net"


async def create_demo_bounty(platform: Any, demo: Any) -> None:
    funder = await demo.actor(demo.owners["acme"])
    draft = service.BountyDraft(
        title="Find mislabeled shelf photos",
        description="Report photos in the shelf set whose label names the wrong product, "
        "with the photo ids and the right product.",
        reward=5_000,
        max_accepted=3,
    )
    limit = bounty_settings(platform).max_accepted
    bounty = await service.post_bounty(
        funder, demo.projects["labeling"].id, draft, max_accepted=limit
    )
    fulfiller = await Account.get(email=FULFILLER)
    await service.submit_fulfilment(
        await Actor.for_account(fulfiller),
        bounty.id,
        "Photos 1187, 1203 and 1422 show oat milk labeled as soy milk.",
        [],
    )
    demo.lines.append(
        f"bounty: {bounty.title!r} open, {bounty.max_accepted} places of {bounty.reward} "
        f"{bounty.currency} minor units; {fulfiller.name} submitted a fulfilment"
    )
