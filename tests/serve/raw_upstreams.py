"""Raw asyncio upstreams for the client tests: each writes exactly the bytes a test gives,
so an answer can be cut, split, delayed or malformed on purpose."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from guard.serve.upstream import ProxyOptions, UpstreamPool

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, "Upstream"], Awaitable[None]]


@dataclass
class Upstream:
    """What the server saw: requests (head, body) in order, and connections opened."""

    url: str = ""
    requests: list[tuple[bytes, bytes]] = field(default_factory=list)
    connections: int = 0
    closed: int = 0
    writers: list[asyncio.StreamWriter] = field(default_factory=list)


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """One request: its head and its body (by Content-Length, or chunked, decoded)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.lower().split(b"\r\n")
    length = next((int(line.split(b":", 1)[1]) for line in lines
                   if line.startswith(b"content-length:")), 0)
    if b"transfer-encoding: chunked" in lines:
        return head, await _chunked(reader)
    return head, await reader.readexactly(length)


async def _chunked(reader: asyncio.StreamReader) -> bytes:
    body = b""
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return body
        body += await reader.readexactly(size)
        await reader.readexactly(2)


@contextlib.asynccontextmanager
async def serving(handler: Handler, host: str = "127.0.0.1") -> AsyncIterator[Upstream]:
    """Serve ``handler`` per connection until the block ends."""
    upstream = Upstream()

    async def connected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream.connections += 1
        upstream.writers.append(writer)
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            await handler(reader, writer, upstream)
        upstream.closed += 1
        writer.close()

    server = await asyncio.start_server(connected, host, 0)
    port = server.sockets[0].getsockname()[1]
    upstream.url = f"http://{'[::1]' if ':' in host else host}:{port}"
    try:
        yield upstream
    finally:
        server.close()
        for writer in upstream.writers:
            writer.close()
        await server.wait_closed()


def answering(*answers: bytes, close: bool = False) -> Handler:
    """Each request on a connection gets the next answer; ``close`` ends the connection
    after the last one (else it waits for the client to close)."""
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                      upstream: Upstream) -> None:
        for answer in answers:
            upstream.requests.append(await read_request(reader))
            writer.write(answer)
            await writer.drain()
        if not close:
            await reader.read()
    return handler


def ok(body: bytes = b"ok", extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), extra, body)


def pool_for(upstream: Upstream, **options: float) -> UpstreamPool:
    options.setdefault("read_timeout", 5.0)  # a test that would hang fails instead
    return UpstreamPool(ProxyOptions(upstream.url, **options))  # type: ignore[arg-type]
