"""Mutations of combined projects: add a stage to a project's flow, and move the flow on."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON

from crowdgraph.core import stages
from crowdgraph.core.models import Project as ProjectRow
from crowdgraph.schema.errors import Payload, run_mutation
from crowdgraph.schema.relay import decode_id
from crowdgraph.schema.types import FlowStage, Project


@strawberry.input
class AddProjectStageInput:
    project_id: strawberry.ID = strawberry.field(description="The Project whose flow to extend.")
    model: str = strawberry.field(description="The staffing model (plugin) that runs the stage.")
    title: str = strawberry.field(description="What to call the stage.")
    settings: JSON = strawberry.field(
        description="What the model needs to create the stage's record (keys in snake_case)."
    )
    gate: JSON | None = strawberry.field(
        default=None,
        description="Requirements (eligibility format) every worker must meet to take part "
        "(null: none).",
    )
    carry: JSON | None = strawberry.field(
        default=None,
        description="Admit only who qualified in the previous stage, in its model's terms "
        "(e.g. {min_gold_accuracy: 0.9}, {max_rank: 3}, {}); null admits anyone.",
    )


@strawberry.input
class AdvanceProjectFlowInput:
    project_id: strawberry.ID = strawberry.field(description="The Project whose flow to advance.")


@strawberry.type
class AddProjectStagePayload(Payload):
    stage: FlowStage | None = strawberry.field(
        default=None, description="The new stage; null when refused."
    )


@strawberry.type
class AdvanceProjectFlowPayload(Payload):
    project: Project | None = strawberry.field(
        default=None, description="The project; null when refused."
    )
    flow: list[FlowStage] | None = strawberry.field(
        default=None, description="The project's stages after advancing; null when refused."
    )


def _project_id(global_id: str) -> int:
    return decode_id(global_id, "Project", field="projectId")


@strawberry.type
class FlowMutation:
    @strawberry.mutation(description="Append a stage of any enabled model to a project's flow.")
    async def add_project_stage(
        self, info: strawberry.Info, input: AddProjectStageInput
    ) -> AddProjectStagePayload:
        async def act() -> dict[str, Any]:
            row = await stages.add_stage(
                info.context.actor,
                _project_id(input.project_id),
                model=input.model,
                title=input.title,
                settings=input.settings,
                gate=[] if input.gate is None else input.gate,
                carry=input.carry,
            )
            return {"stage": FlowStage.from_row(row)}

        return await run_mutation(AddProjectStagePayload, act())

    @strawberry.mutation(
        description="Close the running stage if its record finished and start the next one "
        "(the flow also moves by itself when a stage's record finishes)."
    )
    async def advance_project_flow(
        self, info: strawberry.Info, input: AdvanceProjectFlowInput
    ) -> AdvanceProjectFlowPayload:
        async def act() -> dict[str, Any]:
            project_id = _project_id(input.project_id)
            rows = await stages.advance(info.context.actor, project_id)
            project = await ProjectRow.get(id=project_id)
            return {
                "project": Project.from_row(project),
                "flow": [FlowStage.from_row(row) for row in rows],
            }

        return await run_mutation(AdvanceProjectFlowPayload, act())
