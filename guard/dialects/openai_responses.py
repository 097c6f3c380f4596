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

from guard.dialects.base import Answer, Dialect, Endpoint, StreamState
from guard.dialects.events import Event
from guard.dialects.openai_chat import COMMON_STRUCTURAL, read_message
from guard.dialects.openai_responses_stream import BOOKKEEPING, held, responses_event
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

    def retrieves(self, path: RequestPath) -> bool:
        """``GET responses/{id}`` (``?stream=true`` replays it as events) and ``POST
        responses/{id}/cancel``: a stored response."""
        return path.stored_item("responses")

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
            elif key not in BOOKKEEPING:
                c.walk(value, _at(body, response, (key,)), "assistant", "other",
                       STRUCTURAL_SKIP)
        usage = response.get("usage")
        status = response.get("status")
        return Answer(status if isinstance(status, str) else None,
                      usage if isinstance(usage, dict) else {})

    async def on_event(self, s: StreamState, event: Event) -> bytes:
        return await responses_event(s, event)

    async def on_end(self, s: StreamState) -> bytes:
        out = await held(s)
        return s.error_event() if out is None else out


class OpenResponses(Responses):
    """OpenResponses: the Responses wire format, at Opper's ``/v3/compat/openresponses``."""

    name = "openresponses"
    default_path = "/v3/compat/openresponses"

    def endpoint(self, path: RequestPath) -> Endpoint | None:
        return Endpoint(self) if path.ends("openresponses") >= 0 else None

    def retrieves(self, path: RequestPath) -> bool:
        return path.stored_item("openresponses")


def _at(body: Any, response: Any, pointer: Pointer) -> Pointer:
    return pointer if response is body else ("response", *pointer)

