"""Batches: create, edit, open (holding their budget), pause, close; tasks added in bulk."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from crowdgraph.core import eligibility, ledger, projects, runtime
from crowdgraph.core.actor import Actor
from crowdgraph.core.errors import InvalidInput, NotFound
from crowdgraph.core.events import OPEN_WORK, emit, open_work
from crowdgraph.core.models import Audience, LedgerEntry, Skill
from crowdgraph.core.pages import Page, PageRequest, fetch_page
from crowdgraph.core.projects import audience_admits
from crowdgraph.core.transaction import atomic, savepoint
from crowdgraph.core.validation import Checks
from crowdgraph.plugins.microtask.aggregation import choose, unfit
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
    wrapped,
)
from crowdgraph.plugins.microtask.spec import spec_problems
from crowdgraph.plugins.microtask.task_input import NewTask, Problems, validate

MAX_OVERLAP = 50
EDITABLE_WHEN_OPEN = {
    "title",
    "instructions",
    "priority",
    "deadline",
    "lease_seconds",
    "allow_preview",
}


@dataclass
class BatchFields:
    """A batch's settable fields; None leaves a field as it is (or at its default on create)."""

    title: str | None = None
    instructions: str | None = None
    answer_spec: dict[str, Any] | None = None
    reward: int | None = None
    overlap: int | None = None
    max_overlap: int | None = None
    confidence_threshold: float | None = None
    gold_rate: float | None = None
    gold_overlap: int | None = None
    lease_seconds: int | None = None
    deadline: datetime | None = None
    requirements: list[dict[str, Any]] | None = None
    priority: int | None = None
    audience: Audience | None = None
    scheduling: Scheduling | None = None
    aggregator: str | None = None
    skill: str | None = None
    skill_level: int | None = None
    pay_floor_per_hour: int | None = None
    auto_approve_hours: float | None = None
    appeal_window_hours: float | None = None
    allow_preview: bool | None = None

    def given(self) -> dict[str, Any]:
        return {
            f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None
        }


async def _check(config: Config, batch: Batch, changes: dict[str, Any]) -> dict[str, Any]:
    """Validate the merged values of a batch; returns the column values to set."""
    checks = Checks()
    checks.text("title", changes.get("title"), min_len=1, max_len=200)
    checks.text("instructions", changes.get("instructions"), max_len=50_000)
    checks.range("reward", changes.get("reward"), low=1)
    checks.range("overlap", changes.get("overlap"), low=1, high=MAX_OVERLAP)
    checks.range("maxOverlap", changes.get("max_overlap"), low=1, high=MAX_OVERLAP)
    checks.range("confidenceThreshold", changes.get("confidence_threshold"), low=0, high=1)
    checks.range("goldRate", changes.get("gold_rate"), low=0, high=0.5)
    checks.range("goldOverlap", changes.get("gold_overlap"), low=1, high=10_000)
    checks.range("leaseSeconds", changes.get("lease_seconds"), low=30, high=7 * 24 * 3600)
    checks.range("priority", changes.get("priority"), low=-100, high=100)
    checks.range("skillLevel", changes.get("skill_level"), low=1, high=5)
    _check_pay_terms(config, checks, changes)
    if "answer_spec" in changes:
        for problem in spec_problems(changes["answer_spec"]):
            checks.fail("answerSpec", "INVALID_SPEC", f"answerSpec: {problem}")
    deadline = changes.get("deadline")
    if deadline is not None and deadline <= runtime.now():
        checks.fail(
            "deadline",
            "IN_THE_PAST",
            f"deadline must be in the future (got {deadline.isoformat()})",
        )
    checks.done()
    values = {k: v for k, v in changes.items() if k not in ("skill",)}
    spec = changes.get("answer_spec", batch.answer_spec)
    overlap = changes.get("overlap", batch.overlap)
    unchanged = overlap if batch.id is None else max(batch.max_overlap, overlap)
    max_overlap = changes.get("max_overlap", unchanged)
    if max_overlap < overlap:
        checks.fail(
            "maxOverlap",
            "OUT_OF_RANGE",
            f"maxOverlap must be >= overlap ({overlap}) (got {max_overlap})",
        )
    values["max_overlap"] = max_overlap
    preview = changes.get("allow_preview", batch.allow_preview)
    if preview and changes.get("gold_rate", batch.gold_rate) > 0:
        checks.fail(
            "allowPreview",
            "PREVIEW_WITH_GOLD",
            "allowPreview needs goldRate 0: gold is drawn at claim, so a preview would tell "
            "gold tasks apart",
        )
    aggregator_name = changes.get("aggregator", batch.aggregator)
    misfit = unfit(config.aggregators, aggregator_name, spec.get("kind"))
    if misfit:
        checks.fail("aggregator", "INVALID_CHOICE", f"aggregator {misfit}")
    checks.done()
    if "requirements" in changes:
        await eligibility.validate_requirements(changes["requirements"])
    if "skill" in changes:
        skill = await Skill.get_or_none(slug=changes["skill"])
        if skill is None:
            raise InvalidInput.one(
                "skill", "UNKNOWN_SKILL", f"no skill with slug {changes['skill']!r}"
            )
        values["skill_id"] = skill.id
    return values


