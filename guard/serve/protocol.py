"""``guard serve``'s HTTP/1.1 protocol: uvicorn's httptools one, with the limits it lacks.

uvicorn's httptools protocol (the fast one) has no bound on a request's header fields (a
1 MB header is parsed and handed on), no time limit on reading them (a client that sends a
byte a second holds a connection as long as it likes, an idle new connection too), and
answers what it cannot parse with a plain-text 400. h11's protocol bounds headers only by
answering 400 and is the slower one. So guard keeps httptools and adds, per connection:

- the request line and header fields are counted as they arrive, before httptools buffers
  them: past ``settings.max_header_bytes`` the client gets 431 and the connection closes;
- they must all arrive within ``settings.header_timeout`` of the request's start (the
  connection, or the end of the previous answer): else 408, and the connection closes;
- the body must arrive within ``settings.body_timeout`` plus a grace second of its headers
  (the middleware answers first, in the API's shape and logged, for every request it sees;
  this covers the rest): else 408 if no answer started, and the connection closes;
- what the parser refuses gets a 400 in JSON, not text.

Every answer here is in the shape of the API the path names, as the middleware's are.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any, cast

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from guard.responses import BAD_REQUEST, error_body

GRACE = 1.0
"""Seconds the protocol's body deadline waits past the middleware's, which answers first."""
LINGER = 2.0
"""Seconds a refused connection is still read (and what comes discarded) before it closes:
closing with unread bytes makes the kernel send a reset, and the client loses the answer."""
_REASONS = {400: b"Bad Request", 408: b"Request Timeout",
            431: b"Request Header Fields Too Large"}
_ENDS = (b"\r\n\r\n", b"\n\n")
LOST = "guard.connection_lost"
"""The scope extension holding a future that is done once the client's connection is gone."""


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """What a client may send, and how slowly (``settings``' header and body limits)."""

    max_header_bytes: int = 64 * 1024
    header_timeout: float = 10.0
    body_timeout: float = 30.0

    @classmethod
    def from_settings(cls, settings: Any) -> ReadLimits:
        return cls(settings.max_header_bytes, settings.header_timeout, settings.body_timeout)


def protocol_class(limits: ReadLimits) -> type[HttpToolsProtocol]:
    """The protocol class uvicorn instantiates per connection (``http=``), with ``limits``."""
    return type("LimitedHttpTools", (LimitedHttpTools,), {"limits": limits})


class LimitedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol with header size, header time and body time limits."""

    limits = ReadLimits()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self._head = 0  # bytes of the current request's line and headers so far
        self._in_head = True
        self._tail = b""  # the last bytes of the previous chunk: a head's end may be cut
        self._timer: asyncio.TimerHandle | None = None
        self._line = b""
        self._refused = False
        self._body_done = True  # the current request's body has all arrived
        self._lost: asyncio.Future[None] = self.loop.create_future()
        self._arm(self.limits.header_timeout, self._head_too_slow)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)
        if not self._lost.done():
            self._lost.set_result(None)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        # the app may learn of a hang-up from this future instead of a task waiting on
        # ``receive`` (see guard.serve.proxy): one callback, where a task cost ~10 µs
        extensions: dict[str, Any] = {LOST: self._lost}  # uvicorn types them as dicts
        self.scope["extensions"] = extensions
        if not self._in_head:  # a pipelined request: its head starts now
            self._in_head, self._head, self._tail = True, 0, b""
            self._arm(self.limits.header_timeout, self._head_too_slow)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._in_head and not self._count_head(data):
            self._refuse(431, "request header fields are over the limit of "
                         f"{self.limits.max_header_bytes} bytes")
            return
        super().data_received(data)

    def _count_head(self, data: bytes) -> bool:
        """Count the head's bytes in ``data`` (up to its blank line); within the limit?"""
        if not self._head:
            self._line = data[:2048]  # the request line: which API's shape a refusal takes
        joined = self._tail + data
        ends = [at + len(end) for end in _ENDS if (at := joined.find(end)) >= 0]
        self._head += (min(ends) - len(self._tail)) if ends else len(data)
        self._tail = joined[-3:]
        return self._head <= self.limits.max_header_bytes

    def on_headers_complete(self) -> None:
        self._in_head, self._head, self._tail = False, 0, b""
        self._body_done = False
        self._arm(self.limits.body_timeout + GRACE, self._body_too_slow)
        super().on_headers_complete()
        self.on_headers_complete_cycle()

    def on_headers_complete_cycle(self) -> None:
        """Give the new request's cycle a transport that sends a sized head with its body."""
        cycle = self.cycle  # new unless the request was an upgrade (then it is the last one)
        if (cycle is not None and cycle.transport is self.transport
                and cycle.scope.get("method") != "HEAD"):
            cycle.transport = cast("asyncio.Transport", HeadWithBody(self.transport))

    def on_message_complete(self) -> None:
        self._body_done = True
        self._disarm()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self._body_done and not self.transport.is_closing():
            self._linger()  # answered before its body came (a 408, a 413): what still comes
            return  # is that body, not a next request's head, so the connection ends
        if not self.transport.is_closing():  # the next request's head is timed from here
            self._in_head, self._head, self._tail = True, 0, b""
            self._arm(self.limits.header_timeout, self._head_too_slow)

    def send_400_response(self, msg: str) -> None:
        """What httptools refused (malformed, or a head over the limit), answered in JSON."""
        self._refuse(400, "the request could not be parsed as HTTP/1.1")

    def _head_too_slow(self) -> None:
        if self._head:
            self._refuse(408, "request header fields not received within "
                         f"{self.limits.header_timeout:g} s")
        else:  # an idle connection: nothing was asked, so no answer (a client reusing it
            self.transport.close()  # would take one for its next request's)

    def _body_too_slow(self) -> None:
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True  # the app hears the client left; its sends are dropped
            cycle.message_event.set()
            if cycle.response_started:
                self.transport.close()
                return
        self._refuse(408, f"request body not received within {self.limits.body_timeout:g} s")

    def _refuse(self, status: int, message: str) -> None:
        self._disarm()
        if self.transport.is_closing():
            return
        payload = json.dumps(error_body(_api(self._line), status, message, _CODES[status],
                                        BAD_REQUEST)).encode()
        head = [b"HTTP/1.1 %d %s\r\n" % (status, _REASONS[status])]
        head += [name + b": " + value + b"\r\n"
                 for name, value in self.server_state.default_headers]
        head.append(b"content-type: application/json\r\ncontent-length: %d\r\n"
                    b"connection: close\r\n\r\n" % len(payload))
        self.transport.write(b"".join(head) + payload)
        self._linger()

    def _linger(self) -> None:
        """Answer sent: half-close, read and drop what still comes, close after a while."""
        self._refused = True
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.transport.resume_reading()
        self.loop.call_later(LINGER, self.transport.close)

    def _arm(self, seconds: float, callback: Any) -> None:
        self._disarm()
        self._timer = self.loop.call_later(seconds, callback)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class HeadWithBody:
    """One answer's transport: a head that declares a length waits for the body's first
    write and goes out in the same ``write``.

    uvicorn writes an answer's head as soon as the app starts it and the body when it
    comes: two socket writes for every sized answer, and on loopback each write is kernel
    work (the TCP send and the peer's wake-up) costing more CPU than any Python around it
    (measured on ``guard serve``: ``benchmarks/bench_stages.py``). A head without a length
    (a stream, chunked) and interim ``1xx`` heads go out at once, so a stream's head is
    never held back; anything else asked of the transport (``close``, ``is_closing``...)
    sends the held head first, so nothing is reordered or lost.
    """

    __slots__ = ("_held", "_transport")

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._held = b""

    def write(self, data: bytes) -> None:
        if self._held:
            data, self._held = self._held + data, b""
        elif _sized_head(data):
            self._held = data
            return
        self._transport.write(data)

    def release(self) -> None:
        if self._held:
            held, self._held = self._held, b""
            self._transport.write(held)

    def close(self) -> None:
        self.release()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        self.release()
        return getattr(self._transport, name)


def _sized_head(data: bytes) -> bool:
    """Whether ``data`` is a final answer's head with a ``content-length`` (uvicorn writes
    header names in lower case)."""
    return (data.startswith(b"HTTP/1.1 ") and not data.startswith(b"HTTP/1.1 1")
            and b"\r\ncontent-length: " in data)


_CODES = {400: "invalid_request", 408: "request_timeout", 431: "headers_too_large"}


def _api(line: bytes) -> str:
    """The API the request line's target names (OpenAI's shape when it names none)."""
    from guard.dialects import for_path

    parts = line.split(b"\r", 1)[0].split(b"\n", 1)[0].split(b" ")
    target = parts[1].partition(b"?")[0] if len(parts) > 1 else b""
    return for_path(target.decode("latin-1")).name
