"""``crowdgraph demo``: realistic organizations, people, skills and money, plus each plugin's samples."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from crowdgraph.core import learning, ledger, organizations, projects, skills, workforce
from crowdgraph.core.accounts import create_account, issue_token
from crowdgraph.core.actor import Actor
from crowdgraph.core.models import (
    Account,
    Audience,
    Availability,
    MemberRole,
    Organization,
    Project,
    Role,
    Skill,
    TokenKind,
    VerifiedBy,
    WorkerKind,
    WorkerProfile,
    WorkerSkill,
)
from crowdgraph.core.runtime import now
from crowdgraph.platform import Platform

PASSWORD = "demo-password-2026"

SKILLS = [
    ("image-labeling", "Image labeling", "data"),
    ("text-classification", "Text classification", "data"),
    ("transcription", "Audio transcription", "data"),
    ("translation-de-en", "Translation German to English", "language"),
    ("copywriting", "Copywriting", "language"),
    ("python", "Python", "engineering"),
    ("sql", "SQL", "engineering"),
    ("react", "React", "engineering"),
    ("data-analysis", "Data analysis", "analytics"),
    ("machine-learning", "Machine learning", "analytics"),
    ("ux-design", "UX design", "design"),
    ("logo-design", "Logo design", "design"),
    ("illustration", "Illustration", "design"),
    ("medical-coding", "Medical coding", "domain"),
    ("legal-review", "Legal document review", "domain"),
]

# name, email, country, timezone, hourly rate (cents), headline, skills (slug, level, verified)
EXTERNAL_WORKERS = [
    (
        "Amara Okafor",
        "amara@example.net",
        "NG",
        "Africa/Lagos",
        2500,
        "Data labeler and Python analyst",
        [("image-labeling", 5, True), ("python", 3, True), ("data-analysis", 3, False)],
    ),
    (
        "Lucía Fernández",
        "lucia@example.net",
        "AR",
        "America/Argentina/Buenos_Aires",
        4000,
        "Brand and logo designer",
        [("logo-design", 5, True), ("illustration", 4, False), ("ux-design", 3, False)],
    ),
    (
        "Jonas Weber",
        "jonas@example.net",
        "DE",
        "Europe/Berlin",
        9000,
        "Senior Python and SQL engineer",
        [("python", 5, True), ("sql", 5, True), ("machine-learning", 4, False)],
    ),
    (
        "Priya Raman",
        "priya@example.net",
        "IN",
        "Asia/Kolkata",
        3000,
        "Text classification and transcription",
        [
            ("text-classification", 4, True),
            ("transcription", 4, False),
            ("translation-de-en", 2, False),
        ],
    ),
    (
        "Tomás Silva",
        "tomas@example.net",
        "PT",
        "Europe/Lisbon",
        5500,
        "React developer, UX minded",
        [("react", 4, False), ("ux-design", 4, True)],
    ),
    (
        "Mei Chen",
        "mei@example.net",
        "SG",
        "Asia/Singapore",
        7000,
        "Machine-learning engineer",
        [("machine-learning", 5, True), ("python", 4, True), ("data-analysis", 5, False)],
    ),
]

INTERNAL_WORKERS = [
    (
        "Hannah Schulz",
        "hannah@acme.example",
        "DE",
        "Europe/Berlin",
        [("medical-coding", 4, True), ("text-classification", 3, False)],
    ),
    (
        "Omar Haddad",
        "omar@acme.example",
        "DE",
        "Europe/Berlin",
        [("data-analysis", 4, False), ("sql", 3, False)],
    ),
]


@dataclass
class Demo:
    """What the core demo created; plugins add their samples on top of it."""

    admin: Account
    owners: dict[str, Account] = field(default_factory=dict)
    organizations: dict[str, Organization] = field(default_factory=dict)
    projects: dict[str, Project] = field(default_factory=dict)
    workers: dict[str, WorkerProfile] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    async def actor(self, account: Account) -> Actor:
        return await Actor.for_account(account)


async def _worker(
    name: str, email: str, country: str, tz: str, kind: WorkerKind, employer: int | None
) -> WorkerProfile:
    account = await create_account(
        email, name, PASSWORD, Role.WORKER, worker_kind=kind, employer_id=employer
    )
    profile = await WorkerProfile.get(account_id=account.id)
    profile.country = country
    profile.timezone = tz
    return profile


async def create_demo(platform: Platform) -> str:
    """Fill a freshly migrated database; returns what to print (logins and tokens)."""
    async with platform.running(background=False):
        admin = await create_account("admin@crowdgraph.example", "Ada Admin", PASSWORD, Role.ADMIN)
        demo = Demo(admin=admin)
        admin_actor = await demo.actor(admin)
        slugs: dict[str, Skill] = {}
        for slug, name, category in SKILLS:
            slugs[slug] = await skills.create_skill(admin_actor, slug, name, category)

        for key, org_name, owner_name, funds in (
            ("acme", "Acme Analytics", "Olivia Owner", 2_500_000),
            ("northwind", "Northwind Health", "Noah North", 1_000_000),
        ):
            owner = await create_account(f"owner@{key}.example", owner_name, PASSWORD, Role.CLIENT)
            owner_actor = await demo.actor(owner)
            org = await organizations.create_organization(owner_actor, org_name, key)
            await ledger.fund(owner_actor, org.id, funds, "demo-initial", "initial demo budget")
            demo.owners[key] = owner
            demo.organizations[key] = org
        manager = await create_account("manager@acme.example", "Max Manager", PASSWORD, Role.CLIENT)
        acme_owner = await demo.actor(demo.owners["acme"])
        await organizations.add_member(
            acme_owner, demo.organizations["acme"].id, manager.email, MemberRole.MANAGER
        )

        for name, email, country, tz, rate, headline, held in EXTERNAL_WORKERS:
            profile = await _worker(name, email, country, tz, WorkerKind.EXTERNAL, None)
            profile.hourly_rate, profile.headline = rate, headline
            profile.bio = f"{headline}. Available for remote work."
            profile.availability = Availability.AVAILABLE
            profile.hours_per_week = 30
            await profile.save()
            await _skills(profile, held, slugs, admin)
            demo.workers[email] = profile
        acme = demo.organizations["acme"]
        for name, email, country, tz, held in INTERNAL_WORKERS:
            profile = await _worker(name, email, country, tz, WorkerKind.INTERNAL, acme.id)
            profile.headline = "Acme employee"
            await profile.save()
            await _skills(profile, held, slugs, admin)
            demo.workers[email] = profile

        acme_actor = await demo.actor(demo.owners["acme"])
        north_actor = await demo.actor(demo.owners["northwind"])
        demo.projects["labeling"] = await projects.create_project(
            acme_actor,
            acme.id,
            "Retail shelf images",
            "Label product photos for a shelf-monitoring model.",
            Audience.BOTH,
        )
        demo.projects["brand"] = await projects.create_project(
            acme_actor,
            acme.id,
            "New brand identity",
            "A logo and visual identity for Acme's relaunch.",
            Audience.EXTERNAL,
        )
        demo.projects["coding"] = await projects.create_project(
            north_actor,
            demo.organizations["northwind"].id,
            "Claims coding",
            "Medical coding of insurance claims by vetted specialists.",
            Audience.BOTH,
        )
        demo.projects["onboarding"] = await projects.create_project(
            acme_actor,
            acme.id,
            "SQL for analysts",
            "Real reporting queries, reviewed by a senior analyst: a way into the data team.",
            Audience.INTERNAL,
        )
        await learning.mark_learning(
            acme_actor,
            demo.projects["onboarding"].id,
            learning=True,
            mentor_email="omar@acme.example",
        )
        await workforce.set_classification_limits(
            acme_actor, acme.id, hours=1_000, earnings=5_000_000, window_days=365
        )
        await platform.call_async_hook("register_demo_data", platform=platform, demo=demo)
        await platform.deliver_events()

        lines = [
            f"demo database ready ({platform.settings.database.url}); every password is {PASSWORD}",
            "tokens (send as 'Authorization: Bearer <token>'):",
        ]
        for label, account in (
            ("admin", admin),
            ("acme owner", demo.owners["acme"]),
            ("acme manager", manager),
            ("northwind owner", demo.owners["northwind"]),
            ("external worker", await Account.get(email="amara@example.net")),
            ("internal worker", await Account.get(email="hannah@acme.example")),
        ):
            token, _ = await issue_token(account, TokenKind.API, "demo", timedelta(days=30))
            lines.append(f"  {label:<16} {account.email:<28} {token}")
        return "\n".join(lines + demo.lines)


async def _skills(
    profile: WorkerProfile,
    held: list[tuple[str, int, bool]],
    slugs: dict[str, Skill],
    admin: Account,
) -> None:
    for slug, level, verified in held:
        if verified:
            await skills.record_verification(
                profile.id,
                slugs[slug].id,
                level,
                VerifiedBy.ADMIN,
                f"{admin.name} (admin {admin.id})",
            )
        else:
            await WorkerSkill.create(
                worker=profile, skill=slugs[slug], level=level, updated_at=now()
            )
