"""The raw twin's reads: the worker's feed, the 100-row lists, the leaderboard and talent search.

Each returns the ``data`` of the GraphQL response it stands for. The rules are crowdgraph's
(visibility, eligibility, ranking), written as a competent hand would: one statement per shape of
row, lists batched, nothing per row.
"""

from __future__ import annotations

import json
import statistics
from typing import Any

from starlette.requests import Request

from bench.raw.caller import Caller, Refused, Worker, from_global_id, now, to_global_id, when
from bench.raw.db import Connection, ids

RECENT_ANSWERS = 101
PAGE = 20
MAX_PAGE = 100
TALENT_CANDIDATES = 500


def first(request: Request) -> int:
    given = int(request.query_params.get("first", PAGE))
    if not 0 <= given <= MAX_PAGE:
        raise Refused("INVALID_INPUT", f"first must be between 0 and {MAX_PAGE} (got {given})")
    return given


def money(amount: int | None, currency: str) -> dict[str, Any] | None:
    return None if amount is None else {"amount": amount, "currency": currency}


def audience(worker: Worker, start: int) -> tuple[str, list[Any]]:
    """crowdgraph's audience rule as SQL over ``b.audience`` / ``b.organization_id``."""
    if worker.kind == "external":
        return "b.audience IN ('external', 'both')", []
    return f"b.audience IN ('internal', 'both') AND b.organization_id = ${start}", [
        worker.employer_id
    ]


def jsonish(value: Any) -> Any:
    """A JSON column: text on SQLite and (without a codec) on PostgreSQL."""
    return json.loads(value) if isinstance(value, str) else value


async def me(db: Connection, caller: Caller, request: Request) -> dict[str, Any]:
    """The floor of every request: the caller from the token, and nothing else."""
    return {"me": {"id": to_global_id("Account", caller.account_id), "name": caller.name}}


async def unmet(db: Connection, worker: Worker, requirements: list[dict[str, Any]]) -> list[str]:
    """The core requirement kinds (skill, crowd, country); plugins' kinds are not in the twin."""
    reasons = []
    for req in requirements:
        kind = req.get("kind")
        if kind == "crowd":
            if worker.kind != req["crowd"]:
                reasons.append(f"open to the {req['crowd']} crowd only")
        elif kind == "country":
            if worker.country not in req["countries"]:
                reasons.append(f"open to workers in {', '.join(req['countries'])} only")
        elif kind == "skill":
            level = req.get("min_level", 1)
            verified = " AND ws.verified_at IS NOT NULL" if req.get("verified") else ""
            held = await db.fetchrow(
                "SELECT 1 AS held FROM core_worker_skill ws JOIN core_skill s ON s.id = ws.skill_id"
                f" WHERE ws.worker_id = $1 AND s.slug = $2 AND ws.level >= $3{verified}",
                worker.id,
                req["skill"],
                level,
            )
            if held is None:
                how = "verified " if req.get("verified") else ""
                reasons.append(f"needs {how}skill {req['skill']} at level {level} or above")
        else:
            raise Refused("NOT_IMPLEMENTED", f"the raw twin does not check {kind!r} requirements")
    return reasons


FEED = """
SELECT b.id, b.title, b.reward, b.currency, b.requirements FROM microtask_batch b
WHERE {audience} AND b.status = 'open' AND (b.deadline IS NULL OR b.deadline > ${n})
  AND NOT EXISTS (SELECT 1 FROM microtask_block k WHERE k.worker_id = ${n1} AND (k.batch_id = b.id
    OR (k.batch_id IS NULL AND k.organization_id = b.organization_id)))
  AND NOT EXISTS (SELECT 1 FROM microtask_worker_standing s
    WHERE s.batch_id = b.id AND s.worker_id = ${n2} AND s.restricted)
ORDER BY b.priority DESC, b.id
LIMIT ${n3}"""


