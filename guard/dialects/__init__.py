"""Every wire format guard reads, one module each, behind one interface and this registry.

``endpoint(path)`` finds the dialect a path names; a path that names none gets the generic
view, which reads every string; a request without a path (``guard check`` of a bare body)
is read by its body's shape (:mod:`guard.dialects.sniff`). ``dialect(name)`` gives a dialect by
its ``request.api`` name (for answers and errors of a decided request).

| module | APIs |
|---|---|
| ``openai_chat`` | ``openai.chat``, ``openai.completions`` |
| ``openai_responses`` | ``openai.responses`` (and ``input_tokens``), ``openresponses`` |
| ``openai_endpoints`` | ``openai.embeddings``, ``.moderations``, ``.images``, ``.speech``, |
| | ``.conversations`` |
| ``anthropic`` | ``anthropic.messages`` (and ``count_tokens``, ``batches``) |
| ``gemini`` | ``gemini.generate`` (every text-bearing ``models/{m}:method``, Vertex too) |
| ``interactions`` | ``google.interactions`` |
| ``opper`` | ``opper.call`` (``/v3/call``, ``/v3/call/stream``) |
| ``ollama`` | ``ollama.chat``, ``ollama.generate``, ``ollama.embed`` |
| ``mcp`` | ``mcp``: Model Context Protocol tool traffic (JSON-RPC 2.0) |
| ``generic`` | ``unknown``: any other JSON body |
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from guard.dialects.anthropic import Messages
from guard.dialects.base import Answer, Dialect, Endpoint, Models, StreamState
from guard.dialects.errors import error_shape
from guard.dialects.gemini import Gemini
from guard.dialects.generic import Generic
from guard.dialects.interactions import Interactions
from guard.dialects.mcp import Mcp, is_message
from guard.dialects.ollama import DIALECTS as OLLAMA
from guard.dialects.openai_chat import Chat, Completions
from guard.dialects.openai_endpoints import Conversations, Embeddings, Images, Moderations, Speech
from guard.dialects.openai_responses import OpenResponses, Responses
from guard.dialects.opper import Call
from guard.dialects.paths import PathError, RequestPath, normalize
from guard.dialects.sniff import api_for_body

GENERIC = Generic()

DIALECTS: tuple[Dialect, ...] = (
    Chat(), Completions(), Responses(), OpenResponses(), OLLAMA["chat"], Embeddings(),
    Moderations(), Images(), Speech(), Conversations(), Messages(), Gemini(), Interactions(),
    Call(), OLLAMA["generate"], OLLAMA["embed"], Mcp(),
)  # fmt: skip
"""In the order paths are tried: Ollama's ``/api/embeddings`` before OpenAI's ``/embeddings``."""

_BY_NAME: dict[str, Dialect] = {d.name: d for d in (*DIALECTS, GENERIC)}

APIS: tuple[str, ...] = tuple(_BY_NAME)
"""Every value ``request.api`` can take."""


def dialect(name: str) -> Dialect:
    """The dialect of ``request.api`` ``name``; the generic view for a name not known."""
    return _BY_NAME.get(name, GENERIC)


@lru_cache(maxsize=4096)
def endpoint(path: RequestPath) -> Endpoint | None:
    """The endpoint a normalized path names, or ``None`` (cached: gateways see few paths)."""
    for candidate in DIALECTS:
        found = candidate.endpoint(path)
        if found is not None:
            return found
    return None


def resolve(path: RequestPath | None, body: Mapping[str, Any] | None) -> Endpoint:
    """The endpoint of a request: its path's; a path that names no API gets the generic view
    (a body that looks like chat on an unknown path could still hide text in fields chat
    calls structural), or MCP's for a JSON-RPC message (MCP reads every string of one, and
    its errors must be JSON-RPC's wherever the server is mounted); only a request without a
    path is read by its body's shape."""
    if path is not None:
        found = endpoint(path)
        if found is not None:
            return found
        return Endpoint(_BY_NAME["mcp"] if is_message(body) else GENERIC, operation="other")
    if isinstance(body, dict | Mapping):
        name = api_for_body(body)
        if name != "unknown":
            return Endpoint(_BY_NAME[name])
    return Endpoint(GENERIC, operation="other")


def bodyless(path: RequestPath, headers: Mapping[str, str]) -> Endpoint:
    """The endpoint of a request without a body, decided as an empty one (it runs no model):
    MCP's for the GET that opens a server's stream or the DELETE that ends a session; the
    API's whose stored answer the path fetches (``GET /v1/responses/{id}``), so the answer
    is read as that API's; else the generic view, which reads every string of the answer."""
    found = endpoint(path)
    if (found is not None and found.dialect.name == "mcp") or "mcp-session-id" in headers:
        return Endpoint(_BY_NAME["mcp"], operation="fetch")
    for candidate in DIALECTS:
        if candidate.retrieves(path):
            return Endpoint(candidate, operation="fetch")
    return Endpoint(GENERIC, operation="fetch")


EMPTY = {"mcp": b'{"jsonrpc": "2.0"}'}
"""What a request without a body is decided as, by API (``{}`` for the rest): MCP's is a
message that says nothing."""


def default_path(api: str) -> str:
    """The canonical path of an API (``openai.chat`` -> ``/v1/chat/completions``)."""
    if api not in _BY_NAME:
        raise ValueError(f"unknown api {api!r}; expected one of {sorted(_BY_NAME)}")
    return _BY_NAME[api].default_path


def for_path(path: str) -> Dialect:
    """The dialect a raw path names, for errors guard answers before reading a body."""
    try:
        found = endpoint(normalize(path))
    except PathError:
        return GENERIC
    return found.dialect if found is not None else GENERIC


__all__ = [
    "APIS",
    "DIALECTS",
    "EMPTY",
    "GENERIC",
    "Answer",
    "Dialect",
    "Endpoint",
    "Models",
    "PathError",
    "RequestPath",
    "StreamState",
    "bodyless",
    "default_path",
    "dialect",
    "endpoint",
    "error_shape",
    "for_path",
    "normalize",
    "resolve",
]
