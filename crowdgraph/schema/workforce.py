"""Mutations and queries of the workforce view and learning: classification limits, mentors, comments."""

from __future__ import annotations

import strawberry

from crowdgraph.core import learning, workforce
from crowdgraph.schema.errors import Payload, run_mutation
from crowdgraph.schema.prefetch import connection_of
from crowdgraph.schema.relay import After, Before, Connection, First, Last, decode_id
from crowdgraph.schema.types import EngagementComment, Long, Organization, Project


@strawberry.input
class SetClassificationLimitsInput:
    organization_id: strawberry.ID = strawberry.field(
        description="The Organization to set them for."
    )
    hours: int | None = strawberry.field(
        default=None,
        description="Hours one independent worker may work for it in the window (null: no limit).",
    )
    earnings: Long | None = strawberry.field(
        default=None,
        description="Minor units one independent worker may earn from it in the window (null: no limit).",
    )
    window_days: int = strawberry.field(
        default=365, description="The rolling window the limits count over, in days."
    )


@strawberry.input
class MarkLearningOpportunityInput:
    project_id: strawberry.ID = strawberry.field(description="The Project to mark.")
    learning: bool = strawberry.field(
        default=True, description="True to make it a learning opportunity, false to unmark it."
    )
    mentor_email: str | None = strawberry.field(
        default=None,
        description="The mentor: a member of the organization or one of its internal workers.",
    )


@strawberry.input
class CommentOnEngagementInput:
    engagement_id: strawberry.ID = strawberry.field(description="The Engagement to comment on.")
    text: str = strawberry.field(description="The comment.")


@strawberry.type
class SetClassificationLimitsPayload(Payload):
    organization: Organization | None = strawberry.field(
        default=None, description="The organization with its new limits; null when refused."
    )


@strawberry.type
class MarkLearningOpportunityPayload(Payload):
    project: Project | None = strawberry.field(
        default=None, description="The project as marked; null when refused."
    )


@strawberry.type
class CommentOnEngagementPayload(Payload):
    comment: EngagementComment | None = strawberry.field(
        default=None, description="The new comment; null when refused."
    )


@strawberry.type
class WorkforceQuery:
    @strawberry.field(
        description="Learning opportunities the caller may see: their employer's, their "
        "organizations', and those they mentor."
    )
    async def learning_opportunities(
        self,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Project] | None:
        page = await learning.learning_opportunities(
            info.context.actor, info.context.page(first, after, last, before)
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
