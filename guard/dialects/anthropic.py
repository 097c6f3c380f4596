"""Anthropic Messages (and its token count and batches): requests, answers, streams.

Differences from OpenAI chat that matter here: the system prompt is a top-level ``system``
field (string or text blocks); ``tool_use.input`` is a JSON object in the body, not an encoded
string, so its leaves get plain pointers; tool results are ``tool_result`` blocks inside
*user* messages, read with role ``tool`` so policies can single out tool output. Editing a
``thinking`` block invalidates its signature (the API then rejects the request); it is
scanned all the same, and what to do about a finding there is the policy's choice.

``messages/count_tokens`` takes a Messages body and generates nothing; ``messages/batches``
holds many Messages requests (``requests[].params``): each is read as one, and each names a
model that route policies must admit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guard.dialects.base import Answer, Dialect, Endpoint, Models, StreamState
from guard.dialects.events import Event, Framing
from guard.dialects.models import model_name, read_models
from guard.dialects.paths import RequestPath
from guard.dialects.streaming import check_whole, each_held, scan_whole, whole_event
from guard.envelope.model import Pointer
from guard.envelope.walk import (
    NO_SKIP,
    ROLE_UNKNOWN,
    STRUCTURAL_SKIP,
    Collector,
    Handler,
    read_fields,
)

_STRUCTURAL = frozenset(
    {
        "model", "max_tokens", "stream", "temperature", "top_p", "top_k", "tool_choice",
        "thinking", "service_tier", "container", "context_management", "anthropic_version",
        "anthropic_beta", "fallback_models", "fallbacks", "models", "inference_geo",
    }
)  # fmt: skip
"""Numbers, flags, enums and ids; ``system``, ``metadata``, ``stop_sequences``, tool
definitions, ``mcp_servers`` and ``output_format`` are read as text."""

_TOOL_USE = frozenset({"tool_use", "server_tool_use", "mcp_tool_use"})
_SKIP = STRUCTURAL_SKIP | {"encrypted_index"}
"""A web search citation's ``encrypted_index`` is opaque, as its ``encrypted_content`` is."""


def _system(c: Collector, value: Any) -> None:
    c.system(value, "system")


def read_block(c: Collector, block: Any, pointer: Pointer, role: str) -> None:
    """One content block; unknown block types are walked as content."""
    block_type = block.get("type") if isinstance(block, dict) else None
    if not isinstance(block_type, str):
        block_type = None
    if not isinstance(block, dict):
        c.walk(block, pointer, role, "content_part", _SKIP)
    elif block_type in _TOOL_USE:
        for key, value in block.items():
            if key == "input":  # the tool's arguments: user data, every leaf is text
                c.walk(value, (*pointer, key), role, "tool_arguments", NO_SKIP)
            elif key not in _SKIP:
                c.walk(value, (*pointer, key), role, "tool_arguments", _SKIP)
    elif block_type is not None and block_type.endswith("tool_result"):
        c.walk(block, pointer, "tool", "tool_result", _SKIP)
    elif block_type in ("thinking", "redacted_thinking"):
        c.walk(block, pointer, role, "other", _SKIP)
    else:
        c.walk(block, pointer, role, "content_part", _SKIP)


def _read_message(c: Collector, message: Any, pointer: Pointer) -> str:
    if not isinstance(message, dict):
        c.walk(message, pointer, ROLE_UNKNOWN, "message", STRUCTURAL_SKIP)
        return ROLE_UNKNOWN
    role = message.get("role")
    if not isinstance(role, str):
        role = ROLE_UNKNOWN
    for key, value in message.items():
        where = (*pointer, key)
        if key == "content" and isinstance(value, list):
            for i, block in enumerate(value):
                read_block(c, block, (*where, i), role)
        elif key == "content":
            c.walk(value, where, role, "message", STRUCTURAL_SKIP)
        elif key not in STRUCTURAL_SKIP:
            c.walk(value, where, role, "other", STRUCTURAL_SKIP)
    return role


def _messages(c: Collector, messages: Any) -> None:
    if not isinstance(messages, list):
        c.walk(messages, ("messages",), ROLE_UNKNOWN, "message", STRUCTURAL_SKIP)
        return
    for i, message in enumerate(messages):
        c.begin_message()
        c.end_message(_read_message(c, message, ("messages", i)))


_HANDLERS: dict[str, Handler] = {"system": _system, "messages": _messages}


def read_request(c: Collector, body: Mapping[str, Any]) -> None:
    read_fields(c, body, _HANDLERS, _STRUCTURAL)


