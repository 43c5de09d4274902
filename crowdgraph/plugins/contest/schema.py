"""The contest plugin's part of the GraphQL schema: thin resolvers over the services."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any, cast

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.scalars import JSON

from crowdgraph.core.errors import Forbidden, InvalidInput
from crowdgraph.core.models import Account, Audience
from crowdgraph.core.pages import fetch_page, window
from crowdgraph.plugins.contest import contests, entries, judging, phases, results
from crowdgraph.plugins.contest import models as m
from crowdgraph.plugins.contest.loaders import ContestLoaders
from crowdgraph.plugins.contest.prizes import pool_total
from crowdgraph.plugins.contest.scoring import TIE_RULE
from crowdgraph.schema.context import Context
from crowdgraph.schema.descriptions import described_enum
from crowdgraph.schema.errors import Payload, run_mutation
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
)
from crowdgraph.schema.types import EngagementDetail, Long, Money, ProjectStage

ContestPhase = described_enum(
    m.Phase,
    "Where a contest is in its life; phases follow in this order unless cancelled.",
    {
        m.Phase.DRAFT: "Being prepared by the organizers; not visible to workers.",
        m.Phase.REGISTRATION: "Workers may register.",
        m.Phase.SUBMISSION: "Entrants submit their work (a round's submission window).",
        m.Phase.REVIEW: "Judges score the round's submissions.",
        m.Phase.APPEALS: "Entrants may appeal their scores.",
        m.Phase.WINNERS_ANNOUNCED: "Final ranking and prizes are public; prizes are paid.",
        m.Phase.CLOSED: "Over and archived.",
        m.Phase.CANCELLED: "Stopped before winners were announced; held prize money returned.",
    },
    name="ContestPhase",
)
ContestEntryStatus = described_enum(
    m.EntryStatus,
    "Where an entrant stands in a contest.",
    {
        m.EntryStatus.ACTIVE: "Registered and still competing.",
        m.EntryStatus.WITHDRAWN: "Left the contest.",
        m.EntryStatus.ELIMINATED: "Not picked as a finalist in the qualifying round.",
        m.EntryStatus.FINISHED: "Ranked in the final round when the winners were announced.",
        m.EntryStatus.NO_SUBMISSION: "Had no judged submission in the final round.",
    },
    name="ContestEntryStatus",
)
ContestAppealStatus = described_enum(
    m.AppealStatus,
    "Where an appeal of a score is.",
    {
        m.AppealStatus.OPEN: "Waiting for the judge's answer.",
        m.AppealStatus.ACCEPTED: "The judge changed the score.",
        m.AppealStatus.REJECTED: "The score stands.",
    },
    name="ContestAppealStatus",
)
ContestAwardKind = described_enum(
    m.AwardKind,
    "What a contest award was paid for.",
    {
        m.AwardKind.PLACE: "A place of the prize table (1st, 2nd, ...).",
        m.AwardKind.HONORABLE_MENTION: "An honorable mention after the prize places.",
        m.AwardKind.PARTICIPATION: "Paid to each finalist picked by the qualifying round.",
    },
    name="ContestAwardKind",
)


def _ctx(info: strawberry.Info) -> Context:
    context: Context = info.context
    return context


def _loaders(context: Context) -> ContestLoaders:
    loaders: ContestLoaders = context.plugins["contest"]["loaders"]
    return loaders


async def _sees_entrants(context: Context, contest: m.Contest) -> bool:
    """``contests.sees_entrants`` with the caller's judge seat read once per request."""
    if not context.actor.can_manage(contest.organization_id):
        return False
    seat = await _loaders(context).seats(context.actor.account_id).load(contest.id)
    return contests.sees_entrants(context.actor, contest, seat)


def _awards_by_entry(context: Context) -> DataLoader[int, list[m.ContestAward]]:
    return context.children(m.ContestAward, "entry_id")


@strawberry.type(description="A place of a contest's prize table.")
class ContestPrize:
    place: int = strawberry.field(description="The place, from 1.")
    amount: Money = strawberry.field(description="What that place wins.")


@strawberry.type(description="One criterion of a contest's scorecard.")
class ContestCriterion:
    name: str = strawberry.field(description="What judges score, e.g. originality.")
    weight: int = strawberry.field(description="Its relative weight (1-100) in the total.")


@strawberry.type(description="How submissions are scored; scores are hundredths of a percent.")
class ContestScorecard:
    criteria: list[ContestCriterion] = strawberry.field(description="What judges score.")
    scale: int = strawberry.field(description="Each criterion is scored 0..scale.")
    passing_score: int = strawberry.field(description="Minimum final score to qualify (0..10000).")
    tie_rule: str = strawberry.field(description="How equal scores are ordered, in words.")


@strawberry.type(description="When each phase of a contest ends (UTC, ISO 8601).")
class ContestDeadlines:
    registration_ends_at: datetime = strawberry.field(description="When registration closes.")
    qualifying_ends_at: datetime | None = strawberry.field(
        description="When qualifying submissions close; null without a qualifying round."
    )
    qualifying_review_ends_at: datetime | None = strawberry.field(
        description="When judges must have scored the qualifying round; null without one."
    )
    submission_ends_at: datetime = strawberry.field(description="When final submissions close.")
    review_ends_at: datetime = strawberry.field(description="When judges must have scored.")
    appeals_ends_at: datetime = strawberry.field(description="When appeals close.")


