"""``GuardMiddleware``: put a policy set in front of any ASGI app, pure ASGI.

Options are read once in ``__init__``; ``__call__`` only routes. Every HTTP request is
decided by the one rule of :mod:`guard.intake`: its path normalized (a path that cannot be
read one way only is refused; the app receives the normalized one), a request without a body
passed on, a ``settings.passthrough`` one passed on uninspected (and logged), any other read
once, decided, answered in the API's own shape when denied, or replayed (possibly edited)
downstream. The response is guarded on its way back (JSON through the output stage, streams
event by event) and budgets are settled or released whatever happens. WebSocket connections
carry traffic guard does not read: refused unless a passthrough entry names them.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from guard import jsontext
from guard.asgi.body import BodyError, Deadline, Message, Receive, read_body, replay
from guard.asgi.response import ResponseGuard
from guard.asgi.watch import WATCH_BYTES, while_connected
from guard.dialects import PathError, RequestPath, dialect, for_path, normalize
from guard.engine.decision import Decision
from guard.library import Guard
from guard.limits.headers import combined
from guard.responses import wire_status

Send = Callable[[Message], Awaitable[None]]
App = Callable[[Message, Receive, Send], Awaitable[None]]
GuardSource = Guard | Callable[[], Guard]
_BODY_CODES = {413: "body_too_large"}
"""Error codes of a body that breaks a limit: what a client's code can branch on."""


class GuardMiddleware:
    """Wraps an ASGI app (a gateway) so every LLM call through it follows the policies.

    ``guard`` is a :class:`Guard`, or a callable returning the current one (hot reload swaps
    what it returns). ``paths``: globs of the (normalized) paths that are LLM traffic, for an
    app that also serves other things; by default every path is. ``max_body_bytes`` and
    ``body_timeout`` default to the policy set's settings; ``settings.max_header_bytes``
    bounds the request line and headers (431), and bodies guard does not read are held to
    the body timeout too.
    """

    def __init__(self, app: App, guard: GuardSource, *, paths: Sequence[str] | None = None,
                 max_body_bytes: int | None = None, body_timeout: float | None = None,
                 stream_holdback: int = 0, observer: Any = None) -> None:
        self.app = app
        self.source: Callable[[], Guard] = _source(guard)
        self.paths = tuple(p.lower() for p in paths) if paths else None
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout
        self.stream_holdback = stream_holdback
        self.observer = observer  # a guard.observe.Observer: decision log and metrics

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await GuardedExchange(self, scope, receive, send).run()
        elif kind == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def covers(self, path: RequestPath) -> bool:
        """Whether ``path`` is LLM traffic (``paths``, when given, says which is)."""
        return self.paths is None or any(fnmatch.fnmatchcase(path.key, p) for p in self.paths)

    async def _websocket(self, scope: Message, receive: Receive, send: Send) -> None:
        """A WebSocket connection passes (on its normalized path, as HTTP requests do) when
        ``paths`` leaves it out or a ``WEBSOCKET`` passthrough entry names it."""
        try:
            target = normalize(scope.get("raw_path") or scope.get("path", "/"),
                               scope.get("query_string", b""))
        except PathError:
            target = None
        if target is not None and (not self.covers(target) or
                                   self.source().passes("WEBSOCKET", target, websocket=True)):
            await self.app(_on_path(scope, target), receive, send)
            return
        await receive()  # websocket.connect
        await send({"type": "websocket.close", "code": 1008,
                    "reason": "guard does not inspect WebSocket traffic"})