async def median_seconds(db: Connection, batch_ids: list[int]) -> dict[int, float]:
    if not batch_ids:
        return {}
    rows = await db.fetch(
        "SELECT batch_id, time_on_task FROM (SELECT batch_id, time_on_task, ROW_NUMBER() OVER "
        "(PARTITION BY batch_id ORDER BY id DESC) AS n FROM microtask_assignment "
        f"WHERE batch_id IN ({ids(batch_ids, 1)}) AND time_on_task IS NOT NULL) AS recent "
        f"WHERE n <= {RECENT_ANSWERS}",
        *batch_ids,
    )
    times: dict[int, list[int]] = {}
    for row in rows:
        times.setdefault(row["batch_id"], []).append(row["time_on_task"])
    return {batch: statistics.median(values) for batch, values in times.items()}


async def feed(db: Connection, caller: Caller, request: Request) -> dict[str, Any]:
    """Open batches the worker may claim in, highest priority first, then oldest."""
    worker = caller.require_worker()
    size = first(request)
    rule, args = audience(worker, 1)
    n = len(args) + 1
    sql = FEED.format(audience=rule, n=n, n1=n + 1, n2=n + 2, n3=n + 3)
    rows = await db.fetch(sql, *args, now(), worker.id, worker.id, size)
    verdicts: dict[str, bool] = {}
    eligible = []
    for row in rows:
        key = str(row["requirements"])
        if key not in verdicts:
            verdicts[key] = not await unmet(db, worker, jsonish(row["requirements"]))
        if verdicts[key]:
            eligible.append(row)
    medians = await median_seconds(db, [row["id"] for row in eligible])
    nodes = []
    for row in eligible:
        seconds = medians.get(row["id"])
        hourly = round(row["reward"] * 3600 / seconds) if seconds else None
        nodes.append(
            {
                "id": to_global_id("MicrotaskBatch", row["id"]),
                "title": row["title"],
                "reward": money(row["reward"], row["currency"]),
                "hourlyPay": money(hourly, row["currency"]),
            }
        )
    return {"microtaskFeed": {"nodes": nodes}}


def visible_workers(caller: Caller, start: int) -> tuple[str, list[Any]]:
    """External workers to any caller, internal ones to their employer, oneself always."""
    if caller.is_admin:
        return "TRUE", []
    orgs = list(caller.memberships)
    employer = f" OR w.employer_id IN ({ids(orgs, start)})" if orgs else ""
    return f"(w.kind = 'external'{employer} OR w.account_id = ${start + len(orgs)})", [
        *orgs,
        caller.account_id,
    ]


def require_client(caller: Caller, what: str) -> None:
    if caller.role == "worker":
        raise Refused("FORBIDDEN", f"only clients and admins may {what}")


async def workers(db: Connection, caller: Caller, request: Request) -> dict[str, Any]:
    """``workers(first:) { nodes { id name country skills { level verified skill { slug name } } } }``"""
    require_client(caller, "search workers")
    size = first(request)
    rule, args = visible_workers(caller, 1)
    rows = await db.fetch(
        "SELECT w.id, a.name, w.country FROM core_worker_profile w "
        f"JOIN core_account a ON a.id = w.account_id WHERE {rule} ORDER BY w.id "
        f"LIMIT ${len(args) + 1}",
        *args,
        size,
    )
    worker_ids = [row["id"] for row in rows]
    held: dict[int, list[dict[str, Any]]] = {pk: [] for pk in worker_ids}
    if worker_ids:
        for skill in await db.fetch(
            "SELECT ws.worker_id, ws.level, ws.verified_at, s.slug, s.name FROM core_worker_skill ws "
            f"JOIN core_skill s ON s.id = ws.skill_id WHERE ws.worker_id IN ({ids(worker_ids, 1)}) "
            "ORDER BY ws.id",
            *worker_ids,
        ):
            held[skill["worker_id"]].append(
                {
                    "level": skill["level"],
                    "verified": skill["verified_at"] is not None,
                    "skill": {"slug": skill["slug"], "name": skill["name"]},
                }
            )
    nodes = [
        {
            "id": to_global_id("Worker", row["id"]),
            "name": row["name"],
            "country": row["country"],
            "skills": held[row["id"]],
        }
        for row in rows
    ]
    return {"workers": {"nodes": nodes}}


