"""Every root query, asked by every caller with a selection written from the schema: the callers
the rules admit get an answer, the others a coded error, and no answer leaks A's private things."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from graphql import GraphQLObjectType, GraphQLSchema, get_named_type

from tests.authz.conftest import World
from tests.authz.rules import CALLERS, QUERIES
from tests.authz.scan import REFUSED_CODES, graphql_schema, leaks
from tests.authz.selections import required_arguments, run_trimming, selection

ARGUMENTS: dict[str, Callable[[World], dict[str, Any]]] = {
    "node": lambda w: {"id": w.gid("MarketplaceProposal")},
    "organization": lambda w: {"slug": w.org.slug},
    "engagements": lambda w: {"organizationId": w.gid("Organization")},
    "webhooks": lambda w: {"organizationId": w.gid("Organization")},
    "myMicrotaskStanding": lambda w: {"batchId": w.gid("MicrotaskBatch")},
    "microtaskPay": lambda w: {"batchId": w.gid("MicrotaskBatch")},
    "microtaskBatches": lambda w: {"projectId": w.gid("Project")},
    "microtaskTaskPreview": lambda w: {"batchId": w.more["claimable_batch"]},
    "marketplaceJobs": lambda w: {"organizationId": w.gid("Organization")},
    "marketplaceProposals": lambda w: {"jobId": w.gid("MarketplaceJob")},
    "marketplaceExamAttempts": lambda w: {"examId": w.gid("MarketplaceExam")},
    "marketplaceOnboardingSteps": lambda w: {"organizationId": w.gid("Organization")},
    "myMarketplaceOnboarding": lambda w: {"organizationId": w.gid("Organization")},
    "marketplaceJobOnboarding": lambda w: {"jobId": w.gid("MarketplaceJob")},
    "marketplaceJobEligibility": lambda w: {"jobId": w.gid("MarketplaceJob")},
    "marketplaceReputation": lambda w: {"workerId": w.gid("Worker")},
}
"""Arguments pointing at A's things; a root field with a required argument must be here."""


def empty(value: Any) -> bool:
    """Nothing shown: null, an empty list, or a page without nodes."""
    if isinstance(value, dict) and "nodes" in value:
        return value["nodes"] == []
    return value in (None, [])


def query_document(
    schema: GraphQLSchema,
    name: str,
    variables: dict[str, Any],
    skip: frozenset[tuple[str, ...]],
) -> str:
    """A query of one root field with A's arguments and a selection written from the schema."""
    assert schema.query_type is not None
    definition = schema.query_type.fields[name]
    declared = ", ".join(f"${a}: {definition.args[a].type}" for a in variables)
    passed = ", ".join(f"{a}: ${a}" for a in variables)
    inner = selection(schema, get_named_type(definition.type), skip=skip, path=(name,))
    head = f"query({declared})" if declared else "query"
    return f"{head} {{ {name}{f'({passed})' if passed else ''} {inner} }}"


async def test_every_root_query_answers_exactly_the_callers_its_rule_admits(world, client_for):
    schema = graphql_schema(world.platform)
    query_type = schema.query_type
    assert isinstance(query_type, GraphQLObjectType)
    problems: list[str] = []
    for name, definition in query_type.fields.items():
        variables = ARGUMENTS[name](world) if name in ARGUMENTS else {}
        missing = required_arguments(definition) - set(variables)
        if missing:
            problems.append(f"Query.{name}: ARGUMENTS gives no {sorted(missing)}")
            continue
        build = partial(query_document, schema, name, variables)
        for caller in CALLERS:
            outcome = await run_trimming(client_for(caller), build, variables)
            refused = outcome.refused.get((name,))
            allowed = caller in QUERIES[name]
            if allowed and refused:
                problems.append(f"Query.{name}: {caller} was refused ({refused})")
            if not allowed and refused not in REFUSED_CODES:
                problems.append(f"Query.{name}: {caller} got an answer, not a refusal")
            problems += [
                f"Query.{name}: {leak}"
                for leak in leaks(world, caller, outcome.texts, outcome.data)
            ]
    assert not problems, "\n".join(problems)
