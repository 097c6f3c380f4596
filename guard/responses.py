"""Error bodies in each API's own shape, so SDKs raise their usual errors.

The shape is the dialect's (:meth:`guard.dialects.Dialect.error_body`): OpenAI-shaped APIs
(and Opper, and anything unrecognised) get ``{"error": {"message", "type": "guard_violation",
"code", "param"}}`` (another ``type`` for bad input and upstream failures); Anthropic Messages
``{"type": "error", "error": {"type", "message"}}``; Gemini and Interactions Google's
``{"error": {"code", "message", "status"}}``; Ollama ``{"error": "..."}``; MCP a JSON-RPC error
with the request's ``id``.
"""

from __future__ import annotations

from typing import Any

BAD_REQUEST = "invalid_request_error"
"""The OpenAI error type of a body guard could not read (malformed, too large, too slow)."""
UPSTREAM = "upstream_error"
"""The OpenAI error type of an upstream that could not be reached or did not answer."""


def error_body(api: str, status: int, message: str, code: str | None,
               kind: str = "guard_violation", request: Any = None) -> Any:
    """The body a caller of ``api`` receives for an error guard answers itself.

    ``kind`` is the OpenAI-shaped ``type``: ``guard_violation`` for a policy's refusal,
    :data:`BAD_REQUEST` for a body guard could not read, :data:`UPSTREAM` for an upstream
    that failed the proxy, so a caller can tell "my policy said no" from the rest.
    ``request`` is the request's body where guard read it: a JSON-RPC error echoes its id.
    """
    from guard.dialects import dialect

    return dialect(api).error_body(status, message, code, kind, request)


def wire_status(status: int, body: Any) -> int:
    """The HTTP status an error body of guard's goes out with: its own, except a JSON-RPC
    error answering a request, which is an answer like any other (see
    :func:`guard.dialects.mcp.wire_status`)."""
    from guard.dialects.mcp import wire_status as jsonrpc_status

    return jsonrpc_status(status, body)


def request_of(decision: Any) -> Any:
    """The request body a decision was made on, where guard read one (else ``None``)."""
    envelope = decision.state.get("envelope")
    return envelope.body if envelope is not None else None