STAGES = """
SELECT 0 AS model, project_id, id, title, NULL AS deadline FROM microtask_batch
  WHERE project_id IN ({batches})
UNION ALL
SELECT 1, project_id, id, title, deadline FROM contest_contest WHERE project_id IN ({contests})
UNION ALL
SELECT 2, project_id, id, title, NULL FROM marketplace_job WHERE project_id IN ({jobs})
ORDER BY 1, 3"""
STAGE_TYPES = (
    ("MicrotaskBatch", "microtask"),
    ("Contest", "contest"),
    ("MarketplaceJob", "marketplace"),
)


async def projects(db: Connection, caller: Caller, request: Request) -> dict[str, Any]:
    """An organization's ``projects(first:) { nodes { id name status stages { id title model } } }``,
    as its owners and managers (and admins) see them: every project and every stage.

    Other callers (workers who see the organization's active projects and open work) are not part
    of the twin.
    """
    org = from_global_id(request.path_params["id"], "Organization", "id")
    if not caller.can_manage(org):
        raise Refused("NOT_IMPLEMENTED", "the raw twin lists projects for managers only")
    if caller.is_admin and not await db.fetchrow(
        "SELECT id FROM core_organization WHERE id = $1", org
    ):
        return {"node": None}
    rows = await db.fetch(
        "SELECT id, name, status FROM core_project WHERE organization_id = $1 ORDER BY id LIMIT $2",
        org,
        first(request),
    )
    project_ids = [row["id"] for row in rows]
    stages: dict[int, list[dict[str, Any]]] = {pk: [] for pk in project_ids}
    if project_ids:
        n = len(project_ids)
        sql = STAGES.format(
            batches=ids(project_ids, 1),
            contests=ids(project_ids, n + 1),
            jobs=ids(project_ids, 2 * n + 1),
        )
        moment = now()
        for stage in await db.fetch(sql, *project_ids, *project_ids, *project_ids):
            deadline = when(stage["deadline"])
            if deadline is not None and deadline <= moment:
                raise Refused("NOT_IMPLEMENTED", "a contest's deadline passed: crowdgraph moves it")
            type_name, model = STAGE_TYPES[stage["model"]]
            stages[stage["project_id"]].append(
                {
                    "id": to_global_id(type_name, stage["id"]),
                    "title": stage["title"],
                    "model": model,
                }
            )
    nodes = [
        {
            "id": to_global_id("Project", row["id"]),
            "name": row["name"],
            "status": row["status"].upper(),
            "stages": stages[row["id"]],
        }
        for row in rows
    ]
    return {"node": {"projects": {"nodes": nodes}}}


CONTEST = """
SELECT c.id, c.organization_id, c.phase, c.deadline, c.round, c.currency, c.audience,
  (SELECT j.id FROM contest_judge j WHERE j.contest_id = c.id AND j.account_id = $1) AS seat
FROM contest_contest c WHERE c.id = $2"""
STANDINGS = """
SELECT a.name, (2 * SUM(sc.total) + COUNT(sc.total)) / (2 * COUNT(sc.total)) AS score,
  (SELECT COALESCE(SUM(aw.amount), 0) FROM contest_award aw
    WHERE aw.entry_id = e.id AND aw.kind <> 'participation') AS prize
FROM contest_submission s
JOIN contest_entry e ON e.id = s.entry_id
JOIN contest_score sc ON sc.submission_id = s.id
JOIN core_account a ON a.id = e.account_id
WHERE s.contest_id = $1 AND s.round = $2 AND s.judged AND e.status = 'active'
GROUP BY s.id, e.id, a.name, s.submitted_at, e.registered_at
ORDER BY score DESC, s.submitted_at, e.registered_at, e.id"""
FINAL = """
SELECT a.name, e.final_score AS score,
  (SELECT COALESCE(SUM(aw.amount), 0) FROM contest_award aw
    WHERE aw.entry_id = e.id AND aw.kind <> 'participation') AS prize
FROM contest_entry e JOIN core_account a ON a.id = e.account_id
WHERE e.contest_id = $1 AND e.status = 'finished' AND e.rank IS NOT NULL ORDER BY e.rank"""
BLIND_PHASES = ("registration", "submission", "review", "appeals")
RESULTS_PHASES = ("winners_announced", "closed")


