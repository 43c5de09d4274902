from crowdgraph.demo import create_demo
from crowdgraph.plugins.marketplace.models import Exam, Job, JobStatus, Offer


async def test_the_demo_brings_job_postings_offers_and_a_python_exam(market):
    summary = await create_demo(market)  # opens and closes the database itself
    await market.open()

    assert "marketplace: 3 job postings" in summary
    assert await Job.filter(status=JobStatus.OPEN).count() == 3
    assert await Offer.filter(active=True).count() == 2
    exam = await Exam.get(title="Python fundamentals")
    assert (exam.level, await exam.questions.all().count()) == (3, 4)