class Messages(Dialect):
    """Anthropic Messages (``/v1/messages``, ``count_tokens``, ``batches``)."""

    name = "anthropic.messages"
    family = "anthropic"
    provider = "anthropic"
    conversational = True
    default_path = "/v1/messages"
    takes_fallbacks = True

    def endpoint(self, path: RequestPath) -> Endpoint | None:
        start = path.ends("messages")
        if start >= 0:  # OpenAI's Assistants API has threads/{id}/messages: not this
            return None if start >= 2 and path.segments[start - 2] == "threads" else \
                Endpoint(self)
        if path.ends("messages", "count_tokens") >= 0:
            return Endpoint(self, operation="count")
        if path.ends("messages", "batches") >= 0:
            return Endpoint(self, operation="batch")
        return None

    def read(self, c: Collector, body: Mapping[str, Any], endpoint: Endpoint) -> None:
        if endpoint.operation == "batch":
            _read_batch(c, body)
        else:
            read_request(c, body)

    def models(self, body: Mapping[str, Any], endpoint: Endpoint) -> Models:
        if endpoint.operation != "batch":
            return super().models(body, endpoint)
        names: list[str] = []
        for params in _batch_params(body):
            model, fallbacks = read_models(params)
            names.extend(n for n in (model, *fallbacks) if n is not None)
        unique = tuple(dict.fromkeys(names))
        return Models(unique[0] if unique else None, (), unique[1:])

    def max_tokens(self, body: Mapping[str, Any]) -> int | None:
        caps = [super(Messages, self).max_tokens(p) for p in _batch_params(body)]
        if caps:
            return sum(c or 0 for c in caps)
        return super().max_tokens(body)

    def read_answer(self, c: Collector, body: Any) -> Answer:
        if not isinstance(body, dict):
            return super().read_answer(c, body)
        content = body.get("content")
        for i, block in enumerate(content if isinstance(content, list) else []):
            read_block(c, block, ("content", i), "assistant")
        usage, stop = body.get("usage"), body.get("stop_reason")
        return Answer(stop if isinstance(stop, str) else None,
                      usage if isinstance(usage, dict) else {})

    async def on_event(self, s: StreamState, event: Event) -> bytes:
        return await messages_event(s, event)

    async def on_end(self, s: StreamState) -> bytes:
        out = await each_held(s, _held)
        return s.error_event() if out is None else out

    def error_event(self, body: Any, framing: Framing) -> bytes:
        return framing.encode(body, "error")