MAX_TERM_HOURS = 30 * 24
"""The longest auto-approval delay or appeal window a batch may set (MTurk's longest delay)."""


def _check_pay_terms(config: Config, checks: Checks, changes: dict[str, Any]) -> None:
    """A batch's own pay floor may only raise the server's; its delays are 1 hour to 30 days."""
    server_floor = config.settings.pay_floor_per_hour
    floor = changes.get("pay_floor_per_hour")
    if server_floor is None:
        checks.range("payFloorPerHour", floor, low=1)
    elif floor is not None and floor < server_floor:
        checks.fail(
            "payFloorPerHour",
            "OUT_OF_RANGE",
            f"payFloorPerHour must be >= {server_floor} (the server's pay floor; a batch may only "
            f"raise it) (got {floor})",
        )
    checks.range("autoApproveHours", changes.get("auto_approve_hours"), low=1, high=MAX_TERM_HOURS)
    checks.range(
        "appealWindowHours", changes.get("appeal_window_hours"), low=1, high=MAX_TERM_HOURS
    )


async def create_batch(actor: Actor, config: Config, project_id: int, data: BatchFields) -> Batch:
    project = await projects.get_managed_project(actor, project_id)
    account = actor.require_account()
    given = data.given()
    checks = Checks()
    for name, field in (("title", "title"), ("answer_spec", "answerSpec"), ("reward", "reward")):
        if name not in given:
            checks.fail(field, "REQUIRED", f"{field} is required to create a batch")
    checks.done()
    spec = given["answer_spec"]
    if "aggregator" not in given and isinstance(spec, dict) and spec.get("kind") == "number":
        given["aggregator"] = "median"
    org = await project.organization
    now = runtime.now()
    draft = Batch(audience=project.audience)
    values = await _check(config, draft, given)
    async with atomic():
        batch = await Batch.create(
            organization_id=project.organization_id,
            project_id=project.id,
            currency=org.currency,
            created_by_id=account.id,
            created_at=now,
            updated_at=now,
            **{"audience": project.audience, **values},
        )
        await emit(
            "microtask.batch.created",
            {"batch_id": batch.id},
            organization_id=batch.organization_id,
            project_id=batch.project_id,
        )
    return batch


async def get_batch(actor: Actor, batch_id: int) -> Batch:
    """A batch the caller manages, or one open to them as a worker (drafts stay private)."""
    actor.require_account()
    batch = await Batch.get_or_none(id=batch_id)
    if batch is not None and actor.can_manage(batch.organization_id):
        return batch
    worker = await actor.worker()
    if (
        batch is None
        or worker is None
        or batch.status == BatchStatus.DRAFT
        or not audience_admits(batch.audience, batch.organization_id, worker)
    ):
        raise NotFound("no such batch")
    return batch


