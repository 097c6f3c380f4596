"""The keep-alive pool to the upstream gateway and the requests guard writes to it.

guard's own HTTP/1.1 client (:mod:`guard.serve.connection`) rather than aiohttp or httpx,
measured on these machines relaying a 2 KB chat request to a loopback upstream: httpx
cost ~640 µs of CPU per call, aiohttp ~100 µs and this client ~48 µs in the same run
(``benchmarks/bench_client.py``, the loop's and the kernel's socket work included; in
instructions, 373k against 87k). It is built to
relay, not to browse: no cookie jar (one caller's cookies must never reach another's
request), no redirects followed, no proxy or netrc from the environment (guard contacts
only the configured upstream), no decompression (bytes are relayed as they came) and no
headers of its own beyond ``Host`` and the framing of the body it sends
(``Content-Length``, or ``Transfer-Encoding: chunked`` for a body of unknown length).

A stale keep-alive connection (the upstream closed it between two requests) is retried
once on a fresh connection, only as aiohttp did: an idempotent method, a body guard still
holds whole, a reused connection, and not one byte of an answer received. A POST is never
sent twice: its failure is a 502, as it was.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from guard.serve.connection import (
    Answer,
    Connection,
    ConnectTimeout,
    Disconnected,
    ReadTimeout,
    UpstreamError,
)

__all__ = ["Answer", "ProxyOptions", "ReadTimeout", "UnsafeRequest", "UpstreamError",
           "UpstreamPool"]

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
BODYLESS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
"""Methods sent without ``Content-Length: 0`` when they carry no body (as aiohttp did)."""
Body = bytes | AsyncIterator[bytes] | None


@dataclass(frozen=True)
class ProxyOptions:
    """Where and how to forward."""

    upstream: str
    connect_timeout: float = 5.0
    read_timeout: float = 300.0  # a long generation may be slow to start, or pause
    max_connections: int = 200
    keepalive_seconds: float = 30.0


class UnsafeRequest(ValueError):
    """A request line or header that would break out of its line (CR, LF or NUL in it):
    written raw, it would split one request into two (request smuggling). Refused."""


class UpstreamPool:
    """Keep-alive connections to the one upstream, for the running event loop."""

    def __init__(self, options: ProxyOptions) -> None:
        self.options = options
        url = urlsplit(options.upstream)
        self.tls = url.scheme == "https"
        self.host = url.hostname or ""
        self.port = url.port or (443 if self.tls else 80)
        self.host_header = _host_header(self.host, url.port)
        self._ssl: ssl.SSLContext | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._idle: list[Connection] = []
        self._open: set[Connection] = set()
        self._connecting = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._sweep: asyncio.TimerHandle | None = None
        self._closing = False

    async def open(self) -> None:
        self._bind()
        self._closing = False

    async def close(self) -> None:
        """Close the idle connections; those in use close when their answer is read."""
        self._closing = True
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()
        if self._sweep is not None:
            self._sweep.cancel()
            self._sweep = None

    async def request(self, method: str, target: bytes, headers: list[tuple[bytes, bytes]],
                      body: Body) -> Answer:
        """Send one request; its answer once the status and headers came.

        ``target`` is the path and query as they go on the request line, ``headers`` those
        to forward (``Host`` and the body's framing are added here). The caller must call
        :meth:`Answer.release` when done with the answer."""
        head = _head(method, target, self.host_header, headers, body)
        retry = method in IDEMPOTENT and not isinstance(body, AsyncIterator)
        while True:
            connection = await self._acquire()
            reused = connection.used > 0
            answer = connection.start(head_only=method == "HEAD")
            try:
                await _send(connection, answer, head, body)
                await answer.head()
            except Disconnected:
                answer.release()
                if retry and reused and not answer.started:
                    retry = False
                    continue
                raise
            except BaseException:
                answer.release()
                raise
            return answer

    def _bind(self) -> asyncio.AbstractEventLoop:
        """The pool belongs to one loop; a new loop (tests, a reload) starts it afresh."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop, self._idle, self._open, self._connecting = loop, [], set(), 0
            self._waiters.clear()
            self._sweep, self._closing = None, False
        return loop

    async def _acquire(self) -> Connection:
        loop = self._bind()
        while True:
            now = loop.time()
            while self._idle:
                connection = self._idle.pop()
                if not connection.closed and now - connection.idle_since < self._keepalive:
                    return connection
                connection.close()
            if len(self._open) + self._connecting < self.options.max_connections:
                return await self._connect(loop)
            waiter = loop.create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._wake_one()  # the slot it was given goes to the next in line
                raise
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)

    @property
    def _keepalive(self) -> float:
        return self.options.keepalive_seconds

    async def _connect(self, loop: asyncio.AbstractEventLoop) -> Connection:
        self._connecting += 1
        try:
            _, connection = await asyncio.wait_for(loop.create_connection(
                self._protocol, self.host, self.port, ssl=self._context(),
                server_hostname=self.host if self.tls else None),
                self.options.connect_timeout)
        except BaseException as exc:
            self._connecting -= 1
            self._wake_one()  # the slot it held is free again
            if isinstance(exc, TimeoutError):
                raise ConnectTimeout(f"no connection in {self.options.connect_timeout} s") \
                    from exc
            if isinstance(exc, OSError):
                raise UpstreamError(f"cannot connect: {type(exc).__name__}") from exc
            raise
        self._connecting -= 1
        if not connection.closed:
            self._open.add(connection)
        return connection

    def _protocol(self) -> Connection:
        connection = Connection(self.options.read_timeout, self._lost)
        connection.on_idle = self._idle_again
        return connection

    def _context(self) -> ssl.SSLContext | None:
        if self.tls and self._ssl is None:
            self._ssl = ssl.create_default_context()
        return self._ssl

    def _idle_again(self, connection: Connection) -> None:
        if self._closing or self._loop is not asyncio.get_running_loop():
            connection.close()
            return
        connection.idle_since = self._loop.time()
        self._idle.append(connection)
        self._wake_one()
        if self._sweep is None:
            self._sweep = self._loop.call_later(self._keepalive, self._expire_idle)

    def _lost(self, connection: Connection) -> None:
        """One connection fewer: a waiter may open another."""
        if connection in self._open:
            self._open.discard(connection)
            if connection in self._idle:
                self._idle.remove(connection)
            self._wake_one()

    def _wake_one(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def _expire_idle(self) -> None:
        """Close connections idle past ``keepalive_seconds``; again while any are idle."""
        assert self._loop is not None
        self._sweep = None
        cutoff = self._loop.time() - self._keepalive
        for connection in [c for c in self._idle if c.idle_since <= cutoff]:
            self._idle.remove(connection)
            connection.close()
        if self._idle:
            self._sweep = self._loop.call_later(self._keepalive, self._expire_idle)


def _host_header(host: str, port: int | None) -> bytes:
    shown = f"[{host}]" if ":" in host else host.encode("idna").decode("ascii")
    return (shown if port is None else f"{shown}:{port}").encode("ascii")


def _head(method: str, target: bytes, host: bytes, headers: list[tuple[bytes, bytes]],
          body: Body) -> bytes:
    """The request line and headers, refused if any part would break out of its line."""
    lines = [b"%s %s HTTP/1.1" % (method.encode("latin-1"), target), b"Host: " + host]
    lines += [name + b": " + value for name, value in headers]
    if isinstance(body, bytes):
        lines.append(b"Content-Length: %d" % len(body))
    elif body is None and method not in BODYLESS:
        lines.append(b"Content-Length: 0")
    elif body is not None and not any(n.lower() == b"content-length" for n, _ in headers):
        lines.append(b"Transfer-Encoding: chunked")
    block = b"\r\n".join(lines)
    breaks = len(lines) - 1
    if block.count(b"\r") != breaks or block.count(b"\n") != breaks or b"\0" in block:
        raise UnsafeRequest("CR, LF or NUL in a request line or header")
    return block + b"\r\n\r\n"


async def _send(connection: Connection, answer: Answer, head: bytes, body: Body) -> None:
    """Write the request. A streamed body stops when the answer starts (an upstream may
    answer early, a 413, and stop reading); the connection then carries nothing more."""
    if body is None or isinstance(body, bytes):
        connection.write(head + body if body else head)
        return
    chunked = head.endswith(b"Transfer-Encoding: chunked\r\n\r\n")
    connection.reusable = False
    connection.write(head)
    try:
        async for chunk in body:
            if answer.started:
                return
            if chunk:
                connection.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
                await connection.drain()
    except Disconnected:
        if answer.started:
            return  # closed after its answer came: the answer stands
        raise
    if chunked and not answer.started:
        connection.write(b"0\r\n\r\n")
    connection.reusable = not answer.started
