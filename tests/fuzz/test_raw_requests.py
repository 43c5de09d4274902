"""Raw requests: malformed bodies, wrong content types, and odd variables for chosen mutations.

Each answer is held to ``World.check``; a mutation that failed must change nothing. Bounded for
CI; run longer with ``CROWDGRAPH_FUZZ_EXAMPLES=2000 .venv/bin/pytest tests/fuzz``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from crowdgraph.schema.relay import to_global_id
from tests.fuzz.conftest import CALLERS, World, fuzz_settings, outcome
from tests.fuzz.strategies import ODD_IDS, answer_like, ints, json_values, longs

callers = st.sampled_from(sorted(CALLERS))

CONTENT_TYPES = [
    "application/json",
    "application/json; charset=latin-1",
    "application/graphql",
    "application/graphql-response+json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "multipart/form-data; boundary=x",
    "",
]

VALID = {"query": "{ me { id } }"}
json_bodies = st.one_of(
    st.just(VALID),
    st.fixed_dictionaries({"query": st.text(max_size=200) | json_values}),
    st.fixed_dictionaries(
        {"query": st.just(VALID["query"]), "variables": json_values | st.text()},
        optional={"operationName": json_values, "extensions": json_values},
    ),
    st.lists(st.just(VALID), max_size=3),
    st.dictionaries(st.text(), json_values),
).map(json.dumps)
bodies = (
    json_bodies
    | json_bodies.map(lambda text: text[: len(text) // 2])  # cut short
    | st.binary(max_size=300)
    | st.text(max_size=300).map(str.encode)
    | st.sampled_from([b"", b"\x00", b"{", b'{"query": "{ me { id } }"}\x00', b"\xff\xfe{}"])
    | st.sampled_from(
        [b"1", b"null", b'"query"', b"\x80"]
    )  # once failed inside: test_found_bugs.py
)


@fuzz_settings(examples=150)
@given(
    caller=callers,
    body=bodies,
    content_type=st.sampled_from(CONTENT_TYPES),
    accept=st.sampled_from(["", "application/json", "application/graphql-response+json", "*/*"]),
)
async def test_malformed_bodies_are_refused_without_internal_errors(
    world: World, caller: str, body: bytes | str, content_type: str, accept: str
) -> None:
    headers = {"content-type": content_type, "accept": accept}
    response = await world.post(caller, content=body, headers=headers)
    world.check(response, {"body": body, "headers": headers})
    event(f"HTTP {response.status_code}")


@fuzz_settings(examples=60)
@given(
    caller=callers,
    params=st.fixed_dictionaries(
        {"query": st.text(max_size=200) | st.just(VALID["query"])},
        optional={"variables": st.text(max_size=40), "operationName": st.text(max_size=20)},
    ),
)
async def test_queries_sent_with_get_are_refused_without_internal_errors(
    world: World, caller: str, params: dict[str, str]
) -> None:
    response = await world.clients[caller].http.get("/graphql", params=params)
    world.check(response, {"GET": params})


def ids_of(type_name: str) -> st.SearchStrategy[Any]:
    """The demo's first rows of a type, a missing one, odd IDs, and numbers (GraphQL takes those
    for an ID)."""
    real = st.sampled_from([str(to_global_id(type_name, pk)) for pk in (1, 2, 99)])
    return real | real | st.sampled_from(ODD_IDS) | st.integers()


floats = st.floats(allow_nan=False, allow_infinity=False)  # JSON has neither
wrong_types = st.none() | st.booleans() | floats | st.text(max_size=10) | st.lists(ints, max_size=2)
"""Values of another GraphQL type than the field's (null for ID!, a string for Int...)."""
odd_strings = st.one_of(
    st.text(max_size=40),
    st.text(max_size=40).map(lambda s: f"{s}\x00{s}"),
    st.integers(1, 20_000).map(lambda n: "x" * n),
    st.sampled_from(["", " ", "\u202e", "🙂" * 500, "null", "<script>", "'; DROP TABLE x; --"]),
)
json_documents = answer_like | json_values

