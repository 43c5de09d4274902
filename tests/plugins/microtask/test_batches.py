from __future__ import annotations

import pytest

from crowdgraph.core.errors import InvalidInput
from crowdgraph.plugins.microtask import batches
from crowdgraph.plugins.microtask.batches import BatchFields
from tests.plugins.microtask.conftest import Shop

SCORE = {"kind": "number", "min": 0, "max": 100}


async def test_numbers_default_to_the_median_and_refuse_label_aggregators(shop: Shop) -> None:
    batch = await batches.create_batch(
        shop.owner.actor,
        shop.config,
        shop.project.id,
        BatchFields(title="Scores", answer_spec=SCORE, reward=5),
    )
    assert batch.aggregator == "median"
    with pytest.raises(InvalidInput) as caught:
        await batches.update_batch(
            shop.owner.actor, shop.config, batch.id, BatchFields(aggregator="majority")
        )
    assert "does not fit number answers" in caught.value.problems[0].message


async def test_a_batch_without_its_required_fields_names_each_missing_one(shop: Shop) -> None:
    with pytest.raises(InvalidInput) as caught:
        await batches.create_batch(
            shop.owner.actor, shop.config, shop.project.id, BatchFields(title="Only a title")
        )
    assert [p.field for p in caught.value.problems] == ["answerSpec", "reward"]


async def test_an_opened_batch_keeps_its_terms_but_takes_a_new_title(shop: Shop) -> None:
    batch = await shop.batch(tasks=1)
    with pytest.raises(InvalidInput) as caught:
        await batches.update_batch(shop.owner.actor, shop.config, batch.id, BatchFields(reward=1))
    assert caught.value.problems[0].code == "FROZEN"
    renamed = await batches.update_batch(
        shop.owner.actor, shop.config, batch.id, BatchFields(title="Label pets")
    )
    assert (renamed.title, renamed.reward) == ("Label pets", 10)


async def test_a_batch_cannot_open_without_real_tasks(shop: Shop) -> None:
    batch = await shop.batch(tasks=0, gold=["cat"], open_it=False)
    with pytest.raises(InvalidInput) as caught:
        await batches.open_batch(shop.owner.actor, batch.id)
    assert caught.value.problems[0].code == "EMPTY"


async def test_a_worker_cannot_see_a_draft_batch(shop: Shop) -> None:
    from crowdgraph.core.errors import NotFound

    batch = await shop.batch(tasks=1, open_it=False)
    worker = await shop.factory.worker()
    with pytest.raises(NotFound):
        await batches.get_batch(worker.actor, batch.id)