class GuardedExchange:
    """One HTTP request and its response."""

    def __init__(self, middleware: GuardMiddleware, scope: Message, receive: Receive,
                 send: Send) -> None:
        self.middleware = middleware
        self.guard = middleware.source()
        self.scope = scope
        self.receive = receive
        self.send = send
        self.method = str(scope.get("method", "GET")).upper()
        self.headers = _headers(scope.get("headers", []))

    async def run(self) -> None:
        scope = self.scope
        if _header_bytes(scope) > self.guard.settings.max_header_bytes:
            await self._refuse(for_path(str(scope.get("path", ""))[:2048]), 431,
                               "request header fields are over the limit of "
                               f"{self.guard.settings.max_header_bytes} bytes",
                               "headers_too_large")
            return
        try:
            target = normalize(scope.get("raw_path") or scope.get("path", "/"),
                               scope.get("query_string", b""))
        except PathError as exc:
            await self._refuse(for_path(""), 400, str(exc), "invalid_path")
            return
        if not self.middleware.covers(target):
            deadline = self._deadline(target)
            await self.middleware.app(_on_path(scope, target), deadline.receive, deadline.send)
            return
        if self.guard.passes(self.method, target):
            deadline = self._deadline(target)
            self.send = deadline.send
            await self._forward_unread(self.guard.uninspected(target, self.method,
                                                              "passthrough"), target,
                                       deadline.receive)
            return
        await self._decide(target)

    def _body_timeout(self) -> float:
        timeout = self.middleware.body_timeout
        return float(self.guard.settings.body_timeout if timeout is None else timeout)

    def _deadline(self, target: RequestPath) -> Deadline:
        """A body guard does not read still arrives within the body timeout (408)."""
        timeout = self._body_timeout()

        async def refuse(send: Send) -> None:
            decision = self.guard.refuse(for_path(target.path).name, 408,
                                         f"request body not received within {timeout:g} s",
                                         "invalid_request")
            await send_json(send, 408, decision.error, decision.headers)

        return Deadline(self.receive, self.send, timeout, refuse)

    async def _decide(self, target: RequestPath) -> None:
        body = await self._body(target)
        if body is None:
            return
        # a request without a body (read all the same: HTTP/2 needs no length header to
        # carry one) is decided too, and what it fetches is output (Guard.decide)
        work = self.guard.decide(body, target, self.method, self.headers)
        if len(body) < WATCH_BYTES and not self.guard.compiled.judge:
            decision = await work
        else:  # a decision that may take a while: cancelled if the client leaves
            watched = await while_connected(work, self.receive)
            if watched is None:
                return
            decision, self.receive = watched
        if not decision.inspected:  # unknown_api: allow
            await self._forward_unread(decision, target, replay(body, self.receive))
        elif decision.action == "deny":
            await send_json(self.send, decision.status, decision.error, decision.headers)
            self._observe(decision, None, decision.status, False, None)
        else:
            await self._forward(decision, body, decision.state.get("target") or target)

    async def _forward(self, decision: Decision, original: bytes, target: RequestPath) -> None:
        forwarded, strip_usage = forwarded_body(decision, original)
        decoded = bool(decision.state.get("decoded"))
        guard_send = ResponseGuard(self.guard, decision, self.send, self.middleware,
                                   strip_usage)
        scope = self._scope(decision, forwarded, target, decoded)
        try:
            await self.middleware.app(scope, replay(forwarded, self.receive), guard_send.send)
        finally:
            await guard_send.close()
            self._observe(decision, guard_send.result, guard_send.status,
                          guard_send.mode == "stream", guard_send.usage)

    async def _forward_unread(self, decision: Decision, target: RequestPath,
                              receive: Receive) -> None:
        """A request the operator lets through: it and its answer pass unread (logged)."""
        status: list[int] = [200]

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message.get("status", 200))
                message = {**message, "headers": combined(list(message.get("headers", [])),
                                                          decision.headers)}
            await self.send(message)

        try:
            await self.middleware.app(_on_path(self.scope, target), receive, send)
        finally:
            self._observe(decision, None, status[0], False, None)

    async def _body(self, target: RequestPath) -> bytes | None:
        limit = self.middleware.max_body_bytes or self.guard.settings.max_body_bytes
        declared = self.headers.get("content-length")
        try:
            return await read_body(self.receive, limit, self._body_timeout(),
                                   int(declared) if declared and declared.isdigit() else None)
        except BodyError as exc:
            if exc.status != 499:  # a client that left gets no answer
                found = for_path(target.path)
                await self._refuse(found, exc.status, str(exc), _BODY_CODES.get(exc.status,
                                                                                "invalid_request"))
            return None

    async def _refuse(self, found: Any, status: int, message: str, code: str) -> None:
        """A refusal before any policy ran: in the API's shape, with a decision id, logged."""
        decision = self.guard.refuse(found.name, status, message, code)
        await send_json(self.send, status, decision.error, decision.headers)
        self._observe(decision, None, status, False, None)

    def _scope(self, decision: Decision, body: bytes, target: RequestPath,
               decoded: bool) -> Message:
        dropped = (b"content-length", b"transfer-encoding", b"accept-encoding") + (
            (b"content-encoding",) if decoded else ())
        headers = [(k, v) for k, v in self.scope.get("headers", []) if k.lower() not in dropped]
        headers.append((b"content-length", str(len(body)).encode()))
        headers.append((b"accept-encoding", b"identity"))  # an answer guard can read
        state = dict(self.scope.get("state") or {})
        state["guard_decision"] = decision
        return {**_on_path(self.scope, target), "headers": headers, "state": state}

    def _observe(self, decision: Decision, response: Any, status: int, stream: bool,
                 usage: Any) -> None:
        observer = self.middleware.observer
        if observer is not None:
            observer.record(decision, response, status=status, stream=stream, usage=usage)


def _header_bytes(scope: Message) -> int:
    """The request line and header fields as they came, about: ``name: value`` and CRLF."""
    size = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"") + 16
    for name, value in scope.get("headers", ()):
        size += len(name) + len(value) + 4
    return size


def _headers(raw: Sequence[tuple[bytes, bytes]]) -> dict[str, str]:
    """Header fields by lower-case name; a field given more than once is its values joined
    with ``", "`` (RFC 9110 5.3): two ``Content-Encoding`` lines are two codings, both to undo,
    not the last one only."""
    headers: dict[str, str] = {}
    for key, value in raw:
        name, text = key.decode("latin-1").lower(), value.decode("latin-1")
        headers[name] = f"{headers[name]}, {text}" if name in headers else text
    return headers


def _on_path(scope: Message, target: RequestPath) -> Message:
    """``scope`` on the normalized path: the app serves exactly what guard decided on."""
    return {**scope, "path": target.path, "raw_path": target.raw.encode("ascii"),
            "query_string": target.query.encode("latin-1")}


def _source(guard: GuardSource) -> Callable[[], Guard]:
    if isinstance(guard, Guard):
        return lambda: guard
    return guard


def forwarded_body(decision: Decision, original: bytes) -> tuple[bytes, bool]:
    """The body to send upstream, and whether guard asked for usage the caller did not.

    An allowed request goes up as guard read it (its content coding undone), byte for byte;
    a changed one as the JSON of the decided body.
    """
    if decision.state.get("bodyless"):
        return b"", False
    body = decision.body or {}
    envelope = decision.state.get("envelope")
    stream = envelope.stream if envelope is not None else body.get("stream") is True
    body, strip_usage = dialect(decision.api).prepare(body, stream)
    if decision.action == "allow" and not strip_usage:
        return decision.state.get("forward", original), False
    return jsontext.dumps(body), strip_usage


async def send_json(send: Send, status: int, body: Any, headers: dict[str, str]) -> None:
    payload = jsontext.dumps(body)
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": wire_status(status, body),
                "headers": raw})
    await send({"type": "http.response.body", "body": payload, "more_body": False})
