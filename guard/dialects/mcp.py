"""MCP, the Model Context Protocol: an agent's tool traffic, JSON-RPC 2.0 over Streamable HTTP.

A client POSTs one JSON-RPC message per request (a request with an ``id``, a notification
without one, or its response to a server's request); the server answers as JSON or as an SSE
stream of whole JSON-RPC messages. Where data leaves is ``tools/call``'s ``params.arguments``;
where indirect prompt injection arrives is a result's ``content[]`` (text, embedded resources),
``structuredContent``, tool descriptions of ``tools/list``, ``resources/read`` contents and
``prompts/get`` messages. So every string a client sends under ``params`` is input text, and
every string a server sends back is output text of role ``tool`` (the tool-result threshold of
the injection heuristics applies).

A path whose last segment is ``mcp`` is MCP; so is a body that is a JSON-RPC 2.0 message on a
path that names no API (:func:`guard.dialects.resolve`). Errors are JSON-RPC errors carrying
the request's ``id``: an SDK reads them as the tool call's error, where an HTTP error would
tear the 1.x client's session down (:func:`wire_status`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from guard.dialects.base import Answer, Dialect, Endpoint, StreamState
from guard.dialects.events import Event, Framing
from guard.envelope.walk import NO_SKIP, STRUCTURAL_SKIP, Collector
from guard.errors import NOT_JSON

if TYPE_CHECKING:
    from guard.dialects.paths import RequestPath

VERSION = "2.0"
ENVELOPE_KEYS = frozenset({"jsonrpc", "id", "method"})
"""The message's own framing, not text: the version, the id echoed back, the method name."""

RESULT_SKIP = STRUCTURAL_SKIP | {"blob", "nextCursor", "protocolVersion", "progressToken"}
"""Bookkeeping in a server's messages: base64 blobs, pagination cursors, versions."""

USER_DATA = frozenset({"structuredContent", "arguments"})
"""A server's fields that hold a tool's own data, where a key like ``id`` or ``type`` is text."""

CODES = {"guard_violation": -32003, "invalid_request_error": -32600, "upstream_error": -32603}
"""JSON-RPC error codes by the kind of error: a policy's refusal (in the server range the SDKs
leave free), a request guard could not read, an upstream that failed."""


METHODS = frozenset({
    "initialize", "ping", "tools/list", "tools/call", "resources/list", "resources/read",
    "resources/templates/list", "resources/subscribe", "resources/unsubscribe", "prompts/list",
    "prompts/get", "completion/complete", "logging/setLevel", "sampling/createMessage",
    "elicitation/create", "roots/list", "tasks/get", "tasks/result", "tasks/list",
    "tasks/cancel", "notifications/initialized", "notifications/cancelled",
    "notifications/progress", "notifications/message", "notifications/roots/list_changed",
    "notifications/resources/updated", "notifications/resources/list_changed",
    "notifications/tools/list_changed", "notifications/prompts/list_changed",
    "notifications/elicitation/complete", "notifications/tasks/status",
})  # fmt: skip
"""The methods of the MCP specification (2025-11-25): the decision log writes these as they
are and any other (the caller chooses it) as ``other``."""


LISTINGS = {"tools/list": "tools", "prompts/list": "prompts", "resources/list": "resources",
            "resources/templates/list": "resourceTemplates"}
"""The listing methods and the field of their result that holds the items."""

PARSE_ERROR = -32700
"""JSON-RPC's code for a body that is not JSON at all."""


def is_message(body: Any) -> bool:
    """A JSON-RPC 2.0 message (request, notification or response)."""
    return isinstance(body, dict) and body.get("jsonrpc") == VERSION


def is_batch(body: Any) -> bool:
    """A JSON array of JSON-RPC messages: a batch (dropped from MCP in 2025-06-18)."""
    return isinstance(body, list) and bool(body) and all(is_message(item) for item in body)


def is_request(body: Any) -> bool:
    """A request, which gets an answer (a notification or a response gets none)."""
    return is_message(body) and isinstance(body.get("method"), str) and body.get("id") is not None


