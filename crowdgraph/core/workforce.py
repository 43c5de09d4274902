"""One worker across every model, and one organization's workforce, read from engagements and the ledger.

Models add what only they know through the runtime: facts for a worker's record (gold accuracy, ratings,
placements) and the skills their open work asks for.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from tortoise.expressions import Q
from tortoise.functions import Count, Sum
from tortoise.queryset import QuerySet

from crowdgraph.core import runtime
from crowdgraph.core.actor import Actor
from crowdgraph.core.engagements import hidden_engagements
from crowdgraph.core.ledger import worker_account
from crowdgraph.core.models import (
    Engagement,
    EngagementStatus,
    LedgerEntry,
    Organization,
    Skill,
    WorkerKind,
    WorkerProfile,
    WorkerSkill,
)
from crowdgraph.core.validation import Checks
from crowdgraph.core.workers import get_worker

APPROACHING = 0.8
"""A classification warning starts at this share of a limit."""


@dataclass(frozen=True)
class WorkerFact:
    """Something a model knows of a worker, for their record: ``value`` to sort by, ``text`` to read."""

    model: str
    kind: str
    label: str
    value: float
    text: str


@dataclass(frozen=True)
class OpenWork:
    """A piece of an organization's open work, with the requirements that admit workers to it."""

    model: str
    title: str
    requirements: list[dict[str, object]]
    openings: int = 1


@dataclass
class ModelActivity:
    model: str
    engagements: int = 0
    completed: int = 0
    active: int = 0


@dataclass
class Pay:
    """Money per currency, with the time behind the part of it that was timed."""

    currency: str
    amount: int = 0
    timed_amount: int = 0
    seconds: int = 0

    @property
    def hourly(self) -> int | None:
        """Effective pay per hour over timed work, in minor units (None when no time was recorded)."""
        if self.seconds <= 0:
            return None
        return self.timed_amount * 3600 // self.seconds


@dataclass
class WorkerRecord:
    worker: WorkerProfile
    activity: list[ModelActivity]
    facts: list[WorkerFact]
    earnings: list[Pay] | None
    """Per currency: for the worker themselves and admins only."""
    earnings_by_model: dict[str, list[Pay]] | None


async def worker_records(actor: Actor, workers: Sequence[WorkerProfile]) -> dict[int, WorkerRecord]:
    """Records of workers the caller may see (already checked), by worker id, in a few statements
    whatever their number: activity, what each model knows, and (to each worker) their earnings."""
    if not workers:
        return {}
    ids = [w.id for w in workers]
    engagements = Engagement.filter(worker_id__in=ids)
    hidden = await hidden_engagements(actor)
    if hidden is not None:
        engagements = engagements.filter(~hidden)
    activity: dict[int, dict[str, ModelActivity]] = defaultdict(dict)
    for worker_id, model, status, n in (
        await engagements.annotate(n=Count("id"))
        .group_by("worker_id", "model", "status")
        .values_list("worker_id", "model", "status", "n")
    ):
        tally = activity[worker_id].setdefault(model, ModelActivity(model))
        tally.engagements += n
        if status == EngagementStatus.COMPLETED:
            tally.completed += n
        elif status == EngagementStatus.ACTIVE:
            tally.active += n
    facts: dict[int, list[WorkerFact]] = defaultdict(list)
    for source in runtime.current().worker_facts:
        for worker_id, found in (await source(workers)).items():
            facts[worker_id].extend(found)
    shown = [w for w in workers if actor.is_admin or actor.account_id == w.account_id]
    money = await _earnings(shown)
    records = {}
    for worker in workers:
        earnings, by_model = money.get(worker.id, (None, None))
        records[worker.id] = WorkerRecord(
            worker=worker,
            activity=sorted(activity[worker.id].values(), key=lambda a: a.model),
            facts=sorted(facts[worker.id], key=lambda f: (f.model, f.kind)),
            earnings=earnings,
            earnings_by_model=by_model,
        )
    return records


async def worker_record(actor: Actor, worker_id: int) -> WorkerRecord:
    """One worker's record, if the caller may see the worker."""
    worker = await get_worker(actor, worker_id)
    return (await worker_records(actor, [worker]))[worker.id]