MUTATIONS: dict[str, tuple[str, dict[str, st.SearchStrategy[Any]]]] = {
    "createProject": (
        "CreateProjectInput",
        {
            "organizationId": ids_of("Organization"),
            "name": odd_strings,
            "description": odd_strings,
            "audience": st.sampled_from(["BOTH", "INTERNAL", "EXTERNAL"]),
        },
    ),
    "fundBudget": (
        "FundBudgetInput",
        {
            "organizationId": ids_of("Organization"),
            "amount": longs,
            "idempotencyKey": odd_strings,
            "memo": odd_strings,
        },
    ),
    "createMicrotaskBatch": (
        "CreateMicrotaskBatchInput",
        {
            "projectId": ids_of("Project"),
            "batch": st.fixed_dictionaries(
                {},
                optional={
                    "title": odd_strings,
                    "answerSpec": json_documents,
                    "reward": ints,
                    "overlap": ints,
                    "goldRate": floats,
                    "leaseSeconds": ints,
                    "deadline": st.datetimes(timezones=st.just(UTC)).map(datetime.isoformat)
                    | odd_strings,
                    "requirements": json_documents,
                    "skillLevel": ints,
                },
            ),
        },
    ),
    "addMicrotaskTasks": (
        "AddMicrotaskTasksInput",
        {
            "batchId": ids_of("MicrotaskBatch"),
            "tasks": st.lists(json_documents.filter(lambda v: v is not None), max_size=5),
        },
    ),
    "submitMicrotaskAnswer": (
        "SubmitMicrotaskAnswerInput",
        {
            "assignmentId": ids_of("MicrotaskAssignment"),
            "answer": json_documents.filter(lambda v: v is not None),
        },
    ),
    "submitToContest": (
        "SubmitToContestInput",
        {
            "contestId": ids_of("Contest"),
            "text": odd_strings,
            "links": st.lists(odd_strings, max_size=3),
            "files": st.lists(
                st.fixed_dictionaries(
                    {"name": odd_strings, "url": odd_strings, "size": longs, "sha256": odd_strings}
                ),
                max_size=2,
            ),
        },
    ),
    "submitMarketplaceProposal": (
        "SubmitMarketplaceProposalInput",
        {
            "jobId": ids_of("MarketplaceJob"),
            "coverLetter": odd_strings,
            "bid": longs,
            "timelineDays": ints,
        },
    ),
}


def mutation_text(name: str, input_type: str) -> str:
    return f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ userErrors {{ field code message }} }} }}"


@pytest.mark.parametrize("name", sorted(MUTATIONS))
@fuzz_settings(examples=80)
@given(caller=callers, data=st.data())
async def test_odd_variables_for_chosen_mutations_fail_cleanly_and_change_nothing(
    world: World, name: str, caller: str, data: st.DataObject
) -> None:
    input_type, fields = MUTATIONS[name]
    typed_or_not = {field: value | value | wrong_types for field, value in fields.items()}
    variables = {"input": data.draw(st.fixed_dictionaries(typed_or_not), label="input")}
    body = await world.mutate_and_check(caller, mutation_text(name, input_type), variables)
    event(outcome(body))


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("query($id: ID!) { node(id: $id) { id } }", {"id": None}),
        ("query($n: Int!) { projects(first: $n) { nodes { id } } }", {"n": "ten"}),
        (
            "query($d: Long!) { marketplaceTalent(filter: {maxRate: $d}) { nodes { score } } }",
            {"d": "x"},
        ),
    ],
)
async def test_a_variable_of_the_wrong_type_is_refused_as_the_callers_error(
    world: World, query: str, variables: dict[str, Any]
) -> None:
    sent = {"query": query, "variables": variables}
    body = world.check(await world.post("owner", json=sent), sent)
    assert body is not None and body["errors"]
    assert body.get("data") is None
