"""Error bodies in the shape of each family of APIs, so the caller's SDK raises its usual
error: OpenAI's ``{"error": {...}}`` (with a ``type`` that tells a policy's refusal from bad
input and upstream failures), Anthropic's typed errors, Google's ``google.rpc.Status``
(``code``, ``message``, ``status``), Ollama's ``{"error": "..."}``."""

from __future__ import annotations

from typing import Any

GOOGLE_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 402: "FAILED_PRECONDITION",
                 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 408: "DEADLINE_EXCEEDED",
                 413: "INVALID_ARGUMENT", 415: "INVALID_ARGUMENT", 429: "RESOURCE_EXHAUSTED",
                 500: "INTERNAL", 502: "UNAVAILABLE", 503: "UNAVAILABLE",
                 504: "DEADLINE_EXCEEDED"}

_ANTHROPIC_TYPES = {
    400: "invalid_request_error", 401: "authentication_error", 402: "billing_error",
    403: "permission_error", 404: "not_found_error", 413: "request_too_large",
    415: "invalid_request_error", 429: "rate_limit_error", 503: "overloaded_error",
}  # fmt: skip


def error_shape(family: str, status: int, message: str, code: str | None,
                kind: str = "guard_violation") -> Any:
    """An error body in the shape of a family of APIs.

    ``kind`` is the OpenAI-shaped ``type``: ``guard_violation`` for a policy's refusal,
    ``invalid_request_error`` for a body guard could not read, ``upstream_error`` for an
    upstream that failed the proxy, so a caller can tell "my policy said no" from the rest.
    """
    if family == "anthropic":
        anthropic = _ANTHROPIC_TYPES.get(status, "api_error" if status >= 500 else
                                         "invalid_request_error")
        return {"type": "error", "error": {"type": anthropic, "message": message}}
    if family == "google":
        state = GOOGLE_STATUS.get(status, "INTERNAL" if status >= 500 else "INVALID_ARGUMENT")
        return {"error": {"code": status, "message": message, "status": state,
                          "details": [{"reason": code or kind, "domain": "guard"}]}}
    if family == "ollama":
        return {"error": message}
    return {"error": {"message": message, "type": kind, "code": code, "param": None}}
