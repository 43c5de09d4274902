import asyncio

import pytest

from crowdgraph.core import ledger
from crowdgraph.core.errors import InvalidInput
from crowdgraph.core.models import Engagement, EngagementStatus, Event, LedgerEntry
from crowdgraph.plugins.contest import contests, entries, judging, phases, results
from crowdgraph.plugins.contest.models import Contest, ContestSubmission, Phase

SCORES = [{"Concept": 9, "Craft": 9}, {"Concept": 7, "Craft": 7}, {"Concept": 5, "Craft": 5}]


def code(exc: pytest.ExceptionInfo[InvalidInput]) -> str:
    return exc.value.problems[0].code


async def test_launch_holds_the_guaranteed_pool_from_the_budget(arena):
    contest = await arena.launch()
    budget = await ledger.budget(arena.owner.actor, arena.org.id)
    assert (budget.held, budget.available) == (100_000, 1_000_000 - 100_000)
    assert contest.phase == Phase.REGISTRATION


async def test_a_launch_beyond_the_budget_is_refused_and_stays_a_draft(arena):
    draft = arena.draft(prizes=[2_000_000])
    contest = await contests.create_contest(arena.owner.actor, arena.project.id, draft)
    await contests.add_judge(arena.owner.actor, contest.id, arena.judge.account.email)
    with pytest.raises(InvalidInput) as exc:
        await phases.move_by_organizer(arena.owner.actor, contest, Phase.REGISTRATION)
    assert code(exc) == "INSUFFICIENT_FUNDS"
    assert (await arena.reload(contest)).phase == Phase.DRAFT


async def test_submitting_before_the_submission_phase_is_refused_with_the_phase_named(arena):
    contest = await arena.launch()
    (person,) = await arena.enter(contest, 1)
    with pytest.raises(InvalidInput) as exc:
        await entries.submit(person.actor, contest.id, entries.Work(text="early"))
    assert code(exc) == "WRONG_PHASE"
    assert "REGISTRATION phase" in exc.value.problems[0].message


async def test_late_registration_and_late_submission_are_refused(arena):
    contest = await arena.launch()
    (person,) = await arena.enter(contest, 1)
    arena.clock.advance(days=1)
    latecomer = await arena.factory.worker()
    with pytest.raises(InvalidInput) as exc:
        await entries.register(latecomer.actor, contest.id)
    assert code(exc) == "WRONG_PHASE"
    await entries.submit(person.actor, contest.id, entries.Work(text="on time"))
    arena.clock.advance(days=1)
    with pytest.raises(InvalidInput) as exc:
        await entries.submit(person.actor, contest.id, entries.Work(text="late"))
    assert code(exc) == "WRONG_PHASE"
    assert "REVIEW phase" in exc.value.problems[0].message


async def test_submissions_are_versioned_and_limited_per_entrant(arena):
    contest = await arena.launch(max_submissions_per_entrant=2)
    (person,) = await arena.enter(contest, 1)
    arena.clock.advance(days=1)
    first = await entries.submit(person.actor, contest.id, entries.Work(text="v1"))
    second = await entries.submit(
        person.actor, contest.id, entries.Work(links=["https://x.example/a"])
    )
    assert (first.version, second.version) == (1, 2)
    with pytest.raises(InvalidInput) as exc:
        await entries.submit(person.actor, contest.id, entries.Work(text="v3"))
    assert code(exc) == "SUBMISSION_LIMIT"
    arena.clock.advance(days=1)
    await arena.reload(contest)
    judged = await ContestSubmission.filter(contest_id=contest.id, judged=True).values_list(
        "version", flat=True
    )
    assert judged == [2]


async def test_file_references_need_a_size_and_a_sha256_checksum(arena):
    contest = await arena.launch()
    (person,) = await arena.enter(contest, 1)
    arena.clock.advance(days=1)
    bad = entries.FileRef("logo.svg", "https://files.example/logo.svg", 0, "abc")
    with pytest.raises(InvalidInput) as exc:
        await entries.submit(person.actor, contest.id, entries.Work(files=[bad]))
    assert {p.field for p in exc.value.problems} == {"files[0].size", "files[0].sha256"}