@strawberry.type(description="A file attached to a submission, stored by the entrant.")
class ContestFile:
    name: str = strawberry.field(description="The file name.")
    url: str = strawberry.field(description="Where to download it.")
    size: Long = strawberry.field(description="Its size in bytes.")
    sha256: str = strawberry.field(description="Its SHA-256 digest in hex, to check the download.")


@strawberry.type(description="A score and its feedback; it never names the judge.")
class ContestScore(Node):
    values: JSON = strawberry.field(
        description="The score of each criterion by its name, each 0..scale."
    )
    total: int = strawberry.field(description="The weighted total, 0..10000 (hundredths of a %).")
    feedback: str = strawberry.field(description="The judge's feedback to the entrant.")

    @classmethod
    def from_row(cls, row: m.ContestScore) -> ContestScore:
        return cls(
            id=to_global_id("ContestScore", row.id),
            values=cast(JSON, row.values),
            total=row.total,
            feedback=row.feedback,
        )


@strawberry.type(description="An entrant's appeal of a score, and the judge's answer.")
class ContestAppeal(Node):
    score_id: strawberry.ID = strawberry.field(
        description="The ID of the appealed ContestScore.",
        deprecation_reason="Use score { id }: the appealed score itself.",
    )
    score: ContestScore = strawberry.field(description="The appealed score, as it is now.")
    submission_pk: strawberry.Private[int]
    reason: str = strawberry.field(description="Why the entrant thinks the score is wrong.")
    status: ContestAppealStatus = strawberry.field(  # type: ignore[valid-type]
        description="Open, accepted or rejected."
    )
    answer: str = strawberry.field(description="The judge's answer; empty while open.")
    total_before: int = strawberry.field(description="The score's total when appealed (0..10000).")
    total_after: int | None = strawberry.field(
        description="The total after an accepted appeal; null otherwise."
    )
    created_at: datetime = strawberry.field(description="When it was filed (UTC, ISO 8601).")
    answered_at: datetime | None = strawberry.field(
        description="When the judge answered (UTC, ISO 8601); null while open."
    )

    @classmethod
    def from_row(cls, row: m.ContestAppeal) -> ContestAppeal:
        return cls(
            id=to_global_id("ContestAppeal", row.id),
            score_id=to_global_id("ContestScore", row.score_id),
            score=ContestScore.from_row(row.score),
            submission_pk=row.score.submission_id,
            reason=row.reason,
            status=row.status,
            answer=row.answer,
            total_before=row.total_before,
            total_after=row.total_after,
            created_at=row.created_at,
            answered_at=row.answered_at,
        )

    @strawberry.field(description="The ID of the ContestSubmission the score is of.")
    def submission_id(self) -> strawberry.ID:
        return to_global_id("ContestSubmission", self.submission_pk)


@strawberry.type(
    description="Money a contest paid to an entry: a place, a mention or participation."
)
class ContestAward:
    kind: ContestAwardKind = strawberry.field(  # type: ignore[valid-type]
        description="What it was paid for."
    )
    place: int = strawberry.field(description="The place or mention number (participation: 0).")
    amount: Money = strawberry.field(description="What was paid.")
    entry_pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: m.ContestAward, currency: str) -> ContestAward:
        slot = 0 if row.kind == m.AwardKind.PARTICIPATION else row.slot
        return cls(
            kind=row.kind, place=slot, amount=Money.of(row.amount, currency), entry_pk=row.entry_id
        )

    @strawberry.field(
        description="The entry that won it: for its entrant and the organizers, else null."
    )
    async def entry(self, info: strawberry.Info) -> ContestEntry | None:
        return await resolve_entry(_ctx(info), self.entry_pk)


@strawberry.type(description="One version of an entrant's work. Judges never learn whose it is.")
class ContestSubmission(Node):
    pk: strawberry.Private[int]
    entry_pk: strawberry.Private[int]
    organization_pk: strawberry.Private[int]
    round: int = strawberry.field(description="The round it was made in: 1, or 2 after qualifying.")
    version: int = strawberry.field(
        description="Its number among the entry's submissions of the round."
    )
    text: str = strawberry.field(description="The entrant's write-up.")
    links: list[str] = strawberry.field(description="URLs the entrant points judges to.")
    files: list[ContestFile] = strawberry.field(description="Files attached.")
    judged: bool = strawberry.field(description="Whether it is the version judges score.")
    submitted_at: datetime = strawberry.field(description="When it was made (UTC, ISO 8601).")

    @classmethod
    def from_row(cls, row: m.ContestSubmission, organization_id: int) -> ContestSubmission:
        return cls(
            id=to_global_id("ContestSubmission", row.id),
            pk=row.id,
            entry_pk=row.entry_id,
            organization_pk=organization_id,
            round=row.round,
            version=row.version,
            text=row.text,
            links=row.links,
            files=[ContestFile(**f) for f in row.files],
            judged=row.judged,
            submitted_at=row.submitted_at,
        )

    @strawberry.field(description="The entry: for its entrant and the organizers only, else null.")
    async def entry(self, info: strawberry.Info) -> ContestEntry | None:
        context = _ctx(info)
        row = await context.by_id(m.ContestEntry).load(self.entry_pk)
        if row is None:
            return None
        contest = await context.by_id(m.Contest).load(row.contest_id)
        if contest is None or not await _may_see_entry(context, row, contest):
            return None
        return ContestEntry.from_row(row, self.organization_pk)


async def _may_see_entry(context: Context, entry: m.ContestEntry, contest: m.Contest) -> bool:
    """The entrant, and organizers who are not judging it blind."""
    actor = context.actor
    if actor.account_id is not None and actor.account_id == entry.account_id:
        return True
    return await _sees_entrants(context, contest)


