"""Eligibility: skills (level, verified), crowd, country, and kinds that plugins add."""

import pytest

from crowdgraph.core import eligibility, skills
from crowdgraph.core.errors import InvalidInput
from crowdgraph.core.models import VerifiedBy
from tests.sample_plugin.models import Errand


@pytest.fixture
async def errands_platform(make_platform):
    return await make_platform(plugins=["errands"])


async def python_skill(factory):
    admin = await factory.admin()
    return await skills.create_skill(admin.actor, "python", "Python", "engineering")


async def test_a_skill_requirement_checks_the_level_and_whether_it_is_verified(
    errands_platform, factory
):
    skill = await python_skill(factory)
    worker = await factory.worker()
    await skills.set_my_skill(worker.actor, "python", 3)
    at_3 = [{"kind": "skill", "skill": "python", "min_level": 3}]
    at_4 = [{"kind": "skill", "skill": "python", "min_level": 4}]
    verified = [{"kind": "skill", "skill": "python", "min_level": 3, "verified": True}]
    assert await eligibility.check(worker.worker, at_3) == eligibility.Verdict(True, [])
    assert (await eligibility.check(worker.worker, at_4)).reasons == [
        "needs skill python at level 4 or above"
    ]
    assert (await eligibility.check(worker.worker, verified)).reasons == [
        "needs verified skill python at level 3 or above"
    ]
    await skills.record_verification(worker.worker.id, skill.id, 3, VerifiedBy.EXAM, "exam:1")
    assert (await eligibility.check(worker.worker, verified)).eligible


async def test_changing_a_verified_level_by_hand_unverifies_it(errands_platform, factory):
    skill = await python_skill(factory)
    worker = await factory.worker()
    await skills.record_verification(worker.worker.id, skill.id, 4, VerifiedBy.EXAM, "exam:1")
    await skills.set_my_skill(worker.actor, "python", 5)
    verified = [{"kind": "skill", "skill": "python", "min_level": 4, "verified": True}]
    assert not (await eligibility.check(worker.worker, verified)).eligible


async def test_a_lower_verification_never_replaces_a_higher_one(errands_platform, factory):
    skill = await python_skill(factory)
    worker = await factory.worker()
    await skills.record_verification(worker.worker.id, skill.id, 4, VerifiedBy.EXAM, "exam:1")
    row = await skills.record_verification(
        worker.worker.id, skill.id, 2, VerifiedBy.TRACK_RECORD, "x"
    )
    assert (row.level, row.verified_by, row.verified_source) == (4, VerifiedBy.EXAM, "exam:1")


async def test_crowd_and_country_requirements(errands_platform, factory):
    org, _ = await factory.organization()
    employee = await factory.worker(employer=org, country="DE")
    freelancer = await factory.worker(country="BR")
    internal = [{"kind": "crowd", "crowd": "internal"}]
    in_europe = [{"kind": "country", "countries": ["DE", "FR"]}]
    assert (await eligibility.check(employee.worker, internal)).eligible
    assert (await eligibility.check(freelancer.worker, internal)).reasons == [
        "open to the internal crowd only"
    ]
    assert (await eligibility.check(employee.worker, in_europe)).eligible
    assert (await eligibility.check(freelancer.worker, in_europe)).reasons == [
        "open to workers in DE, FR only"
    ]
    both = await eligibility.check(freelancer.worker, internal + in_europe)
    assert len(both.reasons) == 2 and not both.eligible


async def test_a_kind_added_by_a_plugin_is_checked_like_the_core_ones(errands_platform, factory):
    worker = await factory.worker()
    needs_one = [{"kind": "errands.done", "min": 1}]
    assert await eligibility.validate_requirements(needs_one) == needs_one
    assert (await eligibility.check(worker.worker, needs_one)).reasons == [
        "needs 1 finished errands (has 0)"
    ]
    await Errand.create(
        project_id=1,
        organization_id=1,
        title="t",
        reward=1,
        taken_by_id=worker.worker.id,
        done=True,
    )
    assert (await eligibility.check(worker.worker, needs_one)).eligible


async def test_validate_requirements_names_each_bad_requirement_and_the_known_kinds(
    errands_platform, factory
):
    await python_skill(factory)
    with pytest.raises(InvalidInput) as caught:
        await eligibility.validate_requirements(
            [
                {"kind": "skill", "skill": "python", "min_level": 2},
                {"kind": "karma", "min": 3},
                {"kind": "skill", "skill": "cobol"},
                {"kind": "skill", "skill": "python", "min_level": 9},
                {"kind": "country", "countries": ["Germany"]},
                {"kind": "errands.done", "min": -1},
                "skill",
                {"kind": ["skill"]},
            ],
            field="requirements",
        )
    problems = [(p.field, p.code) for p in caught.value.problems]
    assert problems == [
        ("requirements[1]", "UNKNOWN_REQUIREMENT"),
        ("requirements[2]", "UNKNOWN_SKILL"),
        ("requirements[3]", "INVALID_REQUIREMENT"),
        ("requirements[4]", "INVALID_REQUIREMENT"),
        ("requirements[5]", "INVALID_REQUIREMENT"),
        ("requirements[6]", "UNKNOWN_REQUIREMENT"),
        ("requirements[7]", "UNKNOWN_REQUIREMENT"),
    ]
    unknown = caught.value.problems[0].message
    assert unknown == (
        "requirements[1].kind must be one of country, crowd, errands.done, skill (got 'karma')"
    )
    assert "min_level must be between 1 and 5 (got 9)" in caught.value.problems[2].message


async def test_a_kind_whose_plugin_is_disabled_makes_the_worker_ineligible(make_platform, factory):
    await make_platform(plugins=[])
    worker = await factory.worker()
    verdict = await eligibility.check(worker.worker, [{"kind": "errands.done", "min": 0}])
    assert verdict.reasons == ["requirement 'errands.done' is not available on this server"]
    with pytest.raises(InvalidInput) as caught:
        await eligibility.validate_requirements([{"kind": "errands.done", "min": 0}])
    (problem,) = caught.value.problems
    assert problem.code == "UNKNOWN_REQUIREMENT"
    assert problem.message.endswith("must be one of country, crowd, skill (got 'errands.done')")