async def get_managed_batch(actor: Actor, batch_id: int) -> Batch:
    batch = await get_batch(actor, batch_id)
    actor.require_manager(batch.organization_id)
    return batch


async def update_batch(actor: Actor, config: Config, batch_id: int, data: BatchFields) -> Batch:
    """Drafts change freely; once opened, only title, instructions, priority, deadline, lease and
    whether tasks may be previewed."""
    batch = await get_managed_batch(actor, batch_id)
    given = data.given()
    if batch.status != BatchStatus.DRAFT:
        frozen = sorted(set(given) - EDITABLE_WHEN_OPEN)
        if frozen:
            head, *rest = frozen[0].split("_")
            name = head + "".join(part.title() for part in rest)  # as the input names it
            raise InvalidInput.one(
                name,
                "FROZEN",
                f"{name} cannot change once the batch has been opened (it is {batch.status.value})",
            )
    values = await _check(config, batch, given)
    batch.update_from_dict({**values, "updated_at": runtime.now()})
    await batch.save()
    return batch


def cost_of(batch: Batch, regular: int, gold: int) -> int:
    """What answering ``regular`` and ``gold`` tasks can cost at most (with the full dynamic overlap)."""
    return (regular * batch.max_overlap + gold * batch.gold_overlap) * batch.reward


async def _hold_up_to(batch: Batch, needed: int) -> None:
    """Hold what the batch may cost beyond what it already holds; refuse when the budget is short."""
    extra = needed - batch.held
    if extra <= 0:
        return
    free = await ledger.balance(ledger.available(batch.organization_id))
    if free < extra:
        raise InvalidInput.one(
            "budget",
            "INSUFFICIENT_FUNDS",
            f"the batch needs {extra} {batch.currency} minor units more set aside "
            f"(tasks x overlap x reward); the organization has {free} available",
        )
    await ledger.hold(
        batch.organization_id,
        hold_reference(batch.id),
        extra,
        f"microtask:batch:{batch.id}:hold:{batch.held}",
        model=NAME,
    )
    batch.held = needed


def hold_reference(batch_id: int) -> str:
    return f"microtask-batch-{batch_id}"


async def _task_counts(batch_id: int) -> tuple[int, int]:
    regular = await Task.filter(batch_id=batch_id, is_gold=False).count()
    gold = await Task.filter(batch_id=batch_id, is_gold=True).count()
    return regular, gold


async def _move(batch: Batch, to: BatchStatus, allowed_from: set[BatchStatus]) -> None:
    if batch.status not in allowed_from:
        raise InvalidInput.one(
            "status",
            "INVALID_TRANSITION",
            f"a batch that is {batch.status.value} cannot become {to.value}",
        )
    batch.status = to
    batch.updated_at = runtime.now()
    await batch.save(update_fields=["status", "updated_at", "held"])


async def open_batch(actor: Actor, batch_id: int) -> Batch:
    """Open (or reopen) a batch for work, holding its maximum cost from the organization's budget."""
    batch = await get_managed_batch(actor, batch_id)
    async with atomic():
        batch = await Batch.select_for_update().get(id=batch.id)
        if batch.deadline is not None and batch.deadline <= runtime.now():
            raise InvalidInput.one(
                "deadline", "IN_THE_PAST", "the batch's deadline has passed: set a later one first"
            )
        regular, gold = await _task_counts(batch.id)
        if regular == 0:
            raise InvalidInput.one(
                "tasks",
                "EMPTY",
                "add at least one task (that is not gold) before opening the batch",
            )
        await _hold_up_to(batch, cost_of(batch, regular, gold))
        await _move(batch, BatchStatus.OPEN, {BatchStatus.DRAFT, BatchStatus.PAUSED})
        await emit(
            "microtask.batch.opened",
            {
                "batch_id": batch.id,
                "held": batch.held,
                OPEN_WORK: open_work(batch.audience.value, batch.requirements),
            },
            organization_id=batch.organization_id,
            project_id=batch.project_id,
        )
    return batch