@strawberry.type(description="An entrant's place in a contest (the detail of their engagement).")
class ContestEntry(EngagementDetail):
    pk: strawberry.Private[int]
    contest_pk: strawberry.Private[int]
    account_pk: strawberry.Private[int]
    organization_pk: strawberry.Private[int]
    status: ContestEntryStatus = strawberry.field(  # type: ignore[valid-type]
        description="Where the entrant stands."
    )
    finalist: bool = strawberry.field(description="Whether the qualifying round picked them.")
    final_score: int | None = strawberry.field(
        description="The final round's score (0..10000); null until winners are announced."
    )
    rank: int | None = strawberry.field(
        description="The final place, from 1; null until winners are announced."
    )
    registered_at: datetime = strawberry.field(description="When they registered (UTC, ISO 8601).")

    @classmethod
    def from_row(cls, row: m.ContestEntry, organization_id: int) -> ContestEntry:
        return cls(
            id=to_global_id("ContestEntry", row.id),
            model="contest",
            pk=row.id,
            contest_pk=row.contest_id,
            account_pk=row.account_id,
            organization_pk=organization_id,
            status=row.status,
            finalist=row.finalist,
            final_score=row.final_score,
            rank=row.rank,
            registered_at=row.registered_at,
        )

    @strawberry.field(description="The entrant's display name.")
    async def entrant_name(self, info: strawberry.Info) -> str:
        account = await _ctx(info).by_id(Account).load(self.account_pk)
        return account.name if account else ""

    @strawberry.field(description="Every version, oldest first.")
    async def submissions(self, info: strawberry.Info) -> list[ContestSubmission]:
        rows = await _ctx(info).children(m.ContestSubmission, "entry_id").load(self.pk)
        return [ContestSubmission.from_row(r, self.organization_pk) for r in rows]

    @strawberry.field(description="Scores and feedback of the rounds whose review is over.")
    async def scores(self, info: strawberry.Info) -> list[ContestScore]:
        context = _ctx(info)
        contest = await context.by_id(m.Contest).load(self.contest_pk)
        if contest is None:
            return []
        last = judging.last_reviewed_round(contest)
        rows = await _loaders(context).scores_by_entry.load(self.pk)
        return [ContestScore.from_row(r.score) for r in rows if r.round <= last]

    @strawberry.field(description="What the entry won.")
    async def awards(self, info: strawberry.Info) -> list[ContestAward]:
        context = _ctx(info)
        rows = await _awards_by_entry(context).load(self.pk)
        contest = await context.by_id(m.Contest).load(self.contest_pk)
        currency = contest.currency if contest else ""
        return [ContestAward.from_row(r, currency) for r in rows]


@strawberry.type(description="A row of a contest's final ranking.")
class ContestStanding:
    rank: int = strawberry.field(description="The place, from 1.")
    entrant_name: str = strawberry.field(description="The entrant's display name.")
    final_score: int = strawberry.field(description="The final score, 0..10000.")
    prize: Money = strawberry.field(description="Prize and mention money won (0 when none).")


@strawberry.type(description="How far one judge is with the current round.")
class ContestJudgeProgress:
    judge_name: str = strawberry.field(description="The judge's display name.")
    scored: int = strawberry.field(description="Submissions they scored.")
    total: int = strawberry.field(description="Submissions they have to score.")


