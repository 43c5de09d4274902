"""Combined projects: stages of any subset of models, run in order, with gates and carry rules."""

from __future__ import annotations

from typing import Any

import pytest

from crowdgraph.core import stages
from crowdgraph.core.errors import Forbidden, InvalidInput, NotFound
from crowdgraph.core.models import FlowStage, StageStatus
from crowdgraph.platform import Platform
from crowdgraph.plugins.contest import phases
from crowdgraph.plugins.contest.models import Contest, Phase
from crowdgraph.plugins.marketplace import contracts, proposals
from crowdgraph.plugins.marketplace.models import Invitation
from crowdgraph.plugins.microtask.batches import close_batch
from crowdgraph.plugins.microtask.models import Batch
from crowdgraph.testing import Factory, Person

JOB = {"description": "Build it", "pricing": "fixed", "budget": 100_000, "duration_days": 10}
MICROTASKS = {
    "answer_spec": {"kind": "label", "labels": ["cat", "dog"]},
    "reward": 100,
    "tasks": [{"input": {"image": "a.jpg"}}],
}


def contest_settings(judge: Person) -> dict[str, Any]:
    return {
        "brief": "Draw a logo",
        "prizes": [10_000],
        "criteria": [{"name": "Concept", "weight": 1}],
        "judges": [judge.account.email],
        "registration_hours": 24,
        "submission_hours": 24,
        "review_hours": 24,
        "appeals_hours": 24,
    }


async def add(
    platform: Platform, owner: Person, project_id: int, model: str, **stage: Any
) -> FlowStage:
    return await stages.add_stage(
        owner.actor,
        project_id,
        model=model,
        title=stage.pop("title", f"A {model} stage"),
        settings=stage.pop("settings"),
        gate=stage.pop("gate", []),
        carry=stage.pop("carry", None),
    )


async def statuses(project_id: int) -> list[StageStatus]:
    return [s.status for s in await FlowStage.filter(project_id=project_id).order_by("position")]


def problems(exc: pytest.ExceptionInfo[InvalidInput]) -> list[tuple[str, str]]:
    return [(p.field, p.code) for p in exc.value.problems]


async def test_a_stage_of_a_model_that_is_not_enabled_is_refused_naming_the_model(
    make_platform: Any, factory: Factory
) -> None:
    platform = await make_platform(plugins=["marketplace"])
    org, owner = await factory.organization(funds=1_000_000)
    project = await factory.project(owner, org)
    first = await add(platform, owner, project.id, "marketplace", settings=JOB)
    assert first.position == 1
    with pytest.raises(InvalidInput) as refused:
        await add(platform, owner, project.id, "contest", settings=contest_settings(owner))
    (problem,) = refused.value.problems
    assert (problem.field, problem.code) == ("model", "MODEL_NOT_ENABLED")
    assert problem.message == (
        "stage 2 uses model contest, which is not enabled on this server "
        "(models that run stages: marketplace)"
    )


async def test_with_no_model_enabled_the_flow_is_empty_and_takes_no_stage(
    make_platform: Any, factory: Factory
) -> None:
    platform = await make_platform(plugins=[])
    org, owner = await factory.organization()
    project = await factory.project(owner, org)
    assert await stages.flow(owner.actor, project.id) == []
    with pytest.raises(InvalidInput, match=r"models that run stages: none"):
        await add(platform, owner, project.id, "microtask", settings=MICROTASKS)


async def test_only_managers_of_the_projects_organization_add_stages(
    make_platform: Any, factory: Factory
) -> None:
    platform = await make_platform(plugins=["marketplace"])
    org, owner = await factory.organization()
    project = await factory.project(owner, org)
    worker, stranger = await factory.worker(), await factory.client()
    with pytest.raises(Forbidden):
        await add(platform, worker, project.id, "marketplace", settings=JOB)
    with pytest.raises(NotFound):
        await add(platform, stranger, project.id, "marketplace", settings=JOB)
    assert await FlowStage.all().count() == 0


