"""The response side of a guarded exchange: a ``send`` that guards what goes back.

The upstream's ``http.response.start`` decides the mode. A stream (SSE, NDJSON) is guarded
event by event as it flows; any other answer guard must read (output policies, pseudonyms,
or a budget to settle from its usage) is buffered and read by its content, not its content
type: JSON (a key given twice is read once and the answer written out as guard read it),
else text (checked as one text), else bytes guard cannot read, refused in the API's shape
while output policies or pseudonyms apply (an API whose answers are audio by design, such
as text to speech, passes). An answer in a ``Content-Encoding`` is decoded first (guard asks
for ``identity``, but an upstream may compress anyway) and goes out decoded.

Spend is settled by guard, not by the caller: from the usage as soon as the answer is
complete (a stream's closing event), before the last bytes go out; a caller that hangs up
first is charged the reservation. The result (and the status the caller got) is known
before the last send, so the decision log has it whatever the caller does next.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from guard import jsontext
from guard.asgi.body import Message
from guard.asgi.streams import StreamGuard
from guard.codings import CodingError, Decoder, codings
from guard.dialects import dialect
from guard.dialects.events import SSE, EventTooLarge, Framing, sniffed
from guard.engine.decision import Action, Decision, ResponseDecision, Violation
from guard.engine.output import TextScan, evaluate_response, judge_answer, scan_text
from guard.engine.run import Denial, Run
from guard.envelope.reading import Reading, drop_token_echoes, read_answer
from guard.library import answered_usage
from guard.limits.headers import combined
from guard.responses import UPSTREAM, request_of, wire_status

if TYPE_CHECKING:
    from guard.library import Guard

Send = Callable[[Message], Awaitable[None]]
TEXT_TYPES = frozenset({"content", "pii"})
ANSWER_LIMIT = 256 * 1024 * 1024
"""The most an encoded answer may decode to: a few compressed bytes can stand for gigabytes."""


class ResponseGuard:
    """Wraps the downstream ``send`` of one guarded exchange."""

    def __init__(self, guard: Guard, decision: Decision, send: Send, options: Any,
                 strip_usage: bool) -> None:
        self.guard = guard
        self.decision = decision
        self.dialect = dialect(decision.api)
        # the output checks that can act on this API's answers
        self.output = [c for c in guard.engine.output_checks if c.applies(decision.api)]
        self.downstream = send
        self.options = options
        self.strip_usage = strip_usage
        self.mode = ""
        self.status = 200  # what the caller got
        self.start: Message = {}
        self.chunks: list[bytes] = []
        self.decoder: Decoder | None = None
        self.stream: StreamGuard | None = None
        self.closing: Run | None = None  # the whole-answer checks of a stream
        self.result: ResponseDecision | None = None
        self.usage: dict[str, Any] | None = None  # what budgets were settled from
        self.ended = False  # budgets settled or released
        self.finished = False  # the caller's answer is complete

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            await self._on_start(message)
        elif kind == "http.response.body" and not self.finished:
            await self._on_body(message.get("body", b""), bool(message.get("more_body")))
        elif kind != "http.response.body":
            await self.downstream(message)

    async def close(self) -> None:
        """The exchange is over. Budgets not settled yet are charged their reservation if
        the upstream answered (the call ran, whoever left first), released otherwise."""
        if self.stream is not None and self.result is None:
            self.result = self._stream_result()  # the output stage so far, for the log
        self.stream = None  # its handlers close over this guard: a cycle only gc would free
        if self.ended:
            return
        self.ended = True
        if self.mode and self.status < 400:
            await self.guard.settle(self.decision, None, status=self.status)
        else:
            await self.guard.release(self.decision)

    # --- the start of the answer: which mode ----------------------------------------------

    async def _on_start(self, message: Message) -> None:
        self.status = int(message.get("status", 200))
        headers = [(k, v) for k, v in message.get("headers", [])
                   if k.lower() not in _GUARD_HEADERS]
        content_type = _header(headers, b"content-type").lower()
        framing = self.dialect.framing(content_type)
        reads, settles = self._reads(), self._settles()
        if framing is not None and (reads or settles or self.strip_usage):
            self.mode = "stream"
        elif reads or (settles and "json" in content_type):
            self.mode = "buffer"
        else:
            self.mode = "pass"
        if self.mode != "pass":
            decoded = await self._decoding(headers, reads)
            if decoded is None:
                return
            headers = [(k, v) for k, v in decoded if k.lower() != b"content-length"]
        if self.mode == "stream":
            assert framing is not None
            self.stream = self._stream_guard(framing)
        self.start = {**message, "headers": combined(headers, self.decision.headers)}
        if self.mode != "buffer":
            await self.downstream(self.start)

    async def _decoding(self, headers: list[tuple[bytes, bytes]],
                        reads: bool) -> list[tuple[bytes, bytes]] | None:
        """Set up decoding of a coded answer; the headers without ``Content-Encoding``.
        ``None``: the coding cannot be undone and the answer was refused."""
        header = _header(headers, b"content-encoding")
        if not header:
            return headers
        try:
            self.decoder = Decoder(codings(header), ANSWER_LIMIT)
        except CodingError as exc:
            if reads:
                await self._refuse(f"its {exc}")
                return None
            self.mode = "pass"  # nothing to read in it: budgets settle from the reservation
            return headers
        return [(k, v) for k, v in headers if k.lower() != b"content-encoding"]

    async def _on_body(self, body: bytes, more: bool) -> None:
        if self.mode == "pass":
            await self.downstream({"type": "http.response.body", "body": body,
                                   "more_body": more})
            if not more:
                self.finished = True
                await self._settle(None)
            return
        try:
            body = self._decoded(body, more)
        except CodingError as exc:
            await self._broken(f"the upstream's answer is not valid for its coding ({exc})")
            return
        if self.mode == "buffer":
            self.chunks.append(body)
            if not more:
                await self._answer(b"".join(self.chunks))
        else:
            await self._stream_body(body, more)

    def _decoded(self, body: bytes, more: bool) -> bytes:
        if self.decoder is None:
            return body
        out = self.decoder.feed(body)
        return out if more else out + self.decoder.end()

    # --- a whole answer ------------------------------------------------------------------

    async def _answer(self, raw: bytes) -> None:
        reading = read_answer(raw)
        if reading.kind == "bytes" and self._reads() and not self.dialect.binary_answers:
            await self._refuse("bytes that are neither JSON nor text")
            return
        if reading.kind == "bytes":
            self.result = ResponseDecision(self.decision.decision_id, "allow", self.status,
                                           None, [])
            await self._settle(None)
            await self._deliver(raw)
            return
        if self.dialect.array_streams and isinstance(reading.value, list):
            await self._array(reading.value)
        elif reading.kind == "text" and (framing := sniffed(reading.value)) is not None:
            await self._deliver(await self._whole_stream(raw, framing))
        else:
            await self._checked(reading, raw)

    async def _whole_stream(self, raw: bytes, framing: Framing) -> bytes:
        """A whole answer that is a stream all the same: guarded event by event, so a value
        split across events is still seen whole."""
        self.stream = self._stream_guard(framing)
        out = await self.stream.feed(raw)
        if self.stream.denial is None:
            out += await self.stream.finish()
        self.result = self._stream_result()
        await self._settle(self.stream.usage or None)
        return out

    async def _array(self, chunks: list[Any]) -> None:
        """Gemini's stream without ``alt=sse`` (one JSON array of chunks): the chunks as
        events; a denial, while nothing was sent yet, is an error answer of its own."""
        events = b"".join(SSE().encode(chunk) for chunk in chunks)
        guarded = SSE()
        out = guarded.feed(await self._whole_stream(events, SSE())) + guarded.end()
        assert self.stream is not None
        if self.stream.denial is not None:
            denial = self.stream.denial
            self.status = denial.status
            self.start = {**self.start, "status": denial.status}
            body = self.dialect.error_body(denial.status, denial.message, denial.policy)
        else:
            body = [e.json() for e in out if not e.comment and e.json() is not None]
        await self._deliver(_json_bytes(body))

    async def _checked(self, reading: Reading, raw: bytes) -> None:
        if reading.kind == "json" and self._reads() and drop_token_echoes(reading.value):
            reading = Reading("json", reading.value, rewritten=True)
        self.ended = True  # check_response settles (or releases, for an upstream error)
        given = reading.value if reading.kind == "json" else raw  # text: read as text again
        result = await self.guard.check_response(self.decision, given, status=self.status)
        self.result, self.usage = result, answered_usage(self.decision)
        if result.action == "deny":
            self.status = result.status  # logged; a JSON-RPC error goes out as an answer
            self.start = {**self.start, "status": wire_status(result.status, result.body)}
            payload = _json_bytes(result.body)
        elif result.action == "allow" and not reading.rewritten:
            payload = raw
        else:
            payload = (result.body.encode() if isinstance(result.body, str)
                       else _json_bytes(result.body))
        await self._deliver(payload)

    async def _deliver(self, payload: bytes) -> None:
        headers = [(k, v) for k, v in self.start["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(payload)).encode()))
        self.finished = True
        await self.downstream({**self.start, "headers": headers})
        await self.downstream({"type": "http.response.body", "body": payload,
                               "more_body": False})

    async def _refuse(self, what: str) -> None:
        """An answer guard cannot read while policies must read it: the API's error, 502."""
        message = f"guard cannot read the upstream's answer: {what}"
        body = self.dialect.error_body(502, message, "unreadable_answer", UPSTREAM,
                                       request_of(self.decision))
        self.status = 502
        self.result = ResponseDecision(self.decision.decision_id, "deny", 502, body,
                                       [Violation("unreadable_answer", message, "deny",
                                                  status=502)])
        await self._settle(None)  # the upstream ran: its reservation is spent
        self.start = {"type": "http.response.start", "status": wire_status(502, body),
                      "headers": [(b"content-type", b"application/json"),
                                  *self._guard_headers()]}
        await self._deliver(_json_bytes(body))

    # --- a stream ------------------------------------------------------------------------

    async def _stream_body(self, body: bytes, more: bool) -> None:
        assert self.stream is not None
        try:
            out = await self.stream.feed(body)
        except EventTooLarge as exc:
            await self._broken(f"an event of the upstream's stream is too large ({exc})")
            return
        if self.stream.denial is not None:
            await self._end_stream(out)  # ends with the API's error event
            return
        if not more:
            await self._end_stream(out + await self.stream.finish())
            return
        if self.stream.completed:  # the closing event passed: settle before the caller can go
            self.result = self._stream_result()
            await self._settle(self.stream.usage or None)
        if out:
            await self.downstream({"type": "http.response.body", "body": out,
                                   "more_body": True})

    async def _end_stream(self, out: bytes) -> None:
        assert self.stream is not None
        self.result = self._stream_result()
        self.finished = True
        await self._settle(self.stream.usage or None)
        await self.downstream({"type": "http.response.body", "body": out, "more_body": False})

    def _stream_result(self) -> ResponseDecision:
        """The output stage of a stream as far as it went: violations, the closing checks."""
        assert self.stream is not None
        closing = self.closing or Run()
        violations = self.stream.violations + closing.violations
        action: Action = ("deny" if self.stream.denial is not None else
                          "modify" if any(v.action == "modify" for v in violations) else
                          "allow")
        return ResponseDecision(self.decision.decision_id, action, self.status, None,
                                violations, self.stream.traces + closing.trace)

    async def _broken(self, message: str) -> None:
        """An answer that cannot be decoded: refused whole, or a stream ended with the
        API's error event."""
        if self.mode == "buffer" or self.stream is None:
            await self._refuse(message)
            return
        self.stream.denial = Denial("unreadable_answer", message, 502)
        await self._end_stream(self.stream.error_event())

    async def _settle(self, usage: dict[str, Any] | None) -> None:
        if not self.ended:
            self.ended = True
            self.usage = usage
            await self.guard.settle(self.decision, usage, status=self.status)

    def _stream_guard(self, framing: Framing) -> StreamGuard:
        output = self.output
        checks = [c for c in output if c.meta.type in TEXT_TYPES]
        whole = [c for c in output if c.meta.type not in TEXT_TYPES]
        decision = self.decision

        async def scan(text: str) -> TextScan:
            return await scan_text(checks, decision, text)

        async def closing(answer: dict[str, Any]) -> Denial | None:
            self.closing = await judge_answer(whole, decision, answer, self.status)
            return self.closing.denial

        async def message(body: Any) -> ResponseDecision:
            return await evaluate_response(output, decision, body, self.status,
                                           self.guard.settings.max_scan_chars)

        ctx = decision.state.get("context")
        pseudonyms = getattr(ctx, "pseudonyms", None) or None
        closes = whole and not self.dialect.whole_events
        return StreamGuard(self.dialect, framing, scan if checks else None, pseudonyms,
                           self.options.stream_holdback, self.strip_usage,
                           closing if closes else None,
                           message if output or pseudonyms else None, request_of(decision))

    def _reads(self) -> bool:
        """Whether the answer's text must be read: output policies or pseudonyms."""
        ctx = self.decision.state.get("context")
        return bool(self.output or getattr(ctx, "pseudonyms", None))

    def _settles(self) -> bool:
        """Whether a budget holds a reservation to settle from the answer's usage."""
        return bool(getattr(self.decision.state.get("context"), "holds", None))

    def _guard_headers(self) -> list[tuple[bytes, bytes]]:
        return [(k.encode("latin-1"), v.encode("latin-1"))
                for k, v in self.decision.headers.items()]


_GUARD_HEADERS = frozenset({b"x-guard-decision-id"})


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str:
    return next((v.decode("latin-1") for k, v in headers if k.lower() == name), "")


def _json_bytes(body: Any) -> bytes:
    return jsontext.dumps(body)
