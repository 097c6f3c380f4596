"""Opper's task API: ``/v3/call`` and ``/v3/call/stream`` (and v2's), requests and answers.

A call is a task: ``instructions`` (the system prompt) and ``input``, which may be any JSON
value. The input is user data, so every string leaf is text, whatever its key (``{"name":
"Ada Lovelace"}`` is a person's name, not an identifier); so are ``examples`` and the task's
``name``. Schemas are read for their descriptions. ``model`` may be a list: the primary and
its fallback chain. Opper's own ``guard`` settings are configuration.

Answers: v3 ``{data, meta}`` (``data`` is the result, any JSON; ``meta.usage`` the usage),
v2 ``{message, json_payload, usage}``. Streams: v3 events ``{"type": "content", "delta"}``,
``tool_call_delta``, ``done`` (usage), an ``event: complete`` with the whole result, then
``[DONE]``; v2 events ``{"delta", "chunk_type"}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guard.dialects.base import Answer, Dialect, Endpoint, Key, StreamState
from guard.dialects.events import Event, Framing
from guard.dialects.paths import RequestPath
from guard.dialects.streaming import WHOLE_SKIP, check_whole, scan_whole, whole_event
from guard.envelope.walk import NO_SKIP, Collector, Handler, read_fields

_STRUCTURAL = frozenset(
    {
        "model", "fallback_models", "fallbacks", "models", "parent_span_id", "span_uuid",
        "stream", "evaluate", "max_tokens", "reasoning_effort", "reasoning_summary", "route",
        "guard", "configuration",
    }
)  # fmt: skip


_SKIP = WHOLE_SKIP
_META_READ = frozenset({
    "usage", "cost", "function_name", "script_cached", "execution_ms", "generation_ms",
    "llm_calls", "tts_calls", "image_gen_calls", "trace_uuid", "models_used", "status",
    "pending_operations",
})  # fmt: skip
"""An answer's ``meta`` is bookkeeping but for the text it may carry (``message``,
``tool_calls``, the findings of Opper's own guards, warnings): that is read as answer text."""


def _instructions(c: Collector, value: Any) -> None:
    c.system(value, "instructions", "instructions")


def _input(c: Collector, value: Any) -> None:
    """The whole input is one message of role ``input``, every string leaf scanned."""
    c.begin_message()
    c.walk(value, ("input",), "input", "input", NO_SKIP)
    c.end_message("input")


def _examples(c: Collector, value: Any) -> None:
    c.walk(value, ("examples",), "example", "other", NO_SKIP)


_HANDLERS: dict[str, Handler] = {
    "instructions": _instructions,
    "input": _input,
    "examples": _examples,
}


