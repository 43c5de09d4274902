"""Combined projects through GraphQL: micro-tasks, then a contest for the accurate, then a job for its winner."""

from __future__ import annotations

import random
from typing import Any

import pytest

from crowdgraph.core.runtime import SettableClock
from crowdgraph.schema.relay import from_global_id, to_global_id
from crowdgraph.testing import Client, Factory, Person

ERRORS = "userErrors { field code message }"
FLOW = """query($id: ID!) { node(id: $id) { ... on Project { flow {
  id position model status gate carry requirements
  record { __typename id title ... on MicrotaskBatch { status } ... on Contest { phase } } } } } }"""
PLAIN_FLOW = """query($id: ID!) { node(id: $id) { ... on Project { flow {
  model status record { __typename title } } } } }"""
"""The flow without fragments on plugin types (which a subset of models may lack)."""
ADD = f"""mutation($input: AddProjectStageInput!) {{ addProjectStage(input: $input) {{
  stage {{ position model status }} {ERRORS} }} }}"""
ADVANCE = f"""mutation($input: AdvanceProjectFlowInput!) {{ advanceProjectFlow(input: $input) {{
  flow {{ position status }} {ERRORS} }} }}"""
ELIGIBILITY = """query($id: ID!) { node(id: $id) { ... on FlowStage { myEligibility { eligible reasons } } } }"""
CLAIM = f"""mutation($input: MicrotaskBatchIdInput!) {{ claimMicrotask(input: $input) {{
  assignment {{ id task {{ input }} }} {ERRORS} }} }}"""
ANSWER = f"""mutation($input: SubmitMicrotaskAnswerInput!) {{ submitMicrotaskAnswer(input: $input) {{
  assignment {{ status }} {ERRORS} }} }}"""
CONTEST = """query($id: ID!) { node(id: $id) { ... on Contest { phase
  submissionsToJudge(first: 10) { nodes { id } } } } }"""

LABELS = {"kind": "label", "labels": ["cat", "dog", "bird"]}
MICROTASKS = {
    "answer_spec": LABELS,
    "reward": 100,
    "overlap": 2,
    "gold_rate": 0.5,
    "tasks": [{"input": {"image": "gold.jpg"}, "gold": "cat"}, {"input": {"image": "a.jpg"}}],
}
GATE = {"kind": "country", "countries": ["DE", "FR"]}
CRITERIA = [{"name": "Concept", "weight": 3}, {"name": "Craft", "weight": 1}]
JOB = {
    "description": "Build the labelling tool the contest designed",
    "pricing": "fixed",
    "budget": 200_000,
    "duration_days": 14,
    "invitation": "You won the design contest: apply for the build.",
}


def contest_settings(judge: Person) -> dict[str, Any]:
    return {
        "brief": "Design a labelling tool",
        "prizes": [50_000],
        "criteria": CRITERIA,
        "judges": [judge.account.email],
        "registration_hours": 24,
        "submission_hours": 24,
        "review_hours": 24,
        "appeals_hours": 24,
    }


async def add_stage(client: Client, project_gid: str, **stage: Any) -> dict[str, Any]:
    result = await client.query(ADD, {"input": {"projectId": project_gid, **stage}})
    payload: dict[str, Any] = result.data["addProjectStage"]
    return payload


async def flow_of(client: Client, project_gid: str, query: str = FLOW) -> list[dict[str, Any]]:
    flow: list[dict[str, Any]] = (await client.query(query, {"id": project_gid})).data["node"][
        "flow"
    ]
    return flow


async def answer_microtasks(client: Client, batch_gid: str, answers: dict[str, str]) -> None:
    """Claim every task the worker may get and answer it by its image."""
    for _ in answers:
        claimed = await client.mutate("claimMicrotask", CLAIM, {"input": {"batchId": batch_gid}})
        assignment = claimed["assignment"]
        answer = answers[assignment["task"]["input"]["image"]]
        await client.mutate(
            "submitMicrotaskAnswer",
            ANSWER,
            {"input": {"assignmentId": assignment["id"], "answer": answer}},
        )


async def eligibility(client: Client, stage_gid: str) -> dict[str, Any]:
    verdict: dict[str, Any] = (await client.query(ELIGIBILITY, {"id": stage_gid})).data["node"][
        "myEligibility"
    ]
    return verdict


