"""Error bodies in each API's own shape, so SDKs raise their usual errors.

OpenAI-shaped APIs (and Opper, and anything unrecognised) get
``{"error": {"message", "type": "guard_violation", "code", "param"}}`` (another
``type`` for bad input and upstream failures);
Anthropic Messages gets ``{"type": "error", "error": {"type", "message"}}`` with
Anthropic's own error type for the status.
"""

from __future__ import annotations

from typing import Any

BAD_REQUEST = "invalid_request_error"
"""The OpenAI error type of a body guard could not read (malformed, too large, too slow)."""
UPSTREAM = "upstream_error"
"""The OpenAI error type of an upstream that could not be reached or did not answer."""

_ANTHROPIC_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    503: "overloaded_error",
}


def error_body(api: str, status: int, message: str, code: str | None,
               kind: str = "guard_violation") -> dict[str, Any]:
    """The body a caller of ``api`` receives for a guard denial.

    ``kind`` is the OpenAI-shaped ``type``: ``guard_violation`` for a policy's refusal,
    :data:`BAD_REQUEST` for a body guard could not read, :data:`UPSTREAM` for an upstream
    that failed the proxy, so a caller can tell "my policy said no" from the rest.
    """
    if api == "anthropic.messages":
        kind = _ANTHROPIC_TYPES.get(status, "api_error" if status >= 500 else
                                    "invalid_request_error")
        return {"type": "error", "error": {"type": kind, "message": message}}
    return {"error": {"message": message, "type": kind, "code": code,
                      "param": None}}