async def test_bad_settings_gate_and_carry_are_reported_by_field(
    make_platform: Any, factory: Factory
) -> None:
    platform = await make_platform(plugins=["contest", "marketplace"])
    org, owner = await factory.organization()
    project = await factory.project(owner, org)
    with pytest.raises(InvalidInput) as first:
        await add(
            platform,
            owner,
            project.id,
            "contest",
            settings={**contest_settings(owner), "prize": 5},
            carry={"max_rank": 1},
        )
    assert problems(first) == [
        ("settings", "INVALID_SETTINGS"),
        ("carry", "NO_PREVIOUS_STAGE"),
    ]
    assert "unknown keys ['prize']" in first.value.problems[0].message
    await add(platform, owner, project.id, "contest", settings=contest_settings(owner))
    with pytest.raises(InvalidInput) as second:
        await add(
            platform,
            owner,
            project.id,
            "marketplace",
            settings=JOB,
            gate=[{"kind": "karma"}],
            carry={"max_rank": 0},
        )
    assert problems(second) == [("carry", "INVALID_CARRY")]
    assert "from stage 1, contest" in second.value.problems[0].message
    with pytest.raises(InvalidInput) as third:
        await add(
            platform, owner, project.id, "marketplace", settings=JOB, gate=[{"kind": "karma"}]
        )
    assert problems(third) == [("gate[0]", "UNKNOWN_REQUIREMENT")]


async def test_a_stage_that_cannot_start_leaves_the_flow_as_it_was(
    make_platform: Any, factory: Factory
) -> None:
    platform = await make_platform(plugins=["microtask"])
    org, owner = await factory.organization(funds=0)
    project = await factory.project(owner, org)
    await add(platform, owner, project.id, "microtask", settings=MICROTASKS)
    with pytest.raises(InvalidInput) as refused:
        await stages.advance(owner.actor, project.id)
    assert refused.value.problems[0].message.startswith("stage 1 (microtask): ")
    assert await statuses(project.id) == [StageStatus.PENDING]
    assert await Batch.all().count() == 0


async def test_a_flow_ends_when_its_last_stage_finishes(
    make_platform: Any, factory: Factory
) -> None:
    platform = await make_platform(plugins=["microtask"])
    org, owner = await factory.organization(funds=1_000_000)
    project = await factory.project(owner, org)
    await add(platform, owner, project.id, "microtask", settings=MICROTASKS)
    (stage,) = await stages.advance(owner.actor, project.id)
    assert (stage.status, stage.detail_type) == (StageStatus.RUNNING, "MicrotaskBatch")
    await close_batch(owner.actor, int(stage.detail_id))
    await platform.deliver_events()
    assert await statuses(project.id) == [StageStatus.COMPLETED]
    with pytest.raises(InvalidInput, match="every stage of the project has ended"):
        await stages.advance(owner.actor, project.id)


async def test_a_marketplace_only_flow_invites_who_was_hired_to_the_next_job(
    make_platform: Any, factory: Factory
) -> None:
    platform = await make_platform(plugins=["marketplace"])
    org, owner = await factory.organization(funds=1_000_000)
    project = await factory.project(owner, org)
    hired, other = await factory.worker(), await factory.worker()
    await add(platform, owner, project.id, "marketplace", title="Prototype", settings=JOB)
    await add(platform, owner, project.id, "marketplace", title="Product", settings=JOB, carry={})
    first, _ = await stages.advance(owner.actor, project.id)
    proposal = await proposals.submit_proposal(
        hired.actor, int(first.detail_id), "I have built three of these before.", 90_000, 10
    )
    await contracts.hire(owner.actor, proposal.id, [])
    await platform.deliver_events()  # the hire filled the job: the next stage starts by itself

    done, second = await FlowStage.filter(project_id=project.id).order_by("position")
    assert (done.status, second.status) == (StageStatus.COMPLETED, StageStatus.RUNNING)
    assert second.requirements == [{"kind": "marketplace.hired", "job_id": int(first.detail_id)}]
    invited = await Invitation.filter(job_id=int(second.detail_id)).values_list(
        "worker_id", flat=True
    )
    assert hired.worker is not None and other.worker is not None
    assert invited == [hired.worker.id]
    assert (await stages.may_take_part(hired.worker, second)).eligible
    refused = await stages.may_take_part(other.worker, second)
    assert refused.reasons == [f"needs to have been hired for job {first.detail_id}"]


async def test_a_cancelled_stage_cancels_the_stages_after_it(
    make_platform: Any, factory: Factory
) -> None:
    platform = await make_platform(plugins=["contest"])
    org, owner = await factory.organization(funds=1_000_000)
    project = await factory.project(owner, org)
    await add(platform, owner, project.id, "contest", settings=contest_settings(owner))
    await add(
        platform,
        owner,
        project.id,
        "contest",
        settings=contest_settings(owner),
        carry={"max_rank": 1},
    )
    first, _ = await stages.advance(owner.actor, project.id)
    contest = await Contest.get(id=int(first.detail_id))
    await phases.move_by_organizer(owner.actor, contest, Phase.CANCELLED)
    await platform.deliver_events()
    assert await statuses(project.id) == [StageStatus.CANCELLED, StageStatus.CANCELLED]
