"""Mutations on A's objects by every caller: the refused get an error or userErrors and write
nothing; the allowed pass the permission check (the first of them succeeds outright)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from graphql import GraphQLObjectType, get_named_type

from crowdgraph.db import engine
from crowdgraph.platform import Platform
from crowdgraph.testing import PASSWORD
from tests.authz.conftest import World
from tests.authz.rules import CALLERS, MUTATIONS, Caller
from tests.authz.scan import REFUSED_CODES, graphql_schema, leaks
from tests.authz.selections import ask, selection

Input = Callable[[World, Caller], dict[str, Any]]


def slug(caller: Caller) -> str:
    return caller.replace("_", "-")


INPUTS: dict[str, Input] = {
    # What a caller does for themselves (allowed or refused by who they are, not by A).
    "register": lambda w, c: {
        "email": f"new-{slug(c)}@example.org",
        "name": "New",
        "password": "long enough pw",
    },
    "login": lambda w, c: (
        {"email": "new-anonymous@example.org", "password": "long enough pw"}  # registered above
        if c == "anonymous"
        else {"email": w.people[c].account.email, "password": PASSWORD}
    ),
    "createApiToken": lambda w, c: {"name": f"ci of {c}"},
    "updateWorkerProfile": lambda w, c: {"headline": f"Headline of {c}"},
    "setWorkerSkill": lambda w, c: {"skill": "python", "level": 3},
    "removeWorkerSkill": lambda w, c: {"skill": "python"},
    "createSkill": lambda w, c: {"slug": f"skill-{slug(c)}", "name": "New", "category": "misc"},
    "verifyWorkerSkill": lambda w, c: {"workerId": w.gid("Worker"), "skill": "python", "level": 4},
    "createOrganization": lambda w, c: {"name": f"Org of {c}", "slug": f"org-of-{slug(c)}"},
    "createMarketplaceOffer": lambda w, c: {
        "title": f"Offer of {c}",
        "description": "I build pipelines.",
        "pricing": "FIXED",
        "price": 10_000,
        "currency": "USD",
        "deliveryDays": 5,
    },
    "completeMarketplaceOnboardingStep": lambda w, c: {
        "stepId": w.more["fresh_step"],
        "value": "yes",
    },
    "startMarketplaceExam": lambda w, c: {"examId": w.more["first_exam"]},
    "registerForContest": lambda w, c: {"contestId": w.more["contest_taking_entrants"]},
    "submitMarketplaceProposal": lambda w, c: {
        "jobId": w.more["job_to_invite_to"],
        "coverLetter": "I have done this kind of work many times.",
        "bid": 10_000,
        "timelineDays": 5,
    },
    "claimMicrotask": lambda w, c: {"batchId": w.more["claimable_batch"]},
    "updateProject": lambda w, c: {"projectId": w.gid("Project"), "name": f"Renamed by {c}"},
    "fundBudget": lambda w, c: {
        "organizationId": w.gid("Organization"),
        "amount": 500,
        "idempotencyKey": f"authz-{c}",
    },
    "createProject": lambda w, c: {"organizationId": w.gid("Organization"), "name": f"By {c}"},
    "addEmployee": lambda w, c: {
        "organizationId": w.gid("Organization"),
        "email": f"hire-{slug(c)}@example.org",
        "name": "Hire",
        "password": "long enough pw",
    },
    "registerWebhook": lambda w, c: {
        "organizationId": w.gid("Organization"),
        "url": f"https://hooks.example.com/{slug(c)}",
        "events": ["*"],
    },
    "replayWebhookDeliveries": lambda w, c: {
        "webhookId": w.gid("WebhookEndpoint"),
        "deliveryId": w.gid("WebhookDelivery"),
    },
    "createMicrotaskBatch": lambda w, c: {
        "projectId": w.gid("Project"),
        "batch": {"title": f"By {c}", "answerSpec": {"kind": "text"}, "reward": 5},
    },
    "payMicrotaskBonus": lambda w, c: {
        "assignmentId": w.gid("MicrotaskAssignment"),
        "amount": 7,
        "reason": "great",
        "idempotencyKey": f"bonus-{c}",
    },
    "postMarketplaceJob": lambda w, c: {
        "projectId": w.gid("Project"),
        "title": f"Job by {c}",
        "description": "Some work to do.",
        "pricing": "FIXED",
        "budget": 1_000,
        "durationDays": 5,
    },
    "addMarketplaceOnboardingStep": lambda w, c: {
        "organizationId": w.gid("Organization"),
        "kind": "ACCEPT_TERMS",
        "title": f"Terms by {c}",
    },
    "createMarketplaceExam": lambda w, c: {
        "organizationId": w.gid("Organization"),
        "title": f"Check by {c}",
        "questions": [{"kind": "SHORT", "prompt": "Name it", "answerKey": ["it"]}],
        "timeLimitMinutes": 10,
        "passMark": 50,
        "cooldownHours": 0,
    },
    # Before setMarketplaceOfferActive pauses the offer: a paused offer is not for sale.
    "hireMarketplaceOffer": lambda w, c: {
        "offerId": w.gid("MarketplaceOffer"),
        "projectId": w.gid("Project"),
    },
    "setMarketplaceOfferActive": lambda w, c: {
        "offerId": w.gid("MarketplaceOffer"),
        "active": False,
    },
    "logMarketplaceTime": lambda w, c: {
        "contractId": w.more["hourly_contract"],
        "workDate": "2026-01-05",
        "minutes": 30,
    },
    "decideMarketplaceTimeEntry": lambda w, c: {
        "timeEntryId": w.gid("MarketplaceTimeEntry"),
        "approve": True,
    },
    "submitMarketplaceMilestone": lambda w, c: {
        "milestoneId": w.more["second_milestone"],
        "note": "done",
    },
    "approveMarketplaceMilestone": lambda w, c: {"milestoneId": w.more["second_milestone"]},
    "blockMicrotaskWorker": lambda w, c: {
        "workerId": w.gid("Worker"),
        "reason": "too fast",
        "organizationId": w.gid("Organization"),
    },
    "unblockMicrotaskWorker": lambda w, c: {  # the block just made
        "workerId": w.gid("Worker"),
        "organizationId": w.gid("Organization"),
    },
    "createContest": lambda w, c: {
        "projectId": w.gid("Project"),
        "title": f"Contest by {c}",
        "brief": "Draw",
        "prizes": [1_000],
        "criteria": [{"name": "Concept", "weight": 1}],
        **{
            f"{phase}EndsAt": (w.clock.now() + timedelta(days=days)).isoformat()
            for days, phase in enumerate(["registration", "submission", "review", "appeals"], 1)
        },
    },
    "editContestDraft": lambda w, c: {"contestId": w.more["draft_contest"], "title": f"By {c}"},
    "addContestJudge": lambda w, c: {
        "contestId": w.more["open_contest"],
        "email": w.people["org_member"].account.email,
    },
    "resolveMarketplaceDispute": lambda w, c: {
        "disputeId": w.gid("MarketplaceDispute"),
        "outcome": "RELEASE",
    },
    "updateMicrotaskBatch": lambda w, c: {
        "batchId": w.more["draft_batch"],
        "batch": {"title": f"Renamed by {c}"},
    },
    "addMicrotaskTasks": lambda w, c: {
        "batchId": w.more["draft_batch"],
        "tasks": [{"input": {"text": f"added by {c}"}}],
    },
    "openMicrotaskBatch": lambda w, c: {"batchId": w.more["draft_batch"]},
    "pauseMicrotaskBatch": lambda w, c: {"batchId": w.more["draft_batch"]},
    "submitMicrotaskAnswer": lambda w, c: {"assignmentId": w.more["claimed"], "answer": "typed"},
    "releaseMicrotask": lambda w, c: {"assignmentId": w.more["to_release"]},
    "approveMicrotaskAnswer": lambda w, c: {"assignmentId": w.more["submitted"]},
    # Approved just above: allowed callers find it approved (paid once), the rest cannot see it.
    "approveMicrotaskAnswers": lambda w, c: {"assignmentIds": [w.more["submitted"]]},
    "rejectMicrotaskAnswer": lambda w, c: {
        "assignmentId": w.more["to_reject"],
        "feedback": "Please check the spelling.",
    },
    "appealMicrotaskRejection": lambda w, c: {
        "assignmentId": w.more["rejected"],
        "reason": "It matches the image.",
    },
    "answerMicrotaskAppeal": lambda w, c: {
        "assignmentId": w.more["appealed"],
        "uphold": True,
        "response": "You were right.",
    },
    "scoreContestSubmission": lambda w, c: {
        "submissionId": w.gid("ContestSubmission"),
        "values": {"Concept": 9},
        "feedback": f"by {c}",
    },
    "answerContestAppeal": lambda w, c: {"appealId": w.gid("ContestAppeal"), "answer": "No."},
    "setMarketplaceJobStatus": lambda w, c: {"jobId": w.more["job_to_close"], "status": "CLOSED"},
    "inviteToMarketplaceJob": lambda w, c: {
        "jobId": w.more["job_to_invite_to"],
        "workerId": w.gid("Worker"),
        "message": "We would like you on this.",
    },
    "withdrawMarketplaceProposal": lambda w, c: {"proposalId": w.more["proposal_to_withdraw"]},
    "decideMarketplaceProposal": lambda w, c: {
        "proposalId": w.more["proposal_to_decide"],
        "decision": "SHORTLISTED",
    },
    "hireMarketplaceWorker": lambda w, c: {
        "proposalId": w.more["proposal_to_hire"],
        "milestones": [{"title": "All of it", "amount": 10_000}],
    },
    "requestMarketplaceMilestoneChanges": lambda w, c: {
        "milestoneId": w.more["milestone_to_change"],
        "feedback": "Please add tests.",
    },
    "openMarketplaceDispute": lambda w, c: {
        "milestoneId": w.more["milestone_to_dispute"],
        "reason": "We disagree on what was asked.",
    },
    "addMarketplaceMilestone": lambda w, c: {
        "contractId": w.gid("MarketplaceContract"),
        "title": f"Extra asked by {c}",
        "amount": 1_000,
    },
    "endMarketplaceContract": lambda w, c: {"contractId": w.more["contract_to_end"]},
    "leaveMarketplaceFeedback": lambda w, c: {
        "contractId": w.more["contract_to_end"],
        "rating": 5,
        "comment": f"Good work, says {c}",
    },
    "submitMarketplaceExam": lambda w, c: {
        "attemptId": w.more["attempt_under_way"],
        "answers": [{"questionId": w.more["question_under_way"], "answer": "it"}],
    },
    "submitToContest": lambda w, c: {
        "contestId": w.more["submitting_contest"],
        "text": "My entry, version one.",
    },
    "addProjectStage": lambda w, c: {
        "projectId": w.gid("Project"),
        "model": "microtask",
        "title": f"Stage by {c}",
        "settings": {
            "answer_spec": {"kind": "text"},
            "reward": 5,
            "overlap": 1,
            "tasks": [{"input": {"text": "first line"}}],
        },
    },
    "advanceProjectFlow": lambda w, c: {"projectId": w.gid("Project")},
    "gradeMarketplaceExamAttempt": lambda w, c: {
        "attemptId": w.more["attempt_to_grade"],
        "score": 80,
    },
    "startMarketplaceContract": lambda w, c: {"contractId": w.more["contract_to_start"]},
    "appealContestScore": lambda w, c: {
        "scoreId": w.more["score_to_appeal"],
        "reason": "The concept was read too quickly.",
    },
    "awardContest": lambda w, c: {"contestId": w.more["finished_contest"]},
    "closeMicrotaskBatch": lambda w, c: {"batchId": w.gid("MicrotaskBatch")},
    "withdrawFromContest": lambda w, c: {"contestId": w.more["open_contest"]},
    "disableWebhook": lambda w, c: {"webhookId": w.gid("WebhookEndpoint")},
    "moveContestPhase": lambda w, c: {"contestId": w.more["open_contest"], "to": "CANCELLED"},
    "setClassificationLimits": lambda w, c: {"organizationId": w.gid("Organization"), "hours": 100},
    "markLearningOpportunity": lambda w, c: {"projectId": w.gid("Project"), "learning": False},
    "commentOnEngagement": lambda w, c: {"engagementId": w.gid("Engagement"), "text": f"By {c}"},
    "revokeApiToken": lambda w, c: {"id": w.more["spare_token"]},  # one of the worker's
    "addOrganizationMember": lambda w, c: {
        "organizationId": w.gid("Organization"),
        "email": w.people["other_org_member"].account.email,
        "role": "MANAGER",
    },
    "logout": lambda w, c: {},  # ends each caller's session: last
}
"""Inputs acting on A's objects, in the order the test runs them (later ones may end what earlier
ones need). A mutation absent here must be in NOT_EXERCISED."""

NOT_EXERCISED: dict[str, str] = {
    "fundMarketplaceMilestone": "needs a planned milestone and A's contract is funded in full; "
    "tests/plugins/marketplace/test_contracts.py checks who may fund",
}
"""Mutations the matrix does not run, and why (their rules are still checked to exist)."""

VOLATILE_TABLES = frozenset({"core_api_token"})
"""Tables a refused call may touch without writing anything of A's (a token's last use)."""


async def fingerprint(platform: Platform) -> dict[str, list[str]]:
    """Every row of every table (but the volatile ones), to prove a refused call wrote nothing."""
    db = platform.tortoise.db()
    if engine(platform.settings.database.url) == "postgres":
        listing = "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"
    else:
        listing = "SELECT name FROM sqlite_master WHERE type = 'table'"
    _, tables = await db.execute_query(listing)
    rows: dict[str, list[str]] = {}
    for table in sorted(t["name"] for t in tables):
        if table not in VOLATILE_TABLES:
            _, found = await db.execute_query(f'SELECT * FROM "{table}"')
            rows[table] = sorted(repr(sorted(dict(row).items())) for row in found)
    return rows


def changed(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    return [table for table in after if before.get(table) != after[table]]


def test_every_mutation_is_run_or_says_why_not():
    assert not set(INPUTS) & set(NOT_EXERCISED)
    assert set(INPUTS) | set(NOT_EXERCISED) == set(MUTATIONS)


async def test_mutations_on_a_admit_exactly_the_callers_their_rule_allows(world, client_for):
    schema = graphql_schema(world.platform)
    mutation_type = schema.mutation_type
    assert isinstance(mutation_type, GraphQLObjectType)
    problems: list[str] = []
    for name, make_input in INPUTS.items():
        definition = mutation_type.fields[name]
        payload = selection(schema, get_named_type(definition.type), path=(name,))
        takes_input = "input" in definition.args  # all but logout
        document = (
            f"mutation($input: {definition.args['input'].type}) "
            f"{{ {name}(input: $input) {payload} }}"
            if takes_input
            else f"mutation {{ {name} {payload} }}"
        )
        allowed = MUTATIONS[name]
        ordered = [c for c in CALLERS if c not in allowed] + [c for c in CALLERS if c in allowed]
        first_allowed = True
        for caller in ordered:
            before = await fingerprint(world.platform)
            variables = {"input": make_input(world, caller)} if takes_input else None
            result = await ask(client_for(caller), document, variables)
            problems += [
                f"{name}: {leak}" for leak in leaks(world, caller, [str(result.body)], result.body)
            ]
            answer = (result.body.get("data") or {}).get(name)
            user_codes = [e["code"] for e in (answer or {}).get("userErrors", [])]
            # An error on a field inside the payload is that field's visibility, not a refusal.
            root_codes = [
                (e.get("extensions") or {}).get("code", "")
                for e in result.errors
                if e.get("path") == [name] or not e.get("path")
            ]
            if caller in allowed:
                if root_codes or set(user_codes) & REFUSED_CODES:
                    problems.append(f"{name}: {caller} was refused {root_codes + user_codes}")
                elif first_allowed and user_codes:
                    problems.append(f"{name}: {caller} (allowed) got userErrors {user_codes}")
                first_allowed = False
                continue
            if not (root_codes or user_codes):
                problems.append(f"{name}: {caller} was not refused")
            elif not set(root_codes) <= REFUSED_CODES:
                problems.append(f"{name}: {caller} got {root_codes}")
            written = changed(before, await fingerprint(world.platform))
            if written:
                problems.append(f"{name}: {caller} (refused) wrote to {written}")
    assert not problems, "\n".join(problems)
