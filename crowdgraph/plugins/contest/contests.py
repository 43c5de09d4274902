"""Creating contests, who may see them, and their judges."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any

from tortoise.expressions import Q, Subquery

from crowdgraph.core import eligibility, projects, runtime
from crowdgraph.core.actor import Actor
from crowdgraph.core.errors import Forbidden, InvalidInput, NotFound
from crowdgraph.core.events import emit
from crowdgraph.core.models import (
    Account,
    Audience,
    Membership,
    Project,
    Skill,
    WorkerProfile,
)
from crowdgraph.core.transaction import atomic
from crowdgraph.core.validation import Checks, camel_case
from crowdgraph.plugins.contest import awards, phases
from crowdgraph.plugins.contest.models import Contest, ContestEntry, ContestJudge, Phase
from crowdgraph.plugins.contest.scoring import FULL, validate_scorecard

MAX_PLACES = 10


@dataclass
class ContestDraft:
    """What an organizer fills in to create a contest (amounts in the organization's minor units)."""

    title: str
    brief: str
    prizes: list[int]
    criteria: list[dict[str, Any]]
    registration_ends_at: datetime
    submission_ends_at: datetime
    review_ends_at: datetime
    appeals_ends_at: datetime
    audience: Audience | None = None
    requirements: list[dict[str, Any]] = field(default_factory=list)
    honorable_mentions: int = 0
    honorable_mention_amount: int = 0
    finalists: int = 0
    participation_award: int = 0
    qualifying_ends_at: datetime | None = None
    qualifying_review_ends_at: datetime | None = None
    judge_fee: int = 0
    judge_skill: str = ""
    max_entrants: int | None = None
    max_submissions_per_entrant: int = 5
    scale: int = 10
    passing_score: int = 0


NULLABLE = {"audience", "qualifying_ends_at", "qualifying_review_ends_at", "max_entrants"}
"""Draft fields where null means something (the project's audience, no qualifying round, no limit)."""


def _check(draft: ContestDraft, checks: Checks) -> None:
    checks.text("title", draft.title, min_len=1, max_len=160)
    checks.text("brief", draft.brief, min_len=1, max_len=50_000)
    if not 1 <= len(draft.prizes) <= MAX_PLACES:
        checks.fail(
            "prizes",
            "OUT_OF_RANGE",
            f"prizes must list 1 to {MAX_PLACES} places (got {len(draft.prizes)})",
        )
    for i, amount in enumerate(draft.prizes):
        checks.range(f"prizes[{i}]", amount, low=1)
    if any(a < b for a, b in zip(draft.prizes, draft.prizes[1:], strict=False)):
        checks.fail("prizes", "NOT_DESCENDING", "a better place never gets less than a worse one")
    checks.range("honorableMentions", draft.honorable_mentions, low=0, high=20)
    checks.range("honorableMentionAmount", draft.honorable_mention_amount, low=0)
    checks.range("finalists", draft.finalists, low=0, high=100)
    checks.range("participationAward", draft.participation_award, low=0)
    checks.range("judgeFee", draft.judge_fee, low=0)
    checks.range("maxEntrants", draft.max_entrants, low=1)
    checks.range("maxSubmissionsPerEntrant", draft.max_submissions_per_entrant, low=1, high=50)
    checks.range("passingScore", draft.passing_score, low=0, high=FULL)
    validate_scorecard(checks, draft.criteria, draft.scale)
    deadlines: list[tuple[str, datetime | None]] = [
        ("registrationEndsAt", draft.registration_ends_at)
    ]
    if draft.finalists:
        for name, value in (
            ("qualifyingEndsAt", draft.qualifying_ends_at),
            ("qualifyingReviewEndsAt", draft.qualifying_review_ends_at),
        ):
            if value is None:
                checks.fail(name, "REQUIRED", f"{name} is required with a qualifying round")
            deadlines.append((name, value))
    elif draft.qualifying_ends_at or draft.qualifying_review_ends_at:
        checks.fail(
            "finalists",
            "REQUIRED",
            "qualifying deadlines need finalists > 0 (how many the qualifying round picks)",
        )
    deadlines += [
        ("submissionEndsAt", draft.submission_ends_at),
        ("reviewEndsAt", draft.review_ends_at),
        ("appealsEndsAt", draft.appeals_ends_at),
    ]
    now = runtime.now()
    previous: tuple[str, datetime] | None = None
    for name, value in deadlines:
        if value is None:
            continue
        if value <= now:
            checks.fail(name, "IN_THE_PAST", f"{name} must be in the future (got {value})")
        elif previous is not None and value <= previous[1]:
            checks.fail(name, "OUT_OF_ORDER", f"{name} must be after {previous[0]}")
        previous = (name, value)
    checks.done()


async def _validate(draft: ContestDraft, checks: Checks, *, references: bool = True) -> None:
    """Every rule of a contest draft; ``references``: also look up its requirements and skill."""
    _check(draft, checks)
    if references:
        await eligibility.validate_requirements(draft.requirements)
        if draft.judge_skill and not await _skill_exists(draft.judge_skill):
            raise InvalidInput.one(
                "judgeSkill", "UNKNOWN_SKILL", f"no skill with slug {draft.judge_skill!r}"
            )


def _columns(draft: ContestDraft, project: Project) -> dict[str, Any]:
    """The contest row's values for a draft (no audience: the project's)."""
    values = {f.name: getattr(draft, f.name) for f in fields(ContestDraft)}
    return values | {"title": draft.title.strip(), "audience": draft.audience or project.audience}


async def create_contest(actor: Actor, project_id: int, draft: ContestDraft) -> Contest:
    project = await projects.get_managed_project(actor, project_id)
    account = actor.require_account()
    await _validate(draft, Checks())
    now = runtime.now()
    org = await project.organization
    async with atomic():
        contest = await Contest.create(
            organization_id=project.organization_id,
            project_id=project.id,
            created_by_id=account.id,
            currency=org.currency,
            created_at=now,
            updated_at=now,
            **_columns(draft, project),
        )
        await emit(
            "contest.contest.created",
            {"contest_id": contest.id, "title": contest.title},
            organization_id=contest.organization_id,
            project_id=contest.project_id,
        )
    return contest


async def edit_draft(actor: Actor, contest_id: int, changes: dict[str, Any]) -> Contest:
    """Change a draft's fields (``changes`` by ``ContestDraft`` field name; left out: kept).

    Only a draft is edited: nothing is held before the launch, which holds the edited pool and
    judges' fees. The row is locked while it is read, checked and written, so an edit never
    overwrites a launch or another edit it did not see.
    """
    await get_managed_contest(actor, contest_id)
    async with atomic():
        contest = await Contest.select_for_update().get(id=contest_id)
        phases.require_phase(
            contest,
            Phase.DRAFT,
            "editing the contest",
            hint=f"only a {phases.shown(Phase.DRAFT)} contest can be edited",
        )
        checks = Checks()
        for name in sorted(changes):
            if changes[name] is None and name not in NULLABLE:
                label = camel_case(name)
                checks.fail(label, "REQUIRED", f"{label} cannot be null (leave it out to keep it)")
        kept = {f.name: getattr(contest, f.name) for f in fields(ContestDraft)}
        edits = {n: v for n, v in changes.items() if v is not None or n in NULLABLE}
        draft = replace(ContestDraft(**kept), **edits)
        await _validate(
            draft, checks, references=bool({"requirements", "judge_skill"} & changes.keys())
        )
        project = await Project.get(id=contest.project_id)
        fee_changed = draft.judge_fee != contest.judge_fee
        contest.update_from_dict(_columns(draft, project) | {"updated_at": runtime.now()})
        await contest.save()
        if fee_changed:
            await ContestJudge.filter(contest_id=contest.id).update(fee=draft.judge_fee)
        await emit(
            "contest.contest.edited",
            {"contest_id": contest.id, "fields": sorted(camel_case(n) for n in changes)},
            organization_id=contest.organization_id,
            project_id=contest.project_id,
        )
    return contest


async def _skill_exists(slug: str) -> bool:
    return await Skill.exists(slug=slug)


async def is_judge(actor: Actor, contest_id: int) -> ContestJudge | None:
    if actor.account is None:
        return None
    return await ContestJudge.get_or_none(contest_id=contest_id, account_id=actor.account.id)


RESULTS_PHASES = (Phase.WINNERS_ANNOUNCED, Phase.CLOSED)
"""Once winners are announced, an open contest and its leaderboard are public, even to anonymous callers."""

BLIND_PHASES = (Phase.REGISTRATION, Phase.SUBMISSION, Phase.REVIEW, Phase.APPEALS)
"""From launch until winners are announced, a contest's judges do not learn who entered."""


def judges_blind(contest: Contest, seat: ContestJudge | None) -> bool:
    """Whether entrants are hidden from a caller with this judge ``seat`` (None: not a judge)."""
    return seat is not None and contest.phase in BLIND_PHASES


def sees_entrants(actor: Actor, contest: Contest, seat: ContestJudge | None) -> bool:
    """Organizers see who entered, except organizers who judge the contest while it is judged."""
    return actor.can_manage(contest.organization_id) and not judges_blind(contest, seat)


async def hidden_engagements(actor: Actor) -> Q | None:
    """The core engagements of entries in contests the caller judges, while they are judged.

    Organization members see their organization's engagements in the core; without this a member who
    judges could list them and learn who entered.
    """
    if actor.account is None:
        return None
    judged = await ContestJudge.filter(
        account_id=actor.account.id, contest__phase__in=list(BLIND_PHASES)
    ).values_list("contest_id", flat=True)
    if not judged:
        return None
    entries = ContestEntry.filter(contest_id__in=list(judged), engagement_id__isnull=False)
    return Q(model="contest", id__in=Subquery(entries.values("engagement_id")))


async def can_see(actor: Actor, contest: Contest) -> bool:
    """Organizers always; judges, entrants and the contest's audience once it is launched."""
    if contest.phase in RESULTS_PHASES and contest.audience != Audience.INTERNAL:
        return True  # results of open contests are public, as on Topcoder and Kaggle
    if actor.account is None:
        return False
    if actor.can_manage(contest.organization_id):
        return True
    if contest.phase == Phase.DRAFT:
        return False
    if await is_judge(actor, contest.id):
        return True
    worker = await actor.worker()
    if worker is None:
        return False
    if await ContestEntry.exists(contest_id=contest.id, worker_id=worker.id):
        return True
    return projects.audience_admits(contest.audience, contest.organization_id, worker)


async def get_contest(actor: Actor, contest_id: int) -> Contest:
    """A contest the caller may see, with any deadline that has passed applied first."""
    contest = await Contest.get_or_none(id=contest_id)
    if contest is not None:
        contest = await phases.refresh(contest)
    if contest is None or not await can_see(actor, contest):
        raise NotFound("no such contest")
    return contest


async def get_managed_contest(actor: Actor, contest_id: int) -> Contest:
    contest = await get_contest(actor, contest_id)
    actor.require_manager(contest.organization_id)
    return contest


async def visible_rule(actor: Actor) -> Q:
    """Contests the caller may list: ``can_see`` as a filter (subqueries: no statement of its own)."""
    if actor.is_admin:
        return Q()
    rule = Q(phase__in=list(RESULTS_PHASES), audience__in=[Audience.EXTERNAL, Audience.BOTH])
    rule |= Q(organization_id__in=list(actor.memberships))
    if actor.account is not None:
        judged = ContestJudge.filter(account_id=actor.account.id).values("contest_id")
        rule |= Q(id__in=Subquery(judged)) & ~Q(phase=Phase.DRAFT)
    worker = await actor.worker()
    if worker is not None:
        entered = ContestEntry.filter(worker_id=worker.id).values("contest_id")
        rule |= (Q(id__in=Subquery(entered)) | projects.audience_rule(worker)) & ~Q(
            phase=Phase.DRAFT
        )
    return rule


async def project_contests(actor: Actor, project_ids: Sequence[int]) -> list[Contest]:
    """The contests of these projects the caller may see, oldest first."""
    actor.require_account()
    rule = Q(project_id__in=list(project_ids)) & await visible_rule(actor)
    rows = await Contest.filter(rule).order_by("id")
    return [await phases.refresh(row) for row in rows]


async def add_judge(actor: Actor, contest_id: int, email: str) -> ContestJudge:
    """Invite a judge: an organization member, or a worker holding the contest's judge skill."""
    contest = await get_managed_contest(actor, contest_id)
    if contest.phase not in (Phase.DRAFT, Phase.REGISTRATION, Phase.SUBMISSION):
        raise InvalidInput.one(
            "contestId",
            "PHASE_RULE",
            f"judges can be added until the {phases.shown(Phase.REVIEW)} phase starts "
            f"(the contest is in its {phases.shown(contest.phase)} phase)",
        )
    account = await Account.get_or_none(email=email.strip().lower())
    if account is None:
        raise InvalidInput.one("email", "NOT_FOUND", f"no account with email {email!r}")
    member = await _is_member(account.id, contest.organization_id)
    if not member:
        worker = await WorkerProfile.get_or_none(account_id=account.id)
        if worker is None:
            raise InvalidInput.one(
                "email", "NOT_ELIGIBLE", "a judge is an organization member or a worker"
            )
        if contest.judge_skill:
            verdict = await eligibility.check(
                worker, [{"kind": "skill", "skill": contest.judge_skill, "min_level": 3}]
            )
            if not verdict.eligible:
                raise InvalidInput.one("email", "NOT_ELIGIBLE", "; ".join(verdict.reasons))
        if await ContestEntry.exists(contest_id=contest.id, worker_id=worker.id):
            raise InvalidInput.one(
                "email", "CONFLICT_OF_INTEREST", "an entrant cannot judge the same contest"
            )
    if await ContestJudge.exists(contest_id=contest.id, account_id=account.id):
        raise InvalidInput.one("email", "ALREADY_JUDGE", f"{email} already judges this contest")
    async with atomic():
        judge = await ContestJudge.create(
            contest_id=contest.id,
            account_id=account.id,
            name=account.name,
            member=member,
            fee=contest.judge_fee,
            created_at=runtime.now(),
        )
        if contest.phase != Phase.DRAFT and judge.fee:
            await awards.hold(
                contest,
                judge.fee,
                f"contest:{contest.id}:judge:{judge.id}:hold",
                "email",
                "a judge added after the launch is paid from the prize pool's hold",
            )
        await emit(
            "contest.judge.added",
            {"contest_id": contest.id, "judge_id": judge.id},
            organization_id=contest.organization_id,
            account_id=account.id,
            project_id=contest.project_id,
        )
    return judge


async def _is_member(account_id: int, organization_id: int) -> bool:
    return await Membership.exists(account_id=account_id, organization_id=organization_id)


def require_judge(judge: ContestJudge | None) -> ContestJudge:
    if judge is None:
        raise Forbidden("only the contest's judges may do this")
    return judge
