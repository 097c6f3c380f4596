"""OpenAI Chat Completions and legacy Completions: requests, answers, streams.

Messages are a ``role`` plus ``content`` that is a string or a list of typed parts. Parts
are walked rather than matched by type, so a part type invented next month is still
scanned; only identifier, enum and binary keys are skipped. Tool-call ``arguments`` are JSON
encoded in a string and are read leaf by leaf with an ``inner`` pointer. Besides messages,
every field that is not a number, an enum or an id is text: ``user``, ``metadata``, ``stop``,
tool and function definitions, ``response_format`` schemas, ``prediction``.

Paths: ``.../chat/completions`` and ``.../completions`` under any prefix (``/v1``,
``/v3/compat``, ``/api/v1``...); Azure's ``/openai/deployments/{name}/...`` and the old
``/engines/{name}/...`` name the model in the path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guard.dialects.base import Answer, Dialect, Endpoint, StreamState
from guard.dialects.events import Event
from guard.dialects.openai_chat_stream import chat_event, flush_all
from guard.dialects.paths import RequestPath
from guard.envelope.model import Pointer
from guard.envelope.walk import (
    ROLE_UNKNOWN,
    STRUCTURAL_SKIP,
    Collector,
    Handler,
    read_fields,
)

COMMON_STRUCTURAL = frozenset(
    {
        "model", "stream", "stream_options", "temperature", "top_p", "n", "seed",
        "logprobs", "top_logprobs", "logit_bias", "presence_penalty", "frequency_penalty",
        "service_tier", "store", "prompt_cache_key", "prompt_cache_retention",
        "tool_choice", "parallel_tool_calls", "fallback_models", "fallbacks", "models",
        "route", "span_uuid", "evaluate", "top_k",
    }
)  # fmt: skip
"""Numbers, flags, enums, ids and model names shared by the OpenAI-shaped APIs (and the
extras OpenAI-compatible gateways take); every other field is read as text."""

_CHAT_STRUCTURAL = COMMON_STRUCTURAL | {
    "max_tokens", "max_completion_tokens", "modalities", "audio", "reasoning_effort",
    "verbosity",
}  # fmt: skip
_COMPLETIONS_STRUCTURAL = COMMON_STRUCTURAL | {"max_tokens", "echo", "best_of"}

_KINDS = {
    "system": ("system", "system"),
    "developer": ("system", "system"),
    "tool": ("tool_result", "tool_result"),
    "function": ("tool_result", "tool_result"),
}
_DEFAULT_KINDS = ("message", "content_part")


def read_message(c: Collector, message: Any, pointer: Pointer) -> str:
    """Read one chat message or Responses message item; return its role."""
    if not isinstance(message, dict):
        c.walk(message, pointer, ROLE_UNKNOWN, "message", STRUCTURAL_SKIP)
        return ROLE_UNKNOWN
    role = message.get("role")
    if not isinstance(role, str):
        role = ROLE_UNKNOWN
    text_kind, part_kind = _KINDS.get(role, _DEFAULT_KINDS)
    for key, value in message.items():
        if key == "content":
            if isinstance(value, str):
                c.add((*pointer, key), value, role, text_kind)
            elif value is not None:
                c.walk(value, (*pointer, key), role, part_kind, STRUCTURAL_SKIP)
        elif key in STRUCTURAL_SKIP or value is None:
            continue
        elif key == "tool_calls":
            _read_tool_calls(c, value, (*pointer, key), role)
        elif key == "function_call":
            read_function(c, value, (*pointer, key), role)
        else:
            c.walk(value, (*pointer, key), role, "other", STRUCTURAL_SKIP)
    return role


def _read_tool_calls(c: Collector, calls: Any, pointer: Pointer, role: str) -> None:
    if not isinstance(calls, list):
        c.walk(calls, pointer, role, "tool_arguments", STRUCTURAL_SKIP)
        return
    for i, call in enumerate(calls):
        if isinstance(call, dict) and isinstance(call.get("function"), dict):
            for key, value in call.items():
                if key == "function":
                    read_function(c, value, (*pointer, i, key), role)
                elif key not in STRUCTURAL_SKIP:
                    c.walk(value, (*pointer, i, key), role, "tool_arguments", STRUCTURAL_SKIP)
        else:
            c.walk(call, (*pointer, i), role, "tool_arguments", STRUCTURAL_SKIP)


def read_function(c: Collector, function: Any, pointer: Pointer, role: str) -> None:
    """Read ``{"name": ..., "arguments": "<JSON>"}``: arguments leaf by leaf."""
    if not isinstance(function, dict):
        c.walk(function, pointer, role, "tool_arguments", STRUCTURAL_SKIP)
        return
    for key, value in function.items():
        if key == "arguments":
            c.add_json_string((*pointer, key), value, role, "tool_arguments")
        elif key not in STRUCTURAL_SKIP:
            c.walk(value, (*pointer, key), role, "tool_arguments", STRUCTURAL_SKIP)


def _chat_messages(c: Collector, messages: Any) -> None:
    if not isinstance(messages, list):
        c.walk(messages, ("messages",), ROLE_UNKNOWN, "message", STRUCTURAL_SKIP)
        return
    for i, message in enumerate(messages):
        c.begin_message()
        c.end_message(read_message(c, message, ("messages", i)))


def each_text(c: Collector, value: Any, field: str, role: str, kind: str) -> None:
    """A string or a list of strings, one message each; token lists carry no text."""
    if isinstance(value, list) and not all(isinstance(x, int) for x in value):
        for i, item in enumerate(value):
            if isinstance(item, str):
                c.begin_message()
                c.add((field, i), item, role, kind)
                c.end_message(role)
            elif not (isinstance(item, list) and all(isinstance(x, int) for x in item)):
                before = len(c.segments)  # a part (moderations' text part) is a message too
                c.begin_message()
                c.walk(item, (field, i), role, kind, STRUCTURAL_SKIP)
                if len(c.segments) > before:
                    c.end_message(role)
    elif isinstance(value, str):
        c.begin_message()
        c.add((field,), value, role, kind)
        c.end_message(role)
    elif not isinstance(value, list):
        c.walk(value, (field,), role, kind, STRUCTURAL_SKIP)


def _prompt(c: Collector, value: Any) -> None:
    each_text(c, value, "prompt", "user", "prompt")


def _suffix(c: Collector, value: Any) -> None:
    c.walk(value, ("suffix",), "user", "prompt", STRUCTURAL_SKIP)


_CHAT: dict[str, Handler] = {"messages": _chat_messages}
_COMPLETIONS: dict[str, Handler] = {"prompt": _prompt, "suffix": _suffix}


def path_model(path: RequestPath, start: int) -> str | None:
    """The model of Azure's ``deployments/{name}/...`` or the old ``engines/{name}/...``."""
    segments = path.segments
    if start >= 2 and segments[start - 2] in ("deployments", "engines"):
        return path.parts[start - 1]
    return None