async def can_see(db: Connection, caller: Caller, contest: dict[str, Any]) -> bool:
    """Organizers always; judges, entrants and the contest's audience once it is launched."""
    if contest["phase"] in RESULTS_PHASES and contest["audience"] != "internal":
        return True
    if caller.can_manage(contest["organization_id"]):
        return True
    if contest["phase"] == "draft":
        return False
    if contest["seat"] is not None:
        return True
    worker = caller.worker
    if worker is None:
        return False
    if await db.fetchrow(
        "SELECT 1 AS entered FROM contest_entry WHERE contest_id = $1 AND worker_id = $2",
        contest["id"],
        worker.id,
    ):
        return True
    internal = worker.kind == "internal" and worker.employer_id == contest["organization_id"]
    if contest["audience"] == "internal":
        return internal
    return worker.kind == "external" or (contest["audience"] == "both" and internal)


async def visible_contest(db: Connection, caller: Caller, contest_id: int) -> dict[str, Any]:
    contest = await db.fetchrow(CONTEST, caller.account_id, contest_id)
    if contest is None or not await can_see(db, caller, contest):
        raise Refused("NOT_FOUND", "no such contest")
    deadline = when(contest["deadline"])
    if deadline is not None and deadline <= now():
        raise Refused("NOT_IMPLEMENTED", "the contest's deadline passed: crowdgraph moves it")
    return contest


async def leaderboard(db: Connection, caller: Caller, request: Request) -> dict[str, Any]:
    """``node(id:) { ... on Contest { leaderboard { rank entrantName finalScore prize } } }``"""
    contest = await visible_contest(
        db, caller, from_global_id(request.path_params["id"], "Contest", "id")
    )
    organizer = caller.can_manage(contest["organization_id"]) and not (
        contest["seat"] is not None and contest["phase"] in BLIND_PHASES
    )
    if contest["phase"] in RESULTS_PHASES:
        rows = await db.fetch(FINAL, contest["id"])
    elif organizer and contest["phase"] == "appeals":
        rows = await db.fetch(STANDINGS, contest["id"], contest["round"])
    else:
        return {"node": {"leaderboard": None}}
    board = [
        {
            "rank": position,
            "entrantName": row["name"],
            "finalScore": int(row["score"] or 0),
            "prize": money(int(row["prize"]), contest["currency"]),
        }
        for position, row in enumerate(rows, start=1)
    ]
    return {"node": {"leaderboard": board}}


TALENT = """
WITH candidates AS (
  SELECT w.id, w.availability, w.hourly_rate, a.name FROM core_worker_profile w
  JOIN core_account a ON a.id = w.account_id
  WHERE {visible} AND w.id IN (SELECT ws.worker_id FROM core_worker_skill ws
    JOIN core_skill s ON s.id = ws.skill_id WHERE s.slug IN ({slugs}))
  ORDER BY w.id LIMIT {limit}
)
SELECT c.id, c.availability, c.hourly_rate, c.name, s.slug, ws.level, ws.verified_at, ws.verified_by
FROM candidates c
LEFT JOIN core_worker_skill ws ON ws.worker_id = c.id
LEFT JOIN core_skill s ON s.id = ws.skill_id AND s.slug IN ({slugs2})
ORDER BY c.id"""
REPUTATION = """
SELECT c.id, c.worker_id, c.feedback_closes_at, f.side, f.rating
FROM marketplace_contract c LEFT JOIN marketplace_feedback f ON f.contract_id = c.id
WHERE c.status = 'ended' AND c.worker_id IN ({workers})"""
GOOD_RATING = 4


