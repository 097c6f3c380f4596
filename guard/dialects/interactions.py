"""Google's Interactions API: ``POST /{version}/interactions`` (also under Opper's ``/v3/compat``).

A request names a ``model`` (or an ``agent``), a ``system_instruction`` and an ``input``: a
string, a content block, a list of content blocks, or a list of steps (``user_input``,
``model_output``, ``function_call`` with ``arguments``, ``function_result`` with its
``result``...). Tool declarations, ``generation_config`` (stop sequences) and
``response_format`` schemas are read as text too.

Answers hold ``steps`` (``outputs`` before the May 2026 revision); streams are SSE with
``event_type`` in the data: ``step.delta`` (``content.delta`` before), ``step.stop``,
``interaction.completed`` (``interaction.complete``) with the usage, ``error``; some end
with ``[DONE]``. Text still held goes out in a delta of the stream's own schema; text that
arrives whole (a ``step.start`` with content, a whole call or tool result, the steps an
opening or closing event may carry, an event type this module does not know) is checked
whole; signatures are opaque and pass as they came.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guard.dialects.base import Answer, Dialect, Endpoint, Models, StreamState
from guard.dialects.events import Event, Framing
from guard.dialects.gemini import ROLES, output_cap
from guard.dialects.gemini import SKIP as GEMINI_SKIP
from guard.dialects.models import read_models
from guard.dialects.paths import RequestPath
from guard.dialects.streaming import WHOLE_SKIP, check_whole, each_held, scan_whole, whole_event
from guard.envelope.model import Pointer
from guard.envelope.walk import NO_SKIP, Collector

_STRUCTURAL = frozenset(
    {
        "model", "agent", "stream", "store", "background", "previous_interaction_id",
        "response_modalities", "response_mime_type", "service_tier", "continuation_token",
        "safety_settings", "fallback_models", "fallbacks", "models",
    }
)  # fmt: skip

SKIP = GEMINI_SKIP | {"thinking_summaries", "tool_choice", "is_error"}
"""Gemini's enums and references, and the settings Interactions adds (``generation_config``
``thinking_summaries`` and ``tool_choice`` are enums)."""

_STEP_ROLES = {"user_input": "user", "model_output": "assistant", "thought": "assistant",
               "function_call": "assistant", "function_result": "tool"}
_DATA_KEYS = {"arguments": "tool_arguments", "result": "tool_result"}


class Interactions(Dialect):
    """Google Interactions."""

    name = "google.interactions"
    family = "google"
    provider = "google"
    conversational = True
    default_path = "/v1beta/interactions"
    takes_fallbacks = True

    def endpoint(self, path: RequestPath) -> Endpoint | None:
        return Endpoint(self) if path.ends("interactions") >= 0 else None

    def retrieves(self, path: RequestPath) -> bool:
        """``GET interactions/{id}`` (``?stream=true`` replays it) and its ``cancel``."""
        return path.stored_item("interactions")

    def read(self, c: Collector, body: Mapping[str, Any], endpoint: Endpoint) -> None:
        for key, value in body.items():
            if key == "input":
                _read_input(c, value)
            elif key in ("system_instruction", "systemInstruction"):
                c.system(value, key, skip=SKIP)
            elif key not in _STRUCTURAL:
                c.walk(value, (key,), "other", "other", SKIP)

    def models(self, body: Mapping[str, Any], endpoint: Endpoint) -> Models:
        model, fallbacks = read_models(body)
        agent = body.get("agent")
        return Models(model or (agent if isinstance(agent, str) and agent else None), fallbacks)

    def max_tokens(self, body: Mapping[str, Any]) -> int | None:
        return output_cap(body)

    def read_answer(self, c: Collector, body: Any) -> Answer:
        if not isinstance(body, dict):
            return super().read_answer(c, body)
        for key in ("steps", "outputs"):
            items = body.get(key)
            for i, item in enumerate(items if isinstance(items, list) else []):
                _read_item(c, item, (key, i), "assistant")
        usage = body.get("usage", body.get("usageMetadata"))
        status = body.get("status")
        return Answer(status if isinstance(status, str) else None,
                      dict(usage) if isinstance(usage, dict) else {})

    async def on_event(self, s: StreamState, event: Event) -> bytes:
        if event.data.strip() == "[DONE]":
            return await _closing(s, event.raw)
        data = event.json()
        if not isinstance(data, dict):
            return event.raw
        kind = data.get("event_type")
        if kind in ("step.delta", "content.delta"):
            return await _delta(s, data, event)
        if kind in ("step.stop", "content.stop"):
            return await _stop(s, data, event)
        if kind in ("step.start", "content.start"):  # a step may start with its text
            field = "step" if kind == "step.start" else "content"
            checked = await _whole(s, data, field, ("start", data.get("index", 0)))
            if checked is None:
                return s.error_event()
            return s.emit(data, event.name) if checked else event.raw
        if kind in ("interaction.completed", "interaction.complete"):
            return await _completed(s, data, event)
        if kind in ("interaction.created", "interaction.start"):  # steps it may hold: whole
            interaction = data.get("interaction")
            checked = await _steps(s, interaction, ("created",)) if isinstance(
                interaction, dict) else 0
            if checked is None:
                return s.error_event()
            return s.emit(data, event.name) if checked else event.raw
        if kind == "interaction.status_update":
            _usage(s, data)
            return event.raw
        if kind == "error":  # the stream fails here: the text still held goes out first
            held = await each_held(s, _flushed)
            return s.error_event() if held is None else held + event.raw
        return await whole_event(s, event, data, ("event", str(kind)))  # unknown: whole

    async def on_end(self, s: StreamState) -> bytes:
        out = await each_held(s, _flushed)
        return s.error_event() if out is None else out

    def error_event(self, body: Any, framing: Framing) -> bytes:
        """The stream's ``error`` event. Its ``code`` is a string there (``"not_found"``):
        the SDK's ``Error`` model refuses the number an HTTP error body carries, and an
        event it cannot read raises instead of ending the stream with the message."""
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict):
            error = {**error, "code": str(error.get("status") or error.get("code")).lower()}
        return framing.encode({"event_type": "error", "error": error}, "error")


async def _closing(s: StreamState, raw: bytes) -> bytes:
    """The stream's end (``[DONE]``): text still held, then the whole-answer checks; a denial
    by either ends the stream with the error event alone."""
    out = await each_held(s, _flushed)
    if out is None:
        return s.error_event()
    return out + (await s.close() or raw)


def _read_input(c: Collector, value: Any) -> None:
    if isinstance(value, str):
        c.begin_message()
        c.add(("input",), value, "user", "message")
        c.end_message("user")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            c.begin_message()
            c.end_message(_read_item(c, item, ("input", i), "user"))
    else:
        c.begin_message()
        c.end_message(_read_item(c, value, ("input",), "user"))


def _read_item(c: Collector, item: Any, pointer: Pointer, default: str) -> str:
    """A step or a content block; a call's arguments and a result are data, every leaf."""
    if not isinstance(item, dict):
        c.walk(item, pointer, default, "message", SKIP)
        return default
    kind, given = item.get("type"), item.get("role")
    role = _STEP_ROLES.get(kind, default) if isinstance(kind, str) else default
    if isinstance(given, str):  # a turn ``{role, content}``: its role says who wrote it
        role = ROLES.get(given, given)
    for key, value in item.items():
        where = (*pointer, key)
        if key in _DATA_KEYS:
            c.walk(value, where, role, _DATA_KEYS[key], NO_SKIP)
        elif key == "text":
            c.add(where, value, role, "message")
        elif key == "data" and kind != "text":
            continue  # an image's, audio's or document's bytes, base64
        elif key not in SKIP:
            c.walk(value, where, role, "content_part", SKIP)
    return role


