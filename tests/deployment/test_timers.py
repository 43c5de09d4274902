"""A deadline timer running in every server process fires once."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx

from tests.deployment.conftest import wait_for
from tests.deployment.test_claims_across_processes import FUND
from tests.deployment.test_processes import CREATE_ORG, CREATE_PROJECT, REGISTER, gql

CREATE_CONTEST = """mutation($input: CreateContestInput!) {
  createContest(input: $input) { contest { id } userErrors { message } } }"""
JUDGE = """mutation($input: AddContestJudgeInput!) { addContestJudge(input: $input) { userErrors { message } } }"""
MOVE = """mutation($input: MoveContestPhaseInput!) { moveContestPhase(input: $input) { userErrors { message } } }"""


async def test_a_deadline_swept_by_three_processes_moves_the_contest_once(
    start_servers, shared_database
):
    servers = start_servers(3, plugins=["contest"], extra="[plugins.contest]\nsweep_seconds = 0.2")
    urls = itertools.cycle([s.url for s in servers])
    now = datetime.now(UTC)
    async with httpx.AsyncClient(timeout=30) as http:
        owner = (
            await gql(
                http,
                next(urls),
                REGISTER,
                {
                    "input": {
                        "email": "owner@timer.example",
                        "name": "Owner",
                        "password": "long enough pw",
                        "role": "CLIENT",
                    }
                },
            )
        )["register"]["token"]
        org_id = (
            await gql(
                http, next(urls), CREATE_ORG, {"input": {"name": "Timer", "slug": "timer"}}, owner
            )
        )["createOrganization"]["organization"]["id"]
        await gql(
            http,
            next(urls),
            FUND,
            {"input": {"organizationId": org_id, "amount": 100_000, "idempotencyKey": "k"}},
            owner,
        )
        project_id = (
            await gql(
                http,
                next(urls),
                CREATE_PROJECT,
                {"input": {"organizationId": org_id, "name": "P"}},
                owner,
            )
        )["createProject"]["project"]["id"]
        ends = [now + timedelta(seconds=s) for s in (2, 3600, 7200, 10800)]
        contest = await gql(
            http,
            next(urls),
            CREATE_CONTEST,
            {
                "input": {
                    "projectId": project_id,
                    "title": "Logo",
                    "brief": "A logo",
                    "prizes": [1000],
                    "criteria": [{"name": "Craft"}],
                    "registrationEndsAt": ends[0].isoformat(),
                    "submissionEndsAt": ends[1].isoformat(),
                    "reviewEndsAt": ends[2].isoformat(),
                    "appealsEndsAt": ends[3].isoformat(),
                }
            },
            owner,
        )
        contest_id = contest["createContest"]["contest"]["id"]
        judge = {"input": {"contestId": contest_id, "email": "owner@timer.example"}}
        await gql(http, next(urls), JUDGE, judge, owner)
        await gql(
            http,
            next(urls),
            MOVE,
            {"input": {"contestId": contest_id, "to": "REGISTRATION"}},
            owner,
        )

    db = await asyncpg.connect(shared_database)
    try:
        moves_out_of_registration = "SELECT count(*) FROM core_event WHERE name = 'contest.phase.changed' AND payload->>'from' = 'registration'"
        await wait_for(lambda: db.fetchval(moves_out_of_registration), seconds=60)
        await asyncio.sleep(1.5)  # several more sweeps in every process
        assert await db.fetchval(moves_out_of_registration) == 1
    finally:
        await db.close()
