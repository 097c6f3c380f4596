"""The response side of a guarded exchange: a ``send`` that guards what goes back.

The upstream's ``http.response.start`` decides the mode: JSON answers are
buffered and run through the output stage (PII restore, output policies, budget
settlement from ``usage``); server-sent events are guarded event by event as
they flow; anything else passes through. Every guarded response carries
``x-guard-decision-id`` and the rate-limit headers. Budgets are settled exactly
once; if the exchange ends any other way (the client left, the app failed) they
are released.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from guard.asgi.body import Message
from guard.asgi.streams import StreamGuard
from guard.dialects import dialect
from guard.dialects.events import Framing
from guard.engine.decision import Action, Decision, ResponseDecision
from guard.engine.output import TextScan, judge_answer, scan_text
from guard.engine.run import Denial, Run
from guard.library import answered_usage

if TYPE_CHECKING:
    from guard.library import Guard

Send = Callable[[Message], Awaitable[None]]
TEXT_TYPES = frozenset({"content", "pii"})


class ResponseGuard:
    """Wraps the downstream ``send`` of one guarded exchange."""

    def __init__(self, guard: Guard, decision: Decision, send: Send, options: Any,
                 strip_usage: bool) -> None:
        self.guard = guard
        self.decision = decision
        self.dialect = dialect(decision.api)
        self.downstream = send
        self.options = options
        self.strip_usage = strip_usage
        self.mode = ""
        self.status = 200
        self.start: Message = {}
        self.chunks: list[bytes] = []
        self.stream: StreamGuard | None = None
        self.closing: Run | None = None  # the whole-answer checks of a stream
        self.result: ResponseDecision | None = None
        self.usage: dict[str, Any] | None = None  # what budgets were settled from
        self.ended = False
        self.finished = False

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            await self._on_start(message)
        elif kind == "http.response.body" and not self.finished:
            await self._on_body(message.get("body", b""), bool(message.get("more_body")))
        elif kind != "http.response.body":
            await self.downstream(message)

    async def close(self) -> None:
        """The exchange is over: budgets that were not settled are released."""
        if not self.ended:
            self.ended = True
            await self.guard.release(self.decision)

    async def _on_start(self, message: Message) -> None:
        self.status = int(message.get("status", 200))
        headers = [(k, v) for k, v in message.get("headers", [])
                   if k.lower() not in _GUARD_HEADERS]
        content_type = next((v.decode("latin-1").lower() for k, v in headers
                             if k.lower() == b"content-type"), "")
        framing = self.dialect.framing(content_type)
        self.mode = ("sse" if framing is not None else
                     "json" if "json" in content_type and self._inspects() else "pass")
        if framing is not None:
            headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
            self.stream = self._stream_guard(framing)
        self.start = {**message, "headers": headers + self._guard_headers()}
        if self.mode != "json":
            await self.downstream(self.start)

    async def _on_body(self, body: bytes, more: bool) -> None:
        if self.mode == "json":
            self.chunks.append(body)
            if not more:
                await self._answer_json(b"".join(self.chunks))
        elif self.mode == "sse":
            await self._stream_body(body, more)
        else:
            await self.downstream({"type": "http.response.body", "body": body,
                                   "more_body": more})
            if not more:
                await self._settle(None)

    async def _answer_json(self, raw: bytes) -> None:
        self.ended = True  # check_response settles (or releases, for an upstream error)
        self.result = await self.guard.check_response(self.decision, raw, status=self.status)
        result = self.result
        self.usage = answered_usage(self.decision)
        if result.action == "deny":
            self.start = {**self.start, "status": result.status}
            payload = _json_bytes(result.body)
        else:
            payload = raw if result.action == "allow" else _json_bytes(result.body)
        headers = [(k, v) for k, v in self.start["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(payload)).encode()))
        await self.downstream({**self.start, "headers": headers})
        await self.downstream({"type": "http.response.body", "body": payload,
                               "more_body": False})
        self.finished = True

    async def _stream_body(self, body: bytes, more: bool) -> None:
        assert self.stream is not None
        out = await self.stream.feed(body)
        if self.stream.denial is not None:
            await self._end_stream(out)  # ends with the API's error event
            return
        if not more:
            await self._end_stream(out + await self.stream.finish())
        elif out:
            await self.downstream({"type": "http.response.body", "body": out,
                                   "more_body": True})

    async def _end_stream(self, out: bytes) -> None:
        assert self.stream is not None
        self.finished = True
        await self.downstream({"type": "http.response.body", "body": out, "more_body": False})
        await self._settle(self.stream.usage or None)
        action: Action = "deny" if self.stream.denial is not None else "modify"
        closing = self.closing or Run()
        self.result = ResponseDecision(self.decision.decision_id, action, self.status, None,
                                       self.stream.violations + closing.violations,
                                       closing.trace)

    async def _settle(self, usage: dict[str, Any] | None) -> None:
        if not self.ended:
            self.ended = True
            self.usage = usage
            await self.guard.settle(self.decision, usage, status=self.status)

    def _stream_guard(self, framing: Framing) -> StreamGuard:
        output = self.guard.engine.output_checks
        checks = [c for c in output if c.meta.type in TEXT_TYPES]
        whole = [c for c in output if c.meta.type not in TEXT_TYPES]
        decision = self.decision

        async def scan(text: str) -> TextScan:
            return await scan_text(checks, decision, text)

        async def closing(answer: dict[str, Any]) -> Denial | None:
            self.closing = await judge_answer(whole, decision, answer, self.status)
            return self.closing.denial

        ctx = decision.state.get("context")
        pseudonyms = getattr(ctx, "pseudonyms", None) or None
        return StreamGuard(self.dialect, framing, scan if checks else None, pseudonyms,
                           self.options.stream_holdback, self.strip_usage,
                           closing if whole else None)

    def _inspects(self) -> bool:
        """Whether a JSON answer must be read: output policies, pseudonyms or budgets."""
        ctx = self.decision.state.get("context")
        return bool(self.guard.engine.output_checks or getattr(ctx, "pseudonyms", None)
                    or getattr(ctx, "holds", None))

    def _guard_headers(self) -> list[tuple[bytes, bytes]]:
        return [(k.encode("latin-1"), v.encode("latin-1"))
                for k, v in self.decision.headers.items()]


_GUARD_HEADERS = frozenset({b"x-guard-decision-id"})


def _json_bytes(body: Any) -> bytes:
    import json

    return json.dumps(body, ensure_ascii=False).encode()
