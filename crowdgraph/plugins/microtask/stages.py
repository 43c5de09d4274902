"""Micro-task stages of combined projects: one batch per stage, and gold accuracy as what qualifies."""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta
from typing import Any

from crowdgraph.core import runtime
from crowdgraph.core.eligibility import Requirement, RequirementKind
from crowdgraph.core.events import Event
from crowdgraph.core.models import StageStatus, WorkerProfile
from crowdgraph.core.stages import StageRunner, StageStart, follow, shape_problems
from crowdgraph.plugins.microtask.batches import BatchFields, add_tasks, create_batch, open_batch
from crowdgraph.plugins.microtask.config import Config
from crowdgraph.plugins.microtask.models import Batch, BatchStatus, WorkerStanding

DETAIL_TYPE = "MicrotaskBatch"
BATCH_SETTINGS = {f.name for f in fields(BatchFields)} - {
    "title",
    "deadline",
    "audience",
    "scheduling",
}
"""Batch fields a stage's settings may give (the title is the stage's; enums keep their defaults)."""
REQUIRED = ("answer_spec", "reward", "tasks")
FINISHED = {"microtask.batch.completed", "microtask.batch.closed"}


def _is_share(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1


def _meets(standing: WorkerStanding | None, minimum: float) -> bool:
    accuracy = standing.accuracy if standing else None
    return accuracy is not None and accuracy >= minimum


def _validate_accuracy(req: Requirement) -> list[str]:
    problems = []
    if not isinstance(req.get("batch_id"), int):
        problems.append("batch_id must be the id of a microtask batch")
    if not _is_share(req.get("min_accuracy")):
        problems.append(f"min_accuracy must be between 0 and 1 (got {req.get('min_accuracy')!r})")
    return problems


async def _check_accuracy(worker: WorkerProfile, req: Requirement) -> str | None:
    standing = await WorkerStanding.get_or_none(batch_id=req["batch_id"], worker_id=worker.id)
    if _meets(standing, req["min_accuracy"]):
        return None
    has = standing.accuracy if standing else None
    got = "no gold answers" if has is None else f"{has:.0%}"
    return f"needs gold accuracy of at least {req['min_accuracy']:.0%} in microtask batch {req['batch_id']} (has {got})"


GOLD_ACCURACY = RequirementKind(
    "microtask.gold_accuracy",
    "a minimum gold accuracy in a micro-task batch",
    _validate_accuracy,
    _check_accuracy,
)


def _settings_problems(settings: dict[str, Any]) -> list[str]:
    problems = shape_problems(settings, REQUIRED, BATCH_SETTINGS | {"deadline_hours"})
    tasks = settings.get("tasks")
    if "tasks" in settings and (not isinstance(tasks, list) or not tasks):
        problems.append("tasks must be a non-empty list of {input, gold} objects")
    hours = settings.get("deadline_hours")
    if hours is not None and (not isinstance(hours, int | float) or hours <= 0):
        problems.append(f"deadline_hours must be a positive number (got {hours!r})")
    return problems


async def _start(config: Config, start: StageStart) -> int:
    """Create the batch (its requirements joined by the stage's), add its tasks and open it."""
    settings = start.settings
    values = {k: v for k, v in settings.items() if k in BATCH_SETTINGS}
    values["requirements"] = [*settings.get("requirements", []), *start.requirements]
    if "deadline_hours" in settings:
        values["deadline"] = runtime.now() + timedelta(hours=settings["deadline_hours"])
    batch = await create_batch(
        start.actor, config, start.project_id, BatchFields(title=start.title, **values)
    )
    await add_tasks(start.actor, config, batch.id, settings["tasks"])
    await open_batch(start.actor, batch.id)
    return batch.id


async def _status(batch_id: int) -> StageStatus:
    batch = await Batch.get(id=batch_id)
    if batch.status in (BatchStatus.COMPLETED, BatchStatus.CLOSED):
        return StageStatus.COMPLETED
    return StageStatus.RUNNING


def _carry_problems(rule: dict[str, Any]) -> list[str]:
    problems = shape_problems(rule, ["min_gold_accuracy"], [])
    if "min_gold_accuracy" in rule and not _is_share(rule["min_gold_accuracy"]):
        problems.append(
            f"min_gold_accuracy must be between 0 and 1 (got {rule['min_gold_accuracy']!r})"
        )
    return problems


def _carry_requirement(batch_id: int, rule: dict[str, Any]) -> Requirement:
    return {
        "kind": GOLD_ACCURACY.name,
        "batch_id": batch_id,
        "min_accuracy": rule["min_gold_accuracy"],
    }


async def _qualified(batch_id: int, rule: dict[str, Any]) -> list[int]:
    standings = await WorkerStanding.filter(batch_id=batch_id, gold_answers__gt=0).order_by("id")
    return [s.worker_id for s in standings if _meets(s, rule["min_gold_accuracy"])]


def runner(config: Config) -> StageRunner:
    async def start(start: StageStart) -> int:
        return await _start(config, start)

    return StageRunner(
        model="microtask",
        detail_type=DETAIL_TYPE,
        settings_problems=_settings_problems,
        start=start,
        status=_status,
        carry_problems=_carry_problems,
        carry_requirement=_carry_requirement,
        qualified=_qualified,
    )


async def on_event(platform: Any, event: Event) -> None:
    """A finished batch moves the flow of the project whose stage it runs."""
    if event.name in FINISHED:
        await follow(DETAIL_TYPE, event.payload["batch_id"])
