"""The plugin's GraphQL: batches (project stages), tasks and assignments (engagement details).

Resolvers are thin: read input, call one service, map the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.scalars import JSON

from crowdgraph.core.errors import InvalidInput, NotFound, Problem
from crowdgraph.core.models import Audience, WorkerProfile
from crowdgraph.plugins.microtask import batches, fairness, quality, review, work
from crowdgraph.plugins.microtask.aggregation import Estimate
from crowdgraph.plugins.microtask.batches import BatchFields
from crowdgraph.plugins.microtask.config import NAME, Config, pay_terms
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
from crowdgraph.schema.descriptions import described_enum
from crowdgraph.schema.errors import Payload, UserError, run_mutation
from crowdgraph.schema.part import SchemaPart, by_project
from crowdgraph.schema.prefetch import connection_of
from crowdgraph.schema.relay import (
    After,
    Before,
    Connection,
    First,
    Last,
    Node,
    decode_id,
    to_global_id,
    wide_keys,
)
from crowdgraph.schema.types import EngagementDetail, Money, ProjectStage, Worker

# The micro-task plugin's enums are GraphQL enums named Microtask<Name>.
ENUMS: dict[type[Enum], tuple[str, dict[Any, str]]] = {
    BatchStatus: (
        "Where a batch is in its life.",
        {
            BatchStatus.DRAFT: "Being prepared; workers cannot see it.",
            BatchStatus.OPEN: "Workers may claim its tasks.",
            BatchStatus.PAUSED: "No new claims for now; claimed tasks may still be answered.",
            BatchStatus.CLOSED: "Closed by the organization before every task was done.",
            BatchStatus.COMPLETED: "Every task has its answers.",
        },
    ),
    TaskStatus: (
        "Whether a task takes more answers.",
        {
            TaskStatus.OPEN: "Takes more answers.",
            TaskStatus.FULL: "Every answer slot is claimed; a slot frees up if a lease runs out.",
            TaskStatus.COMPLETED: "It has all its answers and, where computed, a result.",
        },
    ),
    AssignmentStatus: (
        "Where a worker's claim on a task is.",
        {
            AssignmentStatus.CLAIMED: "Claimed; the worker answers before the lease runs out.",
            AssignmentStatus.SUBMITTED: "Answered; waiting for review or automatic approval.",
            AssignmentStatus.APPROVED: "Accepted and paid.",
            AssignmentStatus.REJECTED: "Refused and not paid; the worker may appeal.",
            AssignmentStatus.EXPIRED: "The lease ran out before an answer.",
            AssignmentStatus.RELEASED: "The worker gave the task back.",
        },
    ),
    AppealStatus: (
        "Where a worker's appeal of a rejection is.",
        {
            AppealStatus.NONE: "Not appealed.",
            AppealStatus.OPEN: "Appealed; waiting for the organization.",
            AppealStatus.UPHELD: "The appeal was upheld: the answer is approved and paid.",
            AppealStatus.DENIED: "The appeal was denied: the rejection stands.",
        },
    ),
    Scheduling: (
        "Which open task a claim takes.",
        {
            Scheduling.DEPTH_FIRST: "Finish tasks one by one: the oldest open task first.",
            Scheduling.BREADTH_FIRST: "Spread answers: the task with the fewest claims first.",
        },
    ),
}
for _enum, (_description, _values) in ENUMS.items():
    described_enum(_enum, _description, _values, name=f"Microtask{_enum.__name__}")


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


@strawberry.type(description="One item of a batch for workers to answer.")
class MicrotaskTask(Node):
    pk: strawberry.Private[int]
    batch_pk: strawberry.Private[int]
    aggregator: strawberry.Private[str | None]
    stored_key: strawberry.Private[str | None]
    input: JSON = strawberry.field(
        description="What the worker works on, as the requester gave it."
    )
    answers_needed: int = strawberry.field(
        description="Answers the task collects (its overlap, more while unsure)."
    )
    answers_received: int = strawberry.field(description="Answers it got so far.")
    status: TaskStatus = strawberry.field(description="Whether it takes more answers.")

    @classmethod
    def from_row(cls, row: Task, aggregator: str | None = None) -> MicrotaskTask:
        return cls(
            id=to_global_id("MicrotaskTask", row.id),
            pk=row.id,
            batch_pk=row.batch_id,
            aggregator=aggregator,
            stored_key=row.key,
            input=JSON(row.input),
            answers_needed=row.answers_needed,
            answers_received=row.answers_received,
            status=row.status,
        )

    async def _requester_asks(self, info: strawberry.Info) -> bool:
        """Key and results are the requester's: a key digests the gold answer (a worker could
        try each label against it) and the results so far would sway a worker's answer."""
        batch = await info.context.by_id(Batch).load(self.batch_pk)
        return batch is not None and info.context.actor.can_manage(batch.organization_id)

    async def _estimate(self, info: strawberry.Info) -> Estimate | None:
        if not await self._requester_asks(info):
            return None
        loader = info.context.plugins[NAME]["results"]
        return await loader.load((self.batch_pk, self.pk, self.aggregator))

    @strawberry.field(
        description="The task's external key: the one given when it was added, or a digest of "
        "its input and gold answer. The requester's only (null for workers)."
    )
    async def key(self, info: strawberry.Info) -> str | None:
        return self.stored_key if await self._requester_asks(info) else None

    @strawberry.field(
        description="The answer the batch's aggregator (or the one `tasks(aggregator:)` names) "
        "gives from the answers counted so far; final once the task is COMPLETED. Null before "
        "any answer counts, for gold tasks, and for workers (the requester's only)."
    )
    async def result(self, info: strawberry.Info) -> JSON | None:
        estimate = await self._estimate(info)
        return None if estimate is None else estimate.value

    @strawberry.field(
        description="How sure that aggregator is of the result, from 0 to 1 (the requester's only)."
    )
    async def confidence(self, info: strawberry.Info) -> float | None:
        estimate = await self._estimate(info)
        return None if estimate is None else estimate.confidence


