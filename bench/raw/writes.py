"""The raw twin's mutations: claim and submit (microtask), score a submission (contest), create an
offer (marketplace).

Each does crowdgraph's checks and writes, in one transaction with its outbox events (written in one
multi-row INSERT at the end of the transaction). Paths the benchmark never takes (gold tasks, a
batch completed by the last answer, contests whose deadline passed) are refused with
NOT_IMPLEMENTED rather than half-written.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from starlette.requests import Request

from bench.raw.caller import Caller, Refused, authenticate, from_global_id, now, to_global_id, when
from bench.raw.db import Connection, Database, ids
from bench.raw.reads import unmet, visible_contest
from crowdgraph.plugins.microtask.aggregation import BUILTIN, Vote
from crowdgraph.plugins.microtask.config import MicrotaskSettings
from crowdgraph.plugins.microtask.spec import answer_problems, vote_key

AGGREGATORS = {aggregator.name: aggregator for aggregator in BUILTIN}
FAST_ANSWER_SECONDS = MicrotaskSettings().fast_answer_seconds
MIN_ANSWERS_TO_STOP = 2
Event = tuple[str, dict[str, Any], int | None, int | None, int | None]
"""name, payload, organization, account, project."""


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


async def emit(db: Connection, events: list[Event], moment: datetime) -> None:
    """The outbox rows of one transaction, in one statement."""
    values, args = [], []
    for i, (name, payload, organization, account, project) in enumerate(events):
        n = 6 * i
        values.append(f"(${n + 1}, ${n + 2}, ${n + 3}, ${n + 4}, ${n + 5}, ${n + 6})")
        args += [name, compact(payload), organization, account, project, moment]
    await db.execute(
        "INSERT INTO core_event (name, payload, organization_id, account_id, project_id, created_at)"
        f" VALUES {', '.join(values)}",
        *args,
    )


def payload(name: str, data: dict[str, Any]) -> dict[str, Any]:
    return {name: {**data, "userErrors": []}}


def assignment(pk: int, status: str) -> dict[str, Any]:
    return {"assignment": {"id": to_global_id("MicrotaskAssignment", pk), "status": status}}


BATCH = """
SELECT b.id, b.organization_id, b.project_id, b.title, b.reward, b.status, b.deadline,
  b.audience, b.requirements, b.gold_rate, b.lease_seconds, b.scheduling, o.currency,
  EXISTS (SELECT 1 FROM microtask_block k WHERE k.organization_id = b.organization_id
    AND k.worker_id = $1 AND (k.batch_id = b.id OR k.batch_id IS NULL)) AS blocked,
  EXISTS (SELECT 1 FROM microtask_worker_standing s WHERE s.batch_id = b.id
    AND s.worker_id = $2 AND s.restricted) AS restricted,
  EXISTS (SELECT 1 FROM microtask_assignment a WHERE a.batch_id = b.id AND a.status = 'claimed'
    AND a.lease_expires_at <= $3) AS overdue
FROM microtask_batch b JOIN core_organization o ON o.id = b.organization_id WHERE b.id = $4"""
PICK = """
SELECT t.id FROM microtask_task t
WHERE t.batch_id = $1 AND t.status = 'open' AND t.is_gold = $2
  AND NOT EXISTS (SELECT 1 FROM microtask_assignment a WHERE a.task_id = t.id AND a.worker_id = $3)
ORDER BY {order} LIMIT 1"""
TAKE = {
    "sqlite": """
UPDATE microtask_task SET taken = taken + 1,
  status = CASE WHEN taken + 1 >= answers_needed THEN 'full' ELSE status END
WHERE id = ({pick}) AND status = 'open'
RETURNING id""",
    "postgres": """
WITH next AS ({pick} FOR UPDATE SKIP LOCKED)
UPDATE microtask_task SET taken = microtask_task.taken + 1,
  status = CASE WHEN microtask_task.taken + 1 >= microtask_task.answers_needed
    THEN 'full' ELSE microtask_task.status END
FROM next WHERE microtask_task.id = next.id
RETURNING microtask_task.id""",
}
ORDER = {"depth_first": "t.id", "breadth_first": "t.taken, t.id"}
ASSIGN = """
INSERT INTO microtask_assignment (task_id, batch_id, worker_id, worker_account_id, status, is_gold,
  lease_expires_at, started_at, time_on_task, answer, too_fast, feedback, appeal_status,
  appeal_reason, appeal_response, paid)
