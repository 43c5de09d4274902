from crowdgraph.demo import create_demo
from crowdgraph.plugins.contest.models import Contest, ContestEntry, Phase


async def test_demo_opens_a_logo_contest_with_entrants_in_the_brand_project(make_platform):
    platform = await make_platform(plugins=["contest"])
    printed = await create_demo(platform)
    await platform.open()  # create_demo runs the platform and closes it
    contest = await Contest.get(title="Logo for Acme's relaunch")
    assert contest.phase == Phase.REGISTRATION
    assert await ContestEntry.filter(contest_id=contest.id).count() == 3
    assert "Logo for Acme's relaunch" in printed