@strawberry.type(description="A worker's claim on one task, and the answer given.")
class MicrotaskAssignment(EngagementDetail):
    pk: strawberry.Private[int]
    task_pk: strawberry.Private[int]
    batch_pk: strawberry.Private[int]
    worker_pk: strawberry.Private[int]
    status: AssignmentStatus = strawberry.field(description="Where the claim is.")
    answer: JSON | None = strawberry.field(
        description="The worker's answer, in the batch's answer spec; null before submitting."
    )
    lease_expires_at: datetime = strawberry.field(
        description="When the claim lapses without an answer (UTC, ISO 8601)."
    )
    started_at: datetime = strawberry.field(
        description="When the task was claimed (UTC, ISO 8601)."
    )
    submitted_at: datetime | None = strawberry.field(
        description="When the answer came (UTC, ISO 8601); null before."
    )
    time_on_task: int | None = strawberry.field(
        description="Seconds from claim to answer; null before submitting."
    )
    too_fast: bool = strawberry.field(
        description="Whether it came in under the server's fast-answer threshold (a sign of careless work)."
    )
    feedback: str = strawberry.field(
        description="The reviewer's note on a rejection; empty otherwise."
    )
    appeal_status: AppealStatus = strawberry.field(
        description="Whether the worker appealed a rejection, and how it ended."
    )
    appeal_reason: str = strawberry.field(
        description="Why the worker appealed; empty when not appealed."
    )
    appeal_response: str = strawberry.field(
        description="The organization's answer to the appeal; empty until answered."
    )
    auto_approve_at: datetime | None = strawberry.field(
        description="When a submitted answer nobody reviewed is approved (its batch's delay, "
        "fixed at submission)."
    )
    appeal_until: datetime | None = strawberry.field(
        description="Until when a rejection may be appealed (its batch's window, fixed at "
        "rejection)."
    )

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
            auto_approve_at=row.auto_approve_at,
            appeal_until=row.appeal_until,
        )

    @strawberry.field(description="The worker who claimed the task and gave this answer.")
    async def worker(self, info: strawberry.Info) -> Worker:
        row = await info.context.by_id(WorkerProfile).load(self.worker_pk)
        return Worker.from_row(row)

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


