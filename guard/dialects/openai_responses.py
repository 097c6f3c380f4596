"""OpenAI Responses and OpenResponses: requests, answers, streams.

A request is ``instructions`` plus ``input`` (a string, or a list of items: messages, tool
calls and their outputs, reasoning), prompt-template variables, and the text-bearing
settings every OpenAI shape has (``user``, ``metadata``, tool definitions, the ``text.format``
schema). OpenResponses (openresponses.org) is the same wire format under its own name: Opper
serves it at ``/v3/compat/openresponses``. ``responses/input_tokens`` counts a request's
tokens and generates nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guard.dialects.base import Answer, Dialect, Endpoint, Key, StreamState
from guard.dialects.events import Event
from guard.dialects.openai_chat import COMMON_STRUCTURAL, read_message
from guard.dialects.paths import RequestPath
from guard.envelope.model import Pointer
from guard.envelope.walk import (
    ROLE_OTHER,
    ROLE_UNKNOWN,
    STRUCTURAL_SKIP,
    Collector,
    Handler,
    read_fields,
)

_STRUCTURAL = COMMON_STRUCTURAL | {
    "max_output_tokens", "previous_response_id", "reasoning", "truncation", "include",
    "background", "conversation", "max_tool_calls",
}  # fmt: skip


def _item_role(item_type: Any) -> str:
    """Role of a non-message item from its type (``*_call``, ``*_output``)."""
    if not isinstance(item_type, str):
        return ROLE_UNKNOWN
    if item_type.endswith("_output"):
        return "tool"
    if item_type.endswith("_call") or item_type == "reasoning":
        return "assistant"
    return ROLE_UNKNOWN


def read_item(c: Collector, item: Any, pointer: Pointer) -> str:
    """Read one input or output item; return the role of the message it forms."""
    if not isinstance(item, dict) or "role" in item or item.get("type") == "message":
        return read_message(c, item, pointer)
    item_type = item.get("type")
    role = _item_role(item_type)
    for key, value in item.items():
        where = (*pointer, key)
        if key in STRUCTURAL_SKIP or (key == "result" and item_type == "image_generation_call"):
            continue  # image_generation_call.result is the base64 image
        if key == "arguments":
            c.add_json_string(where, value, role, "tool_arguments")
        elif key == "output":
            c.walk(value, where, role, "tool_result", STRUCTURAL_SKIP)
        elif key in ("input", "action"):
            c.walk(value, where, role, "tool_arguments", STRUCTURAL_SKIP)
        else:
            c.walk(value, where, role, "other", STRUCTURAL_SKIP)
    return role


def read_items(c: Collector, value: Any, field: str) -> None:
    """``input`` (or a conversation's ``items``): a string is one user message."""
    if isinstance(value, str):
        c.begin_message()
        c.add((field,), value, "user", "message")
        c.end_message("user")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            c.begin_message()
            c.end_message(read_item(c, item, (field, i)))
    else:
        c.walk(value, (field,), "user", "message", STRUCTURAL_SKIP)


def _input(c: Collector, value: Any) -> None:
    read_items(c, value, "input")


def _instructions(c: Collector, value: Any) -> None:
    c.system(value, "instructions", "instructions")


def _prompt_template(c: Collector, value: Any) -> None:
    """``prompt: {id, version, variables}``: the variables are text."""
    if not isinstance(value, dict):
        c.walk(value, ("prompt",), ROLE_OTHER, "other", STRUCTURAL_SKIP)
        return
    for key, item in value.items():
        if key not in ("id", "version"):
            c.walk(item, ("prompt", key), ROLE_OTHER, "other", STRUCTURAL_SKIP)


_HANDLERS: dict[str, Handler] = {
    "instructions": _instructions,
    "input": _input,
    "prompt": _prompt_template,
}


class Responses(Dialect):
    """OpenAI Responses (``/v1/responses``, ``/v1/responses/input_tokens``...)."""

    name = "openai.responses"
    conversational = True
    default_path = "/v1/responses"
    takes_fallbacks = True

    def endpoint(self, path: RequestPath) -> Endpoint | None:
        if path.ends("responses") >= 0:
            return Endpoint(self)
        if path.ends("responses", "input_tokens") >= 0:
            return Endpoint(self, operation="count")
        if path.ends("responses", "compact") >= 0:
            return Endpoint(self)
        return None

    def read(self, c: Collector, body: Mapping[str, Any], endpoint: Endpoint) -> None:
        read_fields(c, body, _HANDLERS, _STRUCTURAL)

    def read_answer(self, c: Collector, body: Any) -> Answer:
        if not isinstance(body, dict):
            return super().read_answer(c, body)
        inner = body.get("response")
        response: dict[str, Any] = inner if isinstance(inner, dict) else body
        for key, value in response.items():
            if key == "output" and isinstance(value, list):
                for i, item in enumerate(value):
                    read_item(c, item, _at(body, response, ("output", i)))
            elif key not in _BOOKKEEPING:
                c.walk(value, _at(body, response, (key,)), "assistant", "other",
                       STRUCTURAL_SKIP)
        usage = response.get("usage")
        status = response.get("status")
        return Answer(status if isinstance(status, str) else None,
                      usage if isinstance(usage, dict) else {})

    async def on_event(self, s: StreamState, event: Event) -> bytes:
        return await responses_event(s, event)

    async def on_end(self, s: StreamState) -> bytes:
        out = await _held(s)
        return s.error_event() if out is None else out


class OpenResponses(Responses):
    """OpenResponses: the Responses wire format, at Opper's ``/v3/compat/openresponses``."""

    name = "openresponses"
    default_path = "/v3/compat/openresponses"

    def endpoint(self, path: RequestPath) -> Endpoint | None:
        return Endpoint(self) if path.ends("openresponses") >= 0 else None


_BOOKKEEPING = frozenset({"id", "object", "created_at", "completed_at", "model", "status",
                          "usage", "tool_choice", "parallel_tool_calls", "service_tier",
                          "temperature", "top_p", "truncation", "store", "background",
                          "previous_response_id", "max_output_tokens", "reasoning",
                          "include", "tools", "text", "instructions", "metadata", "user"})
"""Echoes of the request and bookkeeping: what the model wrote is in ``output``."""


def _at(body: Any, response: Any, pointer: Pointer) -> Pointer:
    return pointer if response is body else ("response", *pointer)


# --- streams ---------------------------------------------------------------------------

_STREAMS: dict[str, tuple[str, str | None, str]] = {
    "response.output_text": ("text", "content_index", "text"),
    "response.refusal": ("refusal", "content_index", "refusal"),
    "response.reasoning_text": ("reasoning", "content_index", "text"),
    "response.reasoning_summary_text": ("summary", "summary_index", "text"),
    "response.function_call_arguments": ("args", None, "arguments"),
}
"""Each streamed text: its events' prefix -> (channel tag, the index below the output item,
the field of its ``.done`` event). Refusals and reasoning are the model's text as much as the
answer is (JSON answers read them), so none of them streams past the checks."""
_BY_TAG = {tag: prefix for prefix, (tag, _, _) in _STREAMS.items()}
_CLOSING = ("response.completed", "response.incomplete")
_COPIES = ("response.content_part.done", "response.output_item.done",
           "response.reasoning_summary_part.done")


async def responses_event(s: StreamState, event: Event) -> bytes:
    data = event.json()
    if not isinstance(data, dict):
        return event.raw
    kind = str(data.get("type", ""))
    prefix, _, suffix = kind.rpartition(".")
    if prefix in _STREAMS and suffix == "delta":
        key = _key(data, prefix)
        released = await s.text(key, str(data.get("delta", "")), key[0] == "args")
        if released is None:
            return s.error_event()
        data["delta"] = released
        return s.emit(data, event.name)
    if prefix in _STREAMS and suffix == "done":
        return await _done(s, data, prefix, event)
    if kind in _CLOSING or kind in _COPIES:
        _rewrite(s, data)
        if kind in _CLOSING:
            return await s.close() or s.emit(data, event.name)
        return s.emit(data, event.name)
    if kind in ("error", "response.failed"):  # the stream fails: the text held goes first
        out = await _held(s)
        return s.error_event() if out is None else out + event.raw
    return event.raw


async def _held(s: StreamState) -> bytes | None:
    """The text every channel still holds, one delta event each (``None``: denied)."""
    out = b""
    for key in s.channel_keys():
        rest = await s.flush(key)
        if rest is None:
            return None
        if rest:
            prefix = _BY_TAG[key[0]]
            sub = _STREAMS[prefix][1]
            place = {"output_index": key[1], **({sub: key[2]} if sub else {})}
            kind = f"{prefix}.delta"
            out += s.emit({"type": kind, **place, "delta": rest}, kind)
    return out


async def _done(s: StreamState, data: dict[str, Any], prefix: str, event: Event) -> bytes:
    key, field = _key(data, prefix), _STREAMS[prefix][2]
    rest = await s.flush(key)
    if rest is None:
        return s.error_event()
    out = b""
    if rest:
        delta_kind = f"{prefix}.delta"
        extra = {k: v for k, v in data.items() if k != field}
        extra.update({"type": delta_kind, "delta": rest})
        out = s.emit(extra, delta_kind)
    if key in s.released:
        data[field] = s.released[key]
    return out + s.emit(data, event.name)


def _rewrite(s: StreamState, data: dict[str, Any]) -> None:
    """Whole-text copies in closing events take the released text, and usage is kept."""
    response = data.get("response")
    index = data.get("output_index", 0)
    if isinstance(response, dict):
        if isinstance(response.get("usage"), dict):
            s.usage = response["usage"]
        if isinstance(response.get("status"), str):
            s.finish_reason = response["status"]
        for i, item in enumerate(response.get("output") or []):
            _item(s, item, i)
    if isinstance(data.get("item"), dict):
        _item(s, data["item"], index)
    part = data.get("part")
    if isinstance(part, dict):
        tag = "summary" if "summary_index" in data else _tag(part)
        sub = data.get("summary_index" if tag == "summary" else "content_index", 0)
        _released(s, part, (tag, index, sub))


_PART_TAGS = {"output_text": "text", "refusal": "refusal", "reasoning_text": "reasoning",
              "summary_text": "summary"}


def _tag(part: dict[str, Any]) -> str:
    """The channel tag of a content part by its type (an unknown type: the answer's text)."""
    return _PART_TAGS.get(str(part.get("type")), "text")


def _item(s: StreamState, item: Any, index: int) -> None:
    if not isinstance(item, dict):
        return
    if item.get("type") == "function_call" and ("args", index) in s.released:
        item["arguments"] = s.released[("args", index)]
    reasoning = item.get("type") == "reasoning"
    for field, tag in (("content", "reasoning" if reasoning else None), ("summary", "summary")):
        for j, part in enumerate(item.get(field) or []):
            if isinstance(part, dict):
                _released(s, part, (tag or _tag(part), index, j))


def _released(s: StreamState, part: dict[str, Any], key: Key) -> None:
    """The part's text (or refusal) as released, when its channel streamed it."""
    field = "refusal" if key[0] == "refusal" else "text"
    if field in part and key in s.released:
        part[field] = s.released[key]


def _key(data: dict[str, Any], prefix: str) -> Key:
    tag, sub, _ = _STREAMS[prefix]
    index = data.get("output_index", 0)
    return (tag, index) if sub is None else (tag, index, data.get(sub, 0))
