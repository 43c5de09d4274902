"""Paying prizes, participation awards and judges from the contest's held pool, each exactly once.

Every payment's ledger idempotency key names the contest and the slot (``contest:7:place:1``), and
every award row is unique per contest, kind and slot, so a retried or concurrent award pays once.
Placements are recorded on the entrants' core engagements: completed, with the place as the outcome.
"""

from __future__ import annotations

from crowdgraph.core import engagements, ledger, runtime
from crowdgraph.core.errors import InvalidInput, Problem
from crowdgraph.core.events import emit
from crowdgraph.core.models import Engagement, EngagementStatus
from crowdgraph.plugins.contest.models import (
    AwardKind,
    Contest,
    ContestAward,
    ContestEntry,
    ContestJudge,
    EntryStatus,
)
from crowdgraph.plugins.contest.prizes import Share, divide
from crowdgraph.plugins.contest.scoring import Standing

MODEL = "contest"
LEDGER_KINDS = {
    AwardKind.PLACE: "prize",
    AwardKind.HONORABLE_MENTION: "prize",
    AwardKind.PARTICIPATION: "participation",
}
"""The ledger entry kind of each award: a participation award is no prize."""


def pool_reference(contest: Contest) -> str:
    return f"contest:{contest.id}"


async def hold(contest: Contest, amount: int, idempotency_key: str, field: str, why: str) -> None:
    """Set ``amount`` aside in the contest's pool; a short budget is reported on the input
    ``field`` that asked for it, saying ``why`` the money is needed."""
    try:
        await ledger.hold(
            contest.organization_id, pool_reference(contest), amount, idempotency_key, model=MODEL
        )
    except InvalidInput as exc:
        raise InvalidInput(
            *(
                Problem(field, p.code, f"{why}: {p.message}")
                if p.code == "INSUFFICIENT_FUNDS"
                else p
                for p in exc.problems
            )
        ) from exc


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def memo(contest: Contest, share: Share) -> str:
    if share.kind == AwardKind.PLACE:
        return f"{contest.title}: {ordinal(share.slot)} place"
    if share.kind == AwardKind.HONORABLE_MENTION:
        return f"{contest.title}: honorable mention {share.slot}"
    return f"{contest.title}: participation award"


async def pay(contest: Contest, entry: ContestEntry, share: Share) -> ContestAward:
    """One award, paid from the pool; a second call for the same slot returns the first."""
    existing = await ContestAward.get_or_none(
        contest_id=contest.id, kind=share.kind, slot=share.slot
    )
    if existing is not None:
        return existing
    payment = await ledger.pay(
        organization_id=contest.organization_id,
        worker_account_id=entry.account_id,
        amount=share.amount,
        idempotency_key=f"contest:{contest.id}:{share.kind.value}:{share.slot}",
        model=MODEL,
        kind=LEDGER_KINDS[share.kind],
        engagement_id=entry.engagement_id,
        from_hold=pool_reference(contest),
        memo=memo(contest, share),
    )
    award = await ContestAward.create(
        contest_id=contest.id,
        entry_id=entry.id,
        kind=share.kind,
        slot=share.slot,
        amount=share.amount,
        ledger_entry_id=payment.id,
        created_at=runtime.now(),
    )
    await emit(
        "contest.award.paid",
        {
            "contest_id": contest.id,
            "award_id": award.id,
            "kind": share.kind.value,
            "slot": share.slot,
            "amount": share.amount,
        },
        organization_id=contest.organization_id,
        account_id=entry.account_id,
        project_id=contest.project_id,
    )
    return award


async def finish_entry(entry: ContestEntry, outcome: str, paid: int | None) -> None:
    """Complete the entrant's engagement, with its placement as the outcome (the core's record)."""
    if entry.engagement_id is None:
        return
    engagement = await Engagement.get(id=entry.engagement_id)
    if engagement.status in engagements.ENDED:
        return
    await engagements.move_engagement(
        engagement, EngagementStatus.COMPLETED, pay_amount=paid, outcome=outcome
    )