def _usage(s: StreamState, holder: dict[str, Any]) -> None:
    usage = holder.get("usage", holder.get("usageMetadata"))  # Opper's copy: Gemini's name
    if isinstance(usage, dict):
        s.usage = dict(usage)
    status = holder.get("status")
    if isinstance(status, str):
        s.finish_reason = status


def _delta_text(delta: dict[str, Any]) -> tuple[dict[str, Any], str, bool] | None:
    """Where a delta's text is: (holder, field, JSON string?)."""
    kind = delta.get("type")
    if kind == "text" and isinstance(delta.get("text"), str):
        return delta, "text", False
    if kind == "arguments_delta":
        for field in ("arguments", "partial_arguments"):
            if isinstance(delta.get(field), str):
                return delta, field, True
    content = delta.get("content")
    if kind == "thought_summary" and isinstance(content, dict) and isinstance(
            content.get("text"), str):
        return content, "text", False
    return None


async def _delta(s: StreamState, data: dict[str, Any], event: Event) -> bytes:
    delta, index = data.get("delta"), data.get("index", 0)
    found = _delta_text(delta) if isinstance(delta, dict) else None
    if found is None:  # a whole result or call (or a signature): every string at once
        checked = await _whole(s, data, "delta", ("whole", index))
        if checked is None:
            return s.error_event()
        return s.emit(data, event.name) if checked else event.raw
    holder, field, json_string = found
    assert isinstance(delta, dict)
    kind = "content.delta" if data.get("event_type") == "content.delta" else "step.delta"
    key = ("step", index, str(delta.get("type")), field, kind)
    released = await s.text(key, holder[field], json_string)
    if released is None:
        return s.error_event()
    holder[field] = released
    read = {field} if holder is delta else {"content"}  # the rest of it checked whole
    if await scan_whole(s, delta, ("extra", index, str(delta.get("type"))), SKIP | WHOLE_SKIP,
                        read) is None:
        return s.error_event()
    return s.emit(data, event.name)


