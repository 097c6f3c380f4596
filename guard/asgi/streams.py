"""Guard a streamed answer event by event, whatever its API: the dialect reads the events.

Every piece of answer text runs through a :class:`~guard.asgi.channel.Channel` (output
checks with a bounded hold-back, then pseudonym restore) and is written back into the event
it came in; which fields of which events are text is the dialect's business
(``Dialect.on_event``), as is the extra event that carries text still held when its block
ends. A denial ends the stream with the API's own error event (and, for OpenAI, no
``[DONE]``). Usage is collected for budget settlement; the usage chunk guard asked for on
the caller's behalf (``stream_options.include_usage``) is dropped again.

Policies that judge a whole answer (``rule`` on ``response``, ``llm`` judges) run once, when
the stream's closing event arrives (``[DONE]``, ``message_stop``, ``response.completed``...)
or the stream ends without one: over the answer as the text checks left it (pseudonyms not
yet restored, as for JSON answers), with the stream's usage and finish reason. The text has
been sent by then, so they cannot edit it; a denial replaces the closing event with the
API's error event.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any

from guard.asgi.channel import Channel, Released, Scan
from guard.asgi.event_fields import EventFields, with_fields
from guard.dialects import Dialect
from guard.dialects.base import Key
from guard.dialects.events import Event, Framing
from guard.dialects.openai_chat import chat_answer
from guard.engine.decision import PolicyTrace, ResponseDecision, merged
from guard.engine.run import Denial
from guard.envelope.reading import drop_token_echoes
from guard.errors import RequestError
from guard.pii.pseudonyms import Pseudonyms

YIELD_AFTER = 0.002
"""Seconds of events guarded on the loop before it is handed to other callers: a chunk may
hold thousands of events (an in-process app's whole stream, a buffered upstream's), each
checked inline (~20 µs), and every other caller would wait for all of them."""

MESSAGES_KEPT = 1024
"""Whole messages whose violations and traces a stream keeps for the decision log (an endless
stream of JSON-RPC notifications must not grow memory without bound)."""

FEED_SLICE = 16_384
"""Bytes of one chunk parsed into events at a time (a 4 MB chunk is 25k events)."""

Closing = Callable[[dict[str, Any]], Awaitable[Denial | None]]
"""Judges the whole answer (a chat completion body built from the stream)."""
Whole = Callable[[Any], Awaitable[ResponseDecision]]
"""The whole output stage over one whole message of a stream (a JSON-RPC message)."""


class Joined(Mapping[Key, str]):
    """Each stream's released text, kept in parts and joined when read (at a stream's end):
    appending to one string per event would copy it whole each time, quadratic in events."""

    def __init__(self) -> None:
        self._parts: dict[Key, list[str]] = {}

    def add(self, key: Key, text: str) -> None:
        self._parts.setdefault(key, []).append(text)

    def __getitem__(self, key: Key) -> str:
        parts = self._parts[key]
        if len(parts) > 1:
            parts[:] = ["".join(parts)]
        return parts[0]

    def __iter__(self) -> Iterator[Key]:
        return iter(self._parts)

    def __len__(self) -> int:
        return len(self._parts)


class StreamGuard:
    """Transforms one streamed answer; ``feed`` bytes in, bytes out; ``finish`` at the end.

    It is the :class:`~guard.dialects.StreamState` its dialect's handlers work on.
    """

    def __init__(self, dialect: Dialect, framing: Framing, scan: Scan | None,
                 pseudonyms: Pseudonyms | None, holdback: int, strip_usage: bool,
                 closing: Closing | None = None, checked: Whole | None = None,
                 request: Any = None) -> None:
        self.dialect = dialect
        self.checked = checked
        self.request = request  # the request's body: an error event may echo its id
        self.framing = framing
        self.closing = closing
        self.finish_reason: str | None = None
        self.scan = scan
        self.pseudonyms = pseudonyms
        self.holdback = holdback
        self.strip_usage = strip_usage
        self.channels: dict[Key, Channel] = {}
        self.released = Joined()
        self.json_keys: set[Key] = set()  # channels whose text is inside a JSON string
        self.templates: dict[Key, tuple[Any, str | None]] = {}  # dialects' event templates
        self.usage: dict[str, Any] = {}
        self.denial: Denial | None = None
        self.completed = False  # the closing event passed: the answer is whole
        self.messages: list[ResponseDecision] = []  # the output stage of whole messages
        self.fields = EventFields(scan)  # events' id and retry, through the text checks

    @property
    def violations(self) -> list[Any]:
        found: dict[str, Any] = dict(self.fields.violations)
        for channel in self.channels.values():
            found.update(channel.violations)
        return list(found.values()) + [v for m in self.messages for v in m.violations]

    @property
    def traces(self) -> list[PolicyTrace]:
        """Each output policy's work on this stream, one trace a policy."""
        found: dict[str, PolicyTrace] = dict(self.fields.traces)
        for channel in self.channels.values():
            for name, trace in channel.traces.items():
                known = found.get(name)
                found[name] = trace if known is None else merged(known, trace)
        for result in self.messages:
            for trace in result.trace:
                known = found.get(trace.policy)
                found[trace.policy] = trace if known is None else merged(known, trace)
        return list(found.values())

    async def feed(self, chunk: bytes) -> bytes:
        out: list[bytes] = []  # joined once: bytes += per event is quadratic in events
        mark = time.perf_counter()
        for at in range(0, len(chunk), FEED_SLICE):  # framing parses a slice at a time
            for event in self.framing.feed(chunk[at:at + FEED_SLICE]):
                if self.denial is not None:
                    return b"".join(out)
                out.append(await self.guarded(event))
                if time.perf_counter() - mark > YIELD_AFTER:
                    await asyncio.sleep(0)  # thousands of events in one chunk: others wait
                    mark = time.perf_counter()
        return b"".join(out)

    async def guarded(self, event: Event) -> bytes:
        """One event through its dialect; one guard cannot read while it must read the text
        (output policies, pseudonyms) ends the stream with the API's error event instead."""
        kept: list[tuple[str, str]] = []
        if self.reads():
            what = ("its data is not JSON" if event.unreadable() else
                    "it is no event" if stray(event) else None)
            if what is not None:
                self.denial = Denial("unreadable_answer", "guard cannot read an event of the "
                                     f"upstream's stream ({what})", 502)
                return self.error_event()
            if event.id is not None or event.retry is not None:
                kept = await self.fields.kept(event)
            if self.fields.denial is not None:
                self.denial = self.fields.denial
                return self.error_event()
            self._canonical(event)
        try:
            out = await self.dialect.on_event(self, event)
            return with_fields(out, kept) if self.denial is None else out
        except RequestError:  # nested deeper than the walk reads
            if not self.reads():
                return event.raw  # nothing must read it
            self.denial = Denial("unreadable_answer", "guard cannot read an event of the "
                                 "upstream's stream (it is nested too deeply)", 502)
            return self.error_event()

    def reads(self) -> bool:
        """Whether anything reads the answer: text checks, whole-message checks, pseudonyms."""
        return self.scan is not None or self.pseudonyms is not None or self.checked is not None

    def _canonical(self, event: Event) -> None:
        """While text must be read, an event goes out as its name and data only, and without
        the token-by-token echoes of the text (logprobs) no check can redact: comments and
        unknown fields are text no check reads, so they are dropped (``id`` and ``retry``
        go out again when the text checks pass them: :mod:`guard.asgi.event_fields`); a
        comment-only block (a keep-alive) goes out empty."""
        if event.comment:
            event.raw = self.framing.keepalive()
            return
        if "logprobs" in event.data.lower():
            data = event.json()
            if isinstance(data, dict | list) and drop_token_echoes(data):
                event.data = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        event.raw = self.framing.encode(event.data, event.name)


    async def finish(self) -> bytes:
        """The stream ended: whatever it left pending (an event cut short) is parsed and
        guarded like any other event, since a client may still act on it; text still held
        goes out, and the whole-answer checks run if no closing event ran them.

        An event cut short may be forwarded as it came, unended: what guard writes after it
        first ends it (``Framing.closer``), or the client would read both as one event."""
        if self.denial is not None:
            return b""
        out = b""
        for event in self.framing.end():
            out = self._after(out, await self.guarded(event))
            if self.denial is not None:
                return out
        more = await self.dialect.on_end(self)
        if self.denial is None:
            more += await self.close() or b""
        return self._after(out, more)

    def _after(self, out: bytes, more: bytes) -> bytes:
        return out + self.framing.closer(out) + more if more else out

    async def close(self) -> bytes | None:
        """Run the whole-answer checks, once: their error event if they deny, else None."""
        self.completed = True
        closing, self.closing = self.closing, None
        if closing is None or self.denial is not None:
            return None
        self.denial = await closing(self.answer())
        return self.error_event() if self.denial is not None else None

    def answer(self) -> dict[str, Any]:
        """The streamed answer as the text checks left it, read as one chat completion."""
        texts = [c.checked for k, c in self.channels.items() if k not in self.json_keys]
        calls = [c.checked for k, c in self.channels.items() if k in self.json_keys]
        return chat_answer(texts, calls, self.finish_reason, self.usage)

    # --- what dialects use (guard.dialects.StreamState) ----------------------------------

    def has(self, key: Key) -> bool:
        return key in self.channels

    def channel_keys(self) -> list[Key]:
        return list(self.channels)

    def channel(self, key: Key, json_string: bool = False) -> Channel:
        if key not in self.channels:
            if json_string:
                self.json_keys.add(key)
            restorer = self.pseudonyms.restorer(json_string) if self.pseudonyms else None
            self.channels[key] = Channel(self.scan, restorer, self.holdback)
        return self.channels[key]

    async def text(self, key: Key, piece: str, json_string: bool = False,
                   final: bool = False) -> str | None:
        """Released text for ``piece``, or ``None`` when a denial ended the stream."""
        if self.denial is not None:
            return None
        channel = self.channel(key, json_string)
        released: Released = await channel.feed(piece) if piece else Released("")
        if released.denial is None and final:
            end = await channel.finish()
            released = Released(released.text + end.text, end.denial)
        if released.denial is not None:
            self.denial = released.denial
            return None
        self.released.add(key, released.text)
        return released.text

    async def flush(self, key: Key) -> str | None:
        return await self.text(key, "", final=True) if key in self.channels else ""

    async def whole(self, data: Any) -> Any | None:
        """``data``, a whole message, through the whole output stage on its own: what to
        send of it, or ``None`` when a denial ended the stream."""
        if self.denial is not None:
            return None
        if self.checked is None:
            return data  # nothing reads answers (the stream is guarded for its usage)
        result = await self.checked(data)
        if len(self.messages) < MESSAGES_KEPT:
            self.messages.append(result)
        if result.action == "deny":
            cause = result.violations[-1]  # the stage stops at its denial: the last one
            self.denial = Denial(cause.policy, cause.message, result.status)
            return None
        return result.body

    def error_event(self) -> bytes:
        assert self.denial is not None
        body = self.dialect.error_body(self.denial.status, self.denial.message,
                                       self.denial.policy, request=self.request)
        return self.dialect.error_event(body, self.framing)

    def emit(self, data: Any, name: str | None = None) -> bytes:
        return self.framing.encode(data, name)


_LINES = re.compile(rb"\r\n?|\n")


def stray(event: Event) -> bool:
    """A block that sets no field yet holds lines that are no comment: bytes that are no
    event at all (a JSON answer sent as ``text/event-stream``). An SSE client skips them, but
    a client that reads the body another way (the openai SDK parses a body as JSON whatever
    its content type) would read them unchecked."""
    if not event.comment:
        return False
    raw = event.raw.removeprefix(b"\xef\xbb\xbf")
    return any(line.strip() and not line.startswith(b":") for line in _LINES.split(raw))
