"""The response side: one normalized view of a (non-streamed) LLM answer.

Output policies scan and edit the answer the way input policies treat the
request: every text segment with a pointer back into the JSON, so a redaction
or a pseudonym restore lands exactly where the text came from. ``view`` gives
the ``response`` CEL variable, the same for every API.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from guard.envelope.model import Segment
from guard.envelope.walk import NO_SKIP, STRUCTURAL_SKIP, Collector


@dataclass(frozen=True)
class ResponseEnvelope:
    """An answer's text segments, usage and finish reason."""

    body: Mapping[str, Any]
    segments: tuple[Segment, ...]
    usage: Mapping[str, Any]
    finish_reason: str | None
    status: int

    @cached_property
    def text(self) -> str:
        return "\n".join(segment.text for segment in self.segments)

    def view(self) -> dict[str, Any]:
        """The ``response`` CEL variable."""
        return {"text": self.text, "usage": dict(self.usage),
                "finish_reason": self.finish_reason, "status": self.status}


def parse_response(body: Any, status: int = 200) -> ResponseEnvelope:
    """Read an OpenAI (chat, completions, responses), Anthropic or Opper answer.

    The shape is told by its own keys (``choices``, ``output``, ``content``,
    ``message``), so the request's API is not needed; a body of no known shape
    has no segments, and a non-object body none at all.
    """
    if not isinstance(body, Mapping):
        return ResponseEnvelope({}, (), {}, None, status)
    c = Collector()
    finish = _read(c, body)
    usage = body.get("usage")
    return ResponseEnvelope(body, tuple(c.segments), usage if isinstance(usage, dict) else {},
                            finish if isinstance(finish, str) else None, status)


def _read(c: Collector, body: Mapping[str, Any]) -> Any:
    if isinstance(body.get("choices"), list):
        return _choices(c, body["choices"])
    if isinstance(body.get("output"), list):
        _responses_output(c, body["output"])
        return body.get("status")
    if isinstance(body.get("content"), list):
        _anthropic_content(c, body["content"])
        return body.get("stop_reason")
    if "message" in body or "json_payload" in body:
        c.add(("message",), body.get("message"), "assistant", "message")
        c.walk(body.get("json_payload"), ("json_payload",), "assistant", "message", NO_SKIP)
    return None


def _choices(c: Collector, choices: list[Any]) -> Any:
    finish = None
    for i, choice in enumerate(choices):
        if not isinstance(choice, dict):
            continue
        finish = finish or choice.get("finish_reason")
        c.add(("choices", i, "text"), choice.get("text"), "assistant", "message")
        message = choice.get("message")
        if isinstance(message, dict):
            _chat_message(c, message, ("choices", i, "message"))
    return finish


def _chat_message(c: Collector, message: dict[str, Any], pointer: tuple[Any, ...]) -> None:
    c.walk(message.get("content"), (*pointer, "content"), "assistant", "message",
           STRUCTURAL_SKIP)
    c.add((*pointer, "refusal"), message.get("refusal"), "assistant", "message")
    calls = message.get("tool_calls")
    for j, call in enumerate(calls if isinstance(calls, list) else []):
        function = call.get("function") if isinstance(call, dict) else None
        if isinstance(function, dict) and "arguments" in function:
            where = (*pointer, "tool_calls", j, "function", "arguments")
            c.add_json_string(where, function["arguments"], "assistant", "tool_arguments")


def _responses_output(c: Collector, items: list[Any]) -> None:
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        if item.get("type") == "function_call" and "arguments" in item:
            c.add_json_string(("output", i, "arguments"), item["arguments"], "assistant",
                              "tool_arguments")
        elif isinstance(item.get("content"), list):
            c.walk(item["content"], ("output", i, "content"), "assistant", "message",
                   STRUCTURAL_SKIP)


def _anthropic_content(c: Collector, blocks: list[Any]) -> None:
    for i, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue
        if block.get("type") == "tool_use":
            c.walk(block.get("input"), ("content", i, "input"), "assistant", "tool_arguments",
                   NO_SKIP)
        elif block.get("type") == "text":
            c.add(("content", i, "text"), block.get("text"), "assistant", "message")
