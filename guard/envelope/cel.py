"""The ``request`` CEL variable: an Envelope as plain JSON-like values.

CEL engines convert from dicts, lists, strings, numbers, booleans and None;
nothing else crosses this boundary. The body is the parsed JSON itself (not a
copy): CEL only reads it.
"""

from __future__ import annotations

from typing import Any

from guard.envelope.model import Envelope


def to_cel(envelope: Envelope) -> dict[str, Any]:
    """The fields documented under "CEL variables" in POLICY_LANGUAGE.md."""
    return {
        "api": envelope.api,
        "path": envelope.path,
        "method": envelope.method,
        "headers": dict(envelope.headers),
        "model": envelope.model,
        "provider": envelope.provider,
        "stream": envelope.stream,
        "max_tokens": envelope.max_tokens,
        "messages": [{"role": m.role, "text": m.text} for m in envelope.messages],
        "text": envelope.text,
        "tags": dict(envelope.tags),
        "metadata": dict(envelope.metadata),
        "body": envelope.body,
        "tokens": envelope.tokens,
    }
