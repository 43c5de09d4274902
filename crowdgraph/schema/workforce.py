"""Mutations and queries of the workforce view and learning: classification limits, mentors, comments."""

from __future__ import annotations

import strawberry

from crowdgraph.core import learning, workforce
from crowdgraph.schema.errors import Payload, run_mutation
from crowdgraph.schema.prefetch import connection_of
from crowdgraph.schema.relay import Connection, decode_id
from crowdgraph.schema.types import EngagementComment, Long, Organization, Project


@strawberry.input
class SetClassificationLimitsInput:
    organization_id: strawberry.ID
    hours: int | None = strawberry.field(
        default=None,
        description="Hours one independent worker may work for it in the window (null: no limit).",
    )
    earnings: Long | None = strawberry.field(
        default=None,
        description="Minor units one independent worker may earn from it in the window (null: no limit).",
    )
    window_days: int = 365


@strawberry.input
class MarkLearningOpportunityInput:
    project_id: strawberry.ID
    learning: bool = True
    mentor_email: str | None = strawberry.field(
        default=None,
        description="The mentor: a member of the organization or one of its internal workers.",
    )


@strawberry.input
class CommentOnEngagementInput:
    engagement_id: strawberry.ID
    text: str


@strawberry.type
class SetClassificationLimitsPayload(Payload):
    organization: Organization | None = None


@strawberry.type
class MarkLearningOpportunityPayload(Payload):
    project: Project | None = None


@strawberry.type
class CommentOnEngagementPayload(Payload):
    comment: EngagementComment | None = None


@strawberry.type
class WorkforceQuery:
    @strawberry.field(
        description="Learning opportunities the caller may see: their employer's, their "
        "organizations', and those they mentor."
    )
    async def learning_opportunities(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None
    ) -> Connection[Project]:
        page = await learning.learning_opportunities(
            info.context.actor, info.context.page(first, after)
        )
        return await connection_of(info, page, Project.from_row)


@strawberry.type
class WorkforceMutation:
    @strawberry.mutation(
        description="Limits on an independent worker's hours and earnings that raise a "
        "classification warning (owners and managers)."
    )
    async def set_classification_limits(
        self, info: strawberry.Info, input: SetClassificationLimitsInput
    ) -> SetClassificationLimitsPayload:
        async def act() -> dict[str, object]:
            row = await workforce.set_classification_limits(
                info.context.actor,
                decode_id(input.organization_id, "Organization", field="organizationId"),
                hours=input.hours,
                earnings=None if input.earnings is None else int(input.earnings),
                window_days=input.window_days,
            )
            return {"organization": Organization.from_row(row)}

        return await run_mutation(SetClassificationLimitsPayload, act())

    @strawberry.mutation(
        description="Mark internal work as a learning opportunity with a mentor, or unmark it."
    )
    async def mark_learning_opportunity(
        self, info: strawberry.Info, input: MarkLearningOpportunityInput
    ) -> MarkLearningOpportunityPayload:
        async def act() -> dict[str, object]:
            row = await learning.mark_learning(
                info.context.actor,
                decode_id(input.project_id, "Project", field="projectId"),
                learning=input.learning,
                mentor_email=input.mentor_email,
            )
            return {"project": Project.from_row(row)}

        return await run_mutation(MarkLearningOpportunityPayload, act())

    @strawberry.mutation(
        description="Comment on a piece of work: a mentor or manager to the worker, or the worker's reply."
    )
    async def comment_on_engagement(
        self, info: strawberry.Info, input: CommentOnEngagementInput
    ) -> CommentOnEngagementPayload:
        async def act() -> dict[str, object]:
            row = await learning.comment(
                info.context.actor,
                decode_id(input.engagement_id, "Engagement", field="engagementId"),
                input.text,
            )
            return {"comment": EngagementComment.from_row(row)}

        return await run_mutation(CommentOnEngagementPayload, act())