@strawberry.type(description="A challenge posed to the crowd: a stage of a project.")
class Contest(ProjectStage):
    pk: strawberry.Private[int]
    organization_pk: strawberry.Private[int]
    row: strawberry.Private[m.Contest]
    """The row it was built from, already checked for the caller and refreshed: fields reuse it."""
    brief: str = strawberry.field(description="What entrants are asked to do.")
    requirements: JSON = strawberry.field(
        description="Requirements (eligibility format) a worker must meet to register."
    )
    audience: Audience = strawberry.field(description="Which crowd may register.")
    phase: ContestPhase = strawberry.field(  # type: ignore[valid-type]
        description="Where the contest is in its life."
    )
    round: int = strawberry.field(description="The current round: 1, or 2 after qualifying.")
    deadline: datetime | None = strawberry.field(description="When the current phase ends.")
    deadlines: ContestDeadlines = strawberry.field(description="When each phase ends.")
    prizes: list[ContestPrize] = strawberry.field(description="The prize table, first place first.")
    honorable_mentions: int = strawberry.field(
        description="How many entries after the prize places get a mention."
    )
    honorable_mention_amount: Money = strawberry.field(description="What each mention pays.")
    finalists: int = strawberry.field(description="How many the qualifying round picks (0: none).")
    participation_award: Money = strawberry.field(
        description="What each finalist of the qualifying round is paid."
    )
    judge_fee: Money = strawberry.field(description="What each judge is paid for the contest.")
    guaranteed_pool: Money = strawberry.field(
        description="Prizes and mentions held from the budget: paid whatever the entries."
    )
    max_entrants: int | None = strawberry.field(
        description="How many may register; null for no limit."
    )
    max_submissions_per_entrant: int = strawberry.field(
        description="How many versions an entrant may submit per round."
    )
    scorecard: ContestScorecard = strawberry.field(description="How submissions are scored.")

    @classmethod
    def from_row(cls, row: m.Contest) -> Contest:
        def cash(amount: int) -> Money:
            return Money.of(amount, row.currency)

        return cls(
            id=to_global_id("Contest", row.id),
            pk=row.id,
            organization_pk=row.organization_id,
            row=row,
            title=row.title,
            model="contest",
            brief=row.brief,
            requirements=cast(JSON, row.requirements),
            audience=row.audience,
            phase=row.phase,
            round=row.round,
            deadline=row.deadline,
            deadlines=ContestDeadlines(
                registration_ends_at=row.registration_ends_at,
                qualifying_ends_at=row.qualifying_ends_at,
                qualifying_review_ends_at=row.qualifying_review_ends_at,
                submission_ends_at=row.submission_ends_at,
                review_ends_at=row.review_ends_at,
                appeals_ends_at=row.appeals_ends_at,
            ),
            prizes=[ContestPrize(place=i + 1, amount=cash(a)) for i, a in enumerate(row.prizes)],
            honorable_mentions=row.honorable_mentions,
            honorable_mention_amount=cash(row.honorable_mention_amount),
            finalists=row.finalists,
            participation_award=cash(row.participation_award),
            judge_fee=cash(row.judge_fee),
            guaranteed_pool=cash(
                pool_total(row.prizes, row.honorable_mentions, row.honorable_mention_amount)
            ),
            max_entrants=row.max_entrants,
            max_submissions_per_entrant=row.max_submissions_per_entrant,
            scorecard=ContestScorecard(
                criteria=[
                    ContestCriterion(name=c["name"], weight=c["weight"]) for c in row.criteria
                ],
                scale=row.scale,
                passing_score=row.passing_score,
                tie_rule=TIE_RULE,
            ),
        )

    @strawberry.field(description="Every entry (organizers only).")
    async def entries(
        self,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ContestEntry]:
        context = _ctx(info)
        context.actor.require_manager(self.organization_pk)
        contest = self.row
        seat = await _loaders(context).seats(context.actor.account_id).load(contest.id)
        if contests.judges_blind(contest, seat):
            raise Forbidden(
                "you judge this contest: who entered stays hidden until winners are announced"
            )
        page = await fetch_page(
            m.ContestEntry.filter(contest_id=self.pk), context.page(first, after, last, before)
        )
        return await connection_of(
            info, page, lambda r: ContestEntry.from_row(r, self.organization_pk)
        )

    @strawberry.field(description="The caller's own entry, if they registered.")
    async def my_entry(self, info: strawberry.Info) -> ContestEntry | None:
        worker = await _ctx(info).actor.worker()
        if worker is None:
            return None
        row = await m.ContestEntry.get_or_none(contest_id=self.pk, worker_id=worker.id)
        return ContestEntry.from_row(row, self.organization_pk) if row else None

    @strawberry.field(description="The current round's submissions to score (judges, organizers).")
    async def submissions_to_judge(
        self,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ContestSubmission]:
        context = _ctx(info)
        _, page = await judging.submissions_to_judge(
            context.actor, self.pk, context.page(first, after, last, before)
        )
        return await connection_of(
            info, page, lambda r: ContestSubmission.from_row(r, self.organization_pk)
        )

    @strawberry.field(description="Appeals: a judge sees those on their scores, organizers all.")
    async def appeals(self, info: strawberry.Info) -> list[ContestAppeal]:
        context = _ctx(info)
        contest = self.row
        rows = await judging.appeals_to_answer(context.actor, contest)
        await m.ContestAppeal.fetch_for_list(rows, "score")
        return [ContestAppeal.from_row(r) for r in rows]

    @strawberry.field(description="How far each judge is (organizers only).")
    async def judging_progress(self, info: strawberry.Info) -> list[ContestJudgeProgress]:
        context = _ctx(info)
        contest = self.row
        report = await judging.judging_progress(context.actor, contest)
        return [
            ContestJudgeProgress(judge_name=p.judge.name, scored=p.scored, total=p.total)
            for p in report
        ]

    @strawberry.field(
        description="Final ranking with prizes: public once winners are announced, "
        "organizers see it from the appeals phase on.",
        deprecation_reason="Use leaderboardConnection: pages and totalCount.",
    )
    async def leaderboard(self, info: strawberry.Info) -> list[ContestStanding] | None:
        context = _ctx(info)
        contest = self.row
        rows = await leaderboard(context, contest)
        return rows

    @strawberry.field(
        description="Final ranking with prizes, a page at a time from the top: public once "
        "winners are announced, organizers see it from the appeals phase on (null before)."
    )
    async def leaderboard_connection(
        self,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ContestStanding] | None:
        context = _ctx(info)
        request = context.page(first, after, last, before)
        rows = await leaderboard(context, self.row)
        if rows is None:
            return None
        return await connection_of(
            info, window(rows, request), lambda row: row, lambda row: row.rank
        )


async def leaderboard(context: Context, contest: m.Contest) -> list[ContestStanding] | None:
    public = contest.phase in (m.Phase.WINNERS_ANNOUNCED, m.Phase.CLOSED)
    organizer = await _sees_entrants(context, contest)
    if public:
        ranked = await m.ContestEntry.filter(
            contest_id=contest.id, status=m.EntryStatus.FINISHED, rank__isnull=False
        ).order_by("rank")
        scores = [(e.id, e.account_id, e.final_score or 0) for e in ranked]
    elif organizer and contest.phase == m.Phase.APPEALS:
        scores = [(s.entry_id, s.account_id, s.score) for s in await results.standings(contest)]
    else:
        return None
    accounts = await context.by_id(Account).load_many([account for _, account, _ in scores])
    prizes = await _awards_by_entry(context).load_many([entry for entry, _, _ in scores])
    return [
        ContestStanding(
            rank=position,
            entrant_name=account.name if account else "",
            final_score=score,
            prize=Money.of(
                sum(a.amount for a in won if a.kind != m.AwardKind.PARTICIPATION),
                contest.currency,
            ),
        )
        for position, ((_, _, score), account, won) in enumerate(
            zip(scores, accounts, prizes, strict=True), start=1
        )
    ]