async def _stop(s: StreamState, data: dict[str, Any], event: Event) -> bytes:
    index = data.get("index", 0)
    _usage(s, data)
    out = await each_held(s, _flushed, [k for k in s.channel_keys()
                                        if k[0] == "step" and k[1] == index])
    return s.error_event() if out is None else out + event.raw


async def _completed(s: StreamState, data: dict[str, Any], event: Event) -> bytes:
    """The closing event: its usage and status; the steps it may repeat (it usually leaves
    them out) checked whole, the text still held sent before it."""
    interaction, checked = data.get("interaction"), 0
    out = await each_held(s, _flushed)
    if out is None:
        return s.error_event()
    if isinstance(interaction, dict):
        _usage(s, interaction)
        found = await _steps(s, interaction, ("completed",))
        if found is None:
            return s.error_event()
        checked = found
    return out + (await s.close() or (s.emit(data, event.name) if checked else event.raw))


async def _steps(s: StreamState, interaction: dict[str, Any], key: Any) -> int | None:
    """The steps (``outputs``) an interaction event repeats or opens with, checked whole:
    how many changed, ``None`` if a check denied."""
    changed = 0
    for field in ("steps", "outputs"):
        found = await _whole(s, interaction, field, (*key, field))
        if found is None:
            return None
        changed += found
    return changed


async def _whole(s: StreamState, holder: dict[str, Any], field: str, key: Any) -> int | None:
    """Check every string of ``holder[field]`` (a step, a content block, a delta, or a list
    of them, arriving whole) at once and write back what is released: 1 if any changed,
    ``None`` if a check denied. Arguments and results are data, every leaf."""
    value, c = holder.get(field), Collector()
    if isinstance(value, list):
        for i, item in enumerate(value):
            _read_item(c, item, (field, i), "assistant")
    elif value is not None:
        _read_item(c, value, (field,), "assistant")
    changed = await check_whole(s, holder, c.segments, key)
    return None if changed is None else int(changed)


async def _flushed(s: StreamState, key: Any) -> bytes | None:
    """An extra delta event, of the stream's own schema, carrying the text a step's channel
    still holds (``None``: a check denied it)."""
    rest = await s.flush(key)
    if rest is None:
        return None
    if not rest or key[0] != "step":
        return b""
    _, index, delta_type, field, kind = key
    delta: dict[str, Any] = {"type": delta_type}
    if delta_type == "thought_summary":
        delta["content"] = {"type": "text", "text": rest}
    else:
        delta[field] = rest
    return s.emit({"event_type": kind, "index": index, "delta": delta}, kind)