async def reputations(
    db: Connection, worker_ids: list[int]
) -> dict[int, tuple[float | None, int, int | None]]:
    """(rating, ratings, job success) per worker; ratings count once both sides gave theirs or the
    feedback window closed."""
    contracts: dict[int, tuple[int, Any, list[tuple[str, int]]]] = {}
    for row in await db.fetch(REPUTATION.format(workers=ids(worker_ids, 1)), *worker_ids):
        worker, closes, given = contracts.setdefault(
            row["id"], (row["worker_id"], when(row["feedback_closes_at"]), [])
        )
        if row["side"] is not None:
            given.append((row["side"], row["rating"]))
    moment = now()
    ratings: dict[int, list[int]] = {pk: [] for pk in worker_ids}
    for worker, closes, given in contracts.values():
        if len(given) == 2 or (closes is not None and moment >= closes):
            ratings[worker] += [rating for side, rating in given if side == "client"]
    return {
        pk: (
            round(sum(r) / len(r), 2) if r else None,
            len(r),
            round(100 * sum(x >= GOOD_RATING for x in r) / len(r)) if r else None,
        )
        for pk, r in ratings.items()
    }


async def talent(db: Connection, caller: Caller, request: Request) -> dict[str, Any]:
    """``marketplaceTalent(filter: {skills: [{slug}]}, first:) { nodes { score reasons worker { id
    name } } }``: candidates with the skills, scored as crowdgraph scores them."""
    require_client(caller, "search talent")
    size = first(request)
    slugs = request.query_params.getlist("skill")
    visible, args = visible_workers(caller, 1)
    start = len(args) + 1
    sql = TALENT.format(
        visible=visible,
        slugs=ids(slugs, start),
        limit=TALENT_CANDIDATES,
        slugs2=ids(slugs, start + len(slugs)),
    )
    candidates: dict[int, dict[str, Any]] = {}
    for row in await db.fetch(sql, *args, *slugs, *slugs):
        found = candidates.setdefault(row["id"], {"row": row, "held": {}})
        if row["slug"] is not None:
            found["held"][row["slug"]] = row
    reps = await reputations(db, list(candidates)) if candidates else {}
    matches = []
    for pk, found in candidates.items():
        score, reasons = 0.0, []
        for slug in slugs:
            held = found["held"].get(slug)
            if held is None:
                continue
            verified = held["verified_at"] is not None
            score += 10.0 + 2.0 * held["level"] + (4.0 if verified else 0.0)
            how = f", verified by {held['verified_by'].replace('_', ' ')}" if verified else ""
            reasons.append(f"{slug} at level {held['level']}{how}")
        if slugs and not reasons:
            continue
        rating, count, success = reps[pk]
        if rating is not None:
            score += 2.0 * rating
            reasons.append(f"rated {rating} by clients over {count} contracts")
        if success is not None:
            score += success / 20
            reasons.append(f"job success {success}%")
        if found["row"]["availability"] == "available":
            score += 1.0
            reasons.append("available now")
        matches.append((round(score, 2), pk, reasons, found["row"]["name"]))
    matches.sort(key=lambda m: (-m[0], m[1]))
    nodes = [
        {
            "score": score,
            "reasons": reasons,
            "worker": {"id": to_global_id("Worker", pk), "name": name},
        }
        for score, pk, reasons, name in matches[:size]
    ]
    return {"marketplaceTalent": {"nodes": nodes}}
