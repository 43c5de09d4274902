import pytest

from crowdgraph.core.errors import InvalidInput
from crowdgraph.plugins.marketplace import contracts, onboarding
from crowdgraph.plugins.marketplace.models import ContractStatus, MilestoneStatus, StepKind
from tests.plugins.marketplace.conftest import answer_all, gid, python_exam, run


async def steps(scene):
    exam = await python_exam(scene)
    terms = await onboarding.add_step(
        scene.owner.actor, scene.org.id, StepKind.ACCEPT_TERMS, "Accept our terms", "...", None
    )
    nda = await onboarding.add_step(
        scene.owner.actor, scene.org.id, StepKind.SIGN_AGREEMENT, "Sign the NDA", "...", None
    )
    screening = await onboarding.add_step(
        scene.owner.actor, scene.org.id, StepKind.SCREENING, "Pass Python", "", exam.id
    )
    return exam, terms, nda, screening


async def test_a_contract_waits_for_the_onboarding_the_job_requires(scene, make_client, market):
    exam, terms, _, screening = await steps(scene)
    contract = await scene.contract(onboarding_step_ids=[terms.id, screening.id])
    assert contract.status == ContractStatus.PENDING

    with pytest.raises(InvalidInput, match="Accept our terms, Pass Python"):
        await contracts.start_contract(scene.owner.actor, contract.id)
    worker = make_client(scene.worker.token, on=market)
    done = await run(
        worker,
        "completeMarketplaceOnboardingStep",
        "CompleteMarketplaceOnboardingStepInput",
        "progress { done step { title } }",
        {"stepId": gid("MarketplaceOnboardingStep", terms.id)},
    )
    assert done["progress"] == {"done": True, "step": {"title": "Accept our terms"}}
    await answer_all(scene.worker, exam, right=True)
    left = await worker.query(
        "query($org: ID!) { myMarketplaceOnboarding(organizationId: $org) { done step { title } } }",
        {"org": gid("Organization", scene.org.id)},
    )
    assert left.data["myMarketplaceOnboarding"] == [
        {"done": True, "step": {"title": "Accept our terms"}},
        {"done": False, "step": {"title": "Sign the NDA"}},
        {"done": True, "step": {"title": "Pass Python"}},
    ]

    started = await contracts.start_contract(scene.worker.actor, contract.id)

    assert started.status == ContractStatus.ACTIVE
    (milestone,) = await started.milestones.all()
    assert milestone.status == MilestoneStatus.FUNDED


async def test_payment_details_keep_only_their_end_and_a_step_is_done_once(scene):
    payment = await onboarding.add_step(
        scene.owner.actor, scene.org.id, StepKind.PAYMENT_DETAILS, "Payout account", "", None
    )

    done = await onboarding.complete_step(
        scene.worker.actor, payment.id, "DE89 3704 0044 0532 0130 00"
    )

    assert done.detail == "•••• 3000"
    with pytest.raises(InvalidInput, match="already done"):
        await onboarding.complete_step(
            scene.worker.actor, payment.id, "DE89 3704 0044 0532 0130 00"
        )


async def test_a_screening_step_is_done_only_by_passing_its_exam(scene):
    _, _, _, screening = await steps(scene)

    with pytest.raises(InvalidInput, match="passing its exam"):
        await onboarding.complete_step(scene.worker.actor, screening.id, "")