VALUES ($1, $2, $3, $4, 'claimed', $5, $6, $7, NULL, NULL, $8, '', 'none', '', '', $9)
RETURNING id"""
ENGAGE = """
INSERT INTO core_engagement (worker_id, organization_id, project_id, model, status, pay_amount,
  currency, detail_type, detail_id, title, outcome, seconds_worked, created_at, started_at,
  updated_at)
VALUES ($1, $2, $3, 'microtask', 'active', $4, $5, 'MicrotaskAssignment', $6, $7, '', 0, $8, $9, $10)
RETURNING id"""


def admits(audience: str, organization_id: int, kind: str, employer_id: int | None) -> bool:
    internal = kind == "internal" and employer_id == organization_id
    if audience == "internal":
        return internal
    if audience == "external":
        return kind == "external"
    return internal or kind == "external"


async def claimable(db: Connection, caller: Caller, batch_id: int) -> dict[str, Any]:
    """The batch, if the worker may claim in it now (visible, open, not blocked, eligible)."""
    worker = caller.require_worker()
    batch = await db.fetchrow(BATCH, worker.id, worker.id, now(), batch_id)
    if batch is None or not (
        caller.can_manage(batch["organization_id"])
        or (
            batch["status"] != "draft"
            and admits(batch["audience"], batch["organization_id"], worker.kind, worker.employer_id)
        )
    ):
        raise Refused("NOT_FOUND", "no such batch")
    if batch["status"] != "open":
        raise Refused("BATCH_NOT_OPEN", f"the batch is {batch['status']}: it takes no claims")
    deadline = when(batch["deadline"])
    if deadline is not None and deadline <= now():
        raise Refused("DEADLINE_PASSED", "the batch's deadline has passed")
    if batch["blocked"]:
        raise Refused("FORBIDDEN", "you are blocked from this batch")
    if batch["restricted"]:
        raise Refused("FORBIDDEN", "your gold accuracy in this batch fell below the minimum")
    reasons = await unmet(db, worker, json.loads(batch["requirements"]))
    if reasons:
        raise Refused("FORBIDDEN", "; ".join(reasons))
    if batch["gold_rate"]:
        raise Refused("NOT_IMPLEMENTED", "the raw twin does not serve gold tasks")
    return batch


async def claim(db: Database, request: Request) -> dict[str, Any]:
    """``claimMicrotask(input: {batchId}) { assignment { id status } userErrors { ... } }``"""
    data = await request.json()
    batch_id = from_global_id(data["batchId"], "MicrotaskBatch", "batchId")
    async with db.transaction() as tx:
        caller = await authenticate(tx, request.headers.get("authorization"))
        batch = await claimable(tx, caller, batch_id)
        worker = caller.require_worker()
        if batch["overdue"]:
            raise Refused("NOT_IMPLEMENTED", "leases ran out: crowdgraph's sweeper returns them")
        moment = now()
        pick = PICK.format(order=ORDER[batch["scheduling"]])
        taken = await tx.fetchrow(TAKE[tx.dialect].format(pick=pick), batch["id"], False, worker.id)
        if taken is None:
            return payload("claimMicrotask", {"assignment": None})
        lease = moment + timedelta(seconds=batch["lease_seconds"])
        row = await tx.fetchrow(
            ASSIGN,
            taken["id"],
            batch["id"],
            worker.id,
            caller.account_id,
            False,
            lease,
            moment,
            False,
            False,
        )
        assert row is not None
        engagement = await tx.fetchrow(
            ENGAGE,
            worker.id,
            batch["organization_id"],
            batch["project_id"],
            batch["reward"],
            batch["currency"],
            str(row["id"]),
            batch["title"][:200],
            moment,
            moment,
            moment,
        )
        assert engagement is not None
        await tx.execute(
            "UPDATE microtask_assignment SET engagement_id = $1 WHERE id = $2",
            engagement["id"],
            row["id"],
        )
        where = (batch["organization_id"], caller.account_id, batch["project_id"])
        await emit(
            tx,
            [
                (
                    "core.engagement.started",
                    {"engagement_id": engagement["id"], "model": "microtask", "status": "active"},
                    *where,
                ),
                (
                    "microtask.assignment.claimed",
                    {"batch_id": batch["id"], "task_id": taken["id"], "assignment_id": row["id"]},
                    *where,
                ),
            ],
            moment,
        )
    return payload("claimMicrotask", assignment(row["id"], "CLAIMED"))


HELD = """
SELECT a.id, a.status, a.lease_expires_at, a.started_at, a.engagement_id, a.task_id, a.is_gold,
  b.id AS batch_id, b.organization_id, b.project_id, b.answer_spec, b.aggregator,
  b.confidence_threshold, b.max_overlap
