"""The reverse proxy behind ``guard serve``: every path forwarded to one upstream gateway.

The proxy itself knows nothing about policies: a plain ASGI app that streams requests
to the upstream and answers back (connection pooling, timeouts, hop-by-hop headers
dropped, upstream errors passed through unchanged), wrapped in
:class:`~guard.asgi.GuardMiddleware` like any gateway. Only the path and query of a
request reach the upstream URL: no request can make guard contact a host the operator
did not configure. A query the upstream URL carries (``?api-version=...``, ``?key=...``)
comes first on every forwarded request, the caller's after it. A caller that hangs up
cancels its upstream call, so a model does not go on generating (and billing) an answer
nobody reads.

Forwarding is raw ASGI rather than a Starlette route: routing, exception middleware and
``StreamingResponse``'s task group cost more per request than guard's checks. Starlette
still serves guard's own paths (``/healthz``, ``/metrics``) and the lifespan.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import AbstractAsyncContextManager
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from guard.dialects import Dialect, dialect, for_path
from guard.dialects.events import SSE
from guard.responses import UPSTREAM, request_of, wire_status
from guard.serve.protocol import LOST
from guard.serve.upstream import Answer, ProxyOptions, ReadTimeout, UpstreamError, UpstreamPool
from guard.urls import shown_url

__all__ = ["ProxyOptions", "build_proxy"]

log = logging.getLogger("guard")

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Background = Callable[[], AbstractAsyncContextManager[None]]

HOP_BY_HOP = frozenset({b"connection", b"keep-alive", b"proxy-authenticate",
                        b"proxy-authorization", b"te", b"trailer", b"trailers",
                        b"transfer-encoding", b"upgrade", b"host", b"content-length",
                        b"accept-encoding", b"expect"})
"""Not forwarded either way. ``expect: 100-continue`` was answered by guard's own server;
the caller's ``accept-encoding`` is replaced by ``identity`` so answers come uncompressed and
the middleware can read them (one that comes compressed anyway is decoded there)."""
RESPONSE_DROPPED = HOP_BY_HOP | {b"date", b"server"}
"""``date`` and ``server`` are set by guard's own server; the upstream's would be duplicates."""
BUFFERED = 1 << 20
"""A request body of declared length up to this is read whole and sent in one write (the
middleware has already read every guarded body); larger or unsized ones stream through."""


def build_proxy(options: ProxyOptions, extra_routes: list[Route] | None = None,
                background: Background | None = None) -> Proxy:
    """The forwarding app; ``/healthz`` and ``extra_routes`` (fixed paths) answered locally.

    ``background`` is entered for the app's lifetime (file watching, signal handlers).
    """
    pool = UpstreamPool(options)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            await pool.open()
            stack.push_async_callback(pool.close)
            if background is not None:
                await stack.enter_async_context(background())
            yield

    routes = [Route("/healthz", _healthz, methods=["GET"]), *(extra_routes or [])]
    local = Starlette(routes=routes, lifespan=lifespan)
    return Proxy(Forwarder(options, pool), local, frozenset(r.path for r in routes))


class Proxy:
    """guard's own paths and the lifespan to Starlette; every other request forwarded."""

    def __init__(self, forward: Forwarder, local: Starlette, local_paths: frozenset[str]):
        self.forward = forward
        self.local = local
        self.local_paths = local_paths

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.local(scope, receive, send)
        elif scope["path"] not in self.local_paths:
            await self.forward(scope, receive, send)
        elif await _drained(receive):
            await self.local(scope, receive, send)


class Forwarder:
    """Relays one request to the upstream and its answer back."""

    def __init__(self, options: ProxyOptions, pool: UpstreamPool) -> None:
        base = urlsplit(options.upstream)
        self.options = options
        self.pool = pool
        self.prefix = base.path.rstrip("/").encode("latin-1")
        self.query = base.query.encode("latin-1")  # the operator's (?api-version=)

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        exchange = _Exchange(scope, receive)
        body = await exchange.body()
        if body is _GONE:
            return
        with exchange.cancelled_when_gone():
            await self._send(exchange, body, send)

    async def _send(self, exchange: _Exchange, body: Any, send: Send) -> None:
        scope = exchange.scope
        path = scope.get("raw_path") or scope["path"].encode()
        query = b"&".join(q for q in (self.query, scope.get("query_string", b"")) if q)
        target = self.prefix + path.split(b"?")[0]
        try:
            answer = await self.pool.request(scope["method"], target + b"?" + query
                                             if query else target, exchange.headers(), body)
        except UpstreamError as exc:
            await _failed(scope, send, self.options.upstream, exc)
            return
        try:
            await _relay(answer, scope, send, self.options.upstream)
        finally:
            answer.release()  # back to the pool when read to the end, else closed