async def test_scoring_before_the_review_phase_is_refused(arena):
    contest = await arena.launch()
    (person,) = await arena.enter(contest, 1)
    arena.clock.advance(days=1)
    submission = await entries.submit(person.actor, contest.id, entries.Work(text="x"))
    with pytest.raises(InvalidInput) as exc:
        await judging.score(arena.judge.actor, submission.id, SCORES[0], "")
    assert code(exc) == "WRONG_PHASE"


async def test_review_closes_only_when_every_submission_is_scored_even_past_its_deadline(arena):
    contest = await arena.launch()
    people = await arena.enter(contest, 2)
    arena.clock.advance(days=1)
    await arena.submit_all(contest, people)
    arena.clock.advance(days=1)
    contest = await arena.reload(contest)
    first = (
        await ContestSubmission.filter(contest_id=contest.id, judged=True).order_by("id").first()
    )
    await judging.score(arena.judge.actor, first.id, SCORES[0], "")
    with pytest.raises(InvalidInput) as exc:
        await phases.move_by_organizer(arena.owner.actor, contest, Phase.APPEALS)
    assert code(exc) == "REVIEW_INCOMPLETE"
    arena.clock.advance(days=5)
    contest = await arena.reload(contest)
    assert contest.phase == Phase.REVIEW
    progress = await judging.judging_progress(arena.owner.actor, contest)
    assert [(p.scored, p.total) for p in progress] == [(1, 2)]


async def test_the_organizer_cannot_shorten_the_submission_window(arena):
    contest = await arena.launch()
    with pytest.raises(InvalidInput) as exc:
        await phases.move_by_organizer(arena.owner.actor, contest, Phase.SUBMISSION)
    assert code(exc) == "PHASE_RULE"
    assert "allowed now: CANCELLED" in exc.value.problems[0].message


async def test_a_contest_with_no_submissions_cancels_and_refunds_the_pool(arena):
    contest = await arena.launch()
    await arena.enter(contest, 2)
    arena.clock.advance(days=2)
    assert await phases.sweep() == 1
    assert await phases.sweep() == 0
    contest = await arena.reload(contest)
    assert contest.phase == Phase.CANCELLED
    budget = await ledger.budget(arena.owner.actor, arena.org.id)
    assert (budget.held, budget.available) == (0, 1_000_000)
    statuses = await Engagement.filter(model="contest").values_list("status", flat=True)
    assert set(statuses) == {EngagementStatus.CANCELLED}
    assert await LedgerEntry.filter(kind="release").count() == 1


async def test_every_phase_change_emits_an_event(arena):
    contest = await arena.launch()
    people = await arena.enter(contest, 3)
    await arena.to_appeals_with(contest, people, SCORES)
    changes = await Event.filter(name="contest.phase.changed").values_list("payload", flat=True)
    assert [(c["from"], c["to"]) for c in changes] == [
        ("draft", "registration"),
        ("registration", "submission"),
        ("submission", "review"),
        ("review", "appeals"),
    ]
    assert await Event.filter(name="contest.submission.created").count() == 3
    assert await Event.filter(name="contest.score.recorded").count() == 3


async def test_an_appeal_answered_with_new_values_changes_the_score_and_records_it(arena):
    contest = await arena.launch()
    people = await arena.enter(contest, 3)
    contest = await arena.to_appeals_with(contest, people, SCORES)
    (mine,) = await judging.my_scores(people[2].actor, contest.id)
    assert mine.total == 5000
    filed = await judging.appeal(people[2].actor, mine.id, "The craft was overlooked entirely")
    with pytest.raises(InvalidInput) as exc:
        await phases.announce_winners(arena.owner.actor, contest)
    assert code(exc) == "APPEALS_OPEN"
    answered = await judging.answer(
        arena.judge.actor, filed.id, "Agreed, craft is better", {"Concept": 5, "Craft": 9}
    )
    assert (answered.status, answered.total_before, answered.total_after) == (
        "accepted",
        5000,
        6000,
    )
    assert await Event.filter(name="contest.appeal.answered").count() == 1


