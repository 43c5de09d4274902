"""Run one of the two servers under uvicorn, as ``crowdgraph serve`` runs crowdgraph.

    python -m bench.serve graphql|raw --port PORT

``graphql`` is crowdgraph's own factory (``crowdgraph.app:app_from_environment``, settings from
CROWDGRAPH_CONFIG), wrapped only when the bench counts: BENCH_COUNT_STATEMENTS=1 counts SQLite's
statements (a trace callback on every connection) and answers them at ``/__statements``;
BENCH_NO_BACKGROUND=1 leaves out event delivery and the sweepers, so that the statements counted
are the requests' own. ``raw`` is the twin (``bench.raw.app``).
"""

from __future__ import annotations

import argparse
import os
from typing import Any

import uvicorn
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from bench.raw.db import count_sqlite_statements, statements_counted


class Counted:
    """crowdgraph's app, plus ``/__statements`` (the SQLite statements this process ran)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/__statements":
            await JSONResponse({"statements": statements_counted()})(scope, receive, send)
            return
        await self.app(scope, receive, send)


def graphql_app() -> Any:
    from crowdgraph.app import app_from_environment

    if os.environ.get("BENCH_NO_BACKGROUND"):
        from crowdgraph.platform import Platform

        async def nothing(self: Platform) -> None:
            return None

        Platform.start_background = nothing  # type: ignore[method-assign]
        Platform.stop_background = nothing  # type: ignore[method-assign]
    if not os.environ.get("BENCH_COUNT_STATEMENTS"):
        return app_from_environment()
    count_sqlite_statements()
    return Counted(app_from_environment())


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.serve")
    parser.add_argument("side", choices=["graphql", "raw"])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    factory = (
        "bench.serve:graphql_app"
        if args.side == "graphql"
        else "bench.raw.app:app_from_environment"
    )
    uvicorn.run(
        factory,
        factory=True,
        host="127.0.0.1",
        port=args.port,
        log_config=None,
        timeout_graceful_shutdown=30,
    )


if __name__ == "__main__":
    main()