BATCH = {
    "title": "The batch's title, shown to workers.",
    "instructions": "What workers are told to do, shown with every task.",
    "answer_spec": "What an answer must look like: {kind: label|labels|number|text|json, ...}.",
    "reward": "Pay per approved answer, in minor units of the organization's currency.",
    "overlap": "Answers each task collects at first.",
    "max_overlap": "Answers a task may collect while its confidence stays below the threshold.",
    "confidence_threshold": "The confidence (0 to 1) below which a task asks for more answers.",
    "gold_rate": "The share (0 to 1) of claims that get a gold task to check the worker.",
    "gold_overlap": "How many workers each gold task may check.",
    "lease_seconds": "Seconds a worker has to answer a claimed task.",
    "deadline": "When the batch stops taking answers (UTC, ISO 8601); null for none.",
    "requirements": "Requirements (eligibility format) a worker must meet to claim.",
    "priority": "Higher comes first in workers' feeds.",
    "scheduling": "Which open task a claim takes.",
    "aggregator": "The registered aggregator that turns answers into a result, e.g. majority.",
    "skill": "The slug of a skill the batch exercises: a good track record verifies it.",
    "skill_level": "The level (1-5) a good track record verifies.",
}
"""What a batch's fields mean, for the batch and the input that sets them."""


