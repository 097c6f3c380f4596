"""Reading OpenAI request shapes: Chat Completions, Responses, Embeddings, Completions.

Chat messages and Responses message items share one reader: both are a
``role`` plus ``content`` that is a string or a list of typed parts. Parts are
walked rather than matched by type, so a part type invented next month is
still scanned; only identifier/enum/binary keys are skipped (see
:data:`~guard.envelope.walk.STRUCTURAL_SKIP`). Tool-call ``arguments`` are JSON
encoded in a string and are read leaf by leaf with an ``inner`` pointer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guard.envelope.model import Pointer
from guard.envelope.walk import (
    ROLE_OTHER,
    ROLE_UNKNOWN,
    STRUCTURAL_SKIP,
    Collector,
    Handler,
    read_fields,
)

_COMMON_CONFIG = frozenset(
    {
        "model", "stream", "stream_options", "temperature", "top_p", "n", "stop", "seed",
        "user", "metadata", "tags", "fallback_models", "service_tier", "store",
        "prompt_cache_key", "safety_identifier", "logprobs", "top_logprobs", "logit_bias",
        "presence_penalty", "frequency_penalty", "span_uuid", "evaluate",
        "tools", "tool_choice", "parallel_tool_calls",
    }
)  # fmt: skip
"""Settings shared by the OpenAI APIs (and OpenAI-compatible gateways' extras).

Tool definitions are developer configuration, not traffic, like Opper's
schemas: they are not scanned.
"""

_CHAT_CONFIG = _COMMON_CONFIG | {
    "max_tokens", "max_completion_tokens", "functions", "function_call", "response_format",
    "modalities", "audio", "reasoning_effort", "web_search_options", "verbosity", "top_k",
}  # fmt: skip

_RESPONSES_CONFIG = _COMMON_CONFIG | {
    "max_output_tokens", "previous_response_id", "reasoning", "text", "truncation",
    "include", "background", "conversation", "max_tool_calls",
}  # fmt: skip

_EMBEDDINGS_CONFIG = _COMMON_CONFIG | {"encoding_format", "dimensions", "input_type"}

_COMPLETIONS_CONFIG = _COMMON_CONFIG | {"max_tokens", "echo", "best_of"}


_KINDS = {
    "system": ("system", "system"),
    "developer": ("system", "system"),
    "tool": ("tool_result", "tool_result"),
    "function": ("tool_result", "tool_result"),
}
_DEFAULT_KINDS = ("message", "content_part")


def _kinds(role: str) -> tuple[str, str]:
    """Segment kinds for (string content, content parts) of a message with ``role``."""
    return _KINDS.get(role, _DEFAULT_KINDS)


def read_message(c: Collector, message: Any, pointer: Pointer) -> str:
    """Read one chat message or Responses message item; return its role."""
    if not isinstance(message, dict):
        c.walk(message, pointer, ROLE_UNKNOWN, "message", STRUCTURAL_SKIP)
        return ROLE_UNKNOWN
    role = message.get("role")
    if not isinstance(role, str):
        role = ROLE_UNKNOWN
    text_kind, part_kind = _kinds(role)
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
            _read_function(c, value, (*pointer, key), role)
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
                    _read_function(c, value, (*pointer, i, key), role)
                elif key not in STRUCTURAL_SKIP:
                    c.walk(value, (*pointer, i, key), role, "tool_arguments", STRUCTURAL_SKIP)
        else:
            c.walk(call, (*pointer, i), role, "tool_arguments", STRUCTURAL_SKIP)


def _read_function(c: Collector, function: Any, pointer: Pointer, role: str) -> None:
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


_CHAT: dict[str, Handler] = {"messages": _chat_messages}


def read_chat(c: Collector, body: Mapping[str, Any]) -> None:
    """OpenAI Chat Completions: ``messages``; unknown top-level fields walked."""
    read_fields(c, body, _CHAT, _CHAT_CONFIG)


def _item_role(item_type: Any) -> str:
    """Role of a non-message Responses item from its type (``*_call``, ``*_output``)."""
    if not isinstance(item_type, str):
        return ROLE_UNKNOWN
    if item_type.endswith("_output"):
        return "tool"
    if item_type.endswith("_call") or item_type == "reasoning":
        return "assistant"
    return ROLE_UNKNOWN


def read_item(c: Collector, item: Any, pointer: Pointer) -> str:
    """Read one Responses input item; return the role of the message it forms."""
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


def _responses_input(c: Collector, value: Any) -> None:
    if isinstance(value, str):
        c.begin_message()
        c.add(("input",), value, "user", "message")
        c.end_message("user")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            c.begin_message()
            c.end_message(read_item(c, item, ("input", i)))
    else:
        c.walk(value, ("input",), "user", "message", STRUCTURAL_SKIP)


def _instructions(c: Collector, value: Any) -> None:
    if value is None:
        return
    c.begin_message()
    c.walk(value, ("instructions",), "system", "instructions", STRUCTURAL_SKIP)
    c.end_message("system")


def _prompt_template(c: Collector, value: Any) -> None:
    """``prompt: {id, version, variables}``: only the variables are text.

    Variable names are the keys; values are strings or content parts.
    """
    if not isinstance(value, dict):
        c.walk(value, ("prompt",), ROLE_OTHER, "other", STRUCTURAL_SKIP)
        return
    variables = value.get("variables")
    if isinstance(variables, dict):
        for name, variable in variables.items():
            c.walk(variable, ("prompt", "variables", name), ROLE_OTHER, "other", STRUCTURAL_SKIP)
    else:
        c.walk(variables, ("prompt", "variables"), ROLE_OTHER, "other", STRUCTURAL_SKIP)


_RESPONSES: dict[str, Handler] = {
    "instructions": _instructions,
    "input": _responses_input,
    "prompt": _prompt_template,
}


def read_responses(c: Collector, body: Mapping[str, Any]) -> None:
    """OpenAI Responses: ``instructions``, ``input`` (string or items), prompt variables."""
    read_fields(c, body, _RESPONSES, _RESPONSES_CONFIG)


def _each_text(c: Collector, value: Any, field: str, role: str, kind: str) -> None:
    """A string or a list of strings, one message each; token lists carry no text."""
    if isinstance(value, list) and not all(isinstance(x, int) for x in value):
        for i, item in enumerate(value):
            if isinstance(item, str):
                c.begin_message()
                c.add((field, i), item, role, kind)
                c.end_message(role)
            elif not (isinstance(item, list) and all(isinstance(x, int) for x in item)):
                c.walk(item, (field, i), role, kind, STRUCTURAL_SKIP)
    elif isinstance(value, str):
        c.begin_message()
        c.add((field,), value, role, kind)
        c.end_message(role)
    elif not isinstance(value, list):
        c.walk(value, (field,), role, kind, STRUCTURAL_SKIP)


def _embeddings_input(c: Collector, value: Any) -> None:
    _each_text(c, value, "input", "input", "input")


def _prompt(c: Collector, value: Any) -> None:
    _each_text(c, value, "prompt", "user", "prompt")


def _suffix(c: Collector, value: Any) -> None:
    c.walk(value, ("suffix",), "user", "prompt", STRUCTURAL_SKIP)


_EMBEDDINGS: dict[str, Handler] = {"input": _embeddings_input}
_COMPLETIONS: dict[str, Handler] = {"prompt": _prompt, "suffix": _suffix}


def read_embeddings(c: Collector, body: Mapping[str, Any]) -> None:
    """OpenAI Embeddings: each input string is one message of role ``input``."""
    read_fields(c, body, _EMBEDDINGS, _EMBEDDINGS_CONFIG)


def read_completions(c: Collector, body: Mapping[str, Any]) -> None:
    """Legacy Completions: each prompt string is one ``user`` message; ``suffix`` too is text."""
    read_fields(c, body, _COMPLETIONS, _COMPLETIONS_CONFIG)