class Chat(Dialect):
    """OpenAI Chat Completions."""

    name = "openai.chat"
    conversational = True
    default_path = "/v1/chat/completions"
    takes_fallbacks = True

    def endpoint(self, path: RequestPath) -> Endpoint | None:
        start = path.ends("chat", "completions")
        return None if start < 0 else Endpoint(self, model=path_model(path, start))

    def retrieves(self, path: RequestPath) -> bool:
        """``GET chat/completions/{id}``: a stored completion."""
        segments = path.segments
        return len(segments) >= 3 and segments[-3:-1] == ("chat", "completions")

    def read(self, c: Collector, body: Mapping[str, Any], endpoint: Endpoint) -> None:
        read_fields(c, body, _CHAT, _CHAT_STRUCTURAL)

    def prepare(self, body: dict[str, Any], stream: bool) -> tuple[dict[str, Any], bool]:
        """Ask a stream for its usage (budgets settle from it); the caller's choice is kept
        by dropping that chunk again on the way back."""
        if not stream:
            return body, False
        options = body.get("stream_options")
        if isinstance(options, dict) and options.get("include_usage"):
            return body, False
        return {**body, "stream_options": {**(options or {}), "include_usage": True}}, True

    def read_answer(self, c: Collector, body: Any) -> Answer:
        if not isinstance(body, dict):
            return super().read_answer(c, body)
        finish = None
        for key, value in body.items():
            if key == "choices" and isinstance(value, list):
                finish = _read_choices(c, value)
            elif key not in _ANSWER_BOOKKEEPING:
                c.walk(value, (key,), "assistant", "other", STRUCTURAL_SKIP)
        usage = body.get("usage")
        return Answer(finish, usage if isinstance(usage, dict) else {})

    async def on_event(self, s: StreamState, event: Event) -> bytes:
        return await chat_event(s, event)

    async def on_end(self, s: StreamState) -> bytes:
        out = await flush_all(s)
        return s.error_event() if out is None else out


class Completions(Chat):
    """OpenAI legacy Completions: each prompt string is one ``user`` message."""

    name = "openai.completions"
    conversational = False
    default_path = "/v1/completions"

    def endpoint(self, path: RequestPath) -> Endpoint | None:
        start = path.ends("completions")
        if start < 0 or (start > 0 and path.segments[start - 1] == "chat"):
            return None
        return Endpoint(self, model=path_model(path, start))

    def read(self, c: Collector, body: Mapping[str, Any], endpoint: Endpoint) -> None:
        read_fields(c, body, _COMPLETIONS, _COMPLETIONS_STRUCTURAL)

    async def on_event(self, s: StreamState, event: Event) -> bytes:
        return await chat_event(s, event, completions=True)

    async def on_end(self, s: StreamState) -> bytes:
        out = await flush_all(s, completions=True)
        return s.error_event() if out is None else out


_ANSWER_BOOKKEEPING = frozenset({"id", "object", "created", "model", "system_fingerprint",
                                 "usage", "service_tier"})


def _read_choices(c: Collector, choices: list[Any]) -> str | None:
    finish = None
    for i, choice in enumerate(choices):
        if not isinstance(choice, dict):
            continue
        reason = choice.get("finish_reason")
        finish = finish or (reason if isinstance(reason, str) else None)
        for key, value in choice.items():
            if key == "message":
                read_message(c, {**value, "role": "assistant"} if isinstance(value, dict)
                             else value, ("choices", i, key))
            elif key == "text":
                c.add(("choices", i, key), value, "assistant", "message")
            elif key not in ("index", "finish_reason", "logprobs"):
                c.walk(value, ("choices", i, key), "assistant", "other", STRUCTURAL_SKIP)
    return finish


def chat_answer(texts: list[str], calls: list[str], finish: str | None,
                usage: dict[str, Any]) -> dict[str, Any]:
    """A streamed answer as one chat completion (what whole-answer checks read)."""
    message: dict[str, Any] = {"role": "assistant", "content": "".join(texts)}
    if calls:
        message["tool_calls"] = [{"type": "function", "function": {"arguments": a}}
                                 for a in calls]
    return {"choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": usage}