FROM microtask_assignment a JOIN microtask_batch b ON b.id = a.batch_id
WHERE a.id = $1 AND a.worker_id = $2"""
ANSWER = """
UPDATE microtask_assignment SET status = 'submitted', answer = $1, submitted_at = $2,
  time_on_task = $3, correct = NULL, too_fast = $4
WHERE id = $5 AND status = 'claimed'
RETURNING id"""
STANDING = """
INSERT INTO microtask_worker_standing (batch_id, worker_id, answers, gold_answers, gold_correct,
  restricted)
VALUES ($1, $2, 1, 0, 0, $3)
ON CONFLICT (batch_id, worker_id) DO UPDATE SET answers = microtask_worker_standing.answers + 1"""
COUNT = """
UPDATE microtask_task SET answers_received = answers_received + 1 WHERE id = $1
RETURNING answers_received, answers_needed, status"""
COUNTED = """
SELECT a.worker_id, a.answer, s.gold_answers, s.gold_correct
FROM microtask_assignment a
LEFT JOIN microtask_worker_standing s ON s.batch_id = a.batch_id AND s.worker_id = a.worker_id
WHERE a.task_id = $1 AND a.status IN ('submitted', 'approved')"""
DECIDE = """
UPDATE microtask_task SET status = 'completed', result = $1, confidence = $2, completed_at = $3
WHERE id = $4"""
PENDING = {
    "sqlite": "SELECT 1 AS pending FROM microtask_task WHERE batch_id = $1 AND NOT is_gold "
    "AND status <> 'completed' LIMIT 1",
    "postgres": "SELECT (SELECT 1 FROM microtask_batch WHERE id = $1 FOR NO KEY UPDATE) AS locked, "
    "EXISTS (SELECT 1 FROM microtask_task WHERE batch_id = $2 AND NOT is_gold "
    "AND status <> 'completed') AS pending",
}


async def decide(tx: Connection, held: dict[str, Any], task: dict[str, Any]) -> list[Event]:
    """crowdgraph's ``after_answer`` for a regular task: complete it once enough answers agree."""
    spec = json.loads(held["answer_spec"])
    rows = await tx.fetch(COUNTED, held["task_id"])
    aggregator = AGGREGATORS[held["aggregator"]]
    if aggregator.name == "dawid_skene":
        aggregator = AGGREGATORS["weighted"]
    answers = [(row["worker_id"], json.loads(row["answer"])["value"]) for row in rows]
    numeric = spec["kind"] == "number"
    votes = [Vote(held["task_id"], w, a if numeric else vote_key(spec, a)) for w, a in answers]
    weights = {
        row["worker_id"]: row["gold_correct"] / row["gold_answers"]
        for row in rows
        if row["gold_answers"]
    }
    estimate = aggregator.aggregate(votes, weights)[held["task_id"]]
    threshold = held["confidence_threshold"]
    confident = threshold is not None and estimate.confidence >= threshold
    received = task["answers_received"]
    if received < task["answers_needed"] and not (confident and received >= MIN_ANSWERS_TO_STOP):
        return []
    if not confident and threshold is not None and task["answers_needed"] < held["max_overlap"]:
        raise Refused("NOT_IMPLEMENTED", "the raw twin does not ask for more answers")
    value = estimate.value
    if not numeric:
        value = next((a for _, a in answers if vote_key(spec, a) == estimate.value), value)
    moment = now()
    await tx.execute(
        DECIDE, compact({"value": value}), estimate.confidence, moment, held["task_id"]
    )
    found = await tx.fetchrow(
        PENDING[tx.dialect], *[held["batch_id"]] * (1 if tx.dialect == "sqlite" else 2)
    )
    if found is None or not found["pending"]:
        raise Refused("NOT_IMPLEMENTED", "the raw twin does not complete batches")
    where = (held["organization_id"], None, held["project_id"])
    data = {
        "batch_id": held["batch_id"],
        "task_id": held["task_id"],
        "confidence": estimate.confidence,
    }
    return [("microtask.task.completed", data, *where)]


