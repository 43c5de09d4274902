"""Drives the bounty plugin through GraphQL, as its funder and its workers would."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crowdgraph.platform import Platform
from crowdgraph.schema.relay import to_global_id
from crowdgraph.testing import Client, FundedProject, Person

POST = """
mutation($input: PostBountyInput!) {
  postBounty(input: $input) {
    bounty { id title status reward { amount currency } maxAccepted acceptedCount held { amount } }
    userErrors { field code message }
  }
}
"""
SUBMIT = """
mutation($input: SubmitBountyFulfilmentInput!) {
  submitBountyFulfilment(input: $input) {
    fulfilment { id status model }
    userErrors { field code message }
  }
}
"""
ACCEPT = """
mutation($input: AcceptBountyFulfilmentInput!) {
  acceptBountyFulfilment(input: $input) {
    fulfilment { id status decidedAt bounty { acceptedCount status } }
    userErrors { field code message }
  }
}
"""
DECLINE = """
mutation($input: DeclineBountyFulfilmentInput!) {
  declineBountyFulfilment(input: $input) {
    fulfilment { id status declineReason }
    userErrors { field code message }
  }
}
"""
CLOSE = """
mutation($input: BountyIdInput!) {
  closeBounty(input: $input) {
    bounty { id status closedAt held { amount } }
    userErrors { field code message }
  }
}
"""
BUDGET = """
query($id: ID!) {
  node(id: $id) { ... on Organization { budget { available { amount } held { amount } spent { amount } } } }
}
"""


class Bounties:
    """A funded project with the bounty plugin, and GraphQL clients for its funder and workers."""

    def __init__(
        self, platform: Platform, funded: FundedProject, client_as: Callable[..., Client]
    ) -> None:
        self.platform = platform
        self.funded = funded
        self.funder = client_as(funded.owner)
        self.client_as = client_as

    async def post(self, reward: int = 1_000, max_accepted: int = 3, **more: Any) -> dict[str, Any]:
        payload = await self.funder.mutate(
            "postBounty",
            POST,
            {
                "input": {
                    "projectId": to_global_id("Project", self.funded.project.id),
                    "title": "Find broken links",
                    "description": "Every broken link on our help pages, with its page.",
                    "reward": reward,
                    "maxAccepted": max_accepted,
                    **more,
                }
            },
        )
        bounty: dict[str, Any] = payload["bounty"]
        return bounty

    async def submit(self, worker: Person, bounty_id: str, text: str = "Found 3") -> str:
        payload = await self.client_as(worker).mutate(
            "submitBountyFulfilment", SUBMIT, {"input": {"bountyId": bounty_id, "text": text}}
        )
        fulfilment_id: str = payload["fulfilment"]["id"]
        return fulfilment_id

    async def accept(self, fulfilment_id: str) -> dict[str, Any]:
        return await self.funder.mutate(
            "acceptBountyFulfilment", ACCEPT, {"input": {"fulfilmentId": fulfilment_id}}
        )

    async def budget(self) -> dict[str, int]:
        org = to_global_id("Organization", self.funded.organization.id)
        result = await self.funder.query(BUDGET, {"id": org})
        budget = result.data["node"]["budget"]
        return {key: int(value["amount"]) for key, value in budget.items()}
