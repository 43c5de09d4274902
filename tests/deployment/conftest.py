"""Real server processes on one PostgreSQL database (skipped without CROWDGRAPH_TEST_POSTGRES_URL)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
import pytest_asyncio

from crowdgraph.config import DatabaseSettings, PluginsSettings, Settings
from crowdgraph.db import migrate
from crowdgraph.platform import Platform
from crowdgraph.plugins import BUILTINS
from crowdgraph.testing import POSTGRES_ENV

BASE = os.environ.get(POSTGRES_ENV)


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest_asyncio.fixture
async def shared_database(tmp_path: Path) -> AsyncIterator[str]:
    """A fresh PostgreSQL database, migrated with every built-in plugin, dropped afterwards."""
    if not BASE:
        pytest.skip(f"{POSTGRES_ENV} is not set: server processes need PostgreSQL")
    name = f"cg_deploy_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(BASE)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(urlsplit(BASE)._replace(path=f"/{name}"))
    try:
        settings = Settings(
            database=DatabaseSettings(url=url), plugins=PluginsSettings(enabled=list(BUILTINS))
        )
        await migrate(Platform(settings).db_config)
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture
def start_servers(shared_database: str, tmp_path: Path) -> Iterator[object]:
    """``start_servers(n, plugins=[...])``: n crowdgraph server processes on the shared database."""
    started: list[Server] = []

    def start(count: int, plugins: list[str] | None = None, extra: str = "") -> list[Server]:
        enabled = ", ".join(f'"{p}"' for p in (plugins or []))
        config = tmp_path / "plugins.toml"
        config.write_text(
            f'[database]\nurl = "{shared_database}"\n\n[plugins]\nenabled = [{enabled}]\n\n{extra}\n'
        )
        servers = []
        for index in range(count):
            port = free_port()
            log = tmp_path / f"server{len(started) + index}.log"
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "crowdgraph",
                    "--config",
                    str(config),
                    "serve",
                    "--port",
                    str(port),
                ],
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
            )
            servers.append(Server(f"http://127.0.0.1:{port}", process, log))
        started.extend(servers)
        for server in servers:
            wait_healthy(server)
        return servers

    yield start
    for server in started:
        server.process.terminate()
    for server in started:
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()


def wait_healthy(server: Server, seconds: float = 120) -> None:
    """Poll until healthy; the deadline is generous because a loaded machine starts slowly."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"server exited: {server.log.read_text()}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"server not healthy in {seconds}s: {server.log.read_text()}")


async def wait_for(predicate, seconds: float = 60.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = await predicate()
        if result:
            return result
        await asyncio.sleep(0.1)
    raise AssertionError("condition not met in time")