class Call(Dialect):
    """Opper ``/v3/call`` and ``/v3/call/stream``."""

    name = "opper.call"
    conversational = True
    default_path = "/v3/call"
    takes_fallbacks = True

    def endpoint(self, path: RequestPath) -> Endpoint | None:
        for version in ("v2", "v3"):
            if path.ends(version, "call") >= 0:
                return Endpoint(self)
            if path.ends(version, "call", "stream") >= 0:
                return Endpoint(self, stream=True)
        return None

    def read(self, c: Collector, body: Mapping[str, Any], endpoint: Endpoint) -> None:
        read_fields(c, body, _HANDLERS, _STRUCTURAL)

    def read_answer(self, c: Collector, body: Any) -> Answer:
        if not isinstance(body, dict):
            return super().read_answer(c, body)
        usage: Any = body.get("usage")
        for key, value in body.items():
            if key in ("data", "json_payload"):
                c.walk(value, (key,), "assistant", "message", NO_SKIP)
            elif key == "message":
                c.add((key,), value, "assistant", "message")
            elif key == "meta" and isinstance(value, dict):
                usage = value.get("usage")
                c.walk({k: v for k, v in value.items() if k not in _META_READ}, (key,),
                       "assistant", "other", _SKIP)
        return Answer(None, usage if isinstance(usage, dict) else {})

    async def on_event(self, s: StreamState, event: Event) -> bytes:
        if event.data.strip() == "[DONE]":
            out = await _flush(s)
            return out + (await s.close() or event.raw) if out is not None else \
                s.error_event()
        data = event.json()
        if not isinstance(data, dict):
            return event.raw
        if event.name == "complete":
            return await _complete(s, data, event)
        kind = data.get("type")
        if kind == "done" or (kind is None and data.get("chunk_type") is None and "usage" in data):
            if isinstance(data.get("usage"), dict):
                s.usage = data["usage"]
            out = await _flush(s)
            return out + event.raw if out is not None else s.error_event()
        return await _delta(s, data, event)

    async def on_end(self, s: StreamState) -> bytes:
        """The stream ended without ``done`` or ``[DONE]`` (v2 streams send neither): the
        text still held goes out, in the stream's own event shape."""
        out = await _flush(s)
        return s.error_event() if out is None else out

    def error_event(self, body: Any, framing: Framing) -> bytes:
        """``{"type": "error", "error": message}``: the SDK reads events by ``type`` and
        drops one without it, so an OpenAI-shaped error would end the stream silently, as if
        the answer were complete."""
        error = body.get("error") if isinstance(body, dict) else None
        message = error.get("message") if isinstance(error, dict) else error
        return framing.encode({"type": "error", "error": str(message)})


async def _delta(s: StreamState, data: dict[str, Any], event: Event) -> bytes:
    key: Key
    if data.get("type") == "error" or data.get("chunk_type") == "error":
        out = await _flush(s)  # the stream fails here: the text still held goes out first
        return s.error_event() if out is None else out + event.raw
    if data.get("type") == "tool_call_delta" and isinstance(data.get("tool_call_args"), str):
        key, field, json_string = ("tool", data.get("tool_call_index", 0)), "tool_call_args", True
    elif isinstance(data.get("delta"), str) and "chunk_type" in data:  # v2
        key, field, json_string = ("v2", str(data["chunk_type"])), "delta", False
    elif isinstance(data.get("delta"), str):
        key, field, json_string = ("content",), "delta", False
    else:  # a call's start (its name), an event type Opper adds next: checked whole
        return await whole_event(s, event, data, ("event", str(data.get("type"))))
    released = await s.text(key, data[field], json_string)
    if released is None:
        return s.error_event()
    data[field] = released
    if await scan_whole(s, data, ("extra", *key), _SKIP, {field, "json_path"}) is None:
        return s.error_event()
    return s.emit(data, event.name)


async def _flush(s: StreamState) -> bytes | None:
    """Text still held: one more event each, before usage or the end."""
    out = b""
    for key in s.channel_keys():
        rest = await s.flush(key)
        if rest is None:
            return None
        if rest and key[0] == "tool":
            out += s.emit({"type": "tool_call_delta", "tool_call_index": key[1],
                           "tool_call_args": rest})
        elif rest and key[0] == "v2":
            out += s.emit({"delta": rest, "chunk_type": key[1]})
        elif rest:
            out += s.emit({"type": "content", "delta": rest})
    return out


async def _complete(s: StreamState, data: dict[str, Any], event: Event) -> bytes:
    """The whole result again: the text as released replaces it; JSON is checked leaf by leaf."""
    out = await _flush(s)
    if out is None:
        return s.error_event()
    meta = data.get("meta")
    if isinstance(meta, dict) and isinstance(meta.get("usage"), dict):
        s.usage = meta["usage"]
    result = data.get("data")
    c = Collector()
    if isinstance(result, str) and ("content",) in s.released:
        data["data"] = s.released[("content",)]
    else:
        c.walk(result, ("data",), "assistant", "message", NO_SKIP)
    if await check_whole(s, data, c.segments, ("complete",)) is None:
        return s.error_event()
    if isinstance(meta, dict) and await scan_whole(s, meta, ("meta",), _SKIP,
                                                   _META_READ) is None:
        return s.error_event()
    return out + s.emit(data, event.name)