class Mcp(Dialect):
    """MCP over Streamable HTTP."""

    name = "mcp"
    family = "jsonrpc"
    default_path = "/mcp"
    whole_events = True
    calls_models = False  # a tool call runs no model: no budget counts it

    def endpoint(self, path: RequestPath) -> Endpoint | None:
        segments = path.segments
        return Endpoint(self, operation="other") if segments and segments[-1] == "mcp" else None

    def sniff(self, body: Mapping[str, Any]) -> int:
        return 1 if is_message(body) else 0

    def read(self, c: Collector, body: Mapping[str, Any], endpoint: Endpoint) -> None:
        """Every string the client sends but the framing: parameters (a tool's arguments,
        its name, a resource's uri, a prompt's arguments), its own results and errors."""
        c.begin_message()
        for key, value in body.items():
            if key in ENVELOPE_KEYS:
                continue
            if key == "params" and isinstance(value, dict) and "arguments" in value:
                for name, item in value.items():
                    kind = "tool_arguments" if name == "arguments" else "other"
                    c.walk(item, ("params", name), "user", kind, NO_SKIP)
            else:
                c.walk(value, (key,), "user", "other", NO_SKIP)
        if c.segments:
            c.end_message("user")

    def operation(self, body: Mapping[str, Any], endpoint: Endpoint) -> str:
        return "other"

    def streamed(self, body: Mapping[str, Any], endpoint: Endpoint, query: str) -> bool:
        return False  # the server chooses JSON or SSE; guard reads either

    def read_answer(self, c: Collector, body: Any) -> Answer:
        if isinstance(body, list):
            for index, message in enumerate(body):
                _read_message(c, message, (index,))
        else:
            _read_message(c, body, ())
        return Answer()

    def listing(self, request: Mapping[str, Any], answer: Any) -> tuple[str, ...] | None:
        """A listing's items (tools, prompts, resources) are withheld one by one: a tool
        whose description carries an injection is left out, not the agent's every tool."""
        field = LISTINGS.get(request.get("method"))  # type: ignore[arg-type]
        result = answer.get("result") if isinstance(answer, dict) else None
        if field is None or not isinstance(result, dict) or not isinstance(result.get(field),
                                                                           list):
            return None
        return ("result", field)

    async def on_event(self, s: StreamState, event: Event) -> bytes:
        """Each event is one whole message: it goes through the whole output stage alone."""
        data = event.json()
        if not isinstance(data, dict | list):
            return event.raw  # a priming event (an id, no data) or a keep-alive
        checked = await s.whole(data)
        return s.error_event() if checked is None else s.emit(checked, event.name)

    def error_body(self, status: int, message: str, code: str | None,
                   kind: str = "guard_violation", request: Any = None) -> Any:
        return error(status, message, code, kind, request)

    def error_event(self, body: Any, framing: Framing) -> bytes:
        return framing.encode(body, "message")


def error(status: int, message: str, code: str | None, kind: str = "guard_violation",
          request: Any = None) -> dict[str, Any]:
    """A JSON-RPC error answering ``request`` (``id`` null when it was not read)."""
    number = PARSE_ERROR if message.startswith(NOT_JSON) else CODES.get(kind, -32003)
    rpc_id = request.get("id") if is_message(request) else None
    return {"jsonrpc": VERSION, "id": rpc_id,
            "error": {"code": number, "message": message,
                      "data": {"type": kind, "code": code, "status": status}}}


def wire_status(status: int, body: Any) -> int:
    """The HTTP status an error body goes out with: a JSON-RPC error that answers a request
    (it carries the request's id) is an answer like any other, 200; the mcp 1.x client
    tears its session down on any other status, the 2.x client reads the error at either."""
    if is_message(body) and "error" in body and body.get("id") is not None:
        return 200
    return status


def _read_message(c: Collector, message: Any, at: tuple[Any, ...]) -> None:
    if not isinstance(message, dict):
        c.walk(message, at, "tool", "tool_result", NO_SKIP)
        return
    for key, value in message.items():
        if key in ENVELOPE_KEYS:
            continue
        if isinstance(value, dict):
            for name, item in value.items():
                skip = NO_SKIP if name in USER_DATA else RESULT_SKIP
                if name not in RESULT_SKIP:
                    c.walk(item, (*at, key, name), "tool", "tool_result", skip)
        else:
            c.walk(value, (*at, key), "tool", "tool_result", RESULT_SKIP)


def mcp_view(body: Mapping[str, Any]) -> dict[str, Any]:
    """``request.mcp``: the method, the tool called and its arguments, the id."""
    params = body.get("params")
    params = params if isinstance(params, dict) else {}
    method = body.get("method") if isinstance(body.get("method"), str) else None
    calls = method == "tools/call"
    tool = params.get("name") if calls and isinstance(params.get("name"), str) else None
    arguments = params.get("arguments") if calls else None
    return {"method": method, "tool": tool, "id": body.get("id"),
            "arguments": arguments if isinstance(arguments, dict) else {}}
