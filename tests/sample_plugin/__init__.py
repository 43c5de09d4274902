"""A staffing model defined inside the tests ("errands"): proves what a plugin can add.

Tables, types implementing core interfaces (ProjectStage, EngagementDetail, Node), a query, a
mutation, an event handler and an eligibility check.
"""

from __future__ import annotations

from collections.abc import Sequence

import strawberry
from pydantic import BaseModel, Field

from crowdgraph import hookimpl
from crowdgraph.core import eligibility, engagements, projects
from crowdgraph.core.errors import InvalidInput
from crowdgraph.core.events import Event, emit
from crowdgraph.core.models import WorkerProfile
from crowdgraph.core.transaction import atomic
from crowdgraph.manifest import Manifest
from crowdgraph.schema.context import Context
from crowdgraph.schema.errors import Payload, run_mutation
from crowdgraph.schema.part import SchemaPart, by_project
from crowdgraph.schema.relay import decode_id, to_global_id
from crowdgraph.schema.types import EngagementDetail, Money, ProjectStage
from tests.sample_plugin.models import Errand, SeenEvent


class ErrandSettings(BaseModel, extra="forbid"):
    max_reward: int = Field(default=10_000, ge=1)


@strawberry.type
class ErrandType(ProjectStage, EngagementDetail):
    reward: Money
    done: bool

    @classmethod
    def from_row(cls, row: Errand) -> ErrandType:
        return cls(
            id=to_global_id("Errand", row.id),
            title=row.title,
            model="errands",
            reward=Money.of(row.reward, "USD"),
            done=row.done,
        )


@strawberry.input
class PostErrandInput:
    project_id: strawberry.ID
    title: str
    reward: int


@strawberry.type
class PostErrandPayload(Payload):
    errand: ErrandType | None = None


@strawberry.input
class TakeErrandInput:
    errand_id: strawberry.ID


@strawberry.type
class TakeErrandPayload(Payload):
    engagement_id: strawberry.ID | None = None


async def post_errand(context: Context, project_gid: str, title: str, reward: int) -> Errand:
    project = await projects.get_managed_project(
        context.actor, decode_id(project_gid, "Project", field="projectId")
    )
    limit = context.platform.plugin_settings("errands").max_reward
    if not 0 < reward <= limit:
        raise InvalidInput.one(
            "reward", "OUT_OF_RANGE", f"reward must be between 1 and {limit} (got {reward})"
        )
    async with atomic():
        errand = await Errand.create(
            project_id=project.id,
            organization_id=project.organization_id,
            title=title,
            reward=reward,
        )
        await emit(
            "errands.errand.posted",
            {"errand_id": errand.id},
            organization_id=project.organization_id,
            project_id=project.id,
        )
    return errand


async def take_errand(context: Context, errand_gid: str) -> int:
    worker = await context.actor.require_worker()
    errand = await Errand.get(id=decode_id(errand_gid, "Errand", field="errandId"))
    async with atomic():
        engagement = await engagements.start_engagement(
            worker_id=worker.id,
            worker_account_id=worker.account_id,
            organization_id=errand.organization_id,
            project_id=errand.project_id,
            model="errands",
            detail_type="Errand",
            detail_id=errand.id,
            pay_amount=errand.reward,
            title=errand.title,
        )
        errand.taken_by_id = worker.id
        await errand.save()
    return engagement.id


@strawberry.type
class ErrandQuery:
    @strawberry.field
    async def errands(self, info: strawberry.Info) -> list[ErrandType]:
        return [ErrandType.from_row(e) for e in await Errand.all().order_by("id")]


@strawberry.type
class ErrandMutation:
    @strawberry.mutation
    async def post_errand(self, info: strawberry.Info, input: PostErrandInput) -> PostErrandPayload:
        async def act() -> dict[str, object]:
            row = await post_errand(info.context, input.project_id, input.title, input.reward)
            return {"errand": ErrandType.from_row(row)}

        return await run_mutation(PostErrandPayload, act())

    @strawberry.mutation
    async def take_errand(self, info: strawberry.Info, input: TakeErrandInput) -> TakeErrandPayload:
        async def act() -> dict[str, object]:
            engagement = await take_errand(info.context, input.errand_id)
            return {"engagement_id": to_global_id("Engagement", engagement)}

        return await run_mutation(TakeErrandPayload, act())


async def resolve_errand(context: Context, pk: int) -> ErrandType | None:
    row = await Errand.get_or_none(id=pk)
    return ErrandType.from_row(row) if row else None


async def stages(context: Context, project_ids: Sequence[int]) -> dict[int, list[ErrandType]]:
    rows = await Errand.filter(project_id__in=list(project_ids)).order_by("id")
    return by_project(rows, ErrandType.from_row)


def _validate_done(req: eligibility.Requirement) -> list[str]:
    n = req.get("min")
    return [] if isinstance(n, int) and n >= 0 else [f"min must be a whole number >= 0 (got {n!r})"]


async def _check_done(worker: WorkerProfile, req: eligibility.Requirement) -> str | None:
    done = await Errand.filter(taken_by_id=worker.id, done=True).count()
    return None if done >= req["min"] else f"needs {req['min']} finished errands (has {done})"


@hookimpl
def register_manifest() -> Manifest:
    return Manifest(
        name="errands",
        version="1.0",
        description="Errands: a tiny staffing model for tests",
        models=("tests.sample_plugin.models",),
        migrations="tests.sample_plugin.migrations",
        settings=ErrandSettings,
    )


@hookimpl
def register_schema(platform: object) -> SchemaPart:
    return SchemaPart(
        query=ErrandQuery,
        mutation=ErrandMutation,
        types=[ErrandType],
        nodes={"Errand": resolve_errand},
        details={"Errand": resolve_errand},
        stages=[stages],
    )


@hookimpl
def register_requirements(platform: object) -> list[eligibility.RequirementKind]:
    return [
        eligibility.RequirementKind("errands.done", "finished errands", _validate_done, _check_done)
    ]


@hookimpl
async def handle_event(platform: object, event: Event) -> None:
    await SeenEvent.get_or_create(event_id=event.id, defaults={"name": event.name})


@hookimpl
def register_context(platform: object, context: Context) -> dict[str, object]:
    return {"greeting": "hello from errands"}