async def submit(db: Database, request: Request) -> dict[str, Any]:
    """``submitMicrotaskAnswer(input: {assignmentId, answer}) { assignment { id status } ... }``"""
    data = await request.json()
    pk = from_global_id(data["assignmentId"], "MicrotaskAssignment", "assignmentId")
    answer = data["answer"]
    async with db.transaction() as tx:
        caller = await authenticate(tx, request.headers.get("authorization"))
        worker = caller.require_worker()
        held = await tx.fetchrow(HELD, pk, worker.id)
        if held is None:
            raise Refused("NOT_FOUND", "no such assignment")
        if held["status"] != "claimed":
            raise Refused("NOT_CLAIMED", f"the assignment is {held['status']}, not claimed")
        moment = now()
        if when(held["lease_expires_at"]) <= moment:  # type: ignore[operator]
            raise Refused("LEASE_EXPIRED", "the lease ran out: claim a new task")
        if held["is_gold"]:
            raise Refused("NOT_IMPLEMENTED", "the raw twin does not serve gold tasks")
        problems = answer_problems(json.loads(held["answer_spec"]), answer)
        if problems:
            raise Refused("INVALID_ANSWER", problems[0])
        seconds = int((moment - when(held["started_at"])).total_seconds())  # type: ignore[operator]
        too_fast = seconds < FAST_ANSWER_SECONDS
        moved = await tx.fetchrow(ANSWER, compact({"value": answer}), moment, seconds, too_fast, pk)
        if moved is None:
            raise Refused("NOT_CLAIMED", "the assignment is no longer claimed")
        if held["engagement_id"] is not None and seconds > 0:
            await tx.execute(
                "UPDATE core_engagement SET seconds_worked = seconds_worked + $1 WHERE id = $2",
                seconds,
                held["engagement_id"],
            )
        await tx.execute(STANDING, held["batch_id"], worker.id, False)
        where = (held["organization_id"], caller.account_id, held["project_id"])
        events: list[Event] = [
            (
                "microtask.assignment.submitted",
                {
                    "batch_id": held["batch_id"],
                    "task_id": held["task_id"],
                    "assignment_id": pk,
                    "too_fast": too_fast,
                },
                *where,
            )
        ]
        task = await tx.fetchrow(COUNT, held["task_id"])
        assert task is not None
        if task["status"] != "completed":
            events += await decide(tx, held, task)
        await emit(tx, events, moment)
    return payload("submitMicrotaskAnswer", assignment(pk, "SUBMITTED"))


SUBMISSION = """
SELECT s.id, s.contest_id, s.judged, s.round, c.round AS contest_round, c.phase, c.criteria,
  c.scale, c.organization_id, c.project_id
FROM contest_submission s JOIN contest_contest c ON c.id = s.contest_id WHERE s.id = $1"""
RESCORE = """
UPDATE contest_score SET "values" = $1, total = $2, feedback = $3, updated_at = $4
WHERE submission_id = $5 AND judge_id = $6
RETURNING id"""
SCORE = """
INSERT INTO contest_score (submission_id, judge_id, contest_id, "values", total, feedback,
  created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id"""


