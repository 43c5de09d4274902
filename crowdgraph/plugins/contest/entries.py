"""Entrants: registering (a core engagement starts), submitting versioned work, withdrawing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from crowdgraph.core import eligibility, engagements, projects, runtime
from crowdgraph.core.actor import Actor
from crowdgraph.core.errors import InvalidInput, NotFound
from crowdgraph.core.events import emit
from crowdgraph.core.models import EngagementStatus
from crowdgraph.core.transaction import atomic
from crowdgraph.core.validation import Checks
from crowdgraph.plugins.contest import phases
from crowdgraph.plugins.contest.awards import MODEL
from crowdgraph.plugins.contest.contests import get_contest, is_judge
from crowdgraph.plugins.contest.models import (
    Contest,
    ContestEntry,
    ContestSubmission,
    EntryStatus,
    Phase,
)

SHA256 = re.compile(r"^[0-9a-f]{64}$")
URL = re.compile(r"^https?://\S+$")
MAX_FILE_BYTES = 2 * 1024**3


@dataclass(frozen=True)
class FileRef:
    """A file the entrant stored elsewhere: where, how big, and its SHA-256 checksum."""

    name: str
    url: str
    size: int
    sha256: str


@dataclass
class Work:
    text: str = ""
    links: list[str] = field(default_factory=list)
    files: list[FileRef] = field(default_factory=list)


async def register(actor: Actor, contest_id: int) -> ContestEntry:
    worker = await actor.require_worker()
    contest = await get_contest(actor, contest_id)
    phases.require_phase(contest, Phase.REGISTRATION, "registering")
    if not projects.audience_admits(contest.audience, contest.organization_id, worker):
        raise InvalidInput.one(
            "contestId", "NOT_ELIGIBLE", f"this contest is for the {contest.audience.value} crowd"
        )
    verdict = await eligibility.check(worker, contest.requirements)
    if not verdict.eligible:
        raise InvalidInput.one("contestId", "NOT_ELIGIBLE", "; ".join(verdict.reasons))
    if await is_judge(actor, contest.id):
        raise InvalidInput.one(
            "contestId", "CONFLICT_OF_INTEREST", "a judge cannot enter the contest they judge"
        )
    if await ContestEntry.exists(contest_id=contest.id, worker_id=worker.id):
        raise InvalidInput.one("contestId", "ALREADY_REGISTERED", "you are already registered")
    async with atomic():
        # Lock the contest row so two registrations cannot both take the last place (PostgreSQL).
        await Contest.select_for_update().get(id=contest.id)
        if contest.max_entrants is not None:
            count = await ContestEntry.filter(contest_id=contest.id).count()
            if count >= contest.max_entrants:
                raise InvalidInput.one(
                    "contestId",
                    "CONTEST_FULL",
                    f"the contest takes at most {contest.max_entrants} entrants",
                )
        entry = await ContestEntry.create(
            contest_id=contest.id,
            worker_id=worker.id,
            account_id=worker.account_id,
            registered_at=runtime.now(),
        )
        engagement = await engagements.start_engagement(
            worker_id=worker.id,
            worker_account_id=worker.account_id,
            organization_id=contest.organization_id,
            project_id=contest.project_id,
            model=MODEL,
            detail_type="ContestEntry",
            detail_id=entry.id,
            title=contest.title,
        )
        entry.engagement_id = engagement.id
        await entry.save(update_fields=["engagement_id"])
        await emit(
            "contest.entry.registered",
            {"contest_id": contest.id, "entry_id": entry.id},
            organization_id=contest.organization_id,
            account_id=worker.account_id,
            project_id=contest.project_id,
        )
    return entry


async def own_entry(actor: Actor, contest_id: int) -> tuple[Contest, ContestEntry]:
    worker = await actor.require_worker()
    contest = await get_contest(actor, contest_id)
    entry = await ContestEntry.get_or_none(contest_id=contest.id, worker_id=worker.id)
    if entry is None:
        raise NotFound("you have not registered for this contest")
    return contest, entry


def _check_work(work: Work) -> None:
    checks = Checks()
    checks.text("text", work.text, max_len=100_000)
    if not (work.text.strip() or work.links or work.files):
        checks.fail("text", "EMPTY", "a submission needs text, a link or a file")
    if len(work.links) > 20:
        checks.fail("links", "TOO_MANY", f"at most 20 links (got {len(work.links)})")
    for i, link in enumerate(work.links):
        checks.pattern(f"links[{i}]", link, URL, "an http(s) URL")
    if len(work.files) > 20:
        checks.fail("files", "TOO_MANY", f"at most 20 files (got {len(work.files)})")
    for i, ref in enumerate(work.files):
        checks.text(f"files[{i}].name", ref.name, min_len=1, max_len=200)
        checks.pattern(f"files[{i}].url", ref.url, URL, "an http(s) URL")
        checks.range(f"files[{i}].size", ref.size, low=1, high=MAX_FILE_BYTES)
        checks.pattern(
            f"files[{i}].sha256", ref.sha256, SHA256, "64 lowercase hex digits (SHA-256)"
        )
    checks.done()


async def submit(actor: Actor, contest_id: int, work: Work) -> ContestSubmission:
    """Add a new version of the entrant's work, during the submission phase only."""
    contest, entry = await own_entry(actor, contest_id)
    phases.require_phase(contest, Phase.SUBMISSION, "submitting")
    if entry.status != EntryStatus.ACTIVE:
        raise InvalidInput.one(
            "contestId",
            "ENTRY_CLOSED",
            f"your entry is {phases.shown(entry.status)}: it takes no work",
        )
    if phases.has_qualifying_round(contest) and contest.round == 2 and not entry.finalist:
        raise InvalidInput.one(
            "contestId", "NOT_FINALIST", "only the qualifying round's finalists submit to the final"
        )
    _check_work(work)
    async with atomic():
        # Versions are numbered 1..n within a round, so the count is the last version.
        last = await ContestSubmission.filter(entry_id=entry.id, round=contest.round).count()
        if last >= contest.max_submissions_per_entrant:
            raise InvalidInput.one(
                "contestId",
                "SUBMISSION_LIMIT",
                f"at most {contest.max_submissions_per_entrant} submissions per entrant and round",
            )
        submission = await ContestSubmission.create(
            entry_id=entry.id,
            contest_id=contest.id,
            round=contest.round,
            version=last + 1,
            text=work.text,
            links=work.links,
            files=[vars(f) for f in work.files],
            submitted_at=runtime.now(),
        )
        await emit(
            "contest.submission.created",
            {"contest_id": contest.id, "submission_id": submission.id, "version": last + 1},
            organization_id=contest.organization_id,
            account_id=entry.account_id,
            project_id=contest.project_id,
        )
    return submission


async def withdraw(actor: Actor, contest_id: int) -> ContestEntry:
    """Leave the contest before the review starts; the engagement is cancelled."""
    contest, entry = await own_entry(actor, contest_id)
    if contest.phase not in (Phase.REGISTRATION, Phase.SUBMISSION):
        raise phases.phase_error(contest, "withdrawing")
    if entry.status != EntryStatus.ACTIVE:
        raise InvalidInput.one(
            "contestId", "ENTRY_CLOSED", f"your entry is {phases.shown(entry.status)}"
        )
    async with atomic():
        entry.status = EntryStatus.WITHDRAWN
        await entry.save(update_fields=["status"])
        if entry.engagement_id is not None:
            engagement = await engagements.get_engagement(actor, entry.engagement_id)
            await engagements.move_engagement(engagement, EngagementStatus.CANCELLED)
        await emit(
            "contest.entry.withdrawn",
            {"contest_id": contest.id, "entry_id": entry.id},
            organization_id=contest.organization_id,
            account_id=entry.account_id,
            project_id=contest.project_id,
        )
    return entry
