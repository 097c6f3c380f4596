"""Error bodies in each API's own shape, so SDKs raise their usual errors.

OpenAI-shaped APIs (and Opper, and anything unrecognised) get
``{"error": {"message", "type": "guard_violation", "code", "param"}}``;
Anthropic Messages gets ``{"type": "error", "error": {"type", "message"}}`` with
Anthropic's own error type for the status.
"""

from __future__ import annotations

from typing import Any

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


def error_body(api: str, status: int, message: str, code: str | None) -> dict[str, Any]:
    """The body a caller of ``api`` receives for a guard denial."""
    if api == "anthropic.messages":
        kind = _ANTHROPIC_TYPES.get(status, "api_error" if status >= 500 else
                                    "invalid_request_error")
        return {"type": "error", "error": {"type": kind, "message": message}}
    return {"error": {"message": message, "type": "guard_violation", "code": code,
                      "param": None}}
