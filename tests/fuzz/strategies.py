"""Hypothesis strategies for crowdgraph's inputs: IDs, money, dates, JSON and odd values."""

from __future__ import annotations

import re
from datetime import UTC
from typing import Any

import graphql
from hypothesis import strategies as st
from hypothesis_graphql import nodes

from crowdgraph.schema.relay import to_global_id

NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")
HUGE = 2**63
"""Past every integer column (BIGINT is signed 64-bit)."""

json_values: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
"""Any JSON document (answer specs, task inputs, answers, settings)."""

answer_like: st.SearchStrategy[Any] = st.sampled_from(
    [
        {"kind": "label", "labels": ["cat", "dog"]},
        {"kind": "number", "min": 0, "max": 10},
        {"kind": "text"},
        {"image": "img.jpg"},
        "cat",
        3,
        [{"input": {"image": "x.jpg"}}],
    ]
)
"""Documents shaped like real ones, so fuzzing gets past the first check now and then."""


OUT_OF_RANGE_IDS = [str(to_global_id("Project", 2**31)), str(to_global_id("Project", HUGE))]
"""Well-formed IDs whose key no primary key column holds (they once failed inside the server:
tests/fuzz/test_found_bugs.py)."""


ID_FIELDS = {
    "appealId": "ContestAppeal",
    "assignmentId": "MicrotaskAssignment",
    "attemptId": "MarketplaceExamAttempt",
    "batchId": "MicrotaskBatch",
    "contestId": "Contest",
    "contractId": "MarketplaceContract",
    "deliveryId": "WebhookDelivery",
    "disputeId": "MarketplaceDispute",
    "engagementId": "Engagement",
    "examId": "MarketplaceExam",
    "jobId": "MarketplaceJob",
    "milestoneId": "MarketplaceMilestone",
    "offerId": "MarketplaceOffer",
    "organizationId": "Organization",
    "projectId": "Project",
    "proposalId": "MarketplaceProposal",
    "questionId": "MarketplaceExamQuestion",
    "scoreId": "ContestScore",
    "stepId": "MarketplaceOnboardingStep",
    "submissionId": "ContestSubmission",
    "timeEntryId": "MarketplaceTimeEntry",
    "webhookId": "WebhookEndpoint",
    "workerId": "Worker",
}
"""The type of row each ID argument names, so that generated IDs often point at a real one."""

PLACEHOLDER = re.compile(r'(?:(\w+): )?"@(\d+)"')
ODD_IDS = [
    str(to_global_id("Project", -1)),
    str(to_global_id("Project", "one")),
    str(to_global_id("Nothing", 1)),
    "UHJvamVjdDox=====",
    "Project:1",
    "",
    "\x00",
    "🙂" * 40,
]


def ids(slots: int) -> st.SearchStrategy[str]:
    """Mostly placeholders for real rows (``"@<n>"``, filled in by ``real_ids``), else odd IDs."""
    placeholders = st.integers(0, slots - 1).map(lambda n: f"@{n}")
    odd = st.sampled_from([*ODD_IDS, *OUT_OF_RANGE_IDS])
    return placeholders | placeholders | odd | st.text(max_size=30)


def real_ids(operation: str, type_names: list[str]) -> str:
    """Fill each ID placeholder with the global ID of one of the demo's first rows: of the type
    its argument names (``jobId``), else of a type picked by the placeholder's number."""

    def fill(match: re.Match[str]) -> str:
        name, n = match.group(1), int(match.group(2))
        pk = 1 + n // len(type_names)
        type_name = ID_FIELDS.get(name or "", type_names[n % len(type_names)])
        prefix = f"{name}: " if name else ""
        return f'{prefix}"{to_global_id(type_name, pk)}"'

    return PLACEHOLDER.sub(fill, operation)


ints: st.SearchStrategy[int] = st.integers(-10, 200_000) | st.sampled_from(
    [0, -1, 2**31 - 1, -(2**31)]
)
"""GraphQL Int (32 bits): small, realistic, and at the edges."""
SAFE = 2**53 - 1
OUT_OF_RANGE_LONGS = [SAFE + 2, HUGE - 1, HUGE]
"""Longs above 53 bits: refused as the caller's error (they once failed inside the server:
tests/fuzz/test_found_bugs.py)."""
longs: st.SearchStrategy[int] = (
    ints | st.integers(-SAFE, SAFE) | st.sampled_from([SAFE, -SAFE, -HUGE - 1, *OUT_OF_RANGE_LONGS])
)
"""Long (money, sizes): realistic, at the edges of the 53 bits it promises, and far below."""


def value_node(value: Any) -> graphql.ValueNode:
    """A GraphQL literal for a JSON value (for the JSON scalar in generated queries)."""
    if value is None:
        return nodes.Null
    if isinstance(value, bool):
        return nodes.Boolean(value)
    if isinstance(value, int):
        return nodes.Int(value)
    if isinstance(value, float):
        return nodes.Float(value)
    if isinstance(value, str):
        return nodes.String(value)
    if isinstance(value, list):
        return nodes.List([value_node(v) for v in value])
    return nodes.Object(
        [
            graphql.ObjectFieldNode(
                name=graphql.NameNode(value=name_for(k, i)), value=value_node(v)
            )
            for i, (k, v) in enumerate(value.items())
        ]
    )


def name_for(key: str, position: int) -> str:
    """The key itself when GraphQL allows it as an object field name, else a made-up one."""
    return key if NAME.fullmatch(key) else f"k{position}"


def custom_scalars(type_names: list[str]) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    """Literals for the schema's own scalars, and ID placeholders instead of random strings."""
    return {
        "ID": ids(3 * len(type_names)).map(nodes.String),
        "Long": longs.map(nodes.Int),
        "Date": (st.dates().map(str) | st.text(max_size=12)).map(nodes.String),
        "DateTime": (
            st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat()) | st.text(max_size=12)
        ).map(nodes.String),
        "JSON": (answer_like | json_values).map(value_node),
    }
