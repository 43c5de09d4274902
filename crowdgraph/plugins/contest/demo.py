"""Demo data: a logo contest in Acme's "New brand identity" project, open for registration."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from crowdgraph.core import runtime
from crowdgraph.core.actor import Actor
from crowdgraph.core.models import Account
from crowdgraph.plugins.contest import contests, entries, phases
from crowdgraph.plugins.contest.models import Phase

ENTRANTS = ("lucia@example.net", "amara@example.net", "jonas@example.net")
JUDGE = "tomas@example.net"


async def create_demo_contest(demo: Any) -> None:
    organizer = await demo.actor(demo.owners["acme"])
    start = runtime.now()
    draft = contests.ContestDraft(
        title="Logo for Acme's relaunch",
        brief="A logo that reads well at 16 px and on a billboard; Acme's blue, any typeface.",
        prizes=[150_000, 75_000, 25_000],
        honorable_mentions=2,
        honorable_mention_amount=5_000,
        criteria=[
            {"name": "Concept", "weight": 3},
            {"name": "Craft", "weight": 2},
            {"name": "Versatility", "weight": 1},
        ],
        scale=10,
        passing_score=5_000,
        judge_fee=10_000,
        judge_skill="ux-design",
        max_entrants=50,
        max_submissions_per_entrant=3,
        registration_ends_at=start + timedelta(days=7),
        submission_ends_at=start + timedelta(days=21),
        review_ends_at=start + timedelta(days=28),
        appeals_ends_at=start + timedelta(days=31),
    )
    contest = await contests.create_contest(organizer, demo.projects["brand"].id, draft)
    await contests.add_judge(organizer, contest.id, JUDGE)
    await phases.move_by_organizer(organizer, contest, Phase.REGISTRATION)
    registered = []
    for email in ENTRANTS:
        account = await Account.get(email=email)
        await entries.register(await Actor.for_account(account), contest.id)
        registered.append(account.name)
    demo.lines.append(
        f"contest: {contest.title!r} open for registration; entrants: {', '.join(registered)}"
    )