async def score(db: Database, request: Request) -> dict[str, Any]:
    """``scoreContestSubmission(input: {submissionId, values, feedback}) { score { id total } ... }``"""
    data = await request.json()
    pk = from_global_id(data["submissionId"], "ContestSubmission", "submissionId")
    values: dict[str, int] = data["values"]
    feedback: str = data.get("feedback", "")
    async with db.transaction() as tx:
        caller = await authenticate(tx, request.headers.get("authorization"))
        submission = await tx.fetchrow(SUBMISSION, pk)
        if submission is None:
            raise Refused("NOT_FOUND", "no such submission")
        contest = await visible_contest(tx, caller, submission["contest_id"])
        if contest["seat"] is None:
            raise Refused("FORBIDDEN", "only the contest's judges may do this")
        if contest["phase"] != "review":
            raise Refused(
                "PHASE_RULE", f"scoring is not open: the contest is in {contest['phase']}"
            )
        if not submission["judged"] or submission["round"] != submission["contest_round"]:
            raise Refused(
                "NOT_JUDGED", "only each entrant's final version of the current round is scored"
            )
        criteria = jsonish_list(submission["criteria"])
        scale = submission["scale"]
        names = {c["name"] for c in criteria}
        if names != values.keys() or not all(0 <= v <= scale for v in values.values()):
            raise Refused(
                "INVALID_INPUT",
                f"values needs a score from 0 to {scale} for {', '.join(sorted(names))}",
            )
        if len(feedback) > 20_000:
            raise Refused("TOO_LONG", "feedback must have at most 20000 characters")
        weights = sum(c["weight"] for c in criteria)
        points = sum(c["weight"] * values[c["name"]] for c in criteria)
        total = (2 * points * 10_000 + weights * scale) // (2 * weights * scale)
        moment = now()
        row = await tx.fetchrow(
            RESCORE, compact(values), total, feedback, moment, pk, contest["seat"]
        )
        if row is None:
            row = await tx.fetchrow(
                SCORE,
                pk,
                contest["seat"],
                contest["id"],
                compact(values),
                total,
                feedback,
                moment,
                moment,
            )
        assert row is not None
        await emit(
            tx,
            [
                (
                    "contest.score.recorded",
                    {"contest_id": contest["id"], "submission_id": pk, "total": total},
                    submission["organization_id"],
                    None,
                    submission["project_id"],
                )
            ],
            moment,
        )
    score_node = {"id": to_global_id("ContestScore", row["id"]), "total": total}
    return payload("scoreContestSubmission", {"score": score_node})


def jsonish_list(value: Any) -> list[dict[str, Any]]:
    return json.loads(value) if isinstance(value, str) else list(value)


OFFER = """
INSERT INTO marketplace_offer (worker_id, title, description, skills, skill_tags, pricing, price,
  currency, delivery_days, active, created_at)
SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11
WHERE (SELECT count(*) FROM core_skill WHERE slug IN ({slugs})) = {count}
RETURNING id"""
CURRENCY = 3


async def offer(db: Database, request: Request) -> dict[str, Any]:
    """``createMarketplaceOffer(input: {...}) { offer { id title price { amount currency } } ... }``"""
    data = await request.json()
    title, description = data["title"].strip(), data["description"]
    price, currency, days = data["price"], data["currency"], data["deliveryDays"]
    slugs = list(dict.fromkeys(data.get("skills", [])))
    if not (1 <= len(title) <= 140 and 1 <= len(description) <= 20_000):
        raise Refused("INVALID_INPUT", "title needs 1 to 140 characters, description 1 to 20000")
    if price < 1 or not 1 <= days <= 365 or len(currency) != CURRENCY or not currency.isupper():
        raise Refused(
            "INVALID_INPUT", "price must be >= 1, deliveryDays 1 to 365, currency ISO 4217"
        )
    async with db.transaction() as tx:
        caller = await authenticate(tx, request.headers.get("authorization"))
        worker = caller.require_worker()
        moment = now()
        tags = "," + ",".join(slugs) + "," if slugs else ""
        row = await tx.fetchrow(
            OFFER.format(slugs=ids(slugs, 12), count=len(slugs)),
            worker.id,
            title,
            description,
            compact(slugs),
            tags,
            data["pricing"].lower(),
            price,
            currency,
            days,
            True,
            moment,
            *slugs,
        )
        if row is None:  # a skill named is not known: say which
            known = await tx.fetch(
                f"SELECT slug FROM core_skill WHERE slug IN ({ids(slugs, 1)})", *slugs
            )
            missing = sorted(set(slugs) - {found["slug"] for found in known})
            raise Refused("UNKNOWN_SKILL", f"no skill with slug {missing[0]!r}")
        assert row is not None
        await emit(
            tx,
            [
                (
                    "marketplace.offer.created",
                    {"offer_id": row["id"], "title": title},
                    None,
                    caller.account_id,
                    None,
                )
            ],
            moment,
        )
    node = {
        "id": to_global_id("MarketplaceOffer", row["id"]),
        "title": title,
        "price": {"amount": price, "currency": currency},
    }
    return payload("createMarketplaceOffer", {"offer": node})