@pytest.mark.parametrize(
    "enabled",
    [[], ["microtask"], ["contest"], ["marketplace"], ["microtask", "marketplace"]],
    ids=lambda models: "+".join(models) or "none",
)
async def test_any_subset_of_models_runs_its_own_stages_and_refuses_the_others(
    enabled: list[str], make_platform: Any, make_client: Any, factory: Factory
) -> None:
    platform = await make_platform(plugins=enabled)
    org, owner = await factory.organization(funds=1_000_000)
    project_gid = to_global_id("Project", (await factory.project(owner, org)).id)
    manager = make_client(owner.token, on=platform)
    settings = {"microtask": MICROTASKS, "contest": contest_settings(owner), "marketplace": JOB}
    stages = 0
    for model in ("microtask", "contest", "marketplace"):
        added = await add_stage(
            manager, project_gid, model=model, title=model, settings=settings[model]
        )
        if model in enabled:
            assert added["userErrors"] == []
            stages += 1
            continue
        (error,) = added["userErrors"]
        assert (error["field"], error["code"]) == ("model", "MODEL_NOT_ENABLED")
        assert error["message"].startswith(
            f"stage {stages + 1} uses model {model}, which is not enabled on this server"
        )
    flow = await flow_of(manager, project_gid, PLAIN_FLOW)
    assert [(s["model"], s["status"]) for s in flow] == [(m, "PENDING") for m in enabled]
    if enabled:
        started = await manager.mutate(
            "advanceProjectFlow", ADVANCE, {"input": {"projectId": project_gid}}
        )
        assert started["flow"][0]["status"] == "RUNNING"
        running = (await flow_of(manager, project_gid, PLAIN_FLOW))[0]
        assert running["record"]["title"] == enabled[0]


