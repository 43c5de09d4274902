"""The fuzzers' checks can fail: each property is shown catching what it is there to catch."""

from __future__ import annotations

import logging

import httpx
import pytest

from crowdgraph.core import ledger
from crowdgraph.core.actor import Actor
from crowdgraph.core.models import Account, Organization
from tests.fuzz.conftest import World, mutation_failed


def answer(status: int, body: object) -> httpx.Response:
    return httpx.Response(status, json=body)


async def test_the_snapshot_sees_new_rows_and_money(world: World) -> None:
    before = await world.snapshot()
    owner = await Actor.for_account(await Account.get(email="owner@acme.example"))
    acme = await Organization.get(slug="acme")
    await ledger.fund(owner, acme.id, 500, "fuzz-check")
    after = await world.snapshot()
    assert after["core_ledger_entry"] == before["core_ledger_entry"] + 1
    assert after["ledger amount"] == before["ledger amount"] + 500


@pytest.mark.parametrize(
    "response",
    [
        answer(500, {"errors": [{"message": "boom"}]}),
        answer(
            200, {"errors": [{"message": "x", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]}
        ),
        answer(200, {"data": {"node": None}, "errors": [{"message": "x", "path": ["node"]}]}),
    ],
)
async def test_an_internal_error_fails_the_check(world: World, response: httpx.Response) -> None:
    with pytest.raises(AssertionError):
        world.check(response, "sent")


async def test_an_error_in_the_server_log_fails_the_check(world: World) -> None:
    logging.getLogger("crowdgraph.graphql").error("unexpected error in %s", ["node"])
    with pytest.raises(AssertionError, match="logged an error"):
        world.check(answer(200, {"data": {}}), "sent")


def test_a_mutation_failed_when_refused_errored_at_its_root_or_gave_user_errors() -> None:
    assert mutation_failed({"data": None, "errors": [{"message": "bad"}]})
    assert mutation_failed({"data": {"x": None}, "errors": [{"message": "no", "path": ["x"]}]})
    assert mutation_failed({"data": {"x": {"userErrors": [{"code": "TOO_SHORT"}]}}})
    assert not mutation_failed({"data": {"x": {"userErrors": []}}})
    deeper = {"data": {"x": {"userErrors": [], "y": None}}, "errors": [{"path": ["x", "y"]}]}
    assert not mutation_failed(deeper)