_GONE: Any = object()


class _Exchange:
    """The caller's side of one forwarded request: its headers, its body, its hang-up."""

    def __init__(self, scope: Message, receive: Receive) -> None:
        self.scope = scope
        self.receive = receive
        self.gone = False
        self._watcher: asyncio.Future[None] | None = None
        self._lost: asyncio.Future[None] | None = None  # guard's server: the connection's end
        self._done = False
        self._task: asyncio.Task[Any] | None = None
        declared = _header(scope, b"content-length")
        self.length = int(declared) if declared is not None and declared.isdigit() else None

    def headers(self) -> list[tuple[bytes, bytes]]:
        headers = [(k, v) for k, v in self.scope.get("headers", [])
                   if k.lower() not in HOP_BY_HOP]
        headers.append((b"Accept-Encoding", b"identity"))  # answers guard reads as they come
        if self.length is not None and self.length > BUFFERED:
            headers.append((b"Content-Length", b"%d" % self.length))  # streamed, not chunked
        return headers

    async def body(self) -> Any:
        """Bytes, an async iterator of chunks, None (no body) or _GONE (caller left)."""
        if self.length is not None and self.length <= BUFFERED:
            parts: list[bytes] = []
            while True:
                message = await self.receive()
                if message["type"] == "http.disconnect":
                    return _GONE
                parts.append(message.get("body", b""))
                if not message.get("more_body", False):
                    self.watch()
                    return b"".join(parts)
        if self.length is None and _header(self.scope, b"transfer-encoding") is None:
            self.watch()
            return None
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                self._hang_up()
                await asyncio.sleep(0)  # the cancel lands here: a cut body never ends whole
                return
            chunk = message.get("body", b"")
            if chunk:
                yield chunk
            if not message.get("more_body", False):
                self.watch()
                return

    def watch(self) -> None:
        """Listen for the caller hanging up, once its body is read (one reader at a time):
        through guard's server's connection future when it gives one (a callback), else by
        a task waiting on ``receive`` (any ASGI server)."""
        if self._watcher is not None or self._lost is not None:
            return
        lost = (self.scope.get("extensions") or {}).get(LOST)
        if isinstance(lost, asyncio.Future):
            self._lost = lost
            lost.add_done_callback(self._lost_connection)
            return
        self._watcher = asyncio.ensure_future(self._until_gone())

    def _lost_connection(self, _: asyncio.Future[None]) -> None:
        self._hang_up()

    async def _until_gone(self) -> None:
        while (await self.receive())["type"] != "http.disconnect":
            pass
        self._hang_up()

    def _hang_up(self) -> None:
        if not self._done and self._task is not None and not self.gone:
            self.gone = True
            self._task.cancel()

    @contextlib.contextmanager
    def cancelled_when_gone(self) -> Any:
        """Run the block in a task the caller's hang-up cancels; that cancel ends quietly."""
        self._task = asyncio.current_task()
        try:
            yield
        except asyncio.CancelledError:
            if not self.gone:
                raise
            assert self._task is not None
            self._task.uncancel()
        finally:
            self._done = True
            if self._lost is not None:
                self._lost.remove_done_callback(self._lost_connection)
            if self._watcher is not None and not self._watcher.done():
                asyncio.get_running_loop().call_soon(self._stop_watching)

    def _stop_watching(self) -> None:
        """End the watcher if the server has not already ended it.

        Once the answer is sent, ``receive`` gives ``http.disconnect`` (ASGI says so; the
        server wakes the watcher as the last body goes out, before this runs), so the
        watcher ends on its own. Cancelling it instead made a ``CancelledError`` with its
        traceback and frames: cyclic garbage, a fifth of what the collector had to free
        per request (``gc.DEBUG_SAVEALL`` under load). Kept for a server that does not."""
        if self._watcher is not None and not self._watcher.done():
            self._watcher.cancel()