async def _earnings(
    workers: Sequence[WorkerProfile],
) -> dict[int, tuple[list[Pay], dict[str, list[Pay]]]]:
    """Each worker's pay per currency, and per model, with the time behind the timed part: three
    statements for any number of workers."""
    if not workers:
        return {}
    worker_of = {w.account_id: w.id for w in workers}
    paid = LedgerEntry.filter(destination__in=[worker_account(a) for a in worker_of])
    totals: dict[tuple[int, str, str], Pay] = {}

    def pay(worker_id: int, model: str, currency: str) -> Pay:
        return totals.setdefault((worker_id, model, currency), Pay(currency))

    for account_id, model, currency, amount in await _per_payee(paid):
        pay(worker_of[account_id], model, currency).amount = amount
    for account_id, model, currency, amount in await _per_payee(
        paid.filter(engagement__seconds_worked__gt=0)
    ):
        pay(worker_of[account_id], model, currency).timed_amount = amount
    for worker_id, model, currency, seconds in (
        await Engagement.filter(worker_id__in=list(worker_of.values()), seconds_worked__gt=0)
        .annotate(total=Sum("seconds_worked"))
        .group_by("worker_id", "model", "currency")
        .values_list("worker_id", "model", "currency", "total")
    ):
        pay(worker_id, model, currency).seconds = int(seconds or 0)
    found: dict[int, tuple[list[Pay], dict[str, list[Pay]]]] = {w.id: ([], {}) for w in workers}
    overall: dict[tuple[int, str], Pay] = {}
    for (worker_id, model, currency), part in sorted(totals.items()):
        found[worker_id][1].setdefault(model, []).append(part)
        whole = overall.setdefault((worker_id, currency), Pay(currency))
        whole.amount += part.amount
        whole.timed_amount += part.timed_amount
        whole.seconds += part.seconds
    for (worker_id, _), whole in sorted(overall.items()):
        found[worker_id][0].append(whole)
    return found


async def _per_payee(query: QuerySet[LedgerEntry]) -> list[tuple[int, str, str, int]]:
    rows = (
        await query.annotate(total=Sum("amount"))
        .group_by("worker_id", "model", "currency")
        .values_list("worker_id", "model", "currency", "total")
    )
    return [(int(a), m, c, int(t or 0)) for a, m, c, t in rows]


@dataclass
class WorkforceMember:
    """One worker who worked for an organization: under which models, what it paid, for how long."""

    worker: WorkerProfile
    models: list[str]
    engagements: int
    pay: Pay
    window_seconds: int = 0
    window_amount: int = 0
    warning_level: str | None = None
    """``crossed`` if a limit is past, ``approaching`` if one is near (80%), else None."""
    warnings: list[str] = field(default_factory=list)


@dataclass
class Workforce:
    organization: Organization
    spend_by_model: list[tuple[str, int]]
    members: list[WorkforceMember]

    @property
    def warnings(self) -> list[WorkforceMember]:
        return [m for m in self.members if m.warnings]


async def workforce(actor: Actor, organization_id: int) -> Workforce:
    """Who worked for the organization under which model, spend per model and per worker, effective
    hourly pay, and independents nearing or past the organization's classification limits."""
    await actor.manages(organization_id)
    org = await Organization.get(id=organization_id)
    since = runtime.now() - timedelta(days=org.classification_window_days)
    paid = LedgerEntry.filter(organization_id=org.id, destination__startswith="worker:")
    spend = (
        await paid.annotate(total=Sum("amount"))
        .group_by("model")
        .order_by("model")
        .values_list("model", "total")
    )
    engaged = Engagement.filter(organization_id=org.id)
    per_worker: dict[int, WorkforceMember] = {}
    models: dict[int, set[str]] = defaultdict(set)
    counts = (
        await engaged.annotate(n=Count("id"), seconds=Sum("seconds_worked"))
        .group_by("worker_id", "model")
        .values_list("worker_id", "model", "n", "seconds")
    )
    profiles = {
        w.id: w for w in await WorkerProfile.filter(id__in=list({row[0] for row in counts}))
    }
    for worker_id, model, n, seconds in counts:
        member = per_worker.setdefault(
            worker_id, WorkforceMember(profiles[worker_id], [], 0, Pay(org.currency))
        )
        member.engagements += n
        member.pay.seconds += int(seconds or 0)
        models[worker_id].add(model)
    by_account = {m.worker.account_id: m for m in per_worker.values()}
    await _add_pay(by_account, paid)
    for account_id, total in await _sums(paid.filter(created_at__gte=since)):
        if account_id in by_account:
            by_account[account_id].window_amount = total
    for worker_id, seconds in (
        await engaged.filter(started_at__gte=since)
        .annotate(total=Sum("seconds_worked"))
        .group_by("worker_id")
        .values_list("worker_id", "total")
    ):
        per_worker[worker_id].window_seconds = int(seconds or 0)
    for worker_id, member in per_worker.items():
        member.models = sorted(models[worker_id])
        if member.worker.kind == WorkerKind.EXTERNAL:
            _classify(org, member)
    members = sorted(per_worker.values(), key=lambda m: (-m.pay.amount, m.worker.id))
    return Workforce(org, [(m, int(t or 0)) for m, t in spend], members)


