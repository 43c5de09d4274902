"""A cast of callers around two organizations, for permission and visibility tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from crowdgraph.core import accounts, engagements, skills
from crowdgraph.core.models import Audience, MemberRole, Organization, Project
from crowdgraph.core.organizations import add_member
from crowdgraph.platform import Platform
from crowdgraph.testing import Factory, Person, PlatformFactory

CALLERS = ["anonymous", "worker", "other_worker", "owner", "manager", "stranger", "admin"]
"""stranger: the owner of another organization."""


@dataclass
class Cast:
    org: Organization
    other_org: Organization
    people: dict[str, Person]
    employee: Person
    """An internal worker of ``org``."""
    other_employee: Person
    """An internal worker of ``other_org``."""
    public_project: Project
    internal_project: Project
    engagement_id: int
    """The worker's engagement with ``org``."""

    def token(self, caller: str) -> str | None:
        return None if caller == "anonymous" else self.people[caller].token


@pytest.fixture
async def platform(make_platform: PlatformFactory) -> Platform:
    """Schema tests run with the sample plugin only, so they never depend on the built-in models."""
    return await make_platform(plugins=["errands"])


@pytest.fixture
async def cast(platform: Any, factory: Factory) -> Cast:
    org, owner = await factory.organization(funds=10_000)
    other_org, stranger = await factory.organization()
    manager = await factory.client()
    await add_member(owner.actor, org.id, manager.account.email, MemberRole.MANAGER)
    manager.actor.memberships[org.id] = MemberRole.MANAGER
    admin = await factory.admin()
    worker, other_worker = await factory.worker(), await factory.worker()
    await skills.create_skill(admin.actor, "python", "Python", "engineering")
    engagement = await engagements.start_engagement(
        worker_id=worker.worker.id,  # type: ignore[union-attr]
        worker_account_id=worker.account.id,
        organization_id=org.id,
        model="core",
        detail_type="Thing",
        detail_id=1,
        title="Some work",
    )
    return Cast(
        org=org,
        other_org=other_org,
        people={
            "worker": worker,
            "other_worker": other_worker,
            "owner": owner,
            "manager": manager,
            "stranger": stranger,
            "admin": admin,
        },
        employee=await factory.worker(employer=org),
        other_employee=await factory.worker(employer=other_org),
        public_project=await factory.project(owner, org),
        internal_project=await factory.project(owner, org, Audience.INTERNAL),
        engagement_id=engagement.id,
    )


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cast has nine accounts: real scrypt with a small cost keeps each test fast."""
    monkeypatch.setattr(accounts, "SCRYPT", {"n": 2**4, "r": 8, "p": 1})
