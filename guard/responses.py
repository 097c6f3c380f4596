"""Error bodies in each API's own shape, so SDKs raise their usual errors.

The shape is the dialect's (:meth:`guard.dialects.Dialect.error_body`): OpenAI-shaped APIs
(and Opper, and anything unrecognised) get ``{"error": {"message", "type": "guard_violation",
"code", "param"}}`` (another ``type`` for bad input and upstream failures); Anthropic Messages
``{"type": "error", "error": {"type", "message"}}``; Gemini and Interactions Google's
``{"error": {"code", "message", "status"}}``; Ollama ``{"error": "..."}``.
"""

from __future__ import annotations

from typing import Any

BAD_REQUEST = "invalid_request_error"
"""The OpenAI error type of a body guard could not read (malformed, too large, too slow)."""
UPSTREAM = "upstream_error"
"""The OpenAI error type of an upstream that could not be reached or did not answer."""


def error_body(api: str, status: int, message: str, code: str | None,
               kind: str = "guard_violation") -> Any:
    """The body a caller of ``api`` receives for an error guard answers itself.

    ``kind`` is the OpenAI-shaped ``type``: ``guard_violation`` for a policy's refusal,
    :data:`BAD_REQUEST` for a body guard could not read, :data:`UPSTREAM` for an upstream
    that failed the proxy, so a caller can tell "my policy said no" from the rest.
    """
    from guard.dialects import dialect

    return dialect(api).error_body(status, message, code, kind)