async def _sums(query: QuerySet[LedgerEntry]) -> list[tuple[int, int]]:
    """Sum of amounts per paid worker account."""
    rows = (
        await query.annotate(total=Sum("amount"))
        .group_by("worker_id")
        .values_list("worker_id", "total")
    )
    return [(int(a), int(t or 0)) for a, t in rows]


async def _add_pay(by_account: dict[int, WorkforceMember], paid: QuerySet[LedgerEntry]) -> None:
    for account_id, total in await _sums(paid):
        if account_id in by_account:
            by_account[account_id].pay.amount = total
    timed = paid.filter(engagement__seconds_worked__gt=0)
    for account_id, total in await _sums(timed):
        if account_id in by_account:
            by_account[account_id].pay.timed_amount = total


def _classify(org: Organization, member: WorkforceMember) -> None:
    """Warn for each limit an independent worker is nearing or past, in a sentence each."""
    days = org.classification_window_days
    measures = [
        (org.independent_hours_limit, member.window_seconds / 3600, "{:.1f} hours"),
        (org.independent_earnings_limit, member.window_amount, "{} paid"),
    ]
    for limit, value, shown in measures:
        if not limit or value < APPROACHING * limit:
            continue
        level = "crossed" if value >= limit else "approaching"
        member.warnings.append(f"{level}: {shown.format(value)} in {days} days (limit {limit})")
        if member.warning_level != "crossed":
            member.warning_level = level


async def set_classification_limits(
    actor: Actor,
    organization_id: int,
    *,
    hours: int | None,
    earnings: int | None,
    window_days: int = 365,
) -> Organization:
    """Limits on one independent worker's hours and earnings in a window; None turns a limit off."""
    await actor.manages(organization_id)
    checks = Checks()
    checks.range("hours", hours, low=1, high=100_000)
    checks.range("earnings", earnings, low=1, high=10**15)
    checks.range("windowDays", window_days, low=7, high=3660)
    checks.done()
    org = await Organization.get(id=organization_id)
    org.independent_hours_limit = hours
    org.independent_earnings_limit = earnings
    org.classification_window_days = window_days
    await org.save(
        update_fields=[
            "independent_hours_limit",
            "independent_earnings_limit",
            "classification_window_days",
        ]
    )
    return org


@dataclass
class SkillDemand:
    skill: Skill
    min_level: int
    open_work: int
    openings: int
    verified_workers: int

    @property
    def workers_per_opening(self) -> float:
        return self.verified_workers / self.openings if self.openings else float("inf")


async def skills_in_demand(actor: Actor, organization_id: int) -> list[SkillDemand]:
    """The skills the organization's open work asks for, against the verified workers who have them.

    Workers counted are those the work could reach: independents, and the organization's employees.
    Thinnest first (fewest verified workers per opening).
    """
    await actor.manages(organization_id)
    wanted: dict[tuple[str, int], list[OpenWork]] = defaultdict(list)
    for source in runtime.current().open_work:
        for work in await source(organization_id):
            for requirement in work.requirements:
                if requirement.get("kind") == "skill" and isinstance(requirement.get("skill"), str):
                    level = int(str(requirement.get("min_level") or 1))
                    wanted[(str(requirement["skill"]), level)].append(work)
    if not wanted:
        return []
    skills = {s.slug: s for s in await Skill.filter(slug__in=[slug for slug, _ in wanted])}
    reachable = Q(worker__kind=WorkerKind.EXTERNAL) | Q(worker__employer_id=organization_id)
    found = []
    for (slug, level), works in wanted.items():
        if slug not in skills:
            continue  # requirements are checked when work is created; a skill removed since counts nil
        supply = await WorkerSkill.filter(
            reachable, skill_id=skills[slug].id, level__gte=level, verified_at__isnull=False
        ).count()
        found.append(
            SkillDemand(skills[slug], level, len(works), sum(w.openings for w in works), supply)
        )
    return sorted(found, key=lambda d: (d.workers_per_opening, d.skill.slug, d.min_level))