async def pause_batch(actor: Actor, batch_id: int) -> Batch:
    """Stop new claims; claimed tasks may still be answered."""
    batch = await get_managed_batch(actor, batch_id)
    async with atomic():
        await _move(batch, BatchStatus.PAUSED, {BatchStatus.OPEN})
        await emit(
            "microtask.batch.paused",
            {"batch_id": batch.id},
            organization_id=batch.organization_id,
            project_id=batch.project_id,
        )
    return batch


async def close_batch(actor: Actor, batch_id: int) -> Batch:
    batch = await get_managed_batch(actor, batch_id)
    return await end_batch(batch, BatchStatus.CLOSED)


async def end_batch(batch: Batch, to: BatchStatus) -> Batch:
    """Close or complete a batch and give back the money no outstanding answer can still claim."""
    async with atomic():
        await _move(
            batch,
            to,
            {BatchStatus.DRAFT, BatchStatus.OPEN, BatchStatus.PAUSED, BatchStatus.COMPLETED},
        )
        await Task.filter(
            batch_id=batch.id, status__in=[TaskStatus.OPEN, TaskStatus.FULL], taken=0
        ).update(status=TaskStatus.COMPLETED, completed_at=runtime.now())
        await settle_hold(batch)
        await emit(
            f"microtask.batch.{to.value}",
            {"batch_id": batch.id},
            organization_id=batch.organization_id,
            project_id=batch.project_id,
        )
    return batch


async def settle_hold(batch: Batch) -> int:
    """Release the held money beyond what claimed and submitted answers may still need, and
    rejected ones while they may be appealed (each keeps its reward held until then)."""
    outstanding = await Assignment.filter(
        Q(status__in=[AssignmentStatus.CLAIMED, AssignmentStatus.SUBMITTED])
        | Q(status=AssignmentStatus.REJECTED, appeal_status=AppealStatus.OPEN)
        | Q(
            status=AssignmentStatus.REJECTED,
            appeal_status=AppealStatus.NONE,
            appeal_closed_at=None,
        ),
        batch_id=batch.id,
    ).count()
    account = ledger.held(batch.organization_id, hold_reference(batch.id))
    remaining = await ledger.balance(account)
    surplus = remaining - outstanding * batch.reward
    if surplus > 0:
        # Every movement out of the hold adds an entry, so this key names one state of the hold.
        moves = await LedgerEntry.filter(source=account).count()
        await ledger.release(
            batch.organization_id,
            hold_reference(batch.id),
            surplus,
            f"microtask:batch:{batch.id}:release:{moves}",
            model=NAME,
        )
    return max(surplus, 0)


@dataclass(frozen=True)
class AddedTasks:
    """Tasks of one call, in the order given: their ids and keys, and how many were new."""

    ids: list[int]
    keys: list[str]
    added: int


async def add_tasks(actor: Actor, config: Config, batch_id: int, items: list[Any]) -> AddedTasks:
    """Add many tasks (``task_input`` checks them all first) in one transaction; an open batch
    holds their cost first. Tasks whose key the batch already holds are not added again."""
    batch = await get_managed_batch(actor, batch_id)
    limit = config.settings.max_tasks_per_call
    if not 1 <= len(items) <= limit:
        raise InvalidInput.one(
            "tasks", "OUT_OF_RANGE", f"add between 1 and {limit} tasks per call (got {len(items)})"
        )
    tasks = validate(batch.answer_spec, ((f"tasks[{i}]", item) for i, item in enumerate(items)))
    return await insert_tasks(batch, tasks)


