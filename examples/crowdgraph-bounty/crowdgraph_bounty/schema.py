"""The bounty plugin's part of the GraphQL schema: thin resolvers over ``crowdgraph_bounty.service``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON

from crowdgraph.core.errors import InvalidInput
from crowdgraph.core.models import Audience
from crowdgraph.core.pages import fetch_page
from crowdgraph.schema.context import Context
from crowdgraph.schema.errors import Payload, run_mutation
from crowdgraph.schema.part import SchemaPart, by_project
from crowdgraph.schema.relay import (
    After,
    Before,
    Connection,
    First,
    Last,
    connection,
    decode_id,
    to_global_id,
)
from crowdgraph.schema.types import EngagementDetail, Long, Money, ProjectStage
from crowdgraph_bounty import models as m
from crowdgraph_bounty import service
from crowdgraph_bounty.settings import bounty_settings

BountyStatus = strawberry.enum(m.BountyStatus, name="BountyStatus")
BountyFulfilmentStatus = strawberry.enum(m.FulfilmentStatus, name="BountyFulfilmentStatus")


def _ctx(info: strawberry.Info) -> Context:
    context: Context = info.context
    return context


@strawberry.type(description="A worker's answer to a bounty (the detail of their engagement).")
class BountyFulfilment(EngagementDetail):
    bounty_pk: strawberry.Private[int]
    status: BountyFulfilmentStatus  # type: ignore[valid-type]
    text: str
    links: list[str]
    decline_reason: str = strawberry.field(description="Why it was declined (empty otherwise).")
    submitted_at: datetime
    decided_at: datetime | None

    @classmethod
    def from_row(cls, row: m.BountyFulfilment) -> BountyFulfilment:
        return cls(
            id=to_global_id("BountyFulfilment", row.id),
            model=service.MODEL,
            bounty_pk=row.bounty_id,
            status=row.status,
            text=row.text,
            links=row.links,
            decline_reason=row.decline_reason,
            submitted_at=row.submitted_at,
            decided_at=row.decided_at,
        )

    @strawberry.field
    async def bounty(self, info: strawberry.Info) -> Bounty:
        row = await _ctx(info).by_id(m.Bounty).load(self.bounty_pk)
        assert row is not None  # a fulfilment's bounty is never deleted
        return Bounty.from_row(row)


@strawberry.type(description="An open call for work: a stage of a project.")
class Bounty(ProjectStage):
    pk: strawberry.Private[int]
    organization_pk: strawberry.Private[int]
    description: str
    requirements: JSON
    audience: Audience
    status: BountyStatus  # type: ignore[valid-type]
    reward: Money = strawberry.field(description="Paid for each accepted fulfilment.")
    max_accepted: int
    accepted_count: int
    held: Money = strawberry.field(description="Still set aside for the places not yet filled.")
    posted_at: datetime
    closed_at: datetime | None

    @classmethod
    def from_row(cls, row: m.Bounty) -> Bounty:
        open_places = row.max_accepted - row.accepted_count
        return cls(
            id=to_global_id("Bounty", row.id),
            pk=row.id,
            organization_pk=row.organization_id,
            title=row.title,
            model=service.MODEL,
            description=row.description,
            requirements=cast(JSON, row.requirements),
            audience=row.audience,
            status=row.status,
            reward=Money.of(row.reward, row.currency),
            max_accepted=row.max_accepted,
            accepted_count=row.accepted_count,
            held=Money.of(
                row.reward * open_places if row.status == m.BountyStatus.OPEN else 0, row.currency
            ),
            posted_at=row.posted_at,
            closed_at=row.closed_at,
        )

    @strawberry.field(description="Every fulfilment, oldest first (the funder's managers only).")
    async def fulfilments(
        self,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        status: BountyFulfilmentStatus | None = None,  # type: ignore[valid-type]
    ) -> Connection[BountyFulfilment]:
        context = _ctx(info)
        context.actor.require_manager(self.organization_pk)
        query = m.BountyFulfilment.filter(bounty_id=self.pk)
        if status is not None:
            query = query.filter(status=status)
        page = await fetch_page(query, context.page(first, after, last, before))
        return connection(page, BountyFulfilment.from_row)

    @strawberry.field(description="The caller's own fulfilment, if they submitted one.")
    async def my_fulfilment(self, info: strawberry.Info) -> BountyFulfilment | None:
        worker = await _ctx(info).actor.worker()
        if worker is None:
            return None
        row = await m.BountyFulfilment.get_or_none(bounty_id=self.pk, worker_id=worker.id)
        return BountyFulfilment.from_row(row) if row else None


@strawberry.input
class PostBountyInput:
    project_id: strawberry.ID
    title: str
    description: str
    reward: Long = strawberry.field(description="Minor units paid per accepted fulfilment.")
    max_accepted: int = strawberry.field(description="How many fulfilments may be accepted.")
    audience: Audience | None = None
    requirements: JSON | None = None


@strawberry.input
class BountyIdInput:
    bounty_id: strawberry.ID


@strawberry.input
class SubmitBountyFulfilmentInput:
    bounty_id: strawberry.ID
    text: str
    links: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class AcceptBountyFulfilmentInput:
    fulfilment_id: strawberry.ID


@strawberry.input
class DeclineBountyFulfilmentInput:
    fulfilment_id: strawberry.ID
    reason: str


@strawberry.type
class BountyPayload(Payload):
    bounty: Bounty | None = None


@strawberry.type
class BountyFulfilmentPayload(Payload):
    fulfilment: BountyFulfilment | None = None


def _bounty_pk(gid: str) -> int:
    return decode_id(gid, "Bounty", field="bountyId")


def _fulfilment_pk(gid: str) -> int:
    return decode_id(gid, "BountyFulfilment", field="fulfilmentId")


def _requirements(raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
        raise InvalidInput.one(
            "requirements", "INVALID_FORMAT", "requirements must be a list of objects"
        )
    return raw


@strawberry.type
class BountyMutation:
    @strawberry.mutation(
        description="Post a bounty in a project the caller manages; holds its cost."
    )
    async def post_bounty(self, info: strawberry.Info, input: PostBountyInput) -> BountyPayload:
        context = _ctx(info)

        async def act() -> dict[str, Any]:
            draft = service.BountyDraft(
                title=input.title,
                description=input.description,
                reward=int(input.reward),
                max_accepted=input.max_accepted,
                audience=input.audience,
                requirements=_requirements(input.requirements),
            )
            project = decode_id(input.project_id, "Project", field="projectId")
            limit = bounty_settings(context.platform).max_accepted
            row = await service.post_bounty(context.actor, project, draft, max_accepted=limit)
            return {"bounty": Bounty.from_row(row)}

        return await run_mutation(BountyPayload, act())

    @strawberry.mutation(description="Answer an open bounty (workers, once per bounty).")
    async def submit_bounty_fulfilment(
        self, info: strawberry.Info, input: SubmitBountyFulfilmentInput
    ) -> BountyFulfilmentPayload:
        context = _ctx(info)

        async def act() -> dict[str, Any]:
            row = await service.submit_fulfilment(
                context.actor, _bounty_pk(input.bounty_id), input.text, list(input.links)
            )
            return {"fulfilment": BountyFulfilment.from_row(row)}

        return await run_mutation(BountyFulfilmentPayload, act())

    @strawberry.mutation(
        description="Accept a fulfilment and pay its reward from the bounty's hold."
    )
    async def accept_bounty_fulfilment(
        self, info: strawberry.Info, input: AcceptBountyFulfilmentInput
    ) -> BountyFulfilmentPayload:
        context = _ctx(info)

        async def act() -> dict[str, Any]:
            row = await service.accept_fulfilment(
                context.actor, _fulfilment_pk(input.fulfilment_id)
            )
            return {"fulfilment": BountyFulfilment.from_row(row)}

        return await run_mutation(BountyFulfilmentPayload, act())

    @strawberry.mutation(description="Decline a fulfilment, saying why.")
    async def decline_bounty_fulfilment(
        self, info: strawberry.Info, input: DeclineBountyFulfilmentInput
    ) -> BountyFulfilmentPayload:
        context = _ctx(info)

        async def act() -> dict[str, Any]:
            row = await service.decline_fulfilment(
                context.actor, _fulfilment_pk(input.fulfilment_id), input.reason
            )
            return {"fulfilment": BountyFulfilment.from_row(row)}

        return await run_mutation(BountyFulfilmentPayload, act())

    @strawberry.mutation(description="Close a bounty: release what is still held.")
    async def close_bounty(self, info: strawberry.Info, input: BountyIdInput) -> BountyPayload:
        context = _ctx(info)

        async def act() -> dict[str, Any]:
            row = await service.close_bounty(context.actor, _bounty_pk(input.bounty_id))
            return {"bounty": Bounty.from_row(row)}

        return await run_mutation(BountyPayload, act())


@strawberry.type
class BountyQuery:
    @strawberry.field(description="Bounties the caller may see, oldest first.")
    async def bounties(
        self,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        project_id: strawberry.ID | None = None,
    ) -> Connection[Bounty] | None:
        context = _ctx(info)
        project = (
            None if project_id is None else decode_id(project_id, "Project", field="projectId")
        )
        page = await service.list_bounties(
            context.actor, context.page(first, after, last, before), project_id=project
        )
        return connection(page, Bounty.from_row)


async def resolve_bounty(context: Context, pk: int) -> Bounty | None:
    return Bounty.from_row(await service.get_bounty(context.actor, pk))


async def resolve_fulfilment(context: Context, pk: int) -> BountyFulfilment | None:
    return BountyFulfilment.from_row(await service.get_fulfilment(context.actor, pk))


async def stages(context: Context, project_ids: Sequence[int]) -> dict[int, list[Bounty]]:
    rows = await service.project_bounties(context.actor, project_ids)
    return by_project(rows, Bounty.from_row)


def part() -> SchemaPart:
    return SchemaPart(
        query=BountyQuery,
        mutation=BountyMutation,
        types=[Bounty, BountyFulfilment],
        nodes={"Bounty": resolve_bounty, "BountyFulfilment": resolve_fulfilment},
        details={service.DETAIL_TYPE: resolve_fulfilment},
        stages=[stages],
    )
