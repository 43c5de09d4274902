"""Operations: request ids, JSON logs, Prometheus metrics."""

import json
import logging
import uuid
from typing import Any

from crowdgraph.config import ServerSettings, load_settings
from crowdgraph.observability import OPERATION_NAMES_KEPT, JsonFormatter, request_id


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


def metrics_server(**settings: Any) -> ServerSettings:
    return ServerSettings(rate_limit_per_token=0, rate_limit_per_address=0, **settings)


async def test_metrics_can_require_a_bearer_token(make_platform, make_client):
    await make_platform(plugins=[], server=metrics_server(metrics_token="scrape-secret"))
    http = make_client().http
    assert (await http.get("/metrics")).status_code == 401
    wrong = await http.get("/metrics", headers={"authorization": "Bearer guess"})
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"] == "Bearer"
    right = await http.get("/metrics", headers={"authorization": "Bearer scrape-secret"})
    assert right.status_code == 200
    assert "crowdgraph_graphql_seconds" in right.text


def test_the_metrics_token_can_be_read_from_the_environment(tmp_path):
    config = tmp_path / "plugins.toml"
    config.write_text('[server]\nmetrics_token = { env = "METRICS_TOKEN" }\n')
    settings = load_settings(config, environ={"METRICS_TOKEN": "from-env"})
    assert settings.server.metrics_token == "from-env"


async def test_metrics_can_be_turned_off(make_platform, make_client):
    await make_platform(plugins=[], server=metrics_server(metrics=False))
    assert (await make_client().http.get("/metrics")).status_code == 404


async def test_operation_labels_are_bounded_whatever_names_callers_send(make_platform, make_client):
    await make_platform(plugins=[])
    client = make_client()
    sent = [f"Probe{uuid.uuid4().hex}" for _ in range(OPERATION_NAMES_KEPT + 5)]
    for name in sent:
        await client.query(f"query {name} {{ me {{ name }} }}")
    text = (await client.http.get("/metrics")).text
    labelled = [name for name in sent if f'operation="{name}"' in text]
    assert len(labelled) <= OPERATION_NAMES_KEPT
    assert 'crowdgraph_graphql_seconds_count{operation="other",type="query"}' in text
