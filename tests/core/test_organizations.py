"""Organizations: owners and managers, employees, and an owner that always remains."""

import pytest

from crowdgraph.core import organizations
from crowdgraph.core.errors import Forbidden, InvalidInput
from crowdgraph.core.models import MemberRole, Membership, WorkerKind


async def test_the_creator_owns_the_organization_and_a_slug_is_taken_once(platform, factory):
    org, owner = await factory.organization()
    assert await Membership.get(organization_id=org.id).values_list("account_id", "role") == (
        owner.account.id,
        MemberRole.OWNER,
    )
    with pytest.raises(InvalidInput) as caught:
        await organizations.create_organization(owner.actor, "Again", org.slug)
    assert caught.value.problems[0].code == "TAKEN"
    worker = await factory.worker()
    with pytest.raises(Forbidden):
        await organizations.create_organization(worker.actor, "Mine", "mine")


async def test_only_client_accounts_become_members(platform, factory):
    org, owner = await factory.organization()
    worker = await factory.worker()
    with pytest.raises(InvalidInput) as caught:
        await organizations.add_member(
            owner.actor, org.id, worker.account.email, MemberRole.MANAGER
        )
    assert caught.value.problems[0].code == "NOT_A_CLIENT"
    with pytest.raises(InvalidInput) as unknown:
        await organizations.add_member(owner.actor, org.id, "ghost@example.org", MemberRole.MANAGER)
    assert unknown.value.problems[0].code == "NOT_FOUND"


async def test_the_last_owner_can_neither_leave_nor_be_demoted(platform, factory):
    org, owner = await factory.organization()
    with pytest.raises(InvalidInput) as removed:
        await organizations.remove_member(owner.actor, org.id, owner.account.id)
    assert removed.value.problems[0].code == "LAST_OWNER"
    with pytest.raises(InvalidInput) as demoted:
        await organizations.add_member(owner.actor, org.id, owner.account.email, MemberRole.MANAGER)
    assert demoted.value.problems[0].code == "LAST_OWNER"
    assert await Membership.filter(organization_id=org.id, role=MemberRole.OWNER).count() == 1


async def test_an_owner_steps_down_once_another_owner_exists(platform, factory):
    org, owner = await factory.organization()
    successor = await factory.client()
    await organizations.add_member(owner.actor, org.id, successor.account.email, MemberRole.OWNER)
    await organizations.add_member(owner.actor, org.id, owner.account.email, MemberRole.MANAGER)
    roles = dict(await Membership.filter(organization_id=org.id).values_list("account_id", "role"))
    assert roles == {owner.account.id: MemberRole.MANAGER, successor.account.id: MemberRole.OWNER}


async def test_a_manager_adds_employees_to_the_internal_crowd(platform, factory):
    org, owner = await factory.organization()
    employee = await organizations.add_employee(
        owner.actor, org.id, "staff@example.org", "Staff", "long enough pw"
    )
    assert (employee.kind, employee.employer_id) == (WorkerKind.INTERNAL, org.id)