async def input_fields(batch: Batch) -> set[str] | None:
    """The input fields of a batch's tasks (those of its first), or None while it has none."""
    first = await Task.filter(batch_id=batch.id).order_by("id").first()
    return None if first is None else set(first.input)


KEYS_PER_QUERY = 1000


async def _tasks_by_key(batch_id: int, keys: list[str]) -> dict[str, Task]:
    found: dict[str, Task] = {}
    for start in range(0, len(keys), KEYS_PER_QUERY):
        chunk = keys[start : start + KEYS_PER_QUERY]
        found.update(
            {t.key: t for t in await Task.filter(batch_id=batch_id, key__in=chunk) if t.key}
        )
    return found


async def insert_tasks(batch: Batch, tasks: list[NewTask]) -> AddedTasks:
    """Store checked tasks, all or none: keys the batch holds with the same task are skipped
    (a rerun adds nothing); with another task, every such key is refused."""
    if batch.status in (BatchStatus.CLOSED, BatchStatus.COMPLETED):
        raise InvalidInput.one(
            "batchId",
            "BATCH_ENDED",
            f"the batch is {batch.status.value}: tasks can no longer be added",
        )
    keys = [t.key for t in tasks]
    async with atomic():
        batch = await Batch.select_for_update().get(id=batch.id)
        held = await _tasks_by_key(batch.id, keys)
        problems = Problems()
        for task in tasks:
            old = held.get(task.key)
            if old is not None and (old.input, old.gold_answer) != (task.input, wrapped(task.gold)):
                problems.add(
                    task.where,
                    "KEY_TAKEN",
                    f"key {task.key!r} is already the key of another task in this batch",
                )
        problems.done()
        new = [t for t in tasks if t.key not in held]
        if new and batch.status != BatchStatus.DRAFT:
            regular, gold = await _task_counts(batch.id)
            new_gold = sum(t.is_gold for t in new)
            await _hold_up_to(batch, cost_of(batch, regular + len(new) - new_gold, gold + new_gold))
            await batch.save(update_fields=["held"])
        try:
            async with savepoint():
                await Task.bulk_create(
                    [
                        Task(
                            batch_id=batch.id,
                            key=t.key,
                            input=t.input,
                            gold_answer=wrapped(t.gold),
                            is_gold=t.is_gold,
                            answers_needed=batch.gold_overlap if t.is_gold else batch.overlap,
                        )
                        for t in new
                    ],
                    batch_size=1000,
                )
        except IntegrityError as exc:
            raise InvalidInput.one(
                "tasks",
                "KEY_TAKEN",
                "another call added some of these tasks meanwhile: send it again "
                "(tasks already stored are skipped)",
            ) from exc
        stored = await _tasks_by_key(batch.id, [t.key for t in new])
    ids = [(held.get(key) or stored[key]).id for key in keys]
    return AddedTasks(ids=ids, keys=keys, added=len(new))


async def list_tasks(
    actor: Actor,
    config: Config,
    batch_id: int,
    page: PageRequest,
    status: TaskStatus | None = None,
    aggregator: str | None = None,
) -> Page[Task]:
    """A batch's regular tasks, for its requester; ``aggregator`` (checked here) names the one
    that will give their results instead of the batch's own (``quality.results``)."""
    batch = await get_managed_batch(actor, batch_id)
    if aggregator is not None:
        choose(config.aggregators, aggregator, batch.answer_spec["kind"])
    query = Task.filter(batch_id=batch.id, is_gold=False)
    if status is not None:
        query = query.filter(status=status)
    return await fetch_page(query, page)


async def list_batches(
    actor: Actor, project_id: int, page: PageRequest, status: BatchStatus | None = None
) -> Page[Batch]:
    """A project's batches, for the organization's owners and managers."""
    project = await projects.get_managed_project(actor, project_id)
    query = Batch.filter(project_id=project.id)
    if status is not None:
        query = query.filter(status=status)
    return await fetch_page(query, page)