@strawberry.input(description="One criterion of a contest's scorecard.")
class ContestCriterionInput:
    name: str = strawberry.field(description="What judges score; unique in the scorecard.")
    weight: int = strawberry.field(default=1, description="Its relative weight, 1-100.")


DRAFT = {
    "title": "The contest's title.",
    "brief": "What entrants are asked to do.",
    "criteria": "The scorecard's criteria.",
    "registration_ends_at": "When registration closes (UTC, ISO 8601).",
    "submission_ends_at": "When final submissions close (UTC, ISO 8601).",
    "review_ends_at": "When judges must have scored (UTC, ISO 8601).",
    "appeals_ends_at": "When appeals close (UTC, ISO 8601).",
    "requirements": "Requirements (eligibility format) a worker must meet to register.",
    "honorable_mentions": "How many entries after the prize places get a mention.",
    "honorable_mention_amount": "What each mention pays, in minor units.",
    "finalists": "How many the qualifying round picks (0: no qualifying round).",
    "participation_award": "What each finalist is paid, in minor units.",
    "qualifying_ends_at": "When qualifying submissions close (UTC, ISO 8601; needs finalists).",
    "qualifying_review_ends_at": "When the qualifying round must be scored (UTC, ISO 8601).",
    "judge_fee": "What each judge is paid, in minor units.",
    "judge_skill": "A skill slug a worker must have at level 3 to judge; empty: any worker.",
    "max_submissions_per_entrant": "How many versions an entrant may submit per round.",
    "scale": "Each criterion is scored 0..scale (1-100).",
    "passing_score": "The lowest final score (0..10000) that qualifies.",
}
"""What a contest draft's fields mean, for the inputs that create and edit one."""


@strawberry.input
class CreateContestInput:
    project_id: strawberry.ID = strawberry.field(
        description="The Project the contest is a stage of."
    )
    title: str = strawberry.field(description=DRAFT["title"])
    brief: str = strawberry.field(description=DRAFT["brief"])
    prizes: list[Long] = strawberry.field(description="Minor units for places 1..N, best first.")
    criteria: list[ContestCriterionInput] = strawberry.field(description=DRAFT["criteria"])
    registration_ends_at: datetime = strawberry.field(description=DRAFT["registration_ends_at"])
    submission_ends_at: datetime = strawberry.field(description=DRAFT["submission_ends_at"])
    review_ends_at: datetime = strawberry.field(description=DRAFT["review_ends_at"])
    appeals_ends_at: datetime = strawberry.field(description=DRAFT["appeals_ends_at"])
    audience: Audience | None = strawberry.field(
        default=None, description="Which crowd may register; null: the project's audience."
    )
    requirements: JSON | None = strawberry.field(default=None, description=DRAFT["requirements"])
    honorable_mentions: int = strawberry.field(default=0, description=DRAFT["honorable_mentions"])
    honorable_mention_amount: Long = strawberry.field(
        default=Long(0), description=DRAFT["honorable_mention_amount"]
    )
    finalists: int = strawberry.field(default=0, description=DRAFT["finalists"])
    participation_award: Long = strawberry.field(
        default=Long(0), description=DRAFT["participation_award"]
    )
    qualifying_ends_at: datetime | None = strawberry.field(
        default=None, description=DRAFT["qualifying_ends_at"]
    )
    qualifying_review_ends_at: datetime | None = strawberry.field(
        default=None, description=DRAFT["qualifying_review_ends_at"]
    )
    judge_fee: Long = strawberry.field(default=Long(0), description=DRAFT["judge_fee"])
    judge_skill: str = strawberry.field(default="", description=DRAFT["judge_skill"])
    max_entrants: int | None = strawberry.field(
        default=None, description="How many may register; null: no limit."
    )
    max_submissions_per_entrant: int = strawberry.field(
        default=5, description=DRAFT["max_submissions_per_entrant"]
    )
    scale: int = strawberry.field(default=10, description=DRAFT["scale"])
    passing_score: int = strawberry.field(default=0, description=DRAFT["passing_score"])


