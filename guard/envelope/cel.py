"""The ``request`` CEL variable: an Envelope as plain JSON-like values.

CEL engines convert from dicts, lists, strings, numbers, booleans and None;
nothing else crosses this boundary. The body is the parsed JSON itself (not a
copy): CEL only reads it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from guard.dialects.keys import api_key
from guard.dialects.mcp import mcp_view
from guard.envelope.model import Envelope

_FIELDS: dict[str, Callable[[Envelope], Any]] = {
    "api": lambda e: e.api,
    "path": lambda e: e.path,
    "method": lambda e: e.method,
    "headers": lambda e: dict(e.headers),
    "model": lambda e: e.model,
    "provider": lambda e: e.provider,
    "stream": lambda e: e.stream,
    "max_tokens": lambda e: e.max_tokens,
    "messages": lambda e: [{"role": m.role, "text": m.text} for m in e.messages],
    "text": lambda e: e.text,
    "tags": lambda e: dict(e.tags),
    "metadata": lambda e: dict(e.metadata),
    "body": lambda e: e.body,
    "tokens": lambda e: e.tokens,
    "operation": lambda e: e.operation,
    "api_key": lambda e: api_key(e.headers, e.target.query if e.target else ""),
    "mcp": lambda e: mcp_view(e.body if e.api == "mcp" else {}),
}


def to_cel(envelope: Envelope, fields: Collection[str] | None = None) -> dict[str, Any]:
    """The fields documented under "CEL variables" in POLICY_LANGUAGE.md.

    ``fields`` limits the map to the fields policies read (``None``: all of them);
    a field no policy reads is never built or bound.
    """
    names = _FIELDS if fields is None else [f for f in fields if f in _FIELDS]
    return {name: _FIELDS[name](envelope) for name in names}
