"""The micro-task GraphQL operations the tests drive, as a requester, a worker or an admin would."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crowdgraph.schema.relay import to_global_id
from crowdgraph.testing import Client

ERRORS = "userErrors { field code message }"
ASSIGNMENT = "assignment { id status appealStatus task { id input } }"


@dataclass
class Budget:
    funded: int
    available: int
    held: int
    spent: int

    def adds_up(self) -> bool:
        return self.funded == self.available + self.held + self.spent


async def budget(client: Client, slug: str) -> Budget:
    data = (
        await client.query(
            """query($slug: String!) { organization(slug: $slug) { budget {
              funded { amount } available { amount } held { amount } spent { amount } } } }""",
            {"slug": slug},
        )
    ).data["organization"]["budget"]
    return Budget(*(data[k]["amount"] for k in ("funded", "available", "held", "spent")))


async def call(client: Client, name: str, input_type: str, selection: str, input: Any) -> Any:
    """A mutation's payload, userErrors included (the caller asserts what it expects)."""
    query = (
        f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {selection} {ERRORS} }} }}"
    )
    return (await client.query(query, {"input": input})).data[name]


async def ok(client: Client, name: str, input_type: str, selection: str, input: Any) -> Any:
    payload = await call(client, name, input_type, selection, input)
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


async def create_batch(client: Client, project_id: int, **batch: Any) -> str:
    values = {"title": "Label animals", "answerSpec": {"kind": "label", "labels": ["cat", "dog"]}}
    payload = await ok(
        client,
        "createMicrotaskBatch",
        "CreateMicrotaskBatchInput",
        "batch { id }",
        {"projectId": to_global_id("Project", project_id), "batch": {**values, **batch}},
    )
    return str(payload["batch"]["id"])


async def add_tasks(
    client: Client, batch_id: str, tasks: list[dict[str, Any]], selection: str = "added"
) -> Any:
    return await call(
        client,
        "addMicrotaskTasks",
        "AddMicrotaskTasksInput",
        selection,
        {"batchId": batch_id, "tasks": tasks},
    )


async def open_batch(client: Client, batch_id: str) -> Any:
    return await ok(
        client,
        "openMicrotaskBatch",
        "MicrotaskBatchIdInput",
        "batch { status }",
        {"batchId": batch_id},
    )


async def claim(client: Client, batch_id: str) -> Any:
    return await call(
        client, "claimMicrotask", "MicrotaskBatchIdInput", ASSIGNMENT, {"batchId": batch_id}
    )


async def answer(client: Client, batch_id: str, value: Any) -> str:
    """Claim the next task and answer it; returns the assignment's ID."""
    claimed = await claim(client, batch_id)
    assert claimed["userErrors"] == [] and claimed["assignment"], claimed
    assignment_id = claimed["assignment"]["id"]
    await ok(
        client,
        "submitMicrotaskAnswer",
        "SubmitMicrotaskAnswerInput",
        "assignment { status }",
        {"assignmentId": assignment_id, "answer": value},
    )
    return str(assignment_id)


async def approve(client: Client, assignment_id: str) -> Any:
    return await call(
        client,
        "approveMicrotaskAnswer",
        "MicrotaskAssignmentIdInput",
        ASSIGNMENT,
        {"assignmentId": assignment_id},
    )


async def reject(client: Client, assignment_id: str, feedback: str = "wrong label") -> Any:
    return await ok(
        client,
        "rejectMicrotaskAnswer",
        "RejectMicrotaskAnswerInput",
        ASSIGNMENT,
        {"assignmentId": assignment_id, "feedback": feedback},
    )


async def appeal(client: Client, assignment_id: str, reason: str = "look again") -> Any:
    return await ok(
        client,
        "appealMicrotaskRejection",
        "AppealMicrotaskRejectionInput",
        ASSIGNMENT,
        {"assignmentId": assignment_id, "reason": reason},
    )


async def answer_appeal(client: Client, assignment_id: str, uphold: bool) -> Any:
    return await call(
        client,
        "answerMicrotaskAppeal",
        "AnswerMicrotaskAppealInput",
        ASSIGNMENT,
        {"assignmentId": assignment_id, "uphold": uphold, "response": "checked"},
    )