@strawberry.input(description="A draft's fields to change; a field left out keeps its value.")
class EditContestDraftInput:
    contest_id: strawberry.ID = strawberry.field(description="The draft Contest to change.")
    title: str | None = strawberry.field(default=strawberry.UNSET, description=DRAFT["title"])
    brief: str | None = strawberry.field(default=strawberry.UNSET, description=DRAFT["brief"])
    prizes: list[Long] | None = strawberry.field(
        default=strawberry.UNSET, description="Minor units for places 1..N, best first."
    )
    criteria: list[ContestCriterionInput] | None = strawberry.field(
        default=strawberry.UNSET, description=DRAFT["criteria"]
    )
    registration_ends_at: datetime | None = strawberry.field(
        default=strawberry.UNSET, description=DRAFT["registration_ends_at"]
    )
    submission_ends_at: datetime | None = strawberry.field(
        default=strawberry.UNSET, description=DRAFT["submission_ends_at"]
    )
    review_ends_at: datetime | None = strawberry.field(
        default=strawberry.UNSET, description=DRAFT["review_ends_at"]
    )
    appeals_ends_at: datetime | None = strawberry.field(
        default=strawberry.UNSET, description=DRAFT["appeals_ends_at"]
    )
    audience: Audience | None = strawberry.field(
        default=strawberry.UNSET, description="null: the project's audience."
    )
    requirements: JSON | None = strawberry.field(
        default=strawberry.UNSET, description=DRAFT["requirements"]
    )
    honorable_mentions: int | None = strawberry.field(
        default=strawberry.UNSET, description=DRAFT["honorable_mentions"]
    )
    honorable_mention_amount: Long | None = strawberry.field(
        default=strawberry.UNSET, description=DRAFT["honorable_mention_amount"]
    )
    finalists: int | None = strawberry.field(
        default=strawberry.UNSET, description=DRAFT["finalists"]
    )
    participation_award: Long | None = strawberry.field(
        default=strawberry.UNSET, description=DRAFT["participation_award"]
    )
    qualifying_ends_at: datetime | None = strawberry.field(
        default=strawberry.UNSET, description=DRAFT["qualifying_ends_at"]
    )
    qualifying_review_ends_at: datetime | None = strawberry.field(
        default=strawberry.UNSET, description=DRAFT["qualifying_review_ends_at"]
    )
    judge_fee: Long | None = strawberry.field(
        default=strawberry.UNSET, description=DRAFT["judge_fee"]
    )
    judge_skill: str | None = strawberry.field(
        default=strawberry.UNSET, description=DRAFT["judge_skill"]
    )
    max_entrants: int | None = strawberry.field(
        default=strawberry.UNSET, description="null: no limit."
    )
    max_submissions_per_entrant: int | None = strawberry.field(
        default=strawberry.UNSET, description=DRAFT["max_submissions_per_entrant"]
    )
    scale: int | None = strawberry.field(default=strawberry.UNSET, description=DRAFT["scale"])
    passing_score: int | None = strawberry.field(
        default=strawberry.UNSET, description=DRAFT["passing_score"]
    )


@strawberry.type(description="The result of a change to a contest.")
class ContestPayload(Payload):
    contest: Contest | None = strawberry.field(
        default=None, description="The contest as changed; null when refused."
    )


@strawberry.input
class AddContestJudgeInput:
    contest_id: strawberry.ID = strawberry.field(description="The Contest to judge.")
    email: str = strawberry.field(
        description="The judge's account email: a member of the organization or a worker."
    )


@strawberry.input
class MoveContestPhaseInput:
    contest_id: strawberry.ID = strawberry.field(description="The Contest to move.")
    to: ContestPhase = strawberry.field(  # type: ignore[valid-type]
        description="The phase to move it to now."
    )


@strawberry.input(description="The contest a mutation acts on.")
class ContestIdInput:
    contest_id: strawberry.ID = strawberry.field(description="The Contest's ID.")


@strawberry.type(description="The result of registering for or withdrawing from a contest.")
class ContestEntryPayload(Payload):
    entry: ContestEntry | None = strawberry.field(
        default=None, description="The caller's entry as changed; null when refused."
    )


@strawberry.input(description="A file the entrant stored, attached to a submission.")
class ContestFileInput:
    name: str = strawberry.field(description="The file name.")
    url: str = strawberry.field(description="Where judges download it.")
    size: Long = strawberry.field(description="Its size in bytes.")
    sha256: str = strawberry.field(description="Its SHA-256 digest in hex.")


@strawberry.input
class SubmitToContestInput:
    contest_id: strawberry.ID = strawberry.field(description="The Contest to submit to.")
    text: str = strawberry.field(default="", description="The write-up.")
    links: list[str] = strawberry.field(
        default_factory=list, description="URLs to point judges to."
    )
    files: list[ContestFileInput] = strawberry.field(
        default_factory=list, description="Files to attach."
    )


@strawberry.type
class ContestSubmissionPayload(Payload):
    submission: ContestSubmission | None = strawberry.field(
        default=None, description="The new submission; null when refused."
    )


@strawberry.input
class ScoreContestSubmissionInput:
    submission_id: strawberry.ID = strawberry.field(description="The ContestSubmission to score.")
    values: JSON = strawberry.field(description='Criterion name to score, e.g. {"Concept": 8}.')
    feedback: str = strawberry.field(default="", description="Feedback the entrant will read.")


@strawberry.type
class ContestScorePayload(Payload):
    score: ContestScore | None = strawberry.field(
        default=None, description="The score as saved; null when refused."
    )


@strawberry.input
class AppealContestScoreInput:
    score_id: strawberry.ID = strawberry.field(description="The ContestScore to appeal.")
    reason: str = strawberry.field(description="Why the score is wrong, for the judge.")


@strawberry.input
class AnswerContestAppealInput:
    appeal_id: strawberry.ID = strawberry.field(description="The ContestAppeal to answer.")
    answer: str = strawberry.field(description="The judge's answer to the entrant.")
    values: JSON | None = strawberry.field(
        default=None, description="New criterion scores, when the appeal changes the score."
    )


@strawberry.type(description="The result of filing or answering an appeal.")
class ContestAppealPayload(Payload):
    appeal: ContestAppeal | None = strawberry.field(
        default=None, description="The appeal as changed; null when refused."
    )


@strawberry.type
class AwardContestPayload(Payload):
    contest: Contest | None = strawberry.field(
        default=None, description="The contest, winners announced; null when refused."
    )
    awards: list[ContestAward] = strawberry.field(
        default_factory=list, description="Every award paid; empty when refused."
    )


def _values(raw: Any, field: str) -> dict[str, int]:
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
        for k, v in raw.items()
    ):
        raise InvalidInput.one(
            field, "INVALID_FORMAT", f"{field} must map criterion names to whole numbers"
        )
    return raw


