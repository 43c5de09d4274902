"""Demo data: a realistic image-labeling batch with tasks, gold tasks and a few answers."""

from __future__ import annotations

import random
from typing import Any

from crowdgraph.plugins.microtask import batches, review, work
from crowdgraph.plugins.microtask.batches import BatchFields
from crowdgraph.plugins.microtask.config import Config
from crowdgraph.plugins.microtask.models import Assignment, AssignmentStatus
from crowdgraph.plugins.microtask.quality import results


class _NoGold(random.Random):
    """Demo answers go to real tasks, so the sample results are readable."""

    def random(self) -> float:
        return 1.0


NO_GOLD = _NoGold()

SHELF_LABELS = ["in stock", "low stock", "out of stock", "wrong shelf"]
PRODUCTS = [
    "oat milk 1l",
    "espresso beans 500g",
    "rye bread",
    "sparkling water 6x",
    "dark chocolate 100g",
    "olive oil 750ml",
]


async def create(platform: Any, demo: Any) -> None:
    config = Config.of(platform)
    owner = await demo.actor(demo.owners["acme"])
    project = demo.projects["labeling"]
    batch = await batches.create_batch(
        owner,
        config,
        project.id,
        BatchFields(
            title="Shelf photos: stock level",
            instructions="Look at the shelf photo and pick the stock level of the named product.",
            answer_spec={"kind": "label", "labels": SHELF_LABELS},
            reward=8,
            overlap=3,
            max_overlap=5,
            confidence_threshold=0.8,
            gold_rate=0.1,
            gold_overlap=10,
            lease_seconds=300,
        ),
    )
    tasks: list[Any] = [
        {
            "input": {
                "image": f"https://images.acme.example/shelves/{aisle:02d}-{bay}.jpg",
                "product": product,
            }
        }
        for aisle in range(1, 9)
        for bay, product in enumerate(PRODUCTS)
    ]
    tasks += [
        {
            "input": {
                "image": "https://images.acme.example/shelves/gold-01.jpg",
                "product": "rye bread",
            },
            "gold": "out of stock",
        },
        {
            "input": {
                "image": "https://images.acme.example/shelves/gold-02.jpg",
                "product": "oat milk 1l",
            },
            "gold": "in stock",
        },
    ]
    await batches.add_tasks(owner, config, batch.id, tasks)
    await batches.open_batch(owner, batch.id)
    # Three workers answer the first shelf photos; the first answers are approved, one is rejected.
    answers = {
        "amara@example.net": ["in stock", "low stock", "out of stock"],
        "priya@example.net": ["in stock", "low stock", "in stock"],
        "hannah@acme.example": ["in stock", "out of stock", "out of stock"],
    }
    for email, given in answers.items():
        worker = demo.workers[email]
        actor = await demo.actor(await worker.account)
        for answer in given:
            assignment = await work.claim_next(actor, batch.id, rng=NO_GOLD)
            if assignment is None:
                break
            submitted = await work.submit(actor, config, assignment.id, answer)
            if submitted.task_id == 1:
                await review.approve(owner, config, submitted.id)
    # The requester rejects one answer that disagrees with its task's majority.
    estimates = await results(config, batch)
    for row in await Assignment.filter(batch_id=batch.id, status=AssignmentStatus.SUBMITTED):
        estimate = estimates.get(row.task_id)
        if estimate is not None and row.value != estimate.value:
            await review.reject(
                owner, config, row.id, "The photo shows something else: please zoom in first."
            )
            break
    demo.lines.append(
        f"microtask: batch {batch.id} 'Shelf photos: stock level' is open with {len(tasks)} tasks"
    )