@strawberry.type(
    description="A set of micro-tasks answered under one instruction, answer spec and reward."
)
class MicrotaskBatch(ProjectStage):
    pk: strawberry.Private[int]
    row: strawberry.Private[Batch]
    instructions: str = strawberry.field(description=BATCH["instructions"])
    answer_spec: JSON = strawberry.field(description=BATCH["answer_spec"])
    reward: Money = strawberry.field(description="Pay per approved answer.")
    overlap: int = strawberry.field(description=BATCH["overlap"])
    max_overlap: int = strawberry.field(description=BATCH["max_overlap"])
    lease_seconds: int = strawberry.field(description=BATCH["lease_seconds"])
    deadline: datetime | None = strawberry.field(description=BATCH["deadline"])
    requirements: JSON = strawberry.field(description=BATCH["requirements"])
    priority: int = strawberry.field(description=BATCH["priority"])
    audience: Audience = strawberry.field(description="Which crowd may claim its tasks.")
    status: BatchStatus = strawberry.field(description="Where the batch is in its life.")
    gold_rate: float = strawberry.field(description=BATCH["gold_rate"])
    scheduling: Scheduling = strawberry.field(description=BATCH["scheduling"])
    aggregator: str = strawberry.field(description=BATCH["aggregator"])
    median_seconds: float | None = strawberry.field(
        description="Median time on task of recent answers."
    )
    hourly_pay: Money | None = strawberry.field(
        description="Effective pay per hour at the median time on task."
    )
    allow_preview: bool = strawberry.field(
        description="Whether workers may see the task their next claim would take before "
        "claiming it (`microtaskTaskPreview`)."
    )

    @strawberry.field(
        description="The pay floor per hour that holds in this batch: its own, or the server's "
        "(a batch may raise the server's floor, never lower it); null when neither sets one."
    )
    def pay_floor(self, info: strawberry.Info) -> Money | None:
        floor = pay_terms(config(info), self.row).pay_floor_per_hour
        return None if floor is None else Money.of(floor, self.row.currency)

    @strawberry.field(
        description="Hours after submission an answer nobody reviewed is approved: the "
        "batch's own delay, or the server's."
    )
    def auto_approve_hours(self, info: strawberry.Info) -> float:
        return pay_terms(config(info), self.row).auto_approve_after.total_seconds() / 3600

    @strawberry.field(
        description="Hours after a rejection the worker may appeal: the batch's own window, "
        "or the server's."
    )
    def appeal_window_hours(self, info: strawberry.Info) -> float:
        return pay_terms(config(info), self.row).appeal_window.total_seconds() / 3600

    @classmethod
    def from_row(cls, row: Batch, median: float | None = None) -> MicrotaskBatch:
        hourly = work.hourly(row.reward, median)
        return cls(
            id=to_global_id("MicrotaskBatch", row.id),
            title=row.title,
            model=NAME,
            pk=row.id,
            row=row,
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
            allow_preview=row.allow_preview,
        )

    @strawberry.field(
        description="The batch's regular tasks with their results (its requester only)."
    )
    async def tasks(
        self,
        info: strawberry.Info,
        status: Annotated[
            TaskStatus | None,
            strawberry.argument(description="Only tasks in this status; null for all."),
        ] = None,
        aggregator: Annotated[
            str | None,
            strawberry.argument(
                description="A registered aggregator to give the results instead of the batch's own."
            ),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[MicrotaskTask]:
        page = await batches.list_tasks(
            info.context.actor,
            config(info),
            self.pk,
            info.context.page(first, after, last, before),
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
        status: Annotated[
            AssignmentStatus | None,
            strawberry.argument(description="Only answers in this status; null for all."),
        ] = AssignmentStatus.SUBMITTED,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[MicrotaskAssignment]:
        page = await review.answers_to_review(
            info.context.actor, self.pk, info.context.page(first, after, last, before), status
        )
        return await connection_of(info, page, MicrotaskAssignment.from_row)


@strawberry.input(
    description="A batch's settable fields; one left out keeps its value (or its default on create)."
)
class MicrotaskBatchInput:
    title: str | None = strawberry.field(default=None, description=BATCH["title"])
    instructions: str | None = strawberry.field(default=None, description=BATCH["instructions"])
    answer_spec: JSON | None = strawberry.field(default=None, description=BATCH["answer_spec"])
    reward: int | None = strawberry.field(default=None, description=BATCH["reward"])
    overlap: int | None = strawberry.field(default=None, description=BATCH["overlap"])
    max_overlap: int | None = strawberry.field(default=None, description=BATCH["max_overlap"])
    confidence_threshold: float | None = strawberry.field(
        default=None, description=BATCH["confidence_threshold"]
    )
    gold_rate: float | None = strawberry.field(default=None, description=BATCH["gold_rate"])
    gold_overlap: int | None = strawberry.field(default=None, description=BATCH["gold_overlap"])
    lease_seconds: int | None = strawberry.field(default=None, description=BATCH["lease_seconds"])
    deadline: datetime | None = strawberry.field(default=None, description=BATCH["deadline"])
    requirements: JSON | None = strawberry.field(default=None, description=BATCH["requirements"])
    priority: int | None = strawberry.field(default=None, description=BATCH["priority"])
    scheduling: Scheduling | None = strawberry.field(default=None, description=BATCH["scheduling"])
    aggregator: str | None = strawberry.field(default=None, description=BATCH["aggregator"])
    skill: str | None = strawberry.field(default=None, description=BATCH["skill"])
    skill_level: int | None = strawberry.field(default=None, description=BATCH["skill_level"])
    pay_floor_per_hour: int | None = strawberry.field(
        default=None,
        description="Minor units per hour: the batch's pay floor, at least the server's "
        "(omitted: the server's).",
    )
    auto_approve_hours: float | None = strawberry.field(
        default=None,
        description="Hours (1 to 720) after which an answer nobody reviewed is approved "
        "(omitted: the server's setting).",
    )
    appeal_window_hours: float | None = strawberry.field(
        default=None,
        description="Hours (1 to 720) a worker may appeal a rejection (omitted: the server's "
        "setting).",
    )
    allow_preview: bool | None = strawberry.field(
        default=None,
        description="Let workers see the task their next claim would take before claiming it; "
        "needs goldRate 0. May change while the batch is open.",
    )

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
    project_id: strawberry.ID = strawberry.field(description="The Project the batch is a stage of.")
    batch: MicrotaskBatchInput = strawberry.field(description="The batch's settings.")


@strawberry.input
class UpdateMicrotaskBatchInput:
    batch_id: strawberry.ID = strawberry.field(description="The MicrotaskBatch to change.")
    batch: MicrotaskBatchInput = strawberry.field(
        description="The settings to change; those left out stay."
    )


@strawberry.input(description="The batch a mutation acts on.")
class MicrotaskBatchIdInput:
    batch_id: strawberry.ID = strawberry.field(description="The MicrotaskBatch's ID.")


@strawberry.input
class AddMicrotaskTasksInput:
    batch_id: strawberry.ID = strawberry.field(description="The MicrotaskBatch to add to.")
    tasks: list[JSON] = strawberry.field(
        description='Each {"input": {...}}, with "gold": answer for a gold task and "key": your '
        "own external key (else a digest of input and gold). A key the batch holds is skipped."
    )


@strawberry.input
class SubmitMicrotaskAnswerInput:
    assignment_id: strawberry.ID = strawberry.field(
        description="The caller's claimed MicrotaskAssignment."
    )
    answer: JSON = strawberry.field(description="The answer, in the batch's answer spec.")


@strawberry.input(description="The assignment a mutation acts on.")
class MicrotaskAssignmentIdInput:
    assignment_id: strawberry.ID = strawberry.field(description="The MicrotaskAssignment's ID.")


@strawberry.input
class RejectMicrotaskAnswerInput:
    assignment_id: strawberry.ID = strawberry.field(
        description="The submitted MicrotaskAssignment."
    )
    feedback: str = strawberry.field(description="Why, for the worker.")


@strawberry.input
class AppealMicrotaskRejectionInput:
    assignment_id: strawberry.ID = strawberry.field(
        description="The caller's rejected MicrotaskAssignment."
    )
    reason: str = strawberry.field(description="Why the rejection is wrong, for the reviewer.")


@strawberry.input
class AnswerMicrotaskAppealInput:
    assignment_id: strawberry.ID = strawberry.field(description="The appealed MicrotaskAssignment.")
    uphold: bool = strawberry.field(
        description="True to approve and pay the answer, false to deny."
    )
    response: str = strawberry.field(description="The answer to the worker.")


@strawberry.input
class BlockMicrotaskWorkerInput:
    worker_id: strawberry.ID = strawberry.field(description="The Worker to block.")
    reason: str = strawberry.field(description="Why, kept on record.")
    organization_id: strawberry.ID | None = strawberry.field(
        default=None, description="Block from all of the organization's batches."
    )
    batch_id: strawberry.ID | None = strawberry.field(
        default=None, description="Block from one batch."
    )


@strawberry.input
class PayMicrotaskBonusInput:
    assignment_id: strawberry.ID = strawberry.field(
        description="The MicrotaskAssignment the bonus is for."
    )
    amount: int = strawberry.field(
        description="The bonus, in minor units of the organization's currency."
    )
    reason: str = strawberry.field(description="Why, for the worker.")
    idempotency_key: str = strawberry.field(
        description="Send the same key again to retry safely: it pays once."
    )


@strawberry.input(description="A block to lift: the worker, and where they were blocked.")
class UnblockMicrotaskWorkerInput:
    worker_id: strawberry.ID = strawberry.field(description="The worker to let back in.")
    organization_id: strawberry.ID | None = strawberry.field(
        default=None, description="Lift a block from all of the organization's batches."
    )
    batch_id: strawberry.ID | None = strawberry.field(
        default=None, description="Lift a block from one batch."
    )


@strawberry.input(description="Answers to approve in one call.")
class ApproveMicrotaskAnswersInput:
    assignment_ids: list[strawberry.ID] = strawberry.field(
        description=f"1 to {review.BULK_APPROVE_MAX} submitted answers (MicrotaskAssignment IDs)."
    )


@strawberry.type
class BlockMicrotaskWorkerPayload(Payload):
    blocked: bool = strawberry.field(
        default=False, description="True once the worker is blocked; false when refused."
    )


@strawberry.type(description="The result of unblockMicrotaskWorker.")
class UnblockMicrotaskWorkerPayload(Payload):
    unblocked: bool = strawberry.field(
        default=False, description="The block was lifted: the worker may claim there again."
    )


@strawberry.type(description="The result of approveMicrotaskAnswers, item by item.")
class ApproveMicrotaskAnswersPayload(Payload):
    assignments: list[MicrotaskAssignment | None] | None = strawberry.field(
        default=None,
        description="One per ID sent, in order: the approved answer (by this call or before: "
        "it is paid once), or null when it was not approved; a userError at "
        "assignmentIds[i] says why.",
    )
    approved: int | None = strawberry.field(
        default=None,
        description="Answers this call approved and paid (a retry approves none again).",
    )
    refused: strawberry.Private[list[Problem]] = strawberry.field(default_factory=list)


@strawberry.type(
    description="The task a worker's next claim would take, seen without claiming it: its "
    "input only. Nothing is reserved; the claim may give another task if someone else takes "
    "its last slot first."
)
class MicrotaskTaskPreview:
    input: JSON = strawberry.field(description="The task's input, as a claim would show it.")


@strawberry.type
class PayMicrotaskBonusPayload(Payload):
    paid: Money | None = strawberry.field(
        default=None, description="The bonus paid; null when refused."
    )


@strawberry.type(description="The result of a change to a batch.")
class MicrotaskBatchPayload(Payload):
    batch: MicrotaskBatch | None = strawberry.field(
        default=None, description="The batch as changed; null when refused."
    )


@strawberry.type
class AddMicrotaskTasksPayload(Payload):
    added: int | None = strawberry.field(
        default=None, description="Tasks stored by this call (tasks the batch held are skipped)."
    )
    tasks: list[MicrotaskTask] | None = strawberry.field(
        default=None,
        description="Every task of the call in the order given, new or already held, with its key.",
    )


@strawberry.type(description="The result of a change to an assignment.")
class MicrotaskAssignmentPayload(Payload):
    assignment: MicrotaskAssignment | None = strawberry.field(
        default=None, description="The assignment as changed; null when refused."
    )


def _batch_id(gid: str) -> int:
    return decode_id(gid, "MicrotaskBatch", field="batchId")


def _assignment_id(gid: str) -> int:
    return decode_id(gid, "MicrotaskAssignment", field="assignmentId")


def _block_scope(
    input: BlockMicrotaskWorkerInput | UnblockMicrotaskWorkerInput,
) -> tuple[int, int, int | None]:
    """(worker, organization, batch) of a block: a batch's organization is the service's to find."""
    worker_id = decode_id(input.worker_id, "Worker", field="workerId")
    batch_id = _batch_id(input.batch_id) if input.batch_id else None
    if input.organization_id is None and batch_id is None:
        raise InvalidInput.one("organizationId", "REQUIRED", "name an organizationId or a batchId")
    org_id = (
        decode_id(input.organization_id, "Organization", field="organizationId")
        if input.organization_id
        else 0
    )
    return worker_id, org_id, batch_id


def _assignment(row: Assignment | None) -> dict[str, Any]:
    return {"assignment": MicrotaskAssignment.from_row(row) if row else None}


def _batch(row: Batch) -> dict[str, Any]:
    return {"batch": MicrotaskBatch.from_row(row)}


@strawberry.type(description="What one worker earned in a batch, and per hour.")
class MicrotaskWorkerPay:
    worker_pk: strawberry.Private[int]
    answers: int = strawberry.field(description="Approved answers.")
    paid: Money = strawberry.field(description="What the worker was paid in the batch.")
    seconds: int = strawberry.field(description="Seconds on task of those answers.")
    hourly_pay: Money | None = strawberry.field(
        description="Paid divided by hours on task; null without timed answers."
    )

    @strawberry.field(description="The ID of the Worker.")
    def worker_id(self) -> strawberry.ID:
        return to_global_id("Worker", self.worker_pk)


@strawberry.type(
    description="Effective pay of a batch, seen alike by its requester and its workers."
)
class MicrotaskPay:
    reward: Money = strawberry.field(description="Pay per approved answer.")
    median_seconds: float | None = strawberry.field(
        description="Median seconds on task of recent answers; null without answers."
    )
    hourly_pay: Money | None = strawberry.field(
        description="Reward per median time on task, per hour; null without answers."
    )
    pay_floor: Money | None = strawberry.field(
        description="The hourly pay the batch must reach; null when there is no floor."
    )
    below_floor: bool = strawberry.field(description="Whether hourly pay is below the floor.")
    workers: list[MicrotaskWorkerPay] = strawberry.field(
        description="Per worker (a worker sees only their own line)."
    )


@strawberry.type(description="A worker's record in a batch: answers, gold accuracy, restriction.")
class MicrotaskStanding:
    answers: int = strawberry.field(description="Answers the worker submitted in the batch.")
    gold_answers: int = strawberry.field(description="Of those, answers to gold tasks.")
    gold_correct: int = strawberry.field(description="Gold answers that were right.")
    gold_accuracy: float | None = strawberry.field(
        description="Gold correct divided by gold answers; null before any gold."
    )
    restricted: bool = strawberry.field(
        description="Whether low gold accuracy stopped the worker from claiming more."
    )


@strawberry.type
class MicrotaskQuery:
    @strawberry.field(
        description="The calling worker's standing in a batch (null before any answer)."
    )
    async def my_microtask_standing(
        self,
        info: strawberry.Info,
        batch_id: Annotated[strawberry.ID, strawberry.argument(description="The MicrotaskBatch.")],
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
    async def microtask_pay(
        self,
        info: strawberry.Info,
        batch_id: Annotated[strawberry.ID, strawberry.argument(description="The MicrotaskBatch.")],
    ) -> MicrotaskPay | None:
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
        self,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[MicrotaskBatch] | None:
        page = await work.feed(info.context.actor, info.context.page(first, after, last, before))
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
        project_id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The Project whose batches."),
        ],
        status: Annotated[
            BatchStatus | None,
            strawberry.argument(description="Only batches in this status; null for all."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[MicrotaskBatch] | None:
        page = await batches.list_batches(
            info.context.actor,
            decode_id(project_id, "Project", field="projectId"),
            info.context.page(first, after, last, before),
            status,
        )
        return await connection_of(info, page, MicrotaskBatch.from_row)

    @strawberry.field(
        description="The task the calling worker's next claim in a batch would take, without "
        "claiming it; only where the batch allows previews (allowPreview) and the worker may "
        "claim. Null when nothing is left for them."
    )
    async def microtask_task_preview(
        self,
        info: strawberry.Info,
        batch_id: Annotated[
            strawberry.ID, strawberry.argument(description="The batch to look into.")
        ],
    ) -> MicrotaskTaskPreview | None:
        row = await work.preview_next(info.context.actor, _batch_id(batch_id))
        return None if row is None else MicrotaskTaskPreview(input=JSON(row.input))

    @strawberry.field(description="The calling worker's assignments, newest last.")
    async def my_microtask_assignments(
        self,
        info: strawberry.Info,
        status: Annotated[
            AssignmentStatus | None,
            strawberry.argument(description="Only assignments in this status; null for all."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[MicrotaskAssignment] | None:
        page = await work.my_assignments(
            info.context.actor, info.context.page(first, after, last, before), status
        )
        return await connection_of(info, page, MicrotaskAssignment.from_row)


@strawberry.type
class MicrotaskMutation:
    @strawberry.mutation(description="Create a batch (a draft) in a project the caller manages.")
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

    @strawberry.mutation(description="Change a batch's settings; fields left out stay as they are.")
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

    @strawberry.mutation(
        description="Add tasks to a batch; a task whose key the batch holds is skipped."
    )
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

    @strawberry.mutation(description="Open a batch so workers can claim its tasks.")
    async def open_microtask_batch(
        self, info: strawberry.Info, input: MicrotaskBatchIdInput
    ) -> MicrotaskBatchPayload:
        async def act() -> dict[str, Any]:
            return _batch(await batches.open_batch(info.context.actor, _batch_id(input.batch_id)))

        return await run_mutation(MicrotaskBatchPayload, act())

    @strawberry.mutation(description="Pause a batch: no new claims until it is opened again.")
    async def pause_microtask_batch(
        self, info: strawberry.Info, input: MicrotaskBatchIdInput
    ) -> MicrotaskBatchPayload:
        async def act() -> dict[str, Any]:
            return _batch(await batches.pause_batch(info.context.actor, _batch_id(input.batch_id)))

        return await run_mutation(MicrotaskBatchPayload, act())

    @strawberry.mutation(description="Close a batch for good: it takes no more claims.")
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

    @strawberry.mutation(description="Answer a claimed task before its lease runs out.")
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

    @strawberry.mutation(description="Give a claimed task back without answering it.")
    async def release_microtask(
        self, info: strawberry.Info, input: MicrotaskAssignmentIdInput
    ) -> MicrotaskAssignmentPayload:
        async def act() -> dict[str, Any]:
            return _assignment(
                await work.release(info.context.actor, _assignment_id(input.assignment_id))
            )

        return await run_mutation(MicrotaskAssignmentPayload, act())

    @strawberry.mutation(description="Approve an answer and pay its reward.")
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

    @strawberry.mutation(
        description="Reject an answer with feedback; it is not paid, and may be appealed."
    )
    async def reject_microtask_answer(
        self, info: strawberry.Info, input: RejectMicrotaskAnswerInput
    ) -> MicrotaskAssignmentPayload:
        async def act() -> dict[str, Any]:
            return _assignment(
                await review.reject(
                    info.context.actor,
                    config(info),
                    _assignment_id(input.assignment_id),
                    input.feedback,
                )
            )

        return await run_mutation(MicrotaskAssignmentPayload, act())

    @strawberry.mutation(
        description="Appeal the rejection of one of my answers, within the window."
    )
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

    @strawberry.mutation(description="Uphold (approve and pay) or deny a worker's appeal.")
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

    @strawberry.mutation(
        description="Stop a worker from claiming an organization's tasks, or one batch's."
    )
    async def block_microtask_worker(
        self, info: strawberry.Info, input: BlockMicrotaskWorkerInput
    ) -> BlockMicrotaskWorkerPayload:
        async def act() -> dict[str, Any]:
            worker_id, org_id, batch_id = _block_scope(input)
            await review.block(
                info.context.actor, org_id, worker_id, input.reason, batch_id=batch_id
            )
            return {"blocked": True}

        return await run_mutation(BlockMicrotaskWorkerPayload, act())

    @strawberry.mutation(
        description="Lift a block: the worker may claim again in the batch, or in the "
        "organization's batches, that the block kept them out of."
    )
    async def unblock_microtask_worker(
        self, info: strawberry.Info, input: UnblockMicrotaskWorkerInput
    ) -> UnblockMicrotaskWorkerPayload:
        async def act() -> dict[str, Any]:
            worker_id, org_id, batch_id = _block_scope(input)
            await review.unblock(info.context.actor, org_id, worker_id, batch_id=batch_id)
            return {"unblocked": True}

        return await run_mutation(UnblockMicrotaskWorkerPayload, act())

    @strawberry.mutation(
        description=f"Approve up to {review.BULK_APPROVE_MAX} answers at once, each on its own: "
        "the others are approved even when some cannot be; each is paid once, however often "
        "it is sent."
    )
    async def approve_microtask_answers(
        self, info: strawberry.Info, input: ApproveMicrotaskAnswersInput
    ) -> ApproveMicrotaskAnswersPayload:
        async def act() -> dict[str, Any]:
            ids = [
                decode_id(gid, "MicrotaskAssignment", field=f"assignmentIds[{index}]")
                for index, gid in enumerate(input.assignment_ids)
            ]
            done = await review.approve_many(info.context.actor, config(info), ids)
            return {
                "assignments": [
                    MicrotaskAssignment.from_row(row) if row else None for row in done.assignments
                ],
                "approved": done.paid,
                "refused": done.problems,
            }

        payload = await run_mutation(ApproveMicrotaskAnswersPayload, act())
        payload.user_errors += [
            UserError(field=p.field, code=p.code, message=p.message) for p in payload.refused
        ]
        return payload

    @strawberry.mutation(
        description="Pay a worker a bonus for an answer, from the organization's budget."
    )
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