async def award_winners(contest: Contest, ranked: list[Standing]) -> list[ContestAward]:
    """Pay the prize table to the final round's ranking and record every entrant's placement."""
    shares = divide(
        contest.prizes,
        contest.honorable_mentions,
        contest.honorable_mention_amount,
        ranked,
        contest.passing_score,
    )
    entries = {e.id: e for e in await ContestEntry.filter(contest_id=contest.id)}
    awards = [await pay(contest, entries[s.entry_id], s) for s in shares]
    by_entry = {a.entry_id: a for a in awards}
    for position, standing in enumerate(ranked, start=1):
        entry = entries[standing.entry_id]
        entry.rank, entry.final_score, entry.status = position, standing.score, EntryStatus.FINISHED
        await entry.save(update_fields=["rank", "final_score", "status"])
        award = by_entry.get(entry.id)
        if award is not None and award.kind == AwardKind.PLACE:
            outcome = f"{ordinal(award.slot)} place of {len(ranked)}"
        elif award is not None:
            outcome = f"honorable mention, ranked {position} of {len(ranked)}"
        else:
            outcome = f"ranked {position} of {len(ranked)}"
        await finish_entry(entry, outcome, award.amount if award else None)
    for entry in entries.values():
        if entry.status == EntryStatus.ACTIVE:
            entry.status = EntryStatus.NO_SUBMISSION
            await entry.save(update_fields=["status"])
            await finish_entry(entry, "not ranked (no judged submission)", None)
    return awards


async def award_finalists(contest: Contest, ranked: list[Standing]) -> list[int]:
    """Pick the qualifying round's finalists, pay their participation award, eliminate the rest."""
    qualified = [s for s in ranked if s.score >= contest.passing_score]
    chosen = [s.entry_id for s in qualified[: contest.finalists]]
    entries = {e.id: e for e in await ContestEntry.filter(contest_id=contest.id)}
    for entry_id in chosen:
        entry = entries[entry_id]
        entry.finalist = True
        await entry.save(update_fields=["finalist"])
        if contest.participation_award:
            share = Share(entry_id, AwardKind.PARTICIPATION, entry_id, contest.participation_award)
            await pay(contest, entry, share)
    for position, standing in enumerate(ranked, start=1):
        entry = entries[standing.entry_id]
        if standing.entry_id in chosen:
            continue
        entry.status, entry.rank = EntryStatus.ELIMINATED, position
        await entry.save(update_fields=["status", "rank"])
        await finish_entry(entry, f"qualifying round, ranked {position} of {len(ranked)}", None)
    for entry in entries.values():
        if entry.status == EntryStatus.ACTIVE and entry.id not in chosen:
            entry.status = EntryStatus.ELIMINATED
            await entry.save(update_fields=["status"])
            await finish_entry(entry, "qualifying round, no judged submission", None)
    return chosen


async def pay_judges(contest: Contest) -> None:
    for judge in await ContestJudge.filter(contest_id=contest.id, fee__gt=0):
        await ledger.pay(
            organization_id=contest.organization_id,
            worker_account_id=judge.account_id,
            amount=judge.fee,
            idempotency_key=f"contest:{contest.id}:judge:{judge.id}",
            model=MODEL,
            kind="judge_fee",
            from_hold=pool_reference(contest),
            memo=f"{contest.title}: judging",
        )


async def release_rest(contest: Contest) -> int:
    """Give whatever is left in the pool back to the organization's budget; returns the amount."""
    rest = await ledger.balance(ledger.held(contest.organization_id, pool_reference(contest)))
    if rest > 0:
        await ledger.release(
            contest.organization_id,
            pool_reference(contest),
            rest,
            f"contest:{contest.id}:release",
            model=MODEL,
        )
    return rest


async def cancel_entries(contest: Contest) -> None:
    for entry in await ContestEntry.filter(contest_id=contest.id, engagement_id__isnull=False):
        engagement = await Engagement.get(id=entry.engagement_id)
        if engagement.status not in engagements.ENDED:
            await engagements.move_engagement(engagement, EngagementStatus.CANCELLED)