async def test_three_stage_flow_runs_from_microtasks_to_contest_to_job(
    make_platform: Any,
    make_client: Any,
    factory: Factory,
    clock: SettableClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    platform = await make_platform(plugins=["microtask", "contest", "marketplace"])
    monkeypatch.setattr(random, "random", lambda: 0.0)  # gold tasks are served first
    org, owner = await factory.organization(funds=1_000_000)
    project = await factory.project(owner, org)
    ada, bob = await factory.worker(), await factory.worker()
    manager = make_client(owner.token, on=platform)
    ada_client, bob_client = manager.as_(ada.token), manager.as_(bob.token)
    project_gid = to_global_id("Project", project.id)

    added = [
        await add_stage(
            manager, project_gid, model="microtask", title="Label images", settings=MICROTASKS
        ),
        await add_stage(
            manager,
            project_gid,
            model="contest",
            title="Design the tool",
            settings=contest_settings(owner),
            gate=[GATE],
            carry={"min_gold_accuracy": 0.9},
        ),
        await add_stage(
            manager,
            project_gid,
            model="marketplace",
            title="Build the tool",
            settings=JOB,
            carry={"max_rank": 1},
        ),
    ]
    assert [a["userErrors"] for a in added] == [[], [], []]
    assert [a["stage"]["position"] for a in added] == [1, 2, 3]

    started = await manager.mutate(
        "advanceProjectFlow", ADVANCE, {"input": {"projectId": project_gid}}
    )
    assert [s["status"] for s in started["flow"]] == ["RUNNING", "PENDING", "PENDING"]
    flow = await flow_of(manager, project_gid)
    batch = flow[0]["record"]
    assert batch["__typename"] == "MicrotaskBatch" and batch["status"] == "OPEN"
    assert batch["title"] == "Label images"

    # Stage one: Ada answers the gold task right, Bob wrong; both answer the real task.
    await answer_microtasks(ada_client, batch["id"], {"gold.jpg": "cat", "a.jpg": "dog"})
    await answer_microtasks(bob_client, batch["id"], {"gold.jpg": "bird", "a.jpg": "dog"})
    await platform.deliver_events()  # the batch completed: the contest starts by itself

    flow = await flow_of(manager, project_gid)
    assert [s["status"] for s in flow] == ["COMPLETED", "RUNNING", "PENDING"]
    contest = flow[1]["record"]
    assert contest["__typename"] == "Contest" and contest["phase"] == "REGISTRATION"
    assert flow[1]["gate"] == [GATE]
    assert flow[1]["requirements"] == [
        GATE,
        {"kind": "microtask.gold_accuracy", "batch_id": _pk(batch["id"]), "min_accuracy": 0.9},
    ]

    # The gate of stage two: only workers with at least 90% gold accuracy in stage one.
    assert await eligibility(ada_client, flow[1]["id"]) == {"eligible": True, "reasons": []}
    refused = await eligibility(bob_client, flow[1]["id"])
    assert refused["eligible"] is False
    assert "gold accuracy of at least 90%" in refused["reasons"][0]
    register = f"""mutation($input: ContestIdInput!) {{ registerForContest(input: $input) {{
      entry {{ status }} {ERRORS} }} }}"""
    bob_try = await bob_client.query(register, {"input": {"contestId": contest["id"]}})
    assert bob_try.data["registerForContest"]["userErrors"][0]["code"] == "NOT_ELIGIBLE"
    await ada_client.mutate("registerForContest", register, {"input": {"contestId": contest["id"]}})

    clock.advance(hours=25)
    await ada_client.mutate(
        "submitToContest",
        f"""mutation($input: SubmitToContestInput!) {{ submitToContest(input: $input) {{
          submission {{ id }} {ERRORS} }} }}""",
        {"input": {"contestId": contest["id"], "text": "A keyboard-first labelling tool"}},
    )
    clock.advance(hours=24)
    review = (await manager.query(CONTEST, {"id": contest["id"]})).data["node"]
    assert review["phase"] == "REVIEW"
    await manager.mutate(
        "scoreContestSubmission",
        f"""mutation($input: ScoreContestSubmissionInput!) {{ scoreContestSubmission(input: $input) {{
          score {{ id }} {ERRORS} }} }}""",
        {
            "input": {
                "submissionId": review["submissionsToJudge"]["nodes"][0]["id"],
                "values": {"Concept": 9, "Craft": 8},
            }
        },
    )
    clock.advance(hours=48)  # past the review and the appeals deadlines
    announced = (await manager.query(CONTEST, {"id": contest["id"]})).data["node"]
    assert announced["phase"] == "WINNERS_ANNOUNCED"
    await platform.deliver_events()  # winners announced: the job is posted, the winner invited

    flow = await flow_of(manager, project_gid)
    assert [s["status"] for s in flow] == ["COMPLETED", "COMPLETED", "RUNNING"]
    job = flow[2]["record"]
    assert job["__typename"] == "MarketplaceJob" and job["title"] == "Build the tool"
    assert flow[2]["requirements"] == [
        {"kind": "contest.placed", "contest_id": _pk(contest["id"]), "max_rank": 1}
    ]
    invitations = """{ marketplaceInvitations(first: 10) { nodes { message job { id } } } }"""
    ada_invites = (await ada_client.query(invitations)).data["marketplaceInvitations"]["nodes"]
    assert ada_invites == [{"message": JOB["invitation"], "job": {"id": job["id"]}}]
    bob_invites = (await bob_client.query(invitations)).data["marketplaceInvitations"]["nodes"]
    assert bob_invites == []
    assert (await eligibility(bob_client, flow[2]["id"]))["eligible"] is False

    waiting = await manager.query(ADVANCE, {"input": {"projectId": project_gid}})
    assert waiting.data["advanceProjectFlow"]["userErrors"] == [
        {
            "field": "projectId",
            "code": "FLOW_WAITING",
            "message": "stage 3 (marketplace) is still running",
        }
    ]


def _pk(global_id: str) -> int:
    return int(from_global_id(global_id)[1])


async def test_only_the_organizations_managers_change_a_projects_flow(
    make_platform: Any, make_client: Any, factory: Factory
) -> None:
    platform = await make_platform(plugins=["marketplace"])
    org, owner = await factory.organization()
    project_gid = to_global_id("Project", (await factory.project(owner, org)).id)
    worker = make_client((await factory.worker()).token, on=platform)
    added = await worker.query(
        ADD,
        {
            "input": {
                "projectId": project_gid,
                "model": "marketplace",
                "title": "Job",
                "settings": JOB,
            }
        },
    )
    advanced = await worker.query(ADVANCE, {"input": {"projectId": project_gid}})
    assert (added.codes, advanced.codes) == (["FORBIDDEN"], ["FORBIDDEN"])
    assert await flow_of(worker, project_gid, PLAIN_FLOW) == []
