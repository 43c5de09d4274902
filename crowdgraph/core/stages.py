"""Combined projects: stages of different models run in order, with gates between them.

A project's flow is a list of ``FlowStage`` rows. Each stage names a model (a plugin); the plugin's
``StageRunner`` creates its record (a batch, a contest, a job) when the stage starts and says when
that record is finished. A stage's gate is a list of requirements every worker must meet; its carry
rule admits only the workers who qualified in the previous stage (in that stage's model's terms,
such as a minimum gold accuracy, a prize place, a hire). The next stage starts when the running one
finishes: when its plugin reports the record finished (``follow``) or when a manager advances.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError

from crowdgraph.core import eligibility, runtime
from crowdgraph.core.actor import Actor
from crowdgraph.core.eligibility import Requirement, Verdict
from crowdgraph.core.errors import InvalidInput, NotFound, Problem
from crowdgraph.core.events import emit
from crowdgraph.core.models import Account, FlowStage, Project, StageStatus, WorkerProfile
from crowdgraph.core.projects import get_managed_project, get_project
from crowdgraph.core.transaction import atomic
from crowdgraph.core.validation import Checks

MAX_STAGES = 20


@dataclass(frozen=True)
class StageStart:
    """What a runner gets to create its record when a stage starts."""

    actor: Actor
    """Who starts it: the manager who advanced, or the stage's author when an event moved the flow."""
    project_id: int
    title: str
    settings: dict[str, Any]
    requirements: list[Requirement]
    """The gate and the carry rule: the record must admit only workers who meet them."""
    carried: list[int]
    """Worker profile ids that qualified in the previous stage (for models that invite)."""


@dataclass(frozen=True)
class StageRunner:
    """How one model runs a stage of a combined project (see the ``register_stage_runners`` hook)."""

    model: str
    detail_type: str
    """The GraphQL type of the model's record (a Node), e.g. ``Contest``."""
    settings_problems: Callable[[dict[str, Any]], list[str]]
    """Problems with a stage's settings, as sentences (empty when they will do)."""
    start: Callable[[StageStart], Awaitable[int]]
    """Create, fund and open the record; returns its id."""
    status: Callable[[int], Awaitable[StageStatus]]
    """Whether the record is still running, completed or cancelled."""
    carry_problems: Callable[[dict[str, Any]], list[str]]
    """Problems with a carry rule that reads this model's results."""
    carry_requirement: Callable[[int, dict[str, Any]], Requirement]
    """The requirement that admits the workers who qualified in the record under a carry rule."""
    qualified: Callable[[int, dict[str, Any]], Awaitable[list[int]]]
    """Worker profile ids that qualified in the record under a carry rule."""


def _runner(model: str, position: int, field: str = "model") -> StageRunner:
    """The enabled model's runner (the platform collected them: ``runtime.stage_runners``)."""
    runners = runtime.current().stage_runners
    runner = runners.get(model)
    if runner is None:
        enabled = ", ".join(sorted(runners)) or "none"
        raise InvalidInput.one(
            field,
            "MODEL_NOT_ENABLED",
            f"stage {position} uses model {model}, which is not enabled on this server "
            f"(models that run stages: {enabled})",
        )
    return runner


async def flow(actor: Actor, project_id: int) -> list[FlowStage]:
    """A visible project's stages, in order."""
    project = await get_project(actor, project_id)
    return await FlowStage.filter(project_id=project.id).order_by("position")


async def add_stage(
    actor: Actor,
    project_id: int,
    *,
    model: str,
    title: str,
    settings: Any,
    gate: Any,
    carry: Any,
) -> FlowStage:
    """Append a stage to a project's flow (managers of the project's organization only).

    ``settings`` (an object), ``gate`` (a list of requirements) and ``carry`` (an object or None)
    come as JSON from the caller and are checked here.
    """
    project = await get_managed_project(actor, project_id)
    account = actor.require_account()
    stages = await FlowStage.filter(project_id=project.id).order_by("position")
    position = len(stages) + 1
    checks = Checks()
    checks.text("title", title, min_len=1, max_len=200)
    if not isinstance(settings, dict):
        checks.fail("settings", "INVALID_SETTINGS", "settings must be an object")
    if not isinstance(gate, list):
        checks.fail("gate", "INVALID_REQUIREMENT", "gate must be a list of requirements")
    if carry is not None and not isinstance(carry, dict):
        checks.fail(
            "carry", "INVALID_CARRY", "carry must be an object (or null: anyone may take part)"
        )
    if position > MAX_STAGES:
        checks.fail("projectId", "TOO_MANY_STAGES", f"a project has at most {MAX_STAGES} stages")
    checks.done()
    runner = _runner(model, position)
    problems = [
        Problem("settings", "INVALID_SETTINGS", f"settings: {p}")
        for p in runner.settings_problems(settings)
    ]
    if carry is not None:
        problems += await _carry_problems(stages, carry)
    if problems:
        raise InvalidInput(*problems)
    await eligibility.validate_requirements(gate, "gate")
    try:
        async with atomic():
            stage = await FlowStage.create(
                project_id=project.id,
                position=position,
                model=model,
                title=title.strip(),
                settings=settings,
                gate=gate,
                carry=carry,
                created_by_id=account.id,
                created_at=runtime.now(),
            )
            await emit(
                "core.stage.added",
                {"stage_id": stage.id, "position": position, "model": model},
                organization_id=project.organization_id,
                project_id=project.id,
            )
    except IntegrityError as exc:
        raise InvalidInput.one(
            "projectId",
            "CONFLICT",
            f"stage {position} was added meanwhile: read the flow and try again",
        ) from exc
    return stage


