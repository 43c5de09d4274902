"""A refused root field fails alone: it answers null with its error, the rest of the response stands."""

from __future__ import annotations

import re
from pathlib import Path

from graphql import GraphQLNonNull

from crowdgraph.platform import Platform
from crowdgraph.plugins import BUILTINS
from crowdgraph.schema.build import build_schema
from crowdgraph.testing import settings_for

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_example() -> str:
    example = re.search(r"```graphql\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    assert example is not None
    return example[1]


async def test_the_readme_example_as_a_worker_nulls_only_the_refused_field(
    platform, make_client, factory
):
    worker = await factory.worker()
    result = await make_client(worker.token).query(readme_example())
    assert result.body["data"] is not None
    assert result.body["data"]["me"]["name"] == worker.account.name
    assert result.body["data"]["workers"] is None
    assert [(e["path"], e["extensions"]["code"]) for e in result.errors] == [
        (["workers"], "FORBIDDEN")
    ]


async def test_a_bad_page_argument_nulls_only_its_own_list(platform, make_client, factory):
    worker = await factory.worker()
    result = await make_client(worker.token).query(
        '{ me { name } skills(after: "garbage") { nodes { slug } } projects { nodes { name } } }'
    )
    data = result.body["data"]
    assert (data["me"]["name"], data["skills"], data["projects"]) == (
        worker.account.name,
        None,
        {"nodes": []},
    )
    assert result.codes == ["INVALID_INPUT"]


def test_no_root_query_field_of_any_built_in_model_is_non_null():
    """Every root field can be refused or given bad arguments; non-null, it would null the whole
    response with it."""
    schema = build_schema(Platform(settings_for("sqlite://:memory:", list(BUILTINS)))).schema
    query = schema._schema.query_type
    assert query is not None
    assert [n for n, f in query.fields.items() if isinstance(f.type, GraphQLNonNull)] == []