async def _relay(answer: Answer, scope: Message, send: Send, upstream: str) -> None:
    """The upstream's status, headers and bytes; a stream it cuts short ends with the API's
    own error event (anything else cut short is cut short for the caller too)."""
    headers = [(k, v) for k, v in answer.headers if k.lower() not in RESPONSE_DROPPED]
    length = _whole(answer, scope)
    if length is not None:
        await _relay_whole(answer, scope, send, headers, upstream)
        return
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    try:
        while chunk := await answer.chunk():
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    except UpstreamError as exc:
        if b"text/event-stream" not in (answer.header(b"content-type") or b""):
            raise
        await send({"type": "http.response.body", "body": _stream_error(scope, exc),
                    "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


def _whole(answer: Answer, scope: Message) -> int | None:
    """The declared length of an answer relayed whole, else None (streamed as it comes).

    A sized answer up to :data:`BUFFERED` that is not a stream is read whole and sent with
    its ``Content-Length`` in one message: measured on ``guard serve``, a 2 KB answer went
    out as a chunked head, chunk and terminator (three socket writes, three messages
    through the middleware); whole, it is a head and a body. Answers that carry no body
    (HEAD, 1xx, 204, 304) keep the streaming path."""
    declared = answer.header(b"content-length") or b""
    if (not declared.isdigit() or int(declared) > BUFFERED or scope["method"] == "HEAD"
            or answer.status < 200 or answer.status in (204, 304)
            or b"text/event-stream" in (answer.header(b"content-type") or b"")):
        return None
    return int(declared)


async def _relay_whole(answer: Answer, scope: Message, send: Send,
                       headers: list[tuple[bytes, bytes]], upstream: str) -> None:
    """A sized answer in one body message; one the upstream cuts short is a 502 in the
    API's shape (nothing was sent yet), as an unreachable upstream is."""
    try:
        body = await answer.read()
    except UpstreamError as exc:
        await _failed(scope, send, upstream, exc)
        return
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def _stream_error(scope: Message, exc: BaseException) -> bytes:
    dialect, request = _asked(scope)
    log.warning("the upstream ended a stream early: %s", type(exc).__name__)
    body = dialect.error_body(502, "the upstream ended the stream early", "upstream_error",
                              UPSTREAM, request)
    return b"\n\n" + dialect.error_event(body, SSE())


def _asked(scope: Message) -> tuple[Dialect, Any]:
    """The dialect of the request being relayed and its body as guard read it (from the
    middleware's decision: a JSON-RPC body on any path is MCP's), else the path's dialect."""
    decision = (scope.get("state") or {}).get("guard_decision")
    if decision is None:
        return for_path(scope["path"]), None
    return dialect(decision.api), request_of(decision)


async def _failed(scope: Message, send: Send, upstream: str, exc: BaseException) -> None:
    """502 (unreachable) or 504 (no answer in time), in the API's shape; the upstream's
    address (never its credentials nor query: :func:`~guard.urls.shown_url`) and the failure
    go to guard's logger, not to the caller."""
    asked, request = _asked(scope)
    host = shown_url(upstream)
    timed_out = isinstance(exc, ReadTimeout)
    status, code = (504, "upstream_timeout") if timed_out else (502, "upstream_unreachable")
    verb = "did not answer in time" if timed_out else "is unreachable"
    log.warning("upstream %s %s (%s)", host, verb, type(exc).__name__)
    body = asked.error_body(status, f"the upstream {verb}", code, UPSTREAM, request)
    payload = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": wire_status(status, body),
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload, "more_body": False})


def _header(scope: Message, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


async def _drained(receive: Receive) -> bool:
    """Read (and drop) a local path's request body before it is answered: an answer sent
    while the body still trickles in would race the protocol's 408 for the same request,
    and the client would read two answers. False if the client left (or was timed out)."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return False
        if not message.get("more_body", False):
            return True


async def _healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})