def _batch_params(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    requests = body.get("requests")
    if not isinstance(requests, list):
        return []
    return [r["params"] for r in requests if isinstance(r, dict) and isinstance(
        r.get("params"), dict)]


def _read_batch(c: Collector, body: Mapping[str, Any]) -> None:
    """Each ``requests[i].params`` as a request of its own; anything else walked as text."""
    for key, value in body.items():
        if key != "requests" or not isinstance(value, list):
            c.walk(value, (key,), "other", "other", STRUCTURAL_SKIP)
            continue
        for i, entry in enumerate(value):
            params = entry.get("params") if isinstance(entry, dict) else None
            if not isinstance(params, dict):  # refused upstream; its text is read all the same
                c.walk(entry, ("requests", i), "other", "other", _BATCH_SKIP)
                continue
            inner = Collector()
            read_request(inner, params)
            c.adopt(inner, ("requests", i, "params"))
            for extra, item in entry.items():
                if extra not in ("params", "custom_id"):
                    c.walk(item, ("requests", i, extra), "other", "other", STRUCTURAL_SKIP)


_BATCH_SKIP = STRUCTURAL_SKIP | {"custom_id"}
"""A batch entry's ``custom_id`` is the caller's key for its result, not text."""


def batch_model_pointers(body: Mapping[str, Any]) -> list[tuple[Pointer, str | None]]:
    """Where each batch entry names its model (for rewrites), and the name."""
    requests = body.get("requests")
    found: list[tuple[Pointer, str | None]] = []
    for i, entry in enumerate(requests if isinstance(requests, list) else []):
        params = entry.get("params") if isinstance(entry, dict) else None
        if isinstance(params, dict):
            found.append((("requests", i, "params", "model"), model_name(params.get("model"))))
    return found


# --- streams ---------------------------------------------------------------------------


async def messages_event(s: StreamState, event: Event) -> bytes:
    data = event.json()
    if not isinstance(data, dict):
        return event.raw
    kind = data.get("type")
    if kind == "message_start" and isinstance(data.get("message"), dict):
        return await _message_start(s, data, event)
    if kind == "message_delta":
        return await _message_delta(s, data, event)
    if kind == "message_stop":
        return await s.close() or event.raw
    if kind == "content_block_start":
        return await _start(s, data, event)
    if kind == "content_block_delta":
        return await _delta(s, data, event)
    if kind == "content_block_stop":
        return await _stop(s, data, event)
    if kind == "error":  # the stream fails here: the text still held goes out first
        out = await each_held(s, _held)
        return s.error_event() if out is None else out + event.raw
    if kind == "ping":
        return event.raw
    return await whole_event(s, event, data, ("event", str(kind)))


async def _message_start(s: StreamState, data: dict[str, Any], event: Event) -> bytes:
    """The message as it opens: its usage; blocks it may already hold, read as in a JSON
    answer and checked whole."""
    message = data["message"]
    s.usage.update(message.get("usage") or {})
    c = Collector()
    content = message.get("content")
    for i, block in enumerate(content if isinstance(content, list) else []):
        read_block(c, block, ("content", i), "assistant")
    changed = await check_whole(s, message, c.segments, ("message_start",))
    more = await scan_whole(s, message, ("message_start",),
                            known={"content", "usage", "stop_sequence"})
    if changed is None or more is None:
        return s.error_event()
    return s.emit(data, event.name) if changed or more else event.raw


async def _message_delta(s: StreamState, data: dict[str, Any], event: Event) -> bytes:
    """Usage and the stop reason; any other text it carries checked whole (not the stop
    sequence: the caller's own string, echoed)."""
    if isinstance(data.get("usage"), dict):
        s.usage.update(data["usage"])
    delta = data.get("delta")
    changed: bool | None = False
    if isinstance(delta, dict):
        if isinstance(delta.get("stop_reason"), str):
            s.finish_reason = delta["stop_reason"]
        changed = await scan_whole(s, delta, ("message_delta", "delta"),
                                   known={"stop_sequence"})
    more = await scan_whole(s, data, ("message_delta",), known={"delta", "usage"})
    if changed is None or more is None:
        return s.error_event()
    return s.emit(data, event.name) if changed or more else event.raw


_DELTA_FIELDS = {"text_delta": ("text", False), "input_json_delta": ("partial_json", True),
                 "thinking_delta": ("thinking", False)}
"""Where each delta carries text. Thinking is checked as in JSON answers (whose thinking
blocks are read): streamed raw, what a policy hides there would still reach the caller."""
_STARTS = {"text": ("text", "text_delta"), "thinking": ("thinking", "thinking_delta")}
"""Blocks whose opening text (empty, as a rule) is the first piece of their stream."""


async def _start(s: StreamState, data: dict[str, Any], event: Event) -> bytes:
    """A block opens. A text or thinking block's text is the first piece of its stream (what
    it holds goes out as a delta); any other block arrives whole (a tool's result, web
    search results, a call with its input) and is read as in a JSON answer, checked whole."""
    index, block = data.get("index", 0), data.get("content_block")
    if not isinstance(block, dict):
        return await whole_event(s, event, data, ("event", "content_block_start"))
    streamed = _STARTS.get(str(block.get("type")))
    changed: bool | None = False
    if streamed is not None and isinstance(block.get(streamed[0]), str):
        field, kind = streamed
        text = block[field]
        if text:
            released = await s.text(("block", index, kind), text)
            if released is None:
                return s.error_event()
            block[field], changed = released, released != text
        more = await scan_whole(s, block, ("start", index), known={field})
        changed = None if more is None else changed or more
    else:
        c = Collector()
        read_block(c, block, (), "assistant")
        changed = await check_whole(s, block, c.segments, ("start", index))
    if changed is None:
        return s.error_event()
    return s.emit(data, event.name) if changed else event.raw


async def _delta(s: StreamState, data: dict[str, Any], event: Event) -> bytes:
    """Text, thinking and tool input stream through their block's channel; a signature is
    opaque and passes as it came; any other delta (``citations_delta``, one Anthropic adds
    next) is checked whole."""
    delta, index = data.get("delta"), data.get("index", 0)
    if not isinstance(delta, dict):
        return await whole_event(s, event, data, ("event", "content_block_delta"))
    kind = str(delta.get("type"))
    if kind == "signature_delta":
        return event.raw
    field, json_string = _DELTA_FIELDS.get(kind, (None, False))
    if field is None or not isinstance(delta.get(field), str):
        return await whole_event(s, event, data, ("delta", index, kind))
    released = await s.text(("block", index, kind), delta[field], json_string)
    if released is None:
        return s.error_event()
    delta[field] = released
    if await scan_whole(s, delta, ("delta", index, kind), known={field}) is None:
        return s.error_event()
    return s.emit(data, event.name)


async def _stop(s: StreamState, data: dict[str, Any], event: Event) -> bytes:
    index = data.get("index", 0)
    out = await each_held(s, _held, [k for k in s.channel_keys()
                                     if k[0] == "block" and k[1] == index])
    return s.error_event() if out is None else out + event.raw


async def _held(s: StreamState, key: Any) -> bytes | None:
    """A delta event with the text a block's channel still holds (``None``: denied)."""
    if not s.has(key):
        return b""
    rest = await s.flush(key)
    if rest is None or not rest:
        return rest if rest is None else b""
    _, index, kind = key
    extra = {"type": "content_block_delta", "index": index,
             "delta": {"type": kind, _DELTA_FIELDS[kind][0]: rest}}
    return s.emit(extra, "content_block_delta")
