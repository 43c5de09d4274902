"""Engagements: the shared lifecycle every staffing model moves its work along."""

import pytest
from tortoise.exceptions import IntegrityError

from crowdgraph.core import engagements, ledger
from crowdgraph.core.engagements import TRANSITIONS
from crowdgraph.core.errors import InvalidInput
from crowdgraph.core.models import EngagementStatus, Event

S = EngagementStatus


async def start(factory, status: S = S.ACTIVE, detail_id: int = 1):
    org, _ = await factory.organization()
    worker = await factory.worker()
    engagement = await engagements.start_engagement(
        worker_id=worker.worker.id,
        worker_account_id=worker.account.id,
        organization_id=org.id,
        model="errands",
        detail_type="Errand",
        detail_id=detail_id,
        pay_amount=500,
        title="Fetch coffee",
        status=status,
    )
    return engagement, worker, org


async def test_starting_an_engagement_records_it_and_emits_an_event(platform, factory, clock):
    engagement, worker, org = await start(factory)
    assert (engagement.status, engagement.started_at, engagement.currency) == (
        S.ACTIVE,
        clock.now(),
        "USD",
    )
    assert engagement.detail_id == "1"
    assert await engagements.find_engagement("errands", "Errand", 1) == engagement
    event = await Event.get(name="core.engagement.started")
    assert event.payload == {"engagement_id": engagement.id, "model": "errands", "status": "active"}
    assert (event.organization_id, event.account_id) == (org.id, worker.account.id)


async def test_a_pending_engagement_becomes_active_then_completed(platform, factory, clock):
    engagement, worker, _ = await start(factory, status=S.PENDING)
    assert engagement.started_at is None
    clock.advance(minutes=3)
    await engagements.move_engagement(engagement, S.ACTIVE)
    assert engagement.started_at == clock.now() and engagement.ended_at is None
    clock.advance(hours=1)
    await engagements.move_engagement(engagement, S.COMPLETED, pay_amount=650)
    await engagement.refresh_from_db()
    assert (engagement.status, engagement.ended_at, engagement.pay_amount) == (
        S.COMPLETED,
        clock.now(),
        650,
    )
    names = (
        await Event.filter(account_id=worker.account.id)
        .order_by("id")
        .values_list("name", flat=True)
    )
    assert names == [
        "core.engagement.started",
        "core.engagement.active",
        "core.engagement.completed",
    ]


async def test_every_move_the_lifecycle_allows_succeeds_and_every_other_is_refused(
    platform, factory
):
    org, _ = await factory.organization()
    worker = await factory.worker()
    detail = 0
    for origin in S:
        for target in S:
            if target == origin:
                continue
            detail += 1
            engagement = await engagements.start_engagement(
                worker_id=worker.worker.id,
                worker_account_id=worker.account.id,
                organization_id=org.id,
                model="core-test",
                detail_type="Thing",
                detail_id=detail,
                status=origin,
            )
            if target in TRANSITIONS[origin]:
                await engagements.move_engagement(engagement, target)
                await engagement.refresh_from_db()
                assert engagement.status == target
                continue
            with pytest.raises(InvalidInput) as caught:
                await engagements.move_engagement(engagement, target)
            (problem,) = caught.value.problems
            assert (problem.field, problem.code) == ("status", "INVALID_TRANSITION")
            assert problem.message == (
                f"an engagement that is {origin.value} cannot become {target.value}"
            )
            await engagement.refresh_from_db()
            assert engagement.status == origin


async def test_the_lifecycle_ends_in_completed_cancelled_or_failed():
    assert {s for s, targets in TRANSITIONS.items() if not targets} == {
        S.COMPLETED,
        S.CANCELLED,
        S.FAILED,
    }
    assert TRANSITIONS[S.PENDING] == {S.ACTIVE, S.CANCELLED}
    assert TRANSITIONS[S.ACTIVE] == {S.COMPLETED, S.CANCELLED, S.FAILED}


async def test_moving_to_the_same_status_changes_nothing_and_emits_nothing(platform, factory):
    engagement, _, _ = await start(factory)
    before = await Event.all().count()
    await engagements.move_engagement(engagement, S.ACTIVE)
    assert await Event.all().count() == before


async def test_one_piece_of_work_has_one_engagement(platform, factory):
    _, worker, org = await start(factory, detail_id=42)
    with pytest.raises(IntegrityError):
        await engagements.start_engagement(
            worker_id=worker.worker.id,
            worker_account_id=worker.account.id,
            organization_id=org.id,
            model="errands",
            detail_type="Errand",
            detail_id=42,
        )
    assert await Event.filter(name="core.engagement.started").count() == 1


RECORD = """{ engagements(first: 5) { nodes { status hoursWorked } }
    me { worker { record { earnings { total { amount } hoursWorked
        effectiveHourlyPay { amount currency } } } } } }"""


async def test_time_added_before_an_engagement_ends_is_kept_with_its_effective_hourly_pay(
    platform, factory, make_client
):
    org, _ = await factory.organization(funds=10_000)
    worker = await factory.worker()
    engagement = await engagements.start_engagement(
        worker_id=worker.worker.id,
        worker_account_id=worker.account.id,
        organization_id=org.id,
        model="errands",
        detail_type="Errand",
        detail_id=1,
    )
    await engagements.add_time(engagement.id, 3600)
    await engagements.move_engagement(engagement, S.COMPLETED, pay_amount=650)
    await ledger.pay(
        organization_id=org.id,
        worker_account_id=worker.account.id,
        amount=650,
        idempotency_key="errand-1",
        model="errands",
        engagement_id=engagement.id,
    )

    result = await make_client(worker.token).query(RECORD)

    assert result.data["engagements"]["nodes"] == [{"status": "COMPLETED", "hoursWorked": 1.0}]
    assert result.data["me"]["worker"]["record"]["earnings"] == [
        {
            "total": {"amount": 650},
            "hoursWorked": 1.0,
            "effectiveHourlyPay": {"amount": 650, "currency": "USD"},
        }
    ]
