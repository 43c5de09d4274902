"""A TCP proxy between a server and PostgreSQL that counts the frontend protocol's messages.

A round trip ends with Sync ('S', the extended protocol) or a simple Query ('Q'): BEGIN, SAVEPOINT,
RELEASE, COMMIT and the reset a pool sends when a connection comes back all count. SSL is refused
on the proxy's side (the client then speaks plain TCP), so that the messages can be read.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections import Counter
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

SSL_REQUEST = 80877103
GSS_REQUEST = 80877104
ROUND_TRIP_ENDS = {"S", "Q"}


class CountingProxy:
    def __init__(self, upstream: str) -> None:
        where = urlsplit(upstream)
        self.upstream = upstream
        self.host, self.port = where.hostname or "127.0.0.1", where.port or 5432
        self.messages: Counter[str] = Counter()
        self.server: asyncio.Server | None = None

    @property
    def round_trips(self) -> int:
        return sum(self.messages[kind] for kind in ROUND_TRIP_ENDS)

    @property
    def total(self) -> int:
        return sum(self.messages.values())

    def url(self) -> str:
        """The upstream URL with the proxy's address."""
        assert self.server is not None
        port = self.server.sockets[0].getsockname()[1]
        where = urlsplit(self.upstream)
        credentials = where.netloc.rpartition("@")[0]
        netloc = f"{credentials}@127.0.0.1:{port}" if credentials else f"127.0.0.1:{port}"
        return urlunsplit(where._replace(netloc=netloc))

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(self.host, self.port)
        except OSError:
            writer.close()
            return
        backward = asyncio.create_task(self._pipe(up_reader, writer))
        try:
            while True:  # the startup phase: untyped messages
                head = await reader.readexactly(8)
                length, code = struct.unpack("!ii", head)
                rest = await reader.readexactly(length - 8)
                if code in (SSL_REQUEST, GSS_REQUEST):
                    writer.write(b"N")
                    continue
                up_writer.write(head + rest)
                break
            while True:
                head = await reader.readexactly(5)
                kind, length = head[:1].decode(), struct.unpack("!i", head[1:])[0]
                self.messages[kind] += 1
                up_writer.write(head + await reader.readexactly(length - 4))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            up_writer.close()
            backward.cancel()
            writer.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """PostgreSQL's answers, as they are; its end of the connection ends the client's too."""
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()


@contextlib.asynccontextmanager
async def counting_proxy(upstream: str) -> AsyncIterator[CountingProxy]:
    proxy = CountingProxy(upstream)
    proxy.server = await asyncio.start_server(proxy._client, "127.0.0.1", 0)
    try:
        yield proxy
    finally:
        proxy.server.close()
