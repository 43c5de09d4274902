"""Contest stages of combined projects: one contest per stage, and a prize place as what qualifies."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from crowdgraph.core import runtime
from crowdgraph.core.eligibility import Requirement, RequirementKind
from crowdgraph.core.events import Event
from crowdgraph.core.models import StageStatus, WorkerProfile
from crowdgraph.core.stages import StageRunner, StageStart, follow, shape_problems
from crowdgraph.plugins.contest import phases
from crowdgraph.plugins.contest.contests import ContestDraft, add_judge, create_contest
from crowdgraph.plugins.contest.models import AwardKind, Contest, ContestAward, ContestEntry, Phase

DETAIL_TYPE = "Contest"
WINDOWS = ("registration_hours", "submission_hours", "review_hours", "appeals_hours")
"""How long each phase lasts from the stage's start, in hours, in order."""
REQUIRED = ("brief", "prizes", "criteria", "judges", *WINDOWS)
OPTIONAL = (
    "requirements",
    "honorable_mentions",
    "honorable_mention_amount",
    "judge_fee",
    "judge_skill",
    "max_entrants",
    "max_submissions_per_entrant",
    "scale",
    "passing_score",
)
FINISHED = {Phase.WINNERS_ANNOUNCED.value, Phase.CANCELLED.value}


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _validate_placed(req: Requirement) -> list[str]:
    problems = []
    if not isinstance(req.get("contest_id"), int):
        problems.append("contest_id must be the id of a contest")
    if "max_rank" in req and not _is_count(req["max_rank"]):
        problems.append(f"max_rank must be a whole number >= 1 (got {req['max_rank']!r})")
    return problems


def _places(contest_id: int, max_rank: int | None) -> Any:
    places = ContestAward.filter(contest_id=contest_id, kind=AwardKind.PLACE)
    return places if max_rank is None else places.filter(slot__lte=max_rank)


async def _check_placed(worker: WorkerProfile, req: Requirement) -> str | None:
    entry = await ContestEntry.get_or_none(contest_id=req["contest_id"], worker_id=worker.id)
    max_rank = req.get("max_rank")
    if (
        entry is not None
        and await _places(req["contest_id"], max_rank).filter(entry_id=entry.id).exists()
    ):
        return None
    within = f" within the top {max_rank}" if max_rank else ""
    return f"needs a prize place{within} in contest {req['contest_id']}"


PLACED = RequirementKind(
    "contest.placed",
    "a prize place in a contest, optionally within the top N",
    _validate_placed,
    _check_placed,
)


def _settings_problems(settings: dict[str, Any]) -> list[str]:
    problems = shape_problems(settings, REQUIRED, OPTIONAL)
    for name in WINDOWS:
        hours = settings.get(name)
        if name in settings and (not isinstance(hours, int | float) or hours <= 0):
            problems.append(f"{name} must be a positive number of hours (got {hours!r})")
    judges = settings.get("judges")
    if "judges" in settings and (
        not isinstance(judges, list) or not judges or not all(isinstance(j, str) for j in judges)
    ):
        problems.append("judges must be a non-empty list of email addresses")
    return problems


async def _start(start: StageStart) -> int:
    """Create the contest with deadlines counted from now, add its judges and launch it."""
    settings = start.settings
    ends = []
    moment = runtime.now()
    for name in WINDOWS:
        moment += timedelta(hours=settings[name])
        ends.append(moment)
    options = {k: v for k, v in settings.items() if k in OPTIONAL and k != "requirements"}
    draft = ContestDraft(
        title=start.title,
        brief=settings["brief"],
        prizes=settings["prizes"],
        criteria=settings["criteria"],
        registration_ends_at=ends[0],
        submission_ends_at=ends[1],
        review_ends_at=ends[2],
        appeals_ends_at=ends[3],
        requirements=[*settings.get("requirements", []), *start.requirements],
        **options,
    )
    contest = await create_contest(start.actor, start.project_id, draft)
    for email in settings["judges"]:
        await add_judge(start.actor, contest.id, email)
    await phases.move_by_organizer(start.actor, contest, Phase.REGISTRATION)
    return contest.id


async def _status(contest_id: int) -> StageStatus:
    contest = await phases.refresh(await Contest.get(id=contest_id))
    if contest.phase in (Phase.WINNERS_ANNOUNCED, Phase.CLOSED):
        return StageStatus.COMPLETED
    if contest.phase == Phase.CANCELLED:
        return StageStatus.CANCELLED
    return StageStatus.RUNNING


def _carry_problems(rule: dict[str, Any]) -> list[str]:
    problems = shape_problems(rule, [], ["max_rank"])
    if "max_rank" in rule and not _is_count(rule["max_rank"]):
        problems.append(f"max_rank must be a whole number >= 1 (got {rule['max_rank']!r})")
    return problems


def _carry_requirement(contest_id: int, rule: dict[str, Any]) -> Requirement:
    return {"kind": PLACED.name, "contest_id": contest_id, **rule}


async def _qualified(contest_id: int, rule: dict[str, Any]) -> list[int]:
    awards = await _places(contest_id, rule.get("max_rank")).order_by("slot")
    entries = await ContestEntry.in_bulk([a.entry_id for a in awards], "id")
    return [entries[a.entry_id].worker_id for a in awards if a.entry_id in entries]


RUNNER = StageRunner(
    model="contest",
    detail_type=DETAIL_TYPE,
    settings_problems=_settings_problems,
    start=_start,
    status=_status,
    carry_problems=_carry_problems,
    carry_requirement=_carry_requirement,
    qualified=_qualified,
)


async def on_event(platform: Any, event: Event) -> None:
    """Winners announced (or the contest cancelled) moves the flow of the project it is a stage of."""
    if event.name == "contest.phase.changed" and event.payload["to"] in FINISHED:
        await follow(DETAIL_TYPE, event.payload["contest_id"])
