"""One keep-alive HTTP/1.1 connection to the upstream and the answer read from it.

An asyncio :class:`~asyncio.Protocol` whose bytes go straight into httptools' response
parser (llhttp, the parser uvicorn already runs for guard's own side): no stream reader,
no multidict, no URL object, no writer task per request: where most of aiohttp's CPU per
relayed call went (``benchmarks/bench_client.py``: 373k against 87k instructions a call).

What it guarantees, because a relay must not desynchronise two parties:

- a connection carries one request at a time and goes back to the pool only once its
  answer was read to the end and the upstream did not ask to close it (``Connection:
  close``, HTTP/1.0 without keep-alive, an answer read until the connection closed);
- an answer cut short (the connection dropped mid-body, a parser error, a read timeout)
  is an :class:`UpstreamError` for the reader, never a hang and never a short answer taken
  for a whole one; the connection is then closed, as it is when the reader gives up
  (:meth:`Answer.release` before the end: a caller hung up);
- a slow reader pauses the socket (at :data:`HIGH_WATER` bytes unread) rather than
  buffering an unbounded stream.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import cast

import httptools

HIGH_WATER = 1 << 18
"""Unread answer bytes at which reading pauses (256 KB: a few large SSE events)."""
LOW_WATER = 1 << 16
"""...and resumes, once the reader is down to this."""
MAX_HEAD = 1 << 18
"""Bytes of header fields (informational answers' and trailers' included) an answer may
send: past it the answer is refused (502), as aiohttp bounded lines and fields. An upstream
trickling header bytes would otherwise grow memory without ever hitting the read timeout."""
MAX_INTERIM = 16
"""Informational (1xx) answers before the real one; an endless run is refused."""


class UpstreamError(Exception):
    """The upstream could not be reached, or its answer failed: a 502 for the caller."""


class ConnectTimeout(UpstreamError):
    """No connection within ``connect_timeout``: unreachable (502), not slow."""


class ReadTimeout(UpstreamError, TimeoutError):
    """No byte of the answer within ``read_timeout``: the upstream is slow (504)."""


class Disconnected(UpstreamError):
    """The connection closed before the answer ended."""


class Connection(asyncio.Protocol):
    """The socket, its state between requests and the answer it is reading now."""

    def __init__(self, read_timeout: float, on_lost: Callable[[Connection], None]) -> None:
        self.read_timeout = read_timeout
        self.on_lost = on_lost
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.used = 0
        """Requests started on this connection: above 0, it is a reused keep-alive one."""
        self.reusable = True
        """False while a streamed body is being sent, and for good if it was cut short:
        the upstream may still be reading a request whose answer already came."""
        self.idle_since = 0.0
        self.answer: Answer | None = None
        self.on_idle: Callable[[Connection], None] | None = None
        self._reading_paused = False
        self._drained: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        answer = self.answer
        if answer is None or answer.complete:
            self.close()  # bytes no request asked for: the stream is out of step
            return
        answer.feed(data)
        if self._drained is not None and answer.started:
            self._wake_writer()  # an answer came while the body was held up: stop sending

    def eof_received(self) -> bool:
        return False  # close the transport: connection_lost settles the answer

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.answer is not None:
            self.answer.lost()
        self._wake_writer()
        self.on_lost(self)

    def pause_writing(self) -> None:
        if self._drained is None:
            self._drained = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        self._wake_writer()

    def _wake_writer(self) -> None:
        drained, self._drained = self._drained, None
        if drained is not None and not drained.done():
            drained.set_result(None)

    async def drain(self) -> None:
        """Wait while the socket's write buffer is full, at most ``read_timeout`` (an
        upstream that reads nothing); :class:`Disconnected` if closed."""
        if self._drained is not None:
            try:
                await asyncio.wait_for(self._drained, self.read_timeout)
            except TimeoutError as exc:
                self.close()
                raise ReadTimeout("the upstream read none of the request in time") from exc
        if self.closed:
            raise Disconnected("the upstream closed the connection during the request")

    def start(self, head_only: bool) -> Answer:
        """A new answer to read on this connection (one request at a time)."""
        self.used += 1
        self.answer = Answer(self, head_only)
        return self.answer

    def write(self, data: bytes) -> None:
        if self.closed or self.transport is None:
            raise Disconnected("the upstream closed the connection")
        self.transport.write(data)

    def pause_reading(self, pause: bool) -> None:
        if pause != self._reading_paused and self.transport is not None and not self.closed:
            self._reading_paused = pause
            if pause:
                self.transport.pause_reading()
            else:
                self.transport.resume_reading()

    def finished(self, keep_alive: bool) -> None:
        """The answer was read to its end: back to the pool, or closed if it cannot serve
        another request."""
        self.pause_reading(False)  # nothing more is due: a close from the upstream is seen
        if keep_alive and self.reusable and self.on_idle is not None and not self.closed:
            self.answer = None
            self.on_idle(self)
        else:
            self.close()

    def close(self) -> None:
        """Abort: unsent and unread bytes are dropped; the upstream sees the close."""
        if self.transport is not None and not self.closed:
            self.closed = True
            self.transport.abort()


class Answer:
    """The upstream's answer: status and headers once :meth:`head` returns, then the body
    chunk by chunk (:meth:`chunk`) or whole (:meth:`read`). Also the parser's callbacks."""

    def __init__(self, connection: Connection, head_only: bool) -> None:
        self.connection = connection
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.started = False
        """A byte of the answer came: the request reached the upstream."""
        self.complete = False
        self._head_only = head_only
        self._head_done = False
        self._parser: httptools.HttpResponseParser | None = httptools.HttpResponseParser(self)
        self._chunks: deque[bytes] = deque()
        self._unread = 0
        self._head_bytes = 0  # head bytes fed before the head was done, then trailers
        self._interim = 0
        self._error: UpstreamError | None = None
        self._waiter: asyncio.Future[None] | None = None

    def header(self, name: bytes) -> bytes | None:
        """The first value of a header (``name`` in lower case)."""
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None

    async def head(self) -> None:
        """Wait for the status and headers (1xx informational answers skipped)."""
        while not self._head_done:
            if self._error is not None:
                raise self._error
            await self._wait()

    async def chunk(self) -> bytes:
        """The next piece of the body as it came, ``b""`` at its end."""
        while not self._chunks:
            if self._error is not None:
                raise self._error
            if self.complete:
                return b""
            await self._wait()
        chunk = self._chunks.popleft()
        self._unread -= len(chunk)
        if self._unread <= LOW_WATER:
            self.connection.pause_reading(False)
        return chunk

    async def read(self) -> bytes:
        """The whole body."""
        parts = []
        while chunk := await self.chunk():
            parts.append(chunk)
        return b"".join(parts)

    def release(self) -> None:
        """Done with the answer: a connection whose answer was not read to the end cannot
        carry another request, so it is closed (a caller that hung up ends here)."""
        if not self.complete:
            self.connection.close()

    async def _wait(self) -> None:
        loop = asyncio.get_running_loop()
        waiter = self._waiter = loop.create_future()
        timer = loop.call_later(self.connection.read_timeout, self._expire, waiter)
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiter = None

    def _expire(self, waiter: asyncio.Future[None]) -> None:
        if not waiter.done():
            self.connection.close()
            self._error = ReadTimeout("the upstream sent nothing within the read timeout")
            waiter.set_result(None)

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def feed(self, data: bytes) -> None:
        if self._parser is None:
            return
        try:
            self._parser.feed_data(data)
            if not self._head_done and self._parser is not None:  # all of it was head
                self._head_bytes += len(data)
                if self._head_bytes > MAX_HEAD:
                    self._fail(UpstreamError("the upstream's status line and header fields "
                                             f"are over {MAX_HEAD} bytes"))
        except httptools.HttpParserUpgrade:
            self._fail(UpstreamError("the upstream switched protocols unasked"))
        except httptools.HttpParserError as exc:
            ours = exc.__context__  # a callback's own refusal, which httptools wraps
            self._fail(ours if isinstance(ours, UpstreamError) else
                       UpstreamError(f"the upstream's answer is not valid HTTP: {exc}"))

    def lost(self) -> None:
        """The connection closed: the end of an answer read until close, else a failure."""
        if self.complete:
            return
        if self._head_done and self._until_close():
            self._end(keep_alive=False)
        else:
            self._fail(Disconnected("the upstream closed the connection mid-answer"))

    def _until_close(self) -> bool:
        """No length and not chunked: the body ends when the connection does."""
        return (self.header(b"content-length") is None
                and b"chunked" not in (self.header(b"transfer-encoding") or b"").lower())

    def _fail(self, error: UpstreamError) -> None:
        if self._error is None and not self.complete:
            self._error = error
        self._parser = None  # parser and answer refer to each other: no cyclic garbage
        self.connection.close()
        self._wake()

    def _end(self, keep_alive: bool) -> None:
        self.complete = True
        self._parser = None  # still held by its running feed_data; no cycle left behind
        self.connection.finished(keep_alive)
        self._wake()

    # httptools' callbacks
    def on_message_begin(self) -> None:
        if self._head_done:  # a second answer to one request: the stream is out of step
            raise UpstreamError("the upstream sent more than one answer")
        self.started = True
        self.headers = []  # an informational answer's headers are not the answer's

    def on_header(self, name: bytes, value: bytes) -> None:
        if not self._head_done:  # trailers after a chunked body are not relayed
            self.headers.append((name, value))
            return
        self._head_bytes += len(name) + len(value)  # trailers: bounded like the head
        if self._head_bytes > MAX_HEAD:
            raise UpstreamError(f"the upstream's trailer fields are over {MAX_HEAD} bytes")

    def on_headers_complete(self) -> None:
        assert self._parser is not None
        status = self._parser.get_status_code()
        if status < 200:
            self._interim += 1
            if self._interim > MAX_INTERIM:
                raise UpstreamError("the upstream sent informational answers without end")
            return  # 1xx: its message ends here; the real answer follows
        self.status = status
        self._head_done = True
        if self._head_only:  # HEAD: a length describes a body that is never sent
            self._end(keep_alive=False)  # llhttp cannot be told so; not reused
        else:
            self._wake()

    def on_body(self, body: bytes) -> None:
        if self.complete:
            return  # a body after a HEAD answer's headers: not the answer's
        self._chunks.append(body)
        self._unread += len(body)
        if self._unread >= HIGH_WATER:
            self.connection.pause_reading(True)
        self._wake()

    def on_message_complete(self) -> None:
        if self._head_done and not self.complete and self._parser is not None:
            self._end(self._parser.should_keep_alive())
