"""Queries and mutations generated from the real schema, sent as each kind of caller.

The operations come from hypothesis-graphql (valid against the schema, arguments filled at
random; IDs drawn from real rows and impossible ones); each answer is held to ``World.check``,
and a mutation that failed must leave every table's row count and the ledger's sum unchanged.

Bounded for CI (a fixed number of examples, derandomized); run longer with
``CROWDGRAPH_FUZZ_EXAMPLES=2000 .venv/bin/pytest tests/fuzz``.
"""

from __future__ import annotations

import graphql
from hypothesis import event, given
from hypothesis import strategies as st
from hypothesis_graphql import mutations, queries

from crowdgraph.platform import Platform
from crowdgraph.plugins import BUILTINS
from crowdgraph.schema.build import build_schema
from crowdgraph.testing import settings_for
from tests.fuzz.conftest import CALLERS, World, fuzz_settings, outcome
from tests.fuzz.strategies import custom_scalars, real_ids

SKIPPED_MUTATIONS = {
    "logout": "it revokes the caller's own token: the rest of the run would be anonymous",
}
"""Mutations left out of the generated ones, and why."""


def schema_strategies() -> tuple[st.SearchStrategy[str], st.SearchStrategy[str]]:
    """(queries, one-field mutations) for the schema with every built-in plugin."""
    # The schema and the node types do not depend on the database: no connection is opened.
    built = build_schema(Platform(settings_for("sqlite://:memory:", list(BUILTINS))))
    sdl = built.schema.as_str()
    type_names = sorted(built.registry.nodes)
    scalars = custom_scalars(type_names)
    mutation_type = graphql.build_schema(sdl).mutation_type
    assert mutation_type is not None
    one_field = [
        mutations(sdl, fields=[name], custom_scalars=scalars, print_ast=print_with_user_errors)
        for name in mutation_type.fields
        if name not in SKIPPED_MUTATIONS
    ]
    return (
        queries(sdl, custom_scalars=scalars).map(lambda q: real_ids(q, type_names)),
        st.one_of(one_field).map(lambda m: real_ids(m, type_names)),
    )


def print_with_user_errors(document: graphql.DocumentNode) -> str:
    """The mutation, asking for its payload's userErrors too (every payload has them), so the
    test knows whether it failed."""
    printed = graphql.print_ast(document)
    head, tail = printed.rsplit("\n  }\n}", 1)
    return f"{head}\n    userErrors {{ field code }}\n  }}\n}}{tail}"


def root_field(operation: str) -> str:
    return operation.split("{", 2)[1].split("(")[0].strip()


QUERIES, MUTATIONS = schema_strategies()
callers = st.sampled_from(sorted(CALLERS))


@fuzz_settings(examples=150)
@given(caller=callers, query=QUERIES)
async def test_generated_queries_are_answered_without_internal_errors(
    world: World, caller: str, query: str
) -> None:
    sent = {"query": query}
    body = world.check(await world.post(caller, json=sent), sent)
    event(outcome(body))


@fuzz_settings(examples=500)
@given(caller=callers, mutation=MUTATIONS)
async def test_generated_mutations_that_fail_change_nothing(
    world: World, caller: str, mutation: str
) -> None:
    body = await world.mutate_and_check(caller, mutation)
    event(f"{root_field(mutation)}: {outcome(body)}")