async def test_awards_pay_by_rank_and_record_placements_on_the_engagements(arena):
    contest = await arena.launch(honorable_mentions=1, honorable_mention_amount=1_000)
    people = await arena.enter(contest, 3)
    contest = await arena.to_appeals_with(contest, people, SCORES)
    arena.clock.advance(days=2)
    contest = await arena.reload(contest)
    assert contest.phase == Phase.WINNERS_ANNOUNCED
    paid = {e.worker_id: (e.amount, e.kind) for e in await LedgerEntry.filter(kind="prize")}
    assert [paid[p.account.id][0] for p in people] == [
        50_334,
        30_333,
        20_333,
    ]  # the unclaimed mention is split
    records = [
        (e.title, e.outcome) for e in await Engagement.filter(model="contest").order_by("id")
    ]
    assert records == [
        ("Logo", "1st place of 3"),
        ("Logo", "2nd place of 3"),
        ("Logo", "3rd place of 3"),
    ]
    budget = await ledger.budget(arena.owner.actor, arena.org.id)
    assert budget.held == 0
    assert budget.available == 1_000_000 - 101_000


async def test_a_qualifying_round_picks_finalists_and_pays_their_participation_award(arena):
    contest = await arena.launch(
        finalists=2,
        participation_award=500,
        qualifying_ends_at=arena.at(1.5),
        qualifying_review_ends_at=arena.at(1.7),
    )
    people = await arena.enter(contest, 3)
    arena.clock.advance(days=1)
    await arena.submit_all(contest, people)
    arena.clock.advance(hours=12)
    contest = await arena.reload(contest)
    await arena.score_all(contest, SCORES)
    contest = await phases.move_by_organizer(arena.owner.actor, contest, Phase.SUBMISSION)
    assert (contest.phase, contest.round) == (Phase.SUBMISSION, 2)
    participation = await LedgerEntry.filter(kind="participation").values_list(
        "worker_id", "amount"
    )
    assert sorted(participation) == sorted(
        [(people[0].account.id, 500), (people[1].account.id, 500)]
    )
    with pytest.raises(InvalidInput) as exc:
        await entries.submit(people[2].actor, contest.id, entries.Work(text="final"))
    assert code(exc) == "ENTRY_CLOSED"
    await entries.submit(people[0].actor, contest.id, entries.Work(text="final"))


async def test_the_final_score_is_the_mean_of_every_judges_weighted_score(arena):
    contest = await contests.create_contest(arena.owner.actor, arena.project.id, arena.draft())
    await contests.add_judge(arena.owner.actor, contest.id, arena.judge.account.email)
    await contests.add_judge(arena.owner.actor, contest.id, arena.owner.account.email)
    contest = await phases.move_by_organizer(arena.owner.actor, contest, Phase.REGISTRATION)
    (person,) = await arena.enter(contest, 1)
    arena.clock.advance(days=1)
    submission = await entries.submit(person.actor, contest.id, entries.Work(text="x"))
    arena.clock.advance(days=1)
    await arena.reload(contest)
    await judging.score(arena.judge.actor, submission.id, {"Concept": 10, "Craft": 0}, "")
    await judging.score(arena.owner.actor, submission.id, {"Concept": 5, "Craft": 5}, "")
    (standing,) = await results.standings(await arena.reload(contest))
    assert standing.score == 6250  # (7500 + 5000) / 2


async def test_an_entrant_cannot_judge_and_a_judge_cannot_enter(arena):
    contest = await arena.launch()
    (person,) = await arena.enter(contest, 1)
    with pytest.raises(InvalidInput) as exc:
        await contests.add_judge(arena.owner.actor, contest.id, person.account.email)
    assert code(exc) == "CONFLICT_OF_INTEREST"
    with pytest.raises(InvalidInput) as exc:
        await entries.register(arena.judge.actor, contest.id)
    assert code(exc) == "CONFLICT_OF_INTEREST"


async def test_registration_stops_at_the_entrant_limit(arena):
    contest = await arena.launch(max_entrants=1)
    await arena.enter(contest, 1)
    with pytest.raises(InvalidInput) as exc:
        await arena.enter(contest, 1)
    assert code(exc) == "CONTEST_FULL"


async def test_the_sweeper_started_by_the_startup_hook_applies_deadlines(arena):
    contest = await arena.launch()
    arena.clock.advance(days=1)
    await arena.platform.call_async_hook("startup", platform=arena.platform)
    try:
        for _ in range(100):
            await asyncio.sleep(0)
            if (await Contest.get(id=contest.id)).phase == Phase.SUBMISSION:
                break
    finally:
        await arena.platform.call_async_hook("shutdown", platform=arena.platform)
    assert (await Contest.get(id=contest.id)).phase == Phase.SUBMISSION
