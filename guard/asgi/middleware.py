"""``GuardMiddleware``: put a policy set in front of any ASGI app, pure ASGI.

Options are read once in ``__init__``; ``__call__`` only routes. Non-HTTP
scopes and unguarded paths go straight through. A guarded request is handled
by one :class:`GuardedExchange`: read the body once, decide, answer a denial in
the API's own shape, or replay the (possibly edited) body downstream, then
guard the response on its way back — JSON through the output stage, SSE event
by event — and settle or release the request's budgets whatever happens.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from guard.asgi.body import BodyError, Message, Receive, read_body, replay
from guard.asgi.response import ResponseGuard
from guard.engine.decision import Decision
from guard.envelope import api_for_path
from guard.library import Guard
from guard.responses import BAD_REQUEST, error_body

Send = Callable[[Message], Awaitable[None]]
App = Callable[[Message, Receive, Send], Awaitable[None]]
GuardSource = Guard | Callable[[], Guard]


class GuardMiddleware:
    """Wraps an ASGI app (a gateway) so every LLM call through it follows the policies.

    ``guard`` is a :class:`Guard`, or a callable returning the current one (hot
    reload swaps what it returns). ``paths`` are globs of the paths to guard
    (default: every known API endpoint, with or without ``/v1`` or gateway
    prefixes). ``max_body_bytes`` defaults to the policy set's setting.
    """

    def __init__(self, app: App, guard: GuardSource, *, paths: Sequence[str] | None = None,
                 max_body_bytes: int | None = None, body_timeout: float = 30.0,
                 stream_holdback: int = 0, observer: Any = None) -> None:
        self.app = app
        self.source: Callable[[], Guard] = _source(guard)
        self.paths = tuple(paths) if paths else None
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout
        self.stream_holdback = stream_holdback
        self.observer = observer  # a guard.observe.Observer: decision log and metrics

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._guarded(scope):
            await self.app(scope, receive, send)
            return
        await GuardedExchange(self, scope, receive, send).run()

    def _guarded(self, scope: Message) -> bool:
        if scope.get("method") != "POST":
            return False
        path = scope.get("path", "")
        if self.paths is not None:
            return any(fnmatch.fnmatchcase(path, pattern) for pattern in self.paths)
        return api_for_path(path) is not None


class GuardedExchange:
    """One guarded request and its response."""

    def __init__(self, middleware: GuardMiddleware, scope: Message, receive: Receive,
                 send: Send) -> None:
        self.middleware = middleware
        self.guard = middleware.source()
        self.scope = scope
        self.receive = receive
        self.send = send
        self.headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                        for k, v in scope.get("headers", [])}

    async def run(self) -> None:
        body = await self._body()
        if body is None:
            return
        decision = await self.guard.check_request(body, path=self.scope["path"],
                                                  method="POST", headers=self.headers)
        if decision.action == "deny":
            await send_json(self.send, decision.status, decision.error, decision.headers)
            self._observe(decision, None, decision.status, False, None)
            return
        forwarded, strip_usage = forwarded_body(decision, body)
        guard_send = ResponseGuard(self.guard, decision, self.send, self.middleware,
                                   strip_usage)
        try:
            await self.middleware.app(self._scope(decision, forwarded),
                                      replay(forwarded, self.receive), guard_send.send)
        finally:
            await guard_send.close()
            self._observe(decision, guard_send.result, guard_send.status,
                          guard_send.mode == "sse", guard_send.usage)

    async def _body(self) -> bytes | None:
        limit = self.middleware.max_body_bytes or self.guard.settings.max_body_bytes
        declared = self.headers.get("content-length")
        try:
            return await read_body(self.receive, limit, self.middleware.body_timeout,
                                   int(declared) if declared and declared.isdigit() else None)
        except BodyError as exc:
            if exc.status != 499:  # a client that left gets no answer
                api = api_for_path(self.scope["path"]) or "unknown"
                error = error_body(api, exc.status, str(exc), "invalid_request", BAD_REQUEST)
                await send_json(self.send, exc.status, error, {})
            return None

    def _scope(self, decision: Decision, body: bytes) -> Message:
        headers = [(k, v) for k, v in self.scope.get("headers", [])
                   if k.lower() not in (b"content-length", b"transfer-encoding")]
        headers.append((b"content-length", str(len(body)).encode()))
        state = dict(self.scope.get("state") or {})
        state["guard_decision"] = decision
        return {**self.scope, "headers": headers, "state": state}

    def _observe(self, decision: Decision, response: Any, status: int, stream: bool,
                 usage: Any) -> None:
        observer = self.middleware.observer
        if observer is not None:
            observer.record(decision, response, status=status, stream=stream, usage=usage)


def _source(guard: GuardSource) -> Callable[[], Guard]:
    if isinstance(guard, Guard):
        return lambda: guard
    return guard


def forwarded_body(decision: Decision, original: bytes) -> tuple[bytes, bool]:
    """The body to send upstream, and whether guard asked for usage the caller did not."""
    body = decision.body or {}
    strip_usage = False
    if decision.api == "openai.chat" and body.get("stream") is True:
        options = body.get("stream_options")
        if not (isinstance(options, dict) and options.get("include_usage")):
            body = {**body, "stream_options": {**(options or {}), "include_usage": True}}
            strip_usage = True
    if decision.action == "allow" and not strip_usage:
        return original, False
    return json.dumps(body, ensure_ascii=False).encode(), strip_usage


async def send_json(send: Send, status: int, body: Any, headers: dict[str, str]) -> None:
    payload = json.dumps(body, ensure_ascii=False).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload, "more_body": False})
