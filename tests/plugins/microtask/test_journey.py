"""The micro-task journey of docs/api.md through GraphQL, as an admin, a requester and three workers
play it: skill, budget, batch, claims, answers, review, a rejection appealed and upheld, a bonus.
At the end every payment, hold and release is accounted for to the cent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crowdgraph.schema.relay import decode_id, to_global_id
from crowdgraph.testing import Client, Factory
from tests.plugins.microtask import api

REWARD, FUNDS, BONUS = 7, 100, 5
EARNINGS = "query { me { earnings { amount currency } } }"


async def _earned(client: Client) -> int:
    earnings = (await client.query(EARNINGS)).data["me"]["earnings"]
    return sum(e["amount"] for e in earnings)


async def test_a_requester_workers_and_an_admin_run_a_batch_to_the_cent(
    platform: Any, factory: Factory, make_client: Callable[..., Client]
) -> None:
    admin = make_client((await factory.admin()).token)
    await api.ok(
        admin,
        "createSkill",
        "CreateSkillInput",
        "skill { slug }",
        {"slug": "shelf-labeling", "name": "Shelf labeling", "category": "data"},
    )
    org, owner = await factory.organization()
    requester = make_client(owner.token)
    org_id = to_global_id("Organization", org.id)
    for _ in range(2):  # a retried funding is applied once
        await api.ok(
            requester,
            "fundBudget",
            "FundBudgetInput",
            "budget { available { amount } }",
            {"organizationId": org_id, "amount": FUNDS, "idempotencyKey": "invoice-1"},
        )
    project = await api.ok(
        requester,
        "createProject",
        "CreateProjectInput",
        "project { id }",
        {"organizationId": org_id, "name": "Shelves", "audience": "EXTERNAL"},
    )
    project_pk = decode_id(project["project"]["id"], "Project")
    batch_id = await api.create_batch(
        requester, project_pk, reward=REWARD, overlap=2, skill="shelf-labeling"
    )
    tasks = [{"input": {"shelf": n}, "key": f"shelf-{n}"} for n in (1, 2, 3)]
    added = await api.add_tasks(requester, batch_id, tasks, "added tasks { key }")
    assert added["added"] == 3 and [t["key"] for t in added["tasks"]] == [
        "shelf-1",
        "shelf-2",
        "shelf-3",
    ]
    await api.open_batch(requester, batch_id)
    money = await api.budget(requester, org.slug)
    assert (money.funded, money.available, money.held) == (FUNDS, FUNDS - 3 * 2 * REWARD, 42)

    amara, priya, hannah = [make_client((await factory.worker()).token) for _ in range(3)]
    amara_answers = [await api.answer(amara, batch_id, label) for label in ("cat", "dog", "cat")]
    priya_answers = [await api.answer(priya, batch_id, label) for label in ("cat", "dog", "dog")]

    review = """query($id: ID!) { node(id: $id) { ... on MicrotaskBatch {
      answers(first: 20) { nodes { id answer } } } } }"""
    listed = (await requester.query(review, {"id": batch_id})).data["node"]["answers"]["nodes"]
    assert {a["id"] for a in listed} == set(amara_answers + priya_answers)
    for assignment_id in amara_answers + priya_answers[:2]:
        assert (await api.approve(requester, assignment_id))["userErrors"] == []
    await api.reject(requester, priya_answers[2], "the shelf shows a cat")
    # The slot reopened, paid for: Hannah answers it and is approved.
    assert (await api.approve(requester, await api.answer(hannah, batch_id, "cat")))[
        "userErrors"
    ] == []
    await api.appeal(priya, priya_answers[2], "look at the left side")
    upheld = await api.answer_appeal(requester, priya_answers[2], uphold=True)
    assert upheld["assignment"]["status"] == "APPROVED"
    await api.ok(
        requester,
        "payMicrotaskBonus",
        "PayMicrotaskBonusInput",
        "paid { amount }",
        {
            "assignmentId": amara_answers[0],
            "amount": BONUS,
            "reason": "careful",
            "idempotencyKey": "b1",
        },
    )

    status = """query($id: ID!) { node(id: $id) { ... on MicrotaskBatch {
      status tasks(first: 5) { nodes { status result } } } } }"""
    batch = (await requester.query(status, {"id": batch_id})).data["node"]
    assert batch["status"] == "COMPLETED"
    assert [t["status"] for t in batch["tasks"]["nodes"]] == ["COMPLETED"] * 3

    paid = 7 * REWARD + BONUS  # six approvals, one upheld appeal, one bonus
    for viewer in (requester, admin):
        money = await api.budget(viewer, org.slug)
        assert (money.funded, money.available, money.held, money.spent) == (
            FUNDS,
            FUNDS - paid,
            0,
            paid,
        )
    assert [await _earned(w) for w in (amara, priya, hannah)] == [
        3 * REWARD + BONUS,
        3 * REWARD,
        REWARD,
    ]
