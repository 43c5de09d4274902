"""Pay floor, auto-approval delay and appeal window per batch, falling back to the server's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crowdgraph.core import ledger
from crowdgraph.platform import Platform
from crowdgraph.plugins.microtask.config import Config
from crowdgraph.plugins.microtask.sweeper import sweep
from crowdgraph.schema.relay import to_global_id
from crowdgraph.testing import Client, Factory, PlatformFactory
from tests.plugins.microtask import api

TERMS = "batch { id payFloor { amount } autoApproveHours appealWindowHours }"
ASSIGNMENT = "assignment { status autoApproveAt appealUntil }"


async def _requester(
    factory: Factory, make_client: Callable[..., Client]
) -> tuple[Any, Client, Any]:
    org, owner = await factory.organization(funds=10_000)
    project = await factory.project(owner, org)
    return org, make_client(owner.token), project


async def _create(client: Client, project_id: int, **batch: Any) -> Any:
    return await api.call(
        client,
        "createMicrotaskBatch",
        "CreateMicrotaskBatchInput",
        TERMS,
        {
            "projectId": to_global_id("Project", project_id),
            "batch": {
                "title": "Label animals",
                "answerSpec": {"kind": "label", "labels": ["cat", "dog"]},
                "reward": 10,
                "overlap": 1,
                **batch,
            },
        },
    )


async def _open_with_task(client: Client, batch_id: str) -> None:
    assert (await api.add_tasks(client, batch_id, [{"input": {"image": "a.jpg"}}]))[
        "userErrors"
    ] == []
    await api.open_batch(client, batch_id)


async def _assignment(client: Client, assignment_id: str) -> Any:
    result = await client.query(
        """query($id: ID!) { node(id: $id) { ... on MicrotaskAssignment {
          status appealStatus autoApproveAt appealUntil } } }""",
        {"id": assignment_id},
    )
    return result.data["node"]


async def _floor_platform(make_platform: PlatformFactory) -> Platform:
    return await make_platform(
        plugins=["microtask"],
        plugin_settings={"microtask": {"pay_floor_per_hour": 1000, "top_up": True}},
    )


async def test_a_batch_without_terms_shows_the_servers(
    platform: Any, factory: Factory, make_client: Callable[..., Client]
) -> None:
    _, requester, project = await _requester(factory, make_client)
    payload = await _create(requester, project.id)
    assert payload["batch"] | {"id": None} == {
        "id": None,
        "payFloor": None,
        "autoApproveHours": 72.0,
        "appealWindowHours": 72.0,
    }


async def test_a_batch_approves_unreviewed_answers_after_its_own_delay(
    platform: Any, factory: Factory, make_client: Callable[..., Client], clock: Any
) -> None:
    _, requester, project = await _requester(factory, make_client)
    quick = (await _create(requester, project.id, autoApproveHours=2))["batch"]["id"]
    default = (await _create(requester, project.id))["batch"]["id"]
    for batch_id in (quick, default):
        await _open_with_task(requester, batch_id)
    worker = await factory.worker()
    answers = [await api.answer(make_client(worker.token), b, "cat") for b in (quick, default)]
    submitted = await _assignment(requester, answers[0])
    assert submitted["autoApproveAt"] is not None

    clock.advance(hours=1)
    await sweep(Config.of(platform))
    assert [(await _assignment(requester, a))["status"] for a in answers] == ["SUBMITTED"] * 2
    clock.advance(hours=1, seconds=1)
    await sweep(Config.of(platform))

    assert [(await _assignment(requester, a))["status"] for a in answers] == [
        "APPROVED",
        "SUBMITTED",
    ]
    assert await ledger.balance(ledger.worker_account(worker.account.id)) == 10


async def test_a_batch_takes_appeals_for_its_own_window(
    platform: Any, factory: Factory, make_client: Callable[..., Client], clock: Any
) -> None:
    _, requester, project = await _requester(factory, make_client)
    short = (await _create(requester, project.id, appealWindowHours=1))["batch"]["id"]
    long = (await _create(requester, project.id, appealWindowHours=100))["batch"]["id"]
    for batch_id in (short, long):
        await _open_with_task(requester, batch_id)
    person = await factory.worker()
    worker = make_client(person.token)
    answers = [await api.answer(worker, b, "cat") for b in (short, long)]
    for answer in answers:
        await api.reject(requester, answer)
    assert (await _assignment(requester, answers[0]))["appealUntil"] is not None

    clock.advance(hours=80)  # past the short window and the server's (72), within the long one
    late = await api.call(
        worker,
        "appealMicrotaskRejection",
        "AppealMicrotaskRejectionInput",
        "assignment { id }",
        {"assignmentId": answers[0], "reason": "look again"},
    )
    assert [(e["field"], e["code"]) for e in late["userErrors"]] == [
        ("assignmentId", "APPEAL_WINDOW_CLOSED")
    ]
    await api.appeal(worker, answers[1])
    assert (await _assignment(requester, answers[1]))["appealStatus"] == "OPEN"


async def test_the_sweeper_closes_a_rejection_when_its_batchs_window_passes(
    platform: Any, factory: Factory, make_client: Callable[..., Client], clock: Any
) -> None:
    org, requester, project = await _requester(factory, make_client)
    batch_id = (await _create(requester, project.id, appealWindowHours=1))["batch"]["id"]
    await _open_with_task(requester, batch_id)
    answer = await api.answer(make_client((await factory.worker()).token), batch_id, "cat")
    await api.reject(requester, answer)
    await api.ok(
        requester,
        "closeMicrotaskBatch",
        "MicrotaskBatchIdInput",
        "batch { id }",
        {"batchId": batch_id},
    )
    assert (await api.budget(requester, org.slug)).held == 10  # kept for a possible appeal

    clock.advance(hours=1, seconds=1)
    swept = await sweep(Config.of(platform))

    assert swept.lapsed_appeals == 1
    money = await api.budget(requester, org.slug)
    assert (money.held, money.spent) == (0, 0) and money.adds_up()


async def test_a_batch_may_raise_the_servers_pay_floor_but_never_lower_it(
    make_platform: PlatformFactory, factory: Factory, make_client: Callable[..., Client]
) -> None:
    await _floor_platform(make_platform)
    _, requester, project = await _requester(factory, make_client)

    lower = await _create(requester, project.id, payFloorPerHour=999)

    [error] = lower["userErrors"]
    assert (error["field"], error["code"]) == ("payFloorPerHour", "OUT_OF_RANGE")
    assert ">= 1000" in error["message"] and "got 999" in error["message"]
    assert (await _create(requester, project.id))["batch"]["payFloor"] == {"amount": 1000}
    higher = await _create(requester, project.id, payFloorPerHour=2400)
    assert higher["userErrors"] == [] and higher["batch"]["payFloor"] == {"amount": 2400}


async def test_a_batchs_own_floor_flags_its_pay_and_tops_up_its_answers(
    make_platform: PlatformFactory,
    factory: Factory,
    make_client: Callable[..., Client],
    clock: Any,
) -> None:
    await _floor_platform(make_platform)
    _, requester, project = await _requester(factory, make_client)
    batch_id = (await _create(requester, project.id, payFloorPerHour=2400))["batch"]["id"]
    await _open_with_task(requester, batch_id)
    person = await factory.worker()
    worker = make_client(person.token)
    claimed = await api.claim(worker, batch_id)
    clock.advance(seconds=60)  # 10 for a minute: 600 an hour, below the batch's 2400
    await api.ok(
        worker,
        "submitMicrotaskAnswer",
        "SubmitMicrotaskAnswerInput",
        "assignment { id }",
        {"assignmentId": claimed["assignment"]["id"], "answer": "cat"},
    )
    await api.approve(requester, claimed["assignment"]["id"])

    pay = (
        await requester.query(
            "query($id: ID!) { microtaskPay(batchId: $id) { payFloor { amount } belowFloor } }",
            {"id": batch_id},
        )
    ).data["microtaskPay"]
    assert pay == {"payFloor": {"amount": 2400}, "belowFloor": True}
    assert await ledger.balance(ledger.worker_account(person.account.id)) == 40  # 2400 / 60


async def test_pay_terms_are_checked_and_fixed_once_the_batch_opens(
    platform: Any, factory: Factory, make_client: Callable[..., Client]
) -> None:
    _, requester, project = await _requester(factory, make_client)
    bad = await _create(requester, project.id, autoApproveHours=0.5, appealWindowHours=721)
    assert [(e["field"], e["code"]) for e in bad["userErrors"]] == [
        ("autoApproveHours", "OUT_OF_RANGE"),
        ("appealWindowHours", "OUT_OF_RANGE"),
    ]
    batch_id = (await _create(requester, project.id, autoApproveHours=5))["batch"]["id"]
    await _open_with_task(requester, batch_id)
    frozen = await api.call(
        requester,
        "updateMicrotaskBatch",
        "UpdateMicrotaskBatchInput",
        "batch { autoApproveHours }",
        {"batchId": batch_id, "batch": {"autoApproveHours": 1}},
    )
    assert [(e["field"], e["code"]) for e in frozen["userErrors"]] == [
        ("autoApproveHours", "FROZEN")
    ]