async def _carry_problems(stages: list[FlowStage], carry: dict[str, Any]) -> list[Problem]:
    if not stages:
        return [
            Problem(
                "carry", "NO_PREVIOUS_STAGE", "the first stage has no stage to carry workers from"
            )
        ]
    previous = stages[-1]
    runner = _runner(previous.model, previous.position, field="carry")
    return [
        Problem(
            "carry",
            "INVALID_CARRY",
            f"carry (from stage {previous.position}, {previous.model}): {p}",
        )
        for p in runner.carry_problems(carry)
    ]


async def advance(actor: Actor, project_id: int) -> list[FlowStage]:
    """Move the flow on: close the running stage if its record finished, and start the next."""
    project = await get_managed_project(actor, project_id)
    async with atomic():
        blocked = await _step(actor, project)
    if blocked:
        raise InvalidInput.one("projectId", "FLOW_WAITING", blocked)
    return await FlowStage.filter(project_id=project.id).order_by("position")


async def follow(detail_type: str, detail_id: int) -> None:
    """A plugin's record finished: if it runs a stage, move that stage's flow on (call in a transaction)."""
    stage = await FlowStage.get_or_none(
        detail_type=detail_type, detail_id=str(detail_id), status=StageStatus.RUNNING
    )
    if stage is None:
        return
    project = await Project.get(id=stage.project_id)
    account = await Account.get_or_none(id=stage.created_by_id) if stage.created_by_id else None
    await _step(await Actor.for_account(account), project)


async def _step(actor: Actor, project: Project) -> str | None:
    """Close what finished and start what may start; None when it moved, else why it could not."""
    # One mover per project at a time (PostgreSQL), so a stage never starts twice.
    await Project.select_for_update().filter(id=project.id).first()
    stages = await FlowStage.filter(project_id=project.id).order_by("position")
    moved = False
    for index, stage in enumerate(stages):
        if stage.status in (StageStatus.COMPLETED, StageStatus.CANCELLED):
            continue
        if stage.status == StageStatus.RUNNING:
            runner = _runner(stage.model, stage.position)
            status = await runner.status(int(stage.detail_id))
            if status == StageStatus.RUNNING:
                return None if moved else f"stage {stage.position} ({stage.model}) is still running"
            await _end(stage, project, status)
            moved = True
            if status == StageStatus.CANCELLED:
                for rest in stages[index + 1 :]:
                    await _end(rest, project, StageStatus.CANCELLED)
                return None
            continue
        await _start(actor, project, stage, stages[index - 1] if index else None)
        return None
    return None if moved else "every stage of the project has ended"


async def _end(stage: FlowStage, project: Project, status: StageStatus) -> None:
    stage.status = status
    stage.ended_at = runtime.now()
    await stage.save(update_fields=["status", "ended_at"])
    await emit(
        f"core.stage.{status.value}",
        {"stage_id": stage.id, "position": stage.position, "model": stage.model},
        organization_id=project.organization_id,
        project_id=project.id,
    )


async def _start(
    actor: Actor, project: Project, stage: FlowStage, previous: FlowStage | None
) -> None:
    runner = _runner(stage.model, stage.position)
    requirements = list(stage.gate)
    carried: list[int] = []
    if stage.carry is not None and previous is not None:
        source = _runner(previous.model, previous.position, field="carry")
        record = int(previous.detail_id)
        requirements.append(source.carry_requirement(record, stage.carry))
        carried = await source.qualified(record, stage.carry)
    try:
        record_id = await runner.start(
            StageStart(actor, project.id, stage.title, stage.settings, requirements, carried)
        )
    except InvalidInput as exc:
        where = f"stage {stage.position} ({stage.model})"
        raise InvalidInput(
            *(Problem(f"settings.{p.field}", p.code, f"{where}: {p.message}") for p in exc.problems)
        ) from exc
    stage.status = StageStatus.RUNNING
    stage.detail_type = runner.detail_type
    stage.detail_id = str(record_id)
    stage.requirements = requirements
    stage.started_at = runtime.now()
    await stage.save(
        update_fields=["status", "detail_type", "detail_id", "requirements", "started_at"]
    )
    await emit(
        "core.stage.started",
        {
            "stage_id": stage.id,
            "position": stage.position,
            "model": stage.model,
            "detail_type": stage.detail_type,
            "detail_id": stage.detail_id,
            "carried": carried,
        },
        organization_id=project.organization_id,
        project_id=project.id,
    )


async def may_take_part(worker: WorkerProfile, stage: FlowStage) -> Verdict:
    """Whether a worker meets a stage's gate and (once it started) its carry rule."""
    return await eligibility.check(worker, stage.requirements if stage.started_at else stage.gate)


async def get_stage(actor: Actor, stage_id: int) -> FlowStage:
    """A stage of a project the caller can see."""
    stage = await FlowStage.get_or_none(id=stage_id)
    if stage is None:
        raise NotFound("no such stage")
    await get_project(actor, stage.project_id)
    return stage


async def my_verdict(actor: Actor, stage_id: int) -> Verdict:
    """Whether the calling worker may take part in a stage of a project they can see."""
    worker = await actor.require_worker()
    return await may_take_part(worker, await get_stage(actor, stage_id))


def shape_problems(
    settings: dict[str, Any], required: Iterable[str], optional: Iterable[str]
) -> list[str]:
    """Problems with the keys of a stage's settings or carry rule: missing and unknown ones."""
    required, optional = set(required), set(optional)
    problems = [f"{key} is required" for key in sorted(required - set(settings))]
    unknown = sorted(set(settings) - required - optional)
    if unknown:
        allowed = ", ".join(sorted(required | optional)) or "none"
        problems.append(f"unknown keys {unknown} (allowed: {allowed})")
    return problems
