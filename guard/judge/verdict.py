"""The judge's answer, parsed strictly.

A judge that answers anything but ``{"flagged": <bool>, "reason": <str>}`` in
an OpenAI chat completion is treated as a failed check (its policy's
``on_error``), never as "not flagged": a model that drifted, a gateway error
page or a refusal must not let traffic through silently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from guard.errors import CheckError

VERDICT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"flagged": {"type": "boolean"}, "reason": {"type": "string"}},
    "required": ["flagged", "reason"],
    "additionalProperties": False,
}
"""The structured output requested with ``response_format`` (strict JSON schema)."""

RESPONSE_FORMAT: dict[str, Any] = {
    "type": "json_schema",
    "json_schema": {"name": "guard_verdict", "strict": True, "schema": VERDICT_SCHEMA},
}

MAX_REASON = 200
"""Characters of ``reason`` kept: enough to say why, short enough for a log line."""


@dataclass(frozen=True)
class Verdict:
    """What a judge decided about one text (the text itself is never kept)."""

    flagged: bool
    reason: str


def parse_verdict(payload: Any) -> Verdict:
    """The verdict in a chat-completion response body; :class:`CheckError` if malformed."""
    try:
        message = payload["choices"][0]["message"]
    except (KeyError, IndexError, TypeError):
        raise CheckError("judge answer is not a chat completion") from None
    if not isinstance(message, dict):
        raise CheckError("judge answer is not a chat completion")
    if message.get("refusal"):
        raise CheckError("judge refused to answer")
    content = message.get("content")
    if not isinstance(content, str):
        raise CheckError("judge answer has no text content")
    try:
        verdict = json.loads(content)
    except ValueError:
        raise CheckError("judge verdict is not JSON") from None
    if not isinstance(verdict, dict) or set(verdict) != {"flagged", "reason"}:
        raise CheckError("judge verdict must be an object with exactly `flagged` and `reason`")
    flagged, reason = verdict["flagged"], verdict["reason"]
    if not isinstance(flagged, bool) or not isinstance(reason, str):
        raise CheckError("judge verdict has the wrong types (`flagged` bool, `reason` string)")
    return Verdict(flagged, reason.strip()[:MAX_REASON])
