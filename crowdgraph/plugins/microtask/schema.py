"""The plugin's GraphQL: batches (project stages), tasks and assignments (engagement details).

Resolvers are thin: read input, call one service, map the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.scalars import JSON

from crowdgraph.core.errors import InvalidInput, NotFound
from crowdgraph.core.models import Audience
from crowdgraph.plugins.microtask import batches, fairness, quality, review, work
from crowdgraph.plugins.microtask.aggregation import Estimate
from crowdgraph.plugins.microtask.batches import BatchFields
from crowdgraph.plugins.microtask.config import NAME, Config
from crowdgraph.plugins.microtask.models import (
    AppealStatus,
    Assignment,
    AssignmentStatus,
    Batch,
    BatchStatus,
    Scheduling,
    Task,
    TaskStatus,
    WorkerStanding,
)
from crowdgraph.schema.context import Context, Loader
from crowdgraph.schema.errors import Payload, run_mutation
from crowdgraph.schema.part import SchemaPart, by_project
from crowdgraph.schema.prefetch import connection_of
from crowdgraph.schema.relay import (
    Connection,
    Node,
    decode_id,
    to_global_id,
    wide_keys,
)
from crowdgraph.schema.types import EngagementDetail, Money, ProjectStage

for _enum in (BatchStatus, TaskStatus, AssignmentStatus, AppealStatus, Scheduling):
    strawberry.enum(_enum, name=f"Microtask{_enum.__name__}")


def standings_loader() -> DataLoader[tuple[int, int], WorkerStanding | None]:
    """Standings by (batch id, worker id), batched per request."""

    async def load(keys: Sequence[tuple[int, int]]) -> list[WorkerStanding | None]:
        batch_ids = list({batch for batch, _ in keys})
        worker_ids = list({worker for _, worker in keys})
        rows = await WorkerStanding.filter(batch_id__in=batch_ids, worker_id__in=worker_ids)
        found = {(row.batch_id, row.worker_id): row for row in rows}
        return [found.get(key) for key in keys]

    return Loader(load_fn=load)


ResultKey = tuple[int, int, str | None]
"""(batch id, task id, aggregator name or None for the batch's own)."""


def results_loader(config: Config) -> DataLoader[ResultKey, Estimate | None]:
    """Tasks' results, computed per batch and aggregator once a request (``quality.results``)."""

    async def load(keys: Sequence[ResultKey]) -> list[Estimate | None]:
        asked: dict[tuple[int, str | None], list[int]] = {}
        for batch_id, task_id, method in keys:
            asked.setdefault((batch_id, method), []).append(task_id)
        found: dict[ResultKey, Estimate] = {}
        for (batch_id, method), task_ids in asked.items():
            batch = await Batch.get(id=batch_id)
            estimates = await quality.results(config, batch, task_ids, method)
            found.update({(batch_id, t, method): e for t, e in estimates.items()})
        return [found.get(key) for key in keys]

    return Loader(load_fn=load)


wide_keys("MicrotaskTask", "MicrotaskAssignment")  # 64-bit keys: batches of millions of tasks


def config(info: strawberry.Info) -> Config:
    return info.context.plugins[NAME]["config"]


@strawberry.type
class MicrotaskTask(Node):
    pk: strawberry.Private[int]
    batch_pk: strawberry.Private[int]
    aggregator: strawberry.Private[str | None]
    key: str | None = strawberry.field(
        description="The task's external key: the one given when it was added, or a digest of "
        "its input and gold answer."
    )
    input: JSON
    answers_needed: int
    answers_received: int
    status: TaskStatus

    @classmethod
    def from_row(cls, row: Task, aggregator: str | None = None) -> MicrotaskTask:
        return cls(
            id=to_global_id("MicrotaskTask", row.id),
            pk=row.id,
            batch_pk=row.batch_id,
            aggregator=aggregator,
            key=row.key,
            input=JSON(row.input),
            answers_needed=row.answers_needed,
            answers_received=row.answers_received,
            status=row.status,
        )

    async def _estimate(self, info: strawberry.Info) -> Estimate | None:
        loader = info.context.plugins[NAME]["results"]
        return await loader.load((self.batch_pk, self.pk, self.aggregator))

    @strawberry.field(
        description="The answer the batch's aggregator (or the one `tasks(aggregator:)` names) "
        "gives from the answers counted so far; final once the task is COMPLETED. Null before "
        "any answer counts, and for gold tasks."
    )
    async def result(self, info: strawberry.Info) -> JSON | None:
        estimate = await self._estimate(info)
        return None if estimate is None else estimate.value

    @strawberry.field(description="How sure that aggregator is of the result, from 0 to 1.")
    async def confidence(self, info: strawberry.Info) -> float | None:
        estimate = await self._estimate(info)
        return None if estimate is None else estimate.confidence


@strawberry.type
class MicrotaskAssignment(EngagementDetail):
    pk: strawberry.Private[int]
    task_pk: strawberry.Private[int]
    batch_pk: strawberry.Private[int]
    worker_pk: strawberry.Private[int]
    status: AssignmentStatus
    answer: JSON | None
    lease_expires_at: datetime
    started_at: datetime
    submitted_at: datetime | None
    time_on_task: int | None
    too_fast: bool
    feedback: str
    appeal_status: AppealStatus
    appeal_reason: str
    appeal_response: str

    @classmethod
    def from_row(cls, row: Assignment) -> MicrotaskAssignment:
        return cls(
            id=to_global_id("MicrotaskAssignment", row.id),
            model=NAME,
            pk=row.id,
            task_pk=row.task_id,
            batch_pk=row.batch_id,
            worker_pk=row.worker_id,
            status=row.status,
            answer=row.value,
            lease_expires_at=row.lease_expires_at,
            started_at=row.started_at,
            submitted_at=row.submitted_at,
            time_on_task=row.time_on_task,
            too_fast=row.too_fast,
            feedback=row.feedback,
            appeal_status=row.appeal_status,
            appeal_reason=row.appeal_reason,
            appeal_response=row.appeal_response,
        )

    @strawberry.field(description="The task's input (never its gold answer).")
    async def task(self, info: strawberry.Info) -> MicrotaskTask:
        row = await info.context.by_id(Task).load(self.task_pk)
        return MicrotaskTask.from_row(row)

    @strawberry.field(
        description="The worker's gold accuracy in this batch, null before gold answers."
    )
    async def worker_gold_accuracy(self, info: strawberry.Info) -> float | None:
        loader = info.context.plugins[NAME]["standings"]
        standing = await loader.load((self.batch_pk, self.worker_pk))
        return standing.accuracy if standing else None


@strawberry.type
class MicrotaskBatch(ProjectStage):
    pk: strawberry.Private[int]
    instructions: str
    answer_spec: JSON
    reward: Money
    overlap: int
    max_overlap: int
    lease_seconds: int
    deadline: datetime | None
    requirements: JSON
    priority: int
    audience: Audience
    status: BatchStatus
    gold_rate: float
    scheduling: Scheduling
    aggregator: str
    median_seconds: float | None = strawberry.field(
        description="Median time on task of recent answers."
    )
    hourly_pay: Money | None = strawberry.field(
        description="Effective pay per hour at the median time on task."
    )

    @classmethod
    def from_row(cls, row: Batch, median: float | None = None) -> MicrotaskBatch:
        hourly = work.hourly(row.reward, median)
        return cls(
            id=to_global_id("MicrotaskBatch", row.id),
            title=row.title,
            model=NAME,
            pk=row.id,
            instructions=row.instructions,
            answer_spec=JSON(row.answer_spec),
            reward=Money.of(row.reward, row.currency),
            overlap=row.overlap,
            max_overlap=row.max_overlap,
            lease_seconds=row.lease_seconds,
            deadline=row.deadline,
            requirements=JSON(row.requirements),
            priority=row.priority,
            audience=row.audience,
            status=row.status,
            gold_rate=row.gold_rate,
            scheduling=row.scheduling,
            aggregator=row.aggregator,
            median_seconds=median,
            hourly_pay=None if hourly is None else Money.of(hourly, row.currency),
        )

    @strawberry.field(
        description="The batch's regular tasks with their results (its requester only)."
    )
    async def tasks(
        self,
        info: strawberry.Info,
        status: TaskStatus | None = None,
        aggregator: Annotated[
            str | None,
            strawberry.argument(
                description="A registered aggregator to give the results instead of the batch's own."
            ),
        ] = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[MicrotaskTask]:
        page = await batches.list_tasks(
            info.context.actor,
            config(info),
            self.pk,
            info.context.page(first, after),
            status,
            aggregator,
        )
        return await connection_of(info, page, lambda row: MicrotaskTask.from_row(row, aggregator))

    @strawberry.field(
        description="Answers of this batch for its requester to review (submitted by default)."
    )
    async def answers(
        self,
        info: strawberry.Info,
        status: AssignmentStatus | None = AssignmentStatus.SUBMITTED,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[MicrotaskAssignment]:
        page = await review.answers_to_review(
            info.context.actor, self.pk, info.context.page(first, after), status
        )
        return await connection_of(info, page, MicrotaskAssignment.from_row)


@strawberry.input
class MicrotaskBatchInput:
    title: str | None = None
    instructions: str | None = None
    answer_spec: JSON | None = None
    reward: int | None = None
    overlap: int | None = None
    max_overlap: int | None = None
    confidence_threshold: float | None = None
    gold_rate: float | None = None
    gold_overlap: int | None = None
    lease_seconds: int | None = None
    deadline: datetime | None = None
    requirements: JSON | None = None
    priority: int | None = None
    scheduling: Scheduling | None = None
    aggregator: str | None = None
    skill: str | None = None
    skill_level: int | None = None

    def fields(self) -> BatchFields:
        return BatchFields(
            **{
                name: getattr(self, name)
                for name in BatchFields.__dataclass_fields__
                if hasattr(self, name)
            }
        )


@strawberry.input
class CreateMicrotaskBatchInput:
    project_id: strawberry.ID
    batch: MicrotaskBatchInput


@strawberry.input
class UpdateMicrotaskBatchInput:
    batch_id: strawberry.ID
    batch: MicrotaskBatchInput


@strawberry.input
class MicrotaskBatchIdInput:
    batch_id: strawberry.ID


@strawberry.input
class AddMicrotaskTasksInput:
    batch_id: strawberry.ID
    tasks: list[JSON] = strawberry.field(
        description='Each {"input": {...}}, with "gold": answer for a gold task and "key": your '
        "own external key (else a digest of input and gold). A key the batch holds is skipped."
    )


@strawberry.input
class SubmitMicrotaskAnswerInput:
    assignment_id: strawberry.ID
    answer: JSON


@strawberry.input
class MicrotaskAssignmentIdInput:
    assignment_id: strawberry.ID


@strawberry.input
class RejectMicrotaskAnswerInput:
    assignment_id: strawberry.ID
    feedback: str


@strawberry.input
class AppealMicrotaskRejectionInput:
    assignment_id: strawberry.ID
    reason: str


@strawberry.input
class AnswerMicrotaskAppealInput:
    assignment_id: strawberry.ID
    uphold: bool
    response: str


@strawberry.input
class BlockMicrotaskWorkerInput:
    worker_id: strawberry.ID
    reason: str
    organization_id: strawberry.ID | None = strawberry.field(
        default=None, description="Block from all of the organization's batches."
    )
    batch_id: strawberry.ID | None = strawberry.field(
        default=None, description="Block from one batch."
    )


@strawberry.input
class PayMicrotaskBonusInput:
    assignment_id: strawberry.ID
    amount: int
    reason: str
    idempotency_key: str


@strawberry.type
class BlockMicrotaskWorkerPayload(Payload):
    blocked: bool = False


@strawberry.type
class PayMicrotaskBonusPayload(Payload):
    paid: Money | None = None


@strawberry.type
class MicrotaskBatchPayload(Payload):
    batch: MicrotaskBatch | None = None


@strawberry.type
class AddMicrotaskTasksPayload(Payload):
    added: int | None = strawberry.field(
        default=None, description="Tasks stored by this call (tasks the batch held are skipped)."
    )
    tasks: list[MicrotaskTask] | None = strawberry.field(
        default=None,
        description="Every task of the call in the order given, new or already held, with its key.",
    )


@strawberry.type
class MicrotaskAssignmentPayload(Payload):
    assignment: MicrotaskAssignment | None = None


def _batch_id(gid: str) -> int:
    return decode_id(gid, "MicrotaskBatch", field="batchId")


def _assignment_id(gid: str) -> int:
    return decode_id(gid, "MicrotaskAssignment", field="assignmentId")


def _assignment(row: Assignment | None) -> dict[str, Any]:
    return {"assignment": MicrotaskAssignment.from_row(row) if row else None}


def _batch(row: Batch) -> dict[str, Any]:
    return {"batch": MicrotaskBatch.from_row(row)}


@strawberry.type
class MicrotaskWorkerPay:
    worker_pk: strawberry.Private[int]
    answers: int
    paid: Money
    seconds: int
    hourly_pay: Money | None

    @strawberry.field
    def worker_id(self) -> strawberry.ID:
        return to_global_id("Worker", self.worker_pk)


@strawberry.type(
    description="Effective pay of a batch, seen alike by its requester and its workers."
)
class MicrotaskPay:
    reward: Money
    median_seconds: float | None
    hourly_pay: Money | None
    pay_floor: Money | None
    below_floor: bool
    workers: list[MicrotaskWorkerPay] = strawberry.field(
        description="Per worker (a worker sees only their own line)."
    )


@strawberry.type(description="A worker's record in a batch: answers, gold accuracy, restriction.")
class MicrotaskStanding:
    answers: int
    gold_answers: int
    gold_correct: int
    gold_accuracy: float | None
    restricted: bool


@strawberry.type
class MicrotaskQuery:
    @strawberry.field(
        description="The calling worker's standing in a batch (null before any answer)."
    )
    async def my_microtask_standing(
        self, info: strawberry.Info, batch_id: strawberry.ID
    ) -> MicrotaskStanding | None:
        row = await quality.my_standing(info.context.actor, _batch_id(batch_id))
        if row is None:
            return None
        return MicrotaskStanding(
            answers=row.answers,
            gold_answers=row.gold_answers,
            gold_correct=row.gold_correct,
            gold_accuracy=row.accuracy,
            restricted=row.restricted,
        )

    @strawberry.field(description="A batch's effective hourly pay, overall and per worker.")
    async def microtask_pay(self, info: strawberry.Info, batch_id: strawberry.ID) -> MicrotaskPay:
        actor, pk = info.context.actor, _batch_id(batch_id)
        pay = await fairness.batch_pay(actor, config(info), pk)
        lines = await fairness.worker_pay(actor, pk)

        def money(amount: int | None) -> Money | None:
            return None if amount is None else Money.of(amount, pay.currency)

        return MicrotaskPay(
            reward=Money.of(pay.reward, pay.currency),
            median_seconds=pay.median_seconds,
            hourly_pay=money(pay.hourly_pay),
            pay_floor=money(pay.pay_floor),
            below_floor=pay.below_floor,
            workers=[
                MicrotaskWorkerPay(
                    worker_pk=line.worker_id,
                    answers=line.answers,
                    paid=Money.of(line.paid, pay.currency),
                    seconds=line.seconds,
                    hourly_pay=money(line.hourly_pay),
                )
                for line in lines
            ],
        )

    @strawberry.field(
        description="Open batches the calling worker may claim in, with their effective pay."
    )
    async def microtask_feed(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None
    ) -> Connection[MicrotaskBatch]:
        page = await work.feed(info.context.actor, info.context.page(first, after))
        return await connection_of(
            info,
            page,
            lambda item: MicrotaskBatch.from_row(item.batch, item.median_seconds),
            key=lambda item: item.batch.id,
        )

    @strawberry.field(description="A project's batches (its organization's owners and managers).")
    async def microtask_batches(
        self,
        info: strawberry.Info,
        project_id: strawberry.ID,
        status: BatchStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[MicrotaskBatch]:
        page = await batches.list_batches(
            info.context.actor,
            decode_id(project_id, "Project", field="projectId"),
            info.context.page(first, after),
            status,
        )
        return await connection_of(info, page, MicrotaskBatch.from_row)

    @strawberry.field(description="The calling worker's assignments, newest last.")
    async def my_microtask_assignments(
        self,
        info: strawberry.Info,
        status: AssignmentStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[MicrotaskAssignment]:
        page = await work.my_assignments(
            info.context.actor, info.context.page(first, after), status
        )
        return await connection_of(info, page, MicrotaskAssignment.from_row)


@strawberry.type
class MicrotaskMutation:
    @strawberry.mutation
    async def create_microtask_batch(
        self, info: strawberry.Info, input: CreateMicrotaskBatchInput
    ) -> MicrotaskBatchPayload:
        async def act() -> dict[str, Any]:
            project_id = decode_id(input.project_id, "Project", field="projectId")
            return _batch(
                await batches.create_batch(
                    info.context.actor, config(info), project_id, input.batch.fields()
                )
            )

        return await run_mutation(MicrotaskBatchPayload, act())

    @strawberry.mutation
    async def update_microtask_batch(
        self, info: strawberry.Info, input: UpdateMicrotaskBatchInput
    ) -> MicrotaskBatchPayload:
        async def act() -> dict[str, Any]:
            return _batch(
                await batches.update_batch(
                    info.context.actor,
                    config(info),
                    _batch_id(input.batch_id),
                    input.batch.fields(),
                )
            )

        return await run_mutation(MicrotaskBatchPayload, act())

    @strawberry.mutation
    async def add_microtask_tasks(
        self, info: strawberry.Info, input: AddMicrotaskTasksInput
    ) -> AddMicrotaskTasksPayload:
        async def act() -> dict[str, Any]:
            done = await batches.add_tasks(
                info.context.actor, config(info), _batch_id(input.batch_id), list(input.tasks)
            )
            rows = await Task.in_bulk(done.ids, "id")
            return {
                "added": done.added,
                "tasks": [MicrotaskTask.from_row(rows[pk]) for pk in done.ids],
            }

        return await run_mutation(AddMicrotaskTasksPayload, act())

    @strawberry.mutation
    async def open_microtask_batch(
        self, info: strawberry.Info, input: MicrotaskBatchIdInput
    ) -> MicrotaskBatchPayload:
        async def act() -> dict[str, Any]:
            return _batch(await batches.open_batch(info.context.actor, _batch_id(input.batch_id)))

        return await run_mutation(MicrotaskBatchPayload, act())

    @strawberry.mutation
    async def pause_microtask_batch(
        self, info: strawberry.Info, input: MicrotaskBatchIdInput
    ) -> MicrotaskBatchPayload:
        async def act() -> dict[str, Any]:
            return _batch(await batches.pause_batch(info.context.actor, _batch_id(input.batch_id)))

        return await run_mutation(MicrotaskBatchPayload, act())

    @strawberry.mutation
    async def close_microtask_batch(
        self, info: strawberry.Info, input: MicrotaskBatchIdInput
    ) -> MicrotaskBatchPayload:
        async def act() -> dict[str, Any]:
            return _batch(await batches.close_batch(info.context.actor, _batch_id(input.batch_id)))

        return await run_mutation(MicrotaskBatchPayload, act())

    @strawberry.mutation(
        description="Claim the next task of a batch; assignment is null when none is left for you."
    )
    async def claim_microtask(
        self, info: strawberry.Info, input: MicrotaskBatchIdInput
    ) -> MicrotaskAssignmentPayload:
        async def act() -> dict[str, Any]:
            return _assignment(await work.claim_next(info.context.actor, _batch_id(input.batch_id)))

        return await run_mutation(MicrotaskAssignmentPayload, act())

    @strawberry.mutation
    async def submit_microtask_answer(
        self, info: strawberry.Info, input: SubmitMicrotaskAnswerInput
    ) -> MicrotaskAssignmentPayload:
        async def act() -> dict[str, Any]:
            return _assignment(
                await work.submit(
                    info.context.actor,
                    config(info),
                    _assignment_id(input.assignment_id),
                    input.answer,
                )
            )

        return await run_mutation(MicrotaskAssignmentPayload, act())

    @strawberry.mutation
    async def release_microtask(
        self, info: strawberry.Info, input: MicrotaskAssignmentIdInput
    ) -> MicrotaskAssignmentPayload:
        async def act() -> dict[str, Any]:
            return _assignment(
                await work.release(info.context.actor, _assignment_id(input.assignment_id))
            )

        return await run_mutation(MicrotaskAssignmentPayload, act())

    @strawberry.mutation
    async def approve_microtask_answer(
        self, info: strawberry.Info, input: MicrotaskAssignmentIdInput
    ) -> MicrotaskAssignmentPayload:
        async def act() -> dict[str, Any]:
            return _assignment(
                await review.approve(
                    info.context.actor, config(info), _assignment_id(input.assignment_id)
                )
            )

        return await run_mutation(MicrotaskAssignmentPayload, act())

    @strawberry.mutation
    async def reject_microtask_answer(
        self, info: strawberry.Info, input: RejectMicrotaskAnswerInput
    ) -> MicrotaskAssignmentPayload:
        async def act() -> dict[str, Any]:
            return _assignment(
                await review.reject(
                    info.context.actor, _assignment_id(input.assignment_id), input.feedback
                )
            )

        return await run_mutation(MicrotaskAssignmentPayload, act())

    @strawberry.mutation
    async def appeal_microtask_rejection(
        self, info: strawberry.Info, input: AppealMicrotaskRejectionInput
    ) -> MicrotaskAssignmentPayload:
        async def act() -> dict[str, Any]:
            return _assignment(
                await review.appeal(
                    info.context.actor,
                    config(info),
                    _assignment_id(input.assignment_id),
                    input.reason,
                )
            )

        return await run_mutation(MicrotaskAssignmentPayload, act())

    @strawberry.mutation
    async def answer_microtask_appeal(
        self, info: strawberry.Info, input: AnswerMicrotaskAppealInput
    ) -> MicrotaskAssignmentPayload:
        async def act() -> dict[str, Any]:
            return _assignment(
                await review.answer_appeal(
                    info.context.actor,
                    config(info),
                    _assignment_id(input.assignment_id),
                    input.uphold,
                    input.response,
                )
            )

        return await run_mutation(MicrotaskAssignmentPayload, act())

    @strawberry.mutation
    async def block_microtask_worker(
        self, info: strawberry.Info, input: BlockMicrotaskWorkerInput
    ) -> BlockMicrotaskWorkerPayload:
        async def act() -> dict[str, Any]:
            worker_id = decode_id(input.worker_id, "Worker", field="workerId")
            batch_id = _batch_id(input.batch_id) if input.batch_id else None
            if input.organization_id is None and batch_id is None:
                raise InvalidInput.one(
                    "organizationId", "REQUIRED", "name an organizationId or a batchId"
                )
            org_id = (
                decode_id(input.organization_id, "Organization", field="organizationId")
                if input.organization_id
                else 0
            )
            await review.block(
                info.context.actor, org_id, worker_id, input.reason, batch_id=batch_id
            )
            return {"blocked": True}

        return await run_mutation(BlockMicrotaskWorkerPayload, act())

    @strawberry.mutation
    async def pay_microtask_bonus(
        self, info: strawberry.Info, input: PayMicrotaskBonusInput
    ) -> PayMicrotaskBonusPayload:
        async def act() -> dict[str, Any]:
            entry = await review.bonus(
                info.context.actor,
                _assignment_id(input.assignment_id),
                input.amount,
                input.reason,
                input.idempotency_key,
            )
            return {"paid": Money.of(entry.amount, entry.currency)}

        return await run_mutation(PayMicrotaskBonusPayload, act())


async def resolve_batch(context: Context, pk: int) -> MicrotaskBatch | None:
    try:
        row = await batches.get_batch(context.actor, pk)
    except NotFound:
        return None
    return MicrotaskBatch.from_row(row)


async def resolve_assignment(context: Context, pk: int) -> MicrotaskAssignment | None:
    """An assignment its worker, or the batch's requester, may see."""
    row = await context.by_id(Assignment).load(pk)
    if row is None:
        return None
    worker = await context.actor.worker()
    if worker is not None and worker.id == row.worker_id:
        return MicrotaskAssignment.from_row(row)
    batch = await context.by_id(Batch).load(row.batch_id)
    if batch is not None and context.actor.can_manage(batch.organization_id):
        return MicrotaskAssignment.from_row(row)
    return None


async def resolve_task(context: Context, pk: int) -> MicrotaskTask | None:
    """A task its batch's requester, or a worker who was assigned it, may see."""
    row = await context.by_id(Task).load(pk)
    if row is None:
        return None
    batch = await context.by_id(Batch).load(row.batch_id)
    if batch is not None and context.actor.can_manage(batch.organization_id):
        return MicrotaskTask.from_row(row)
    worker = await context.actor.worker()
    if worker is not None and await Assignment.exists(task_id=pk, worker_id=worker.id):
        return MicrotaskTask.from_row(row)
    return None


async def stages(context: Context, project_ids: Sequence[int]) -> dict[int, list[MicrotaskBatch]]:
    rows = await Batch.filter(project_id__in=list(project_ids)).order_by("id")
    shown = (
        row
        for row in rows
        if context.actor.can_manage(row.organization_id) or row.status != BatchStatus.DRAFT
    )
    return by_project(shown, MicrotaskBatch.from_row)


def schema_part() -> SchemaPart:
    return SchemaPart(
        query=MicrotaskQuery,
        mutation=MicrotaskMutation,
        types=[MicrotaskBatch, MicrotaskAssignment, MicrotaskTask],
        nodes={
            "MicrotaskBatch": resolve_batch,
            "MicrotaskTask": resolve_task,
            "MicrotaskAssignment": resolve_assignment,
        },
        details={"MicrotaskAssignment": resolve_assignment},
        stages=[stages],
    )