def _requirements(raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
        raise InvalidInput.one(
            "requirements", "INVALID_FORMAT", "requirements must be a list of objects"
        )
    return raw


AMOUNTS = {"honorable_mention_amount", "participation_award", "judge_fee"}


def _draft_value(name: str, value: Any) -> Any:
    if name == "requirements":
        return _requirements(value)
    if value is None:
        return None
    if name == "prizes":
        return [int(p) for p in value]
    if name == "criteria":
        return [{"name": c.name.strip(), "weight": c.weight} for c in value]
    return int(value) if name in AMOUNTS else value


def _draft_values(input: CreateContestInput | EditContestDraftInput) -> dict[str, Any]:
    """The draft fields the input gives, as the service takes them (an edit's left-out skipped)."""
    given = ((f.name, getattr(input, f.name)) for f in fields(contests.ContestDraft))
    return {name: _draft_value(name, v) for name, v in given if v is not strawberry.UNSET}


def _contest_pk(gid: str) -> int:
    return decode_id(gid, "Contest", field="contestId")


@strawberry.type
class ContestMutation:
    @strawberry.mutation(description="Create a contest (a draft) in a project the caller manages.")
    async def create_contest(
        self, info: strawberry.Info, input: CreateContestInput
    ) -> ContestPayload:
        context = _ctx(info)

        async def act() -> dict[str, Any]:
            draft = contests.ContestDraft(**_draft_values(input))
            project = decode_id(input.project_id, "Project", field="projectId")
            row = await contests.create_contest(context.actor, project, draft)
            return {"contest": Contest.from_row(row)}

        return await run_mutation(ContestPayload, act())

    @strawberry.mutation(
        description="Change a draft contest (organizers); refused once it is launched."
    )
    async def edit_contest_draft(
        self, info: strawberry.Info, input: EditContestDraftInput
    ) -> ContestPayload:
        context = _ctx(info)

        async def act() -> dict[str, Any]:
            pk = _contest_pk(input.contest_id)
            row = await contests.edit_draft(context.actor, pk, _draft_values(input))
            return {"contest": Contest.from_row(row)}

        return await run_mutation(ContestPayload, act())

    @strawberry.mutation(description="Invite a judge: an organization member or a skilled worker.")
    async def add_contest_judge(
        self, info: strawberry.Info, input: AddContestJudgeInput
    ) -> ContestPayload:
        context = _ctx(info)

        async def act() -> dict[str, Any]:
            judge = await contests.add_judge(
                context.actor, _contest_pk(input.contest_id), input.email
            )
            return {"contest": Contest.from_row(await m.Contest.get(id=judge.contest_id))}

        return await run_mutation(ContestPayload, act())

    @strawberry.mutation(description="An organizer's early phase move, where the rules allow it.")
    async def move_contest_phase(
        self, info: strawberry.Info, input: MoveContestPhaseInput
    ) -> ContestPayload:
        context = _ctx(info)

        async def act() -> dict[str, Any]:
            contest = await contests.get_managed_contest(
                context.actor, _contest_pk(input.contest_id)
            )
            moved = await phases.move_by_organizer(context.actor, contest, m.Phase(input.to))
            return {"contest": Contest.from_row(moved)}

        return await run_mutation(ContestPayload, act())

    @strawberry.mutation(description="Register the calling worker as an entrant.")
    async def register_for_contest(
        self, info: strawberry.Info, input: ContestIdInput
    ) -> ContestEntryPayload:
        context = _ctx(info)

        async def act() -> dict[str, Any]:
            entry = await entries.register(context.actor, _contest_pk(input.contest_id))
            contest = await m.Contest.get(id=entry.contest_id)
            return {"entry": ContestEntry.from_row(entry, contest.organization_id)}

        return await run_mutation(ContestEntryPayload, act())

    @strawberry.mutation(description="Add a new version of the caller's work.")
    async def submit_to_contest(
        self, info: strawberry.Info, input: SubmitToContestInput
    ) -> ContestSubmissionPayload:
        context = _ctx(info)

        async def act() -> dict[str, Any]:
            work = entries.Work(
                text=input.text,
                links=list(input.links),
                files=[entries.FileRef(f.name, f.url, int(f.size), f.sha256) for f in input.files],
            )
            row = await entries.submit(context.actor, _contest_pk(input.contest_id), work)
            contest = await m.Contest.get(id=row.contest_id)
            return {"submission": ContestSubmission.from_row(row, contest.organization_id)}

        return await run_mutation(ContestSubmissionPayload, act())

    @strawberry.mutation(description="Withdraw the calling worker's entry from a contest.")
    async def withdraw_from_contest(
        self, info: strawberry.Info, input: ContestIdInput
    ) -> ContestEntryPayload:
        context = _ctx(info)

        async def act() -> dict[str, Any]:
            entry = await entries.withdraw(context.actor, _contest_pk(input.contest_id))
            contest = await m.Contest.get(id=entry.contest_id)
            return {"entry": ContestEntry.from_row(entry, contest.organization_id)}

        return await run_mutation(ContestEntryPayload, act())

    @strawberry.mutation(description="A judge's scorecard for a submission (review phase).")
    async def score_contest_submission(
        self, info: strawberry.Info, input: ScoreContestSubmissionInput
    ) -> ContestScorePayload:
        context = _ctx(info)

        async def act() -> dict[str, Any]:
            pk = decode_id(input.submission_id, "ContestSubmission", field="submissionId")
            row = await judging.score(
                context.actor, pk, _values(input.values, "values"), input.feedback
            )
            return {"score": ContestScore.from_row(row)}

        return await run_mutation(ContestScorePayload, act())

    @strawberry.mutation(description="Appeal one of the caller's scores (appeals phase).")
    async def appeal_contest_score(
        self, info: strawberry.Info, input: AppealContestScoreInput
    ) -> ContestAppealPayload:
        context = _ctx(info)

        async def act() -> dict[str, Any]:
            pk = decode_id(input.score_id, "ContestScore", field="scoreId")
            row = await judging.appeal(context.actor, pk, input.reason)
            await row.fetch_related("score")
            return {"appeal": ContestAppeal.from_row(row)}

        return await run_mutation(ContestAppealPayload, act())

    @strawberry.mutation(description="The judge answers an appeal, optionally changing the score.")
    async def answer_contest_appeal(
        self, info: strawberry.Info, input: AnswerContestAppealInput
    ) -> ContestAppealPayload:
        context = _ctx(info)

        async def act() -> dict[str, Any]:
            pk = decode_id(input.appeal_id, "ContestAppeal", field="appealId")
            values = None if input.values is None else _values(input.values, "values")
            row = await judging.answer(context.actor, pk, input.answer, values)
            return {"appeal": ContestAppeal.from_row(row)}

        return await run_mutation(ContestAppealPayload, act())

    @strawberry.mutation(
        description="Pay the prizes once appeals are over; paid once, however often sent."
    )
    async def award_contest(
        self, info: strawberry.Info, input: ContestIdInput
    ) -> AwardContestPayload:
        context = _ctx(info)

        async def act() -> dict[str, Any]:
            contest = await contests.get_managed_contest(
                context.actor, _contest_pk(input.contest_id)
            )
            rows = await phases.announce_winners(context.actor, contest)
            return {
                "contest": Contest.from_row(contest),
                "awards": [ContestAward.from_row(r, contest.currency) for r in rows],
            }

        return await run_mutation(AwardContestPayload, act())


@strawberry.type
class ContestQuery:
    @strawberry.field(
        description="Contests the caller may see, oldest first (anyone: open contests with results)."
    )
    async def contests(
        self,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Contest] | None:
        context = _ctx(info)
        query = m.Contest.filter(await contests.visible_rule(context.actor))
        page = await fetch_page(query, context.page(first, after, last, before))
        page.items = [await phases.refresh(row) for row in page.items]
        return await connection_of(info, page, Contest.from_row)


async def resolve_contest(context: Context, pk: int) -> Contest | None:
    return Contest.from_row(await contests.get_contest(context.actor, pk))


async def resolve_entry(context: Context, pk: int) -> ContestEntry | None:
    """An entry for its entrant and the organizers (batched: engagement lists ask for many)."""
    row = await context.by_id(m.ContestEntry).load(pk)
    if row is None:
        return None
    contest = await context.by_id(m.Contest).load(row.contest_id)
    if contest is None or not await _may_see_entry(context, row, contest):
        return None
    return ContestEntry.from_row(row, contest.organization_id)


async def resolve_submission(context: Context, pk: int) -> ContestSubmission | None:
    row = await m.ContestSubmission.get_or_none(id=pk).prefetch_related("entry")
    if row is None:
        return None
    contest = await contests.get_contest(context.actor, row.contest_id)
    judge = await contests.is_judge(context.actor, contest.id)
    if judge is None and not await _may_see_entry(context, row.entry, contest):
        return None
    if judge is not None and not row.judged:
        await row.refresh_from_db(fields=["judged"])  # get_contest may just have closed submissions
        if not row.judged:
            return None
    return ContestSubmission.from_row(row, contest.organization_id)


async def _score_visible(context: Context, score: m.ContestScore) -> bool:
    """Organizers, the judge who gave it, and its entrant once the round's review is over."""
    contest = await contests.get_contest(context.actor, score.contest_id)
    if context.actor.can_manage(contest.organization_id):
        return True
    judge = await contests.is_judge(context.actor, contest.id)
    if judge is not None:
        return judge.id == score.judge_id
    submission = await score.submission
    entry = await submission.entry
    return (
        entry.account_id == context.actor.account_id
        and submission.round <= judging.last_reviewed_round(contest)
    )


async def resolve_score(context: Context, pk: int) -> ContestScore | None:
    row = await m.ContestScore.get_or_none(id=pk)
    if row is None or not await _score_visible(context, row):
        return None
    return ContestScore.from_row(row)


async def resolve_appeal(context: Context, pk: int) -> ContestAppeal | None:
    row = await m.ContestAppeal.get_or_none(id=pk).prefetch_related("score")
    if row is None or not await _score_visible(context, row.score):
        return None
    return ContestAppeal.from_row(row)


async def stages(context: Context, project_ids: Sequence[int]) -> dict[int, list[Contest]]:
    rows = await contests.project_contests(context.actor, project_ids)
    return by_project(rows, Contest.from_row)


def part() -> SchemaPart:
    return SchemaPart(
        query=ContestQuery,
        mutation=ContestMutation,
        types=[Contest, ContestEntry, ContestSubmission, ContestScore, ContestAppeal],
        nodes={
            "Contest": resolve_contest,
            "ContestEntry": resolve_entry,
            "ContestSubmission": resolve_submission,
            "ContestScore": resolve_score,
            "ContestAppeal": resolve_appeal,
        },
        details={"ContestEntry": resolve_entry},
        stages=[stages],
    )
