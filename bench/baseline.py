"""The baseline: a minimal Starlette app doing the key operations' database work, without GraphQL.

Each endpoint authenticates the same way, calls the same services (or, for the leaderboard, the same
queries written directly with Tortoise) and returns the JSON the GraphQL query returns, so the ratio
of the two measures what the GraphQL layer costs.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from crowdgraph.app import actor_from_header
from crowdgraph.core.models import Account
from crowdgraph.core.pages import PageRequest
from crowdgraph.platform import Platform
from crowdgraph.plugins.contest import contests, results
from crowdgraph.plugins.contest.models import AwardKind, ContestAward, ContestEntry
from crowdgraph.plugins.marketplace import search
from crowdgraph.plugins.marketplace.settings import settings_of
from crowdgraph.plugins.microtask import work
from crowdgraph.plugins.microtask.config import Config
from crowdgraph.plugins.microtask.models import Assignment
from crowdgraph.schema.relay import decode_id, to_global_id

PAGE = 20


def money(amount: int | None, currency: str) -> dict[str, Any] | None:
    return None if amount is None else {"amount": amount, "currency": currency}


def assignment(row: Assignment | None) -> dict[str, Any]:
    found = None
    if row is not None:
        found = {"id": to_global_id("MicrotaskAssignment", row.id), "status": row.status.name}
    return {"assignment": found, "userErrors": []}


def create_baseline(platform: Platform) -> Starlette:
    config = Config.of(platform)
    candidates = settings_of(platform).search_candidates

    async def feed(request: Request) -> JSONResponse:
        actor = await actor_from_header(request.headers.get("authorization"))
        page = await work.feed(actor, PageRequest(first=PAGE))
        nodes = [
            {
                "id": to_global_id("MicrotaskBatch", item.batch.id),
                "title": item.batch.title,
                "reward": money(item.batch.reward, item.batch.currency),
                "hourlyPay": money(item.hourly_pay, item.batch.currency),
            }
            for item in page.items
        ]
        return JSONResponse({"data": {"microtaskFeed": {"nodes": nodes}}})

    async def claim(request: Request) -> JSONResponse:
        actor = await actor_from_header(request.headers.get("authorization"))
        body = await request.json()
        batch_id = decode_id(body["batchId"], "MicrotaskBatch", field="batchId")
        row = await work.claim_next(actor, batch_id)
        return JSONResponse({"data": {"claimMicrotask": assignment(row)}})

    async def submit(request: Request) -> JSONResponse:
        actor = await actor_from_header(request.headers.get("authorization"))
        body = await request.json()
        pk = decode_id(body["assignmentId"], "MicrotaskAssignment", field="assignmentId")
        row = await work.submit(actor, config, pk, body["answer"])
        return JSONResponse({"data": {"submitMicrotaskAnswer": assignment(row)}})

    async def leaderboard(request: Request) -> JSONResponse:
        """The organizer's standings during appeals, as the GraphQL field computes them."""
        actor = await actor_from_header(request.headers.get("authorization"))
        contest = await contests.get_contest(
            actor, decode_id(request.query_params["id"], "Contest")
        )
        standings = await results.standings(contest)
        rows = {e.id: e for e in await ContestEntry.filter(contest_id=contest.id)}
        names = dict(
            await Account.filter(
                id__in=[rows[s.entry_id].account_id for s in standings]
            ).values_list("id", "name")
        )
        prizes: dict[int, int] = {}
        for award in await ContestAward.filter(entry_id__in=list(rows)):
            if award.kind != AwardKind.PARTICIPATION:
                prizes[award.entry_id] = prizes.get(award.entry_id, 0) + award.amount
        board = [
            {
                "rank": position,
                "entrantName": names.get(rows[s.entry_id].account_id, ""),
                "finalScore": s.score,
                "prize": money(prizes.get(s.entry_id, 0), contest.currency),
            }
            for position, s in enumerate(standings, start=1)
        ]
        return JSONResponse({"data": {"node": {"leaderboard": board}}})

    async def talent(request: Request) -> JSONResponse:
        actor = await actor_from_header(request.headers.get("authorization"))
        wanted = search.TalentQuery(skills=[search.SkillWanted(request.query_params["skill"])])
        page = await search.search_talent(actor, wanted, PageRequest(first=PAGE), candidates)
        matches = [match for _, match in page.items]
        names = dict(
            await Account.filter(id__in=[m.worker.account_id for m in matches]).values_list(
                "id", "name"
            )
        )
        nodes = [
            {
                "score": m.score,
                "reasons": m.reasons,
                "worker": {
                    "id": to_global_id("Worker", m.worker.id),
                    "name": names[m.worker.account_id],
                },
            }
            for m in matches
        ]
        return JSONResponse({"data": {"marketplaceTalent": {"nodes": nodes}}})

    return Starlette(
        routes=[
            Route("/feed", feed),
            Route("/claim", claim, methods=["POST"]),
            Route("/submit", submit, methods=["POST"]),
            Route("/leaderboard", leaderboard),
            Route("/talent", talent),
        ]
    )
