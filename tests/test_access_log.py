"""Access logs: one structured line per request (method, path, status, duration, request id)."""

from __future__ import annotations

import json
import logging

import pytest

from crowdgraph.observability import JsonFormatter, configure_logging


@pytest.fixture
def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    """The access log lines written during the test, as the JSON formatter writes them."""
    caplog.set_level(logging.INFO, logger="crowdgraph.access")
    lines: list[dict[str, object]] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(json.loads(JsonFormatter().format(record)))

    handler = Collect()
    logger = logging.getLogger("crowdgraph.access")
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)


async def test_each_request_logs_method_path_status_duration_and_its_request_id(
    make_platform, make_client, access_lines
):
    await make_platform(plugins=[])
    http = make_client().http
    answer = await http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"x-request-id": "trace-42"}
    )
    missing = await http.get("/nowhere")
    assert answer.headers["x-request-id"] == "trace-42"
    first, second = access_lines
    assert {k: first[k] for k in ("method", "path", "status", "request_id", "logger")} == {
        "method": "POST",
        "path": "/graphql",
        "status": 200,
        "request_id": "trace-42",
        "logger": "crowdgraph.access",
    }
    assert isinstance(first["duration_ms"], float) and first["duration_ms"] >= 0
    assert (second["method"], second["path"], second["status"]) == ("GET", "/nowhere", 404)
    assert second["request_id"] == missing.headers["x-request-id"]
    assert len(str(second["request_id"])) == 32


async def test_a_request_refused_by_a_limit_is_logged_with_its_status(
    make_platform, make_client, access_lines
):
    await make_platform(plugins=[])
    http = make_client().http
    await http.post(
        "/graphql", content=b"x" * 2_000_000, headers={"content-type": "application/json"}
    )
    assert [(line["path"], line["status"]) for line in access_lines] == [("/graphql", 413)]


async def test_the_query_string_is_not_logged(make_platform, make_client, access_lines):
    """GET carries the query and its variables, which may hold secrets."""
    await make_platform(plugins=[])
    await make_client().http.get("/graphql", params={"query": "{ __typename }", "variables": "{}"})
    (line,) = access_lines
    assert line["path"] == "/graphql" and "__typename" not in json.dumps(line)


def test_the_server_logs_access_once_per_request_and_uvicorn_not_at_all():
    """uvicorn writes its preformatted access line while its logger reaches a handler."""
    root = logging.getLogger()
    kept = (root.handlers[:], root.level)
    uvicorn_access = logging.getLogger("uvicorn.access")
    kept_uvicorn = (uvicorn_access.handlers[:], uvicorn_access.propagate)
    try:
        configure_logging()
        assert not uvicorn_access.hasHandlers()
        assert logging.getLogger("crowdgraph.access").isEnabledFor(logging.INFO)
    finally:
        root.handlers, root.level = kept
        uvicorn_access.handlers, uvicorn_access.propagate = kept_uvicorn
