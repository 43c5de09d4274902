"""Operations: request ids, JSON logs, Prometheus metrics."""

import json
import logging

from crowdgraph.observability import JsonFormatter, request_id


async def test_every_response_carries_a_request_id_and_keeps_one_that_was_given(
    make_platform, make_client
):
    await make_platform(plugins=[])
    client = make_client()
    fresh = await client.http.get("/healthz")
    given = await client.http.get("/healthz", headers={"x-request-id": "trace-123"})
    assert len(fresh.headers["x-request-id"]) == 32
    assert given.headers["x-request-id"] == "trace-123"


def test_log_lines_are_json_with_the_request_id():
    token = request_id.set("abc")
    try:
        record = logging.LogRecord(
            "crowdgraph", logging.WARNING, __file__, 1, "hello %s", ("there",), None
        )
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id.reset(token)
    assert line["message"] == "hello there"
    assert line["level"] == "warning"
    assert line["request_id"] == "abc"


async def test_metrics_report_operations_errors_and_outbox_depth(
    make_platform, make_client, factory
):
    await make_platform(plugins=[])
    _, owner = await factory.organization()
    client = make_client(owner.token)
    await client.query("query Dashboard { me { name } }")
    await client.query(
        "query Secret { workers { nodes { id } } }", headers={"authorization": "Bearer nope"}
    )
    text = (await client.http.get("/metrics")).text
    assert 'crowdgraph_graphql_seconds_count{operation="Dashboard",type="query"}' in text
    assert 'crowdgraph_graphql_errors_total{code="UNAUTHENTICATED",operation="Secret"}' in text
    # creating the organization wrote events that nothing has delivered yet in this test
    depth = next(line for line in text.splitlines() if line.startswith("crowdgraph_outbox_depth "))
    assert float(depth.split()[1]) >= 1
