"""From request bytes to an :class:`~guard.envelope.model.Envelope`.

This runs on every request, so it parses the JSON once, reads the body in place (no copies)
and computes every derived field up front: checks then only read attributes. What each API
means is its dialect's business (:mod:`guard.dialects`); this module only asks.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from guard.cel.values import may_hold_nul
from guard.dialects import Endpoint, RequestPath, normalize, resolve
from guard.dialects.mcp import is_batch
from guard.dialects.models import infer_provider, qualify
from guard.envelope.model import Envelope
from guard.envelope.strict import AmbiguousJSON, loads_strict
from guard.envelope.tokens import estimate_segments
from guard.envelope.walk import Collector
from guard.errors import NOT_JSON, RequestError
from guard.offload import weight

_JSON_TYPES = {list: "list", str: "string", int: "number", float: "number", bool: "boolean"}


class UnusableJSON(RequestError):
    """A body that is JSON, but not one guard can forward: ambiguous, not an object, too deep."""

    code = "invalid_request"


class JsonRpcBatch(UnusableJSON):
    """A JSON array of JSON-RPC messages: MCP dropped batches (2025-06-18), and one decision
    per message is what every policy, log line and error body assumes."""

    code = "jsonrpc_batch"


def decode_body(body: bytes | bytearray | str | Mapping[str, Any]) -> dict[str, Any]:
    """The body as a JSON object; RequestError if it is not JSON, not an object, or JSON
    that parsers read differently (:mod:`guard.envelope.strict`).

    A Mapping is used as is (a non-dict Mapping is copied once into a dict).
    """
    if isinstance(body, dict):
        return body
    if not isinstance(body, bytes | bytearray | str):
        return dict(body)
    try:
        value = loads_strict(body)
    except AmbiguousJSON as exc:
        raise UnusableJSON(f"request body is ambiguous JSON: {exc}") from exc
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise RequestError(f"{NOT_JSON}: {exc.msg} at {where}") from exc
    except RecursionError as exc:
        raise UnusableJSON("request body is nested too deeply") from exc
    except ValueError as exc:  # UnicodeDecodeError, NaN/Infinity, a number too long
        raise RequestError(f"{NOT_JSON}: {exc}") from exc
    if is_batch(value):
        raise JsonRpcBatch("JSON-RPC batches are not accepted: send one message per request")
    if not isinstance(value, dict):
        got = _JSON_TYPES.get(type(value), "null")
        raise UnusableJSON(f"request body must be a JSON object, got {got}")
    return value


def parse_request(
    body: bytes | bytearray | str | Mapping[str, Any],
    *,
    path: str | RequestPath = "",
    method: str = "POST",
    headers: Mapping[str, str] | None = None,
    nul_free: bool = False,
) -> Envelope:
    """Parse and normalize one LLM request.

    Raises RequestError for a body that is not a JSON object (or nested deeper than
    :data:`~guard.envelope.walk.MAX_DEPTH`, or ambiguous) and for a path that cannot be
    read one way only (:class:`~guard.dialects.PathError`); any JSON object, however odd,
    gives an Envelope. ``nul_free``: the caller knows a parsed ``body`` holds no NUL
    character (JSON text is checked here).
    """
    data = decode_body(body)
    target = path if isinstance(path, RequestPath) else (normalize(path) if path else None)
    lowered = {str(k).lower(): v for k, v in headers.items()} if headers else {}
    return read_envelope(data, target, resolve(target, data), method, lowered,
                         (nul_free or text_nul_free(body)))


def read_envelope(data: dict[str, Any], target: RequestPath | None, found: Endpoint,
                  method: str, headers: Mapping[str, str], nul_free: bool) -> Envelope:
    """The envelope of a decoded body whose endpoint is known (``headers`` by lower-case
    name, as :func:`parse_request` and ``Guard.check_request`` give them)."""
    dialect = found.dialect
    collector = Collector()
    dialect.read(collector, data, found)
    segments = tuple(collector.segments)
    messages = tuple(collector.messages)
    models = dialect.models(data, found)
    provider = infer_provider(models.model, dialect.provider)
    return Envelope(
        api=dialect.name,
        path=target.path if target is not None else "",
        method=method.upper(),
        headers=headers,
        body=data,
        model=models.model,
        provider=provider,
        qualified_model=qualify(models.model, provider),
        fallback_models=models.fallbacks,
        stream=dialect.streamed(data, found, target.query if target else ""),
        max_tokens=_clamped(dialect.max_tokens(data)),
        messages=messages,
        segments=segments,
        tags=_mapping(data.get("tags")),
        metadata=_mapping(data.get("metadata")),
        tokens=estimate_segments(dialect.conversational, segments, len(messages)),
        operation=dialect.operation(data, found),
        choices=dialect.choices(data),
        token_ids=dialect.token_ids(data),
        other_models=models.others,
        endpoint=found,
        target=target,
        nul_free=nul_free and _fields_nul_free(target, headers),
        weight=weight(segments),
    )


def text_nul_free(body: object) -> bool:
    """Whether JSON text can hold no NUL: strict JSON writes one only as ``\\u0000``
    (a raw control character is refused), so a substring search decides it at C
    speed, where walking the parsed strings costs microseconds per kilobyte. A
    ``\\u0000`` after an escaped backslash is no NUL; it only costs the walk."""
    if isinstance(body, str):  # no backslash at all (one memchr): no escape, no NUL either
        return ("\\" not in body or "\\u0000" not in body) and "\x00" not in body
    if isinstance(body, bytes | bytearray):
        return (b"\\" not in body or b"\\u0000" not in body) and b"\x00" not in body
    return False


def _fields_nul_free(target: RequestPath | None, headers: Mapping[str, str]) -> bool:
    if target is not None and "\x00" in target.path:
        return False
    try:  # one search over all names and values, instead of one per header
        return "\x00" not in "".join(headers) and "\x00" not in "".join(headers.values())
    except TypeError:  # a caller's headers that are not all strings
        return not any("\x00" in str(k) or "\x00" in str(v) for k, v in headers.items())


def with_models(envelope: Envelope, body: Mapping[str, Any]) -> Envelope:
    """``envelope`` over ``body`` whose only changes are its model fields.

    Route policies rewrite ``model`` and the fallback fields, which hold no scanned text,
    so the segments stay valid and the body need not be read again.
    """
    models = envelope.dialect.models(body, envelope.endpoint)
    provider = infer_provider(models.model, envelope.dialect.provider)
    nul_free = envelope.nul_free and not may_hold_nul((models.model, models.fallbacks))
    return replace(envelope, body=body, model=models.model, provider=provider,
                   qualified_model=qualify(models.model, provider),
                   fallback_models=models.fallbacks, other_models=models.others,
                   nul_free=nul_free)


MAX_CAP = 2**53
"""The largest output cap taken as given: a larger integer (JSON has no limit, JavaScript
reads it as Infinity) is read as this, which no budget admits, and costs stay floats."""


def _clamped(cap: int | None) -> int | None:
    return cap if cap is None or cap <= MAX_CAP else MAX_CAP


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}
