"""Reading Anthropic Messages requests.

Differences from OpenAI chat that matter here: the system prompt is a
top-level ``system`` field (string or text blocks); ``tool_use.input`` is a JSON
object in the body, not an encoded string, so its leaves get plain pointers;
tool results are ``tool_result`` blocks inside *user* messages, read with role
``tool`` so policies can single out tool output. Editing a ``thinking`` block
invalidates its signature (the API then rejects the request); it is scanned
all the same, and what to do about a finding there is the policy's choice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guard.envelope.model import Pointer
from guard.envelope.walk import (
    NO_SKIP,
    ROLE_UNKNOWN,
    STRUCTURAL_SKIP,
    Collector,
    Handler,
    read_fields,
)

_CONFIG = frozenset(
    {
        "model", "max_tokens", "stream", "temperature", "top_p", "top_k", "stop_sequences",
        "metadata", "tools", "tool_choice", "thinking", "service_tier", "container",
        "mcp_servers", "context_management", "output_format", "anthropic_version",
        "anthropic_beta", "fallback_models", "tags",
    }
)  # fmt: skip
"""Settings, not text. Tool definitions are developer configuration."""

_TOOL_USE = frozenset({"tool_use", "server_tool_use", "mcp_tool_use"})


def _system(c: Collector, value: Any) -> None:
    if value is None:
        return
    c.begin_message()
    c.walk(value, ("system",), "system", "system", STRUCTURAL_SKIP)
    c.end_message("system")


def _read_block(c: Collector, block: Any, pointer: Pointer, role: str) -> None:
    """One content block; unknown block types are walked as content."""
    block_type = block.get("type") if isinstance(block, dict) else None
    if not isinstance(block_type, str):
        block_type = None
    if not isinstance(block, dict):
        c.walk(block, pointer, role, "content_part", STRUCTURAL_SKIP)
    elif block_type in _TOOL_USE:
        for key, value in block.items():
            if key == "input":  # the tool's arguments: user data, every leaf is text
                c.walk(value, (*pointer, key), role, "tool_arguments", NO_SKIP)
            elif key not in STRUCTURAL_SKIP:
                c.walk(value, (*pointer, key), role, "tool_arguments", STRUCTURAL_SKIP)
    elif block_type is not None and block_type.endswith("tool_result"):
        c.walk(block, pointer, "tool", "tool_result", STRUCTURAL_SKIP)
    elif block_type in ("thinking", "redacted_thinking"):
        c.walk(block, pointer, role, "other", STRUCTURAL_SKIP)
    else:
        c.walk(block, pointer, role, "content_part", STRUCTURAL_SKIP)


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
                _read_block(c, block, (*where, i), role)
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


def read_messages(c: Collector, body: Mapping[str, Any]) -> None:
    """Anthropic Messages: ``system`` then ``messages``; unknown fields walked."""
    read_fields(c, body, _HANDLERS, _CONFIG)
